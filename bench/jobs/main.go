// Command jobs is the background-jobs benchmark (`just bench-jobs`, through
// bench/jobs/run.sh, which builds the server): on a durable (fsync on)
// throwaway PostgreSQL it measures, in one run,
//
//  1. the limit: River's own throughput for an empty job, N jobs inserted
//     with InsertMany and worked by River clients built as the PostgreSQL
//     adapter builds its runner (riverdatabasesql with a pgx listener, pools
//     of their own), in 1 and in 2 processes of W workers each; once with
//     the product's fetch settings and once with River's shortest fetch
//     cooldown;
//  2. insights completed per second by the real binary: one `chatlens
//     serve` with no workers (API only) takes many insight requests from
//     32 clients while 1, then 2 `chatlens worker` processes (W workers
//     each) generate them; timed from the first request to the last insight
//     ready, and over the workers' busy window;
//  3. the AI insights (summary, main-topics, tone) written by the local
//     writer (no AI URL: the built-in one), of the same chats: requested
//     with no worker running, then made by one `chatlens worker` process;
//  4. the insight request's latency under 32 concurrent clients (API only),
//     spread over 32 users and all on one user, beside GET /health at the
//     same concurrency (the HTTP floor); and of the AI types, over 32 users.
//
// Every phase also reports, per job or request, the write transactions and
// WAL bytes it cost and the CPU of each process, so that the figures say
// where the time goes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

type options struct {
	server        string
	out           string
	requests      int
	aiRequests    int
	limitJobs     int
	users         int
	messages      int
	clients       int
	workers       int
	rounds        int
	duration      time.Duration
	hotDuration   time.Duration
	floorDuration time.Duration
	skipLatency   bool
	skipAI        bool
	statements    bool
	profile       bool
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == riverChildFlag {
		if err := riverChild(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench-jobs river child:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.server, "server", "bench/out/jobs/chatlens-bench-jobs", "the chatlens binary to run")
	flag.StringVar(&o.out, "out", "bench/out/jobs", "directory for logs and results")
	flag.IntVar(&o.requests, "requests", 2000, "insight requests per throughput phase (each a new generation of its own (chat, type))")
	flag.IntVar(&o.aiRequests, "ai-requests", 2000, "AI insight requests of the AI run (each a new generation of its own (chat, AI type), of the chats the other phases use: at most 3 per chat)")
	flag.IntVar(&o.limitJobs, "limit-jobs", 1000, "empty jobs per River limit run (at the product settings a process takes 8 per 100 ms: 1,000 is 12 s)")
	flag.IntVar(&o.users, "users", 32, "users owning the chats (the latency phase's clients each use one)")
	flag.IntVar(&o.messages, "messages", 300, "messages per generated chat")
	flag.IntVar(&o.clients, "clients", 32, "concurrent HTTP clients")
	flag.IntVar(&o.workers, "workers", 8, "workers per worker process (chatlens worker's default), and per River limit process")
	flag.IntVar(&o.rounds, "rounds", 1, "rounds of the limit and throughput phases (interleaved; medians reported)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of the insight-request latency run over 32 users")
	flag.DurationVar(&o.hotDuration, "hot-duration", 5*time.Second, "length of the latency run on one user")
	flag.DurationVar(&o.floorDuration, "floor-duration", 5*time.Second, "length of the GET /health run")
	flag.BoolVar(&o.skipLatency, "no-latency", false, "skip the latency phase")
	flag.BoolVar(&o.skipAI, "no-ai", false, "skip the AI types' run and latency")
	flag.BoolVar(&o.statements, "statements", false, "load pg_stat_statements and print the costliest statements of each drained insights phase (slows PostgreSQL a little)")
	flag.BoolVar(&o.profile, "profile", false, "CPU-profile the API process during the latency run over 32 users (out/cpu-serve-request.prof)")
	flag.Parse()
	if o.requests < 1 || o.aiRequests < 1 || o.users < 1 || o.clients < 1 || o.workers < 1 || o.rounds < 1 || o.limitJobs < 1 {
		fmt.Fprintln(os.Stderr, "bench-jobs: counts must be positive")
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-jobs:", err)
		os.Exit(1)
	}
}

// env is what the run measured on, printed with the figures.
type env struct {
	CPUs      int      `json:"cpus"`
	CPU       string   `json:"cpu"`
	MemTotal  string   `json:"mem_total"`
	Go        string   `json:"go"`
	Postgres  string   `json:"postgres"`
	Loads     []string `json:"loads"` // phase: load average, in order
	StartedAt string   `json:"started_at"`
}

func (e *env) load(phase string) {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	l := "unknown"
	if len(f) >= 3 {
		l = strings.Join(f[:3], " ")
	}
	e.Loads = append(e.Loads, phase+": "+l)
	fmt.Printf("--- %s (load average %s)\n", phase, l)
}

func machine() env {
	e := env{CPUs: runtime.NumCPU(), Go: runtime.Version(), StartedAt: time.Now().UTC().Format(time.RFC3339)}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				e.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				e.MemTotal = strings.TrimSpace(v)
			}
		}
	}
	return e
}

// results is everything the run measured, written as JSON to the out
// directory and printed as tables.
type results struct {
	Env        env          `json:"env"`
	Options    string       `json:"options"`
	Throughput []throughput `json:"throughput"`
	Latency    []latency    `json:"latency"`
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	res := &results{Env: machine(), Options: strings.Join(os.Args[1:], " ")}
	res.Env.load("start")
	b, err := setUp(ctx, o, res)
	if err != nil {
		return err
	}
	defer b.close()
	fmt.Printf("machine: %d CPUs (%s), %s RAM, %s, PostgreSQL %s (fsync, synchronous_commit and full_page_writes on)\n",
		res.Env.CPUs, res.Env.CPU, res.Env.MemTotal, res.Env.Go, res.Env.Postgres)

	err = b.measure(ctx)
	res.Env.load("end")
	data, _ := json.MarshalIndent(res, "", "  ")
	if werr := os.WriteFile(filepath.Join(o.out, "results.json"), data, 0o644); werr != nil && err == nil {
		err = werr
	}
	printSummary(res, o)
	if derr := b.api.died(); derr != nil {
		err = fmt.Errorf("%w (the API server: %w)", err, derr)
	}
	return err
}

// measure runs the rounds of the limit and throughput phases, then the
// latency phase. What was measured stays in b.res when a phase fails.
func (b *bench) measure(ctx context.Context) error {
	for r := 1; r <= b.o.rounds; r++ {
		for _, procs := range []int{1, 2} {
			for _, l := range limitConfigs {
				b.res.Env.load(fmt.Sprintf("round %d: River limit, %s, %d process(es)", r, l.name, procs))
				t, err := b.riverLimit(ctx, l, procs)
				if err != nil {
					return fmt.Errorf("river limit (%s, %d processes): %w", l.name, procs, err)
				}
				t.Round = r
				b.res.Throughput = append(b.res.Throughput, t)
				t.print()
			}
			b.res.Env.load(fmt.Sprintf("round %d: insights, %d worker process(es)", r, procs))
			ts, err := b.insights(ctx, procs)
			for _, t := range ts {
				t.Round = r
				b.res.Throughput = append(b.res.Throughput, t)
				t.print()
			}
			if err != nil {
				return fmt.Errorf("insights (%d worker processes): %w", procs, err)
			}
		}
		if b.o.skipAI {
			continue
		}
		b.res.Env.load(fmt.Sprintf("round %d: AI insights (local writer), 1 worker process", r))
		t, err := b.aiInsights(ctx)
		t.Round = r
		b.res.Throughput = append(b.res.Throughput, t)
		t.print()
		if err != nil {
			return fmt.Errorf("AI insights: %w", err)
		}
	}
	if b.o.skipLatency {
		return nil
	}
	return b.latencies(ctx)
}
