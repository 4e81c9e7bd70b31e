// Command credits is the lock-policy benchmark (`just bench-credits`): 32
// goroutines spend 1 credit at a time through the credits service on a
// durable (fsync on) throwaway PostgreSQL, spread over 1,000 accounts and on
// one hot account, for each lock policy and a few backoff settings. In the
// same run pgbench drives the equivalent SQL transaction, the limit; the two
// are interleaved round by round and the medians compared.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/chatlens/chatlens/ports"
)

// contenders are the configurations measured: the original design (NOWAIT
// at REPEATABLE READ), NOWAIT at READ COMMITTED, a bounded wait at READ
// COMMITTED, and NOWAIT under faster and slower backoff. The -2proc ones
// split the same workers across two OS processes, as two API processes
// would be: the row gate queues waiters only within a process (procs.go).
var contenders = []contender{
	{"nowait-rr", ports.RepeatableRead, ports.LockNoWait, 2 * time.Millisecond, 100 * time.Millisecond, 1},
	{"nowait-rr-2proc", ports.RepeatableRead, ports.LockNoWait, 2 * time.Millisecond, 100 * time.Millisecond, 2},
	{"nowait-rc", ports.ReadCommitted, ports.LockNoWait, 2 * time.Millisecond, 100 * time.Millisecond, 1},
	{"wait-rc", ports.ReadCommitted, ports.LockWait, 2 * time.Millisecond, 100 * time.Millisecond, 1},
	{"wait-rc-2proc", ports.ReadCommitted, ports.LockWait, 2 * time.Millisecond, 100 * time.Millisecond, 2},
	{"nowait-rr-fast", ports.RepeatableRead, ports.LockNoWait, 500 * time.Microsecond, 20 * time.Millisecond, 1},
	{"nowait-rr-slow", ports.RepeatableRead, ports.LockNoWait, 5 * time.Millisecond, 250 * time.Millisecond, 1},
	{"wait-rc-fast", ports.ReadCommitted, ports.LockWait, 500 * time.Microsecond, 20 * time.Millisecond, 1},
}

type scenario struct {
	name     string
	accounts int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == childFlag {
		if err := childMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench-credits child:", err)
			os.Exit(1)
		}
		return
	}
	var (
		workers     = flag.Int("workers", 32, "concurrent spenders (goroutines, and pgbench clients)")
		accounts    = flag.Int("accounts", 1000, "accounts in the spread scenario")
		duration    = flag.Duration("duration", 5*time.Second, "length of each run (whole seconds)")
		rounds      = flag.Int("rounds", 5, "interleaved rounds of every contender and pgbench")
		attempts    = flag.Int("attempts", ports.DefaultRetryPolicy().Attempts, "unit-of-work attempts")
		lockTimeout = flag.Duration("lock-timeout", ports.DefaultStoreOptions().LockTimeout, "bound of a waiting lock")
		only        = flag.String("only", "", "comma-separated contender names to run (default all)")
		cpuprofile  = flag.String("cpuprofile", "", "write a CPU profile of this process (our side, not the -2proc children) to the file")
	)
	flag.StringVar(&pgbenchMode, "pgbench-mode", pgbenchMode, "pgbench protocol: prepared (the limit) or extended")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-credits:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench-credits:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*workers, *accounts, *duration, *rounds, *attempts, *lockTimeout, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench-credits:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(workers, accounts int, d time.Duration, rounds, attempts int, lockTimeout time.Duration, only string) error {
	ctx := context.Background()
	chosen := contenders
	if only != "" {
		chosen = nil
		for _, c := range contenders {
			if strings.Contains(","+only+",", ","+c.name+",") {
				chosen = append(chosen, c)
			}
		}
	}
	cluster, err := setup(ctx, accounts, nil)
	if err != nil {
		return err
	}
	defer cluster.Stop()
	dsn := cluster.DSN(dbName)
	seeded, err := invariant(ctx, dsn)
	if err != nil {
		return err
	}
	fmt.Printf("PostgreSQL with fsync on, %d workers, %v per run, %d rounds, %d attempts, lock timeout %v\n\n",
		workers, d, rounds, attempts, lockTimeout)

	scenarios := []scenario{{"spread", accounts}, {"hot", 1}}
	results := map[string][]result{} // scenario/contender -> rounds
	var successes int64
	for round := 1; round <= rounds; round++ {
		for _, sc := range scenarios {
			lim, err := runPgbench(ctx, cluster, workers, sc.accounts, d)
			if err != nil {
				return err
			}
			report(round, sc.name, "pgbench (limit)", lim)
			results[sc.name+"/pgbench"] = append(results[sc.name+"/pgbench"], lim)
			successes += lim.ops
			for _, c := range chosen {
				r, err := measure(ctx, dsn, c, workers, d, sc.accounts, lockTimeout, attempts)
				if err != nil {
					return fmt.Errorf("%s %s: %w", sc.name, c.name, err)
				}
				report(round, sc.name, c.name, r)
				results[sc.name+"/"+c.name] = append(results[sc.name+"/"+c.name], r)
				successes += r.ops
			}
		}
	}
	entries, err := invariant(ctx, dsn)
	if err != nil {
		return err
	}
	if entries != seeded+successes {
		return fmt.Errorf("ledger holds %d entries; want %d seeded + %d successful spends", entries, seeded, successes)
	}
	fmt.Printf("\ninvariant holds: every balance equals its ledger sum and none is negative; %d spends, one ledger entry each\n\n", successes)
	printSummary(scenarios, chosen, results)
	return nil
}

// measure runs contender c in this process, or across its processes.
func measure(ctx context.Context, dsn string, c contender, workers int, d time.Duration, accounts int, lockTimeout time.Duration, attempts int) (result, error) {
	if c.procs > 1 {
		return runProcs(ctx, dsn, c, workers, d, accounts, lockTimeout, attempts)
	}
	return runOurs(ctx, dsn, c, workers, d, picker(accounts), lockTimeout, attempts)
}

// picker chooses the account of each spend: uniformly among n, or the one.
func picker(n int) func(worker, i int) int {
	if n == 1 {
		return func(int, int) int { return 1 }
	}
	return func(int, int) int { return 1 + rand.IntN(n) }
}

func report(round int, sc, name string, r result) {
	fmt.Printf("round %d %-6s %-16s %8.0f ops/s  p50 %-9v p99 %-9v busy %6.3f%%  retries/op %.3f\n",
		round, sc, name, r.opsPerSec(), r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond),
		100*r.busyRate(), r.retriesPerOp())
}

// targets from the issue: spread >= 0.7 of the limit with busy <= 0.1%;
// hot >= 0.5 of the limit, busy <= 1%, p99 <= 300 ms.
func meets(sc string, s summary, ratio float64) bool {
	if sc == "spread" {
		return ratio >= 0.7 && s.busyRate <= 0.001
	}
	return ratio >= 0.5 && s.busyRate <= 0.01 && s.p99 <= 300*time.Millisecond
}

func printSummary(scenarios []scenario, chosen []contender, results map[string][]result) {
	fmt.Println("| scenario | contender | ops/s (median) | ours/limit | p50 | p99 | busy | retries/op | targets |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---|")
	for _, sc := range scenarios {
		lim := summarize(results[sc.name+"/pgbench"])
		fmt.Printf("| %s | pgbench (limit) | %.0f | 1.00 | %v | %v | - | - | |\n",
			sc.name, lim.opsPerSec, lim.p50.Round(10*time.Microsecond), lim.p99.Round(10*time.Microsecond))
		for _, c := range chosen {
			s := summarize(results[sc.name+"/"+c.name])
			ratio := s.opsPerSec / lim.opsPerSec
			ok := "met"
			if !meets(sc.name, s, ratio) {
				ok = "missed"
			}
			fmt.Printf("| %s | %s | %.0f | %.2f | %v | %v | %.3f%% | %.3f | %s |\n",
				sc.name, c, s.opsPerSec, ratio, s.p50.Round(10*time.Microsecond), s.p99.Round(10*time.Microsecond),
				100*s.busyRate, s.retriesPerOp, ok)
		}
	}
}
