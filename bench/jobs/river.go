package main

// The limit: River's own throughput for a job that does nothing, worked
// by clients built as the PostgreSQL adapter builds its runner
// (adapters/postgres/jobs_runner.go: riverdatabasesql on a database/sql
// pool over pgx, with a pgx listener for LISTEN, pools of its own), each
// in a process of its own: the benchmark binary re-executed with
// riverChildFlag. The protocol, over each child's stdin and stdout: the
// child starts its client and prints "ready"; the parent inserts the jobs
// with InsertMany (one transaction) and waits until every one is
// completed; it then closes the child's stdin, and the child stops its
// client and exits.

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/chatlens/chatlens/adapters/postgres"
)

// riverChildFlag, first on the command line, makes the binary a River
// limit child.
const riverChildFlag = "-river-child"

// limitConfig is one configuration of the limit's clients.
type limitConfig struct {
	name string
	// fetchCooldown is River's least time between two fetches of a
	// client's producer; a fetch takes at most MaxWorkers jobs less those
	// running.
	fetchCooldown time.Duration
}

// limitConfigs: the product's settings (the adapter's cooldown,
// postgres.FetchCooldown, 10 ms: min(FetchCooldown, PollInterval of 1 s)),
// River's default cooldown (100 ms, which the adapter used before this
// benchmark showed it capped a process at 80 jobs/s), and River's shortest
// cooldown, the most a client of W workers can fetch.
var limitConfigs = []limitConfig{
	{fmt.Sprintf("product settings (fetch cooldown %s)", postgres.FetchCooldown), postgres.FetchCooldown},
	{"River's default (fetch cooldown 100 ms)", river.FetchCooldownDefault},
	{"fetch cooldown 1 ms", river.FetchCooldownMin},
}

// emptyArgs is the limit's job: no arguments, nothing to do.
type emptyArgs struct{}

func (emptyArgs) Kind() string { return "bench.empty" }

type emptyWorker struct {
	river.WorkerDefaults[emptyArgs]
}

func (emptyWorker) Work(context.Context, *river.Job[emptyArgs]) error { return nil }

// riverLimit inserts o.limitJobs empty jobs and times their completion by
// procs children of o.workers workers each.
func (b *bench) riverLimit(ctx context.Context, l limitConfig, procs int) (throughput, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // on an early return, kills the children
	exe, err := os.Executable()
	if err != nil {
		return throughput{}, err
	}
	var pids []int
	kids := make([]*riverKid, procs)
	for i := range kids {
		if kids[i], err = startRiverKid(ctx, exe, b.limitDSN, b.o.workers, l.fetchCooldown); err != nil {
			return throughput{}, err
		}
		defer kids[i].finish()
		pids = append(pids, kids[i].cmd.Process.Pid)
	}
	for _, k := range kids {
		if err := k.ready(); err != nil {
			return throughput{}, err
		}
	}
	inserter, err := river.NewClient(riverdatabasesql.New(b.limitDB), &river.Config{Logger: quietLogger()})
	if err != nil {
		return throughput{}, err
	}
	var before int64
	if err := b.limitDB.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM river_job`).Scan(&before); err != nil {
		return throughput{}, err
	}
	params := make([]river.InsertManyParams, b.o.limitJobs)
	for i := range params {
		params[i] = river.InsertManyParams{Args: emptyArgs{}}
	}
	from, err := b.take(ctx, b.limitDB, pids)
	if err != nil {
		return throughput{}, err
	}
	began := time.Now()
	if _, err := inserter.InsertMany(ctx, params); err != nil {
		return throughput{}, fmt.Errorf("inserting the jobs: %w", err)
	}
	inserted := time.Since(began)
	done, err := waitFor(ctx, 20*time.Millisecond, 5*time.Minute, func() (bool, error) {
		var n int
		err := b.limitDB.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE id > $1 AND state = 'completed'`, before).Scan(&n)
		return n >= b.o.limitJobs, err
	})
	if err != nil {
		return throughput{}, fmt.Errorf("waiting for the jobs: %w", err)
	}
	to, err := b.take(ctx, b.limitDB, pids)
	if err != nil {
		return throughput{}, err
	}
	t := throughput{
		What: "River, empty job: " + l.name, Kind: "limit", Config: l.name, Procs: procs, Workers: b.o.workers,
		Jobs: b.o.limitJobs, Wall: done.Sub(began).Seconds(), Enqueued: inserted.Seconds(),
		Cost: costOf(from, to, b.o.limitJobs),
	}
	t.Busy, err = busyWindow(ctx, b.limitDB, before, "bench.empty")
	return t, err
}

// riverKid is the parent's handle on one limit child.
type riverKid struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer
	waited bool
}

func startRiverKid(ctx context.Context, exe, dsn string, workers int, cooldown time.Duration) (*riverKid, error) {
	k := &riverKid{cmd: exec.CommandContext(ctx, exe, riverChildFlag,
		"-dsn", dsn, "-workers", strconv.Itoa(workers), "-fetch-cooldown", cooldown.String())}
	k.cmd.Stderr = &k.stderr
	var err error
	if k.stdin, err = k.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := k.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	k.stdout = bufio.NewReader(out)
	return k, k.cmd.Start()
}

func (k *riverKid) ready() error {
	line, err := k.stdout.ReadString('\n')
	if line != "ready\n" {
		_ = k.cmd.Process.Kill()
		_ = k.cmd.Wait()
		k.waited = true
		return fmt.Errorf("river child not ready (%q): %v\n%s", line, err, bytes.TrimSpace(k.stderr.Bytes()))
	}
	return nil
}

// finish tells the child to stop and waits for it.
func (k *riverKid) finish() {
	k.stdin.Close()
	if k.waited {
		return
	}
	if err := k.cmd.Wait(); err != nil {
		fmt.Fprintf(os.Stderr, "river child %d: %v\n%s\n", k.cmd.Process.Pid, err, bytes.TrimSpace(k.stderr.Bytes()))
	}
}

// riverChild is the child's side of the protocol.
func riverChild(args []string) error {
	fs := flag.NewFlagSet("jobs "+riverChildFlag, flag.ContinueOnError)
	dsn := fs.String("dsn", "", "database of the jobs")
	workers := fs.Int("workers", 8, "River's MaxWorkers of the default queue")
	cooldown := fs.Duration("fetch-cooldown", river.FetchCooldownDefault, "River's FetchCooldown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// As the adapter's runnerPool: workers + 4 connections, LISTEN on one.
	pc, err := pgxpool.ParseConfig(*dsn)
	if err != nil {
		return err
	}
	pc.MaxConns = int32(*workers + 4)
	pc.ConnConfig.RuntimeParams["application_name"] = "bench-river-limit"
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return err
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	ws := river.NewWorkers()
	river.AddWorker(ws, &emptyWorker{})
	client, err := river.NewClient(riverdatabasesql.NewWithPgxListener(db, pool), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: *workers}},
		Workers:           ws,
		FetchCooldown:     *cooldown,
		FetchPollInterval: time.Second, // the adapter's default PollInterval
		Logger:            quietLogger(),
	})
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := client.Start(ctx); err != nil {
		return err
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
	stop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return client.Stop(stop)
}

// quietLogger is River's logger: warnings and errors on standard error.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
