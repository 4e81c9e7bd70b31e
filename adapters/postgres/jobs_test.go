package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The River-specific behaviour of the job queue; the port's own cases are
// porttest's. Every test has its own database and runners.

const waitJob = 10 * time.Second

// startRunner runs a runner on s until the test ends, or until the
// returned stop is called; stop returns Run's error.
func startRunner(t *testing.T, s *postgres.Store, cfg ports.RunnerConfig) (stop func() error) {
	t.Helper()
	r, err := s.NewRunner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(time.Minute):
				runErr = errors.New("Run did not return")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	return stop
}

// fastRunner is a runner's configuration for tests: quick retries and
// shutdown.
func fastRunner(handlers ...ports.JobHandler) ports.RunnerConfig {
	return ports.RunnerConfig{Handlers: handlers, Workers: 2, BackoffBase: 10 * time.Millisecond,
		BackoffMax: 50 * time.Millisecond, ShutdownTimeout: time.Second, PollInterval: 200 * time.Millisecond}
}

func enqueue(t *testing.T, s *postgres.Store, j ports.NewJob) (string, bool) {
	t.Helper()
	var (
		id  string
		dup bool
	)
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
		id, dup, err = tx.Jobs().Enqueue(ctx, j)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, dup
}

func getJob(t *testing.T, s *postgres.Store, id string) (ports.Job, error) {
	t.Helper()
	var job ports.Job
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
		job, err = tx.Jobs().Get(ctx, id)
		return err
	}, ports.ReadOnly())
	return job, err
}

func cancelJob(t *testing.T, s *postgres.Store, id string) {
	t.Helper()
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		return tx.Jobs().Cancel(ctx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls the job until ok says it is where the test wants it.
func waitFor(t *testing.T, s *postgres.Store, id string, ok func(ports.Job) bool) ports.Job {
	t.Helper()
	deadline := time.Now().Add(waitJob)
	for {
		j, err := getJob(t, s, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s stayed %+v", id, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func inState(states ...ports.JobState) func(ports.Job) bool {
	return func(j ports.Job) bool { return slices.Contains(states, j.State) }
}

// effects makes a table handlers write to, and counts its rows by job.
func effects(t *testing.T, s *postgres.Store) func(job string) int {
	t.Helper()
	ctx := context.Background()
	if _, err := s.DB().ExecContext(ctx, "CREATE TABLE job_effects (job text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return func(job string) int {
		var n int
		if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM job_effects WHERE job = ?", job).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func writeEffect(run *ports.JobRun) func(ctx context.Context, tx ports.Tx) error {
	return func(ctx context.Context, tx ports.Tx) error {
		return postgres.TxExec(ctx, tx, "INSERT INTO job_effects (job) VALUES (?)", run.ID)
	}
}

// A job enqueued by a unit that rolls back does not exist; one that
// commits runs once, and its handler's writes commit with its completion.
func TestJobsRunOnceWhenCommitted(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	count := effects(t, s)
	var lost string
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
		lost, _, err = tx.Jobs().Enqueue(ctx, ports.NewJob{Kind: "effect", Args: []byte(`{"n":1}`)})
		if err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil || lost == "" {
		t.Fatalf("the unit: %v, id %q", err, lost)
	}
	if _, err := getJob(t, s, lost); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("a rolled-back job: %v; want not found", err)
	}
	id, _ := enqueue(t, s, ports.NewJob{Kind: "effect", Args: []byte(`{"n": 2}`)})
	var runs sync.Map
	var events []ports.JobEvent
	var mu sync.Mutex
	cfg := fastRunner(ports.JobHandler{Kind: "effect", Work: func(ctx context.Context, run *ports.JobRun) error {
		n, _ := runs.LoadOrStore(run.ID, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if string(run.Args) != `{"n":2}` || run.Attempt != 1 || run.MaxAttempts != 25 {
			t.Errorf("run %+v", run)
		}
		return run.Complete(ctx, writeEffect(run))
	}})
	cfg.OnEvent = func(e ports.JobEvent) { mu.Lock(); events = append(events, e); mu.Unlock() }
	startRunner(t, s, cfg)
	j := waitFor(t, s, id, inState(ports.JobCompleted))
	if j.Attempt != 1 || j.MaxAttempts != 25 || len(j.Errors) != 0 || string(j.Args) != `{"n":2}` {
		t.Fatalf("completed job %+v", j)
	}
	time.Sleep(300 * time.Millisecond) // a second run would have begun by now
	if n, _ := runs.Load(id); n == nil || n.(*atomic.Int32).Load() != 1 || count(id) != 1 {
		t.Fatalf("runs %v, effects %d; want one each", n, count(id))
	}
	if _, ok := runs.Load(lost); ok {
		t.Fatal("the rolled-back job ran")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 || events[0].Kind != "effect" || events[0].Outcome != ports.JobOutcomeCompleted {
		t.Fatalf("events %+v", events)
	}
	counts, err := s.Counts(context.Background())
	if err != nil || counts["effect"][ports.JobCompleted] != 1 {
		t.Fatalf("Counts = %v, %v", counts, err)
	}
}

// A job cancelled while it runs cannot complete: the handler's writes
// roll back with the refused completion, and the job ends cancelled with
// no error recorded.
func TestJobsCancelledWhileRunningCannotComplete(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	count := effects(t, s)
	started, release := make(chan string, 1), make(chan struct{})
	completeErr := make(chan error, 1)
	startRunner(t, s, fastRunner(ports.JobHandler{Kind: "slow", Work: func(ctx context.Context, run *ports.JobRun) error {
		started <- run.ID
		<-release
		err := run.Complete(context.WithoutCancel(ctx), writeEffect(run))
		completeErr <- err
		return err
	}}))
	id, _ := enqueue(t, s, ports.NewJob{Kind: "slow"})
	<-started
	cancelJob(t, s, id)
	if j, _ := getJob(t, s, id); j.State != ports.JobCancelled {
		t.Fatalf("a running job after Cancel: %s; want cancelled", j.State)
	}
	close(release)
	if err := <-completeErr; !errors.Is(err, core.ErrConflict) {
		t.Fatalf("Complete of a cancelled job: %v", err)
	}
	j := waitFor(t, s, id, func(j ports.Job) bool { return j.State == ports.JobCancelled && j.Attempt == 1 })
	time.Sleep(300 * time.Millisecond)
	if j, _ = getJob(t, s, id); j.State != ports.JobCancelled || len(j.Errors) != 0 || count(id) != 0 {
		t.Fatalf("job %+v, effects %d; want cancelled, no errors, no effect", j, count(id))
	}

	// Queued, it never runs; unknown ids change nothing.
	queued, _ := enqueue(t, s, ports.NewJob{Kind: "never"})
	cancelJob(t, s, queued)
	cancelJob(t, s, "123456789")
	cancelJob(t, s, "not-a-number")
	if j, _ := getJob(t, s, queued); j.State != ports.JobCancelled {
		t.Fatalf("a queued job after Cancel: %s", j.State)
	}
	if _, err := getJob(t, s, "not-a-number"); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Get of a malformed id: %v", err)
	}
}

// A unique job is unique by kind and args, however the args are spelled,
// until it is cancelled.
func TestJobsUniqueByArgs(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	first, dup := enqueue(t, s, ports.NewJob{Kind: "u", Args: []byte(`{"a":1,"b":[2]}`), Unique: true, Timeout: time.Second})
	if dup {
		t.Fatal("the first is a duplicate")
	}
	again, dup := enqueue(t, s, ports.NewJob{Kind: "u", Args: []byte(` {"b": [2], "a": 1}`), Unique: true, Timeout: 2 * time.Second})
	if !dup || again != first {
		t.Fatalf("the same job again: %s, %v; want %s, duplicate", again, dup, first)
	}
	for _, j := range []ports.NewJob{
		{Kind: "u", Args: []byte(`{"a":2,"b":[2]}`), Unique: true},
		{Kind: "v", Args: []byte(`{"a":1,"b":[2]}`), Unique: true},
		{Kind: "u", Args: []byte(`{"a":1,"b":[2]}`)},
	} {
		if id, dup := enqueue(t, s, j); dup || id == first {
			t.Fatalf("%s %s (unique %v): %s, %v; want a job of its own", j.Kind, j.Args, j.Unique, id, dup)
		}
	}
	j, err := getJob(t, s, first)
	if err != nil || j.Timeout != time.Second || j.MaxAttempts != 0 || string(j.Args) != `{"a":1,"b":[2]}` {
		t.Fatalf("Get = %+v, %v", j, err)
	}
	cancelJob(t, s, first)
	if id, dup := enqueue(t, s, ports.NewJob{Kind: "u", Args: []byte(`{"a":1,"b":[2]}`), Unique: true}); dup || id == first {
		t.Fatalf("after the first was cancelled: %s, %v; want a new job", id, dup)
	}
	if _, _, err := func() (string, bool, error) {
		var id string
		var dup bool
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
			id, dup, err = tx.Jobs().Enqueue(ctx, ports.NewJob{Kind: "u", Args: []byte(`{not json`)})
			return err
		})
		return id, dup, err
	}(); !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("args that are not JSON: %v", err)
	}
}

// A failed attempt is retried after a short backoff and may then
// succeed; a job whose every attempt fails is discarded, its errors the
// classes alone; a panic is stored as "panic", without its value or
// stack. A job without its own MaxAttempts takes its kind's at its first
// attempt.
func TestJobsRetryDiscardAndPanic(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	secret := errors.New("the chat said something private")
	var mu sync.Mutex
	var events []ports.JobEvent
	cfg := fastRunner(
		ports.JobHandler{Kind: "flaky", Work: func(ctx context.Context, run *ports.JobRun) error {
			if run.Attempt == 1 {
				return &core.JobError{Class: core.ErrClassProvider, Err: secret}
			}
			return nil
		}},
		ports.JobHandler{Kind: "broken", MaxAttempts: 2, Work: func(ctx context.Context, run *ports.JobRun) error {
			if run.MaxAttempts != 2 {
				t.Errorf("run.MaxAttempts = %d; want the kind's 2", run.MaxAttempts)
			}
			return &core.JobError{Class: core.ErrClassInvalidOutput, Err: secret}
		}},
		ports.JobHandler{Kind: "plain", MaxAttempts: 1, Work: func(ctx context.Context, run *ports.JobRun) error {
			return secret // not a *core.JobError: stored as internal
		}},
		ports.JobHandler{Kind: "panics", MaxAttempts: 1, Work: func(ctx context.Context, run *ports.JobRun) error {
			panic(secret.Error())
		}},
	)
	cfg.OnEvent = func(e ports.JobEvent) { mu.Lock(); events = append(events, e); mu.Unlock() }
	flaky, _ := enqueue(t, s, ports.NewJob{Kind: "flaky", MaxAttempts: 3})
	broken, _ := enqueue(t, s, ports.NewJob{Kind: "broken"})
	plain, _ := enqueue(t, s, ports.NewJob{Kind: "plain"})
	panics, _ := enqueue(t, s, ports.NewJob{Kind: "panics"})
	if j, _ := getJob(t, s, broken); j.MaxAttempts != 0 {
		t.Fatalf("before its first attempt, MaxAttempts = %d; want 0 (its kind's)", j.MaxAttempts)
	}
	startRunner(t, s, cfg)

	j := waitFor(t, s, flaky, inState(ports.JobCompleted))
	if j.Attempt != 2 || !slices.Equal(j.Errors, []string{"provider"}) {
		t.Fatalf("flaky job %+v", j)
	}
	j = waitFor(t, s, broken, inState(ports.JobDiscarded))
	if j.Attempt != 2 || j.MaxAttempts != 2 || !slices.Equal(j.Errors, []string{"invalid-output", "invalid-output"}) {
		t.Fatalf("broken job %+v", j)
	}
	j = waitFor(t, s, plain, inState(ports.JobDiscarded))
	if !slices.Equal(j.Errors, []string{"internal"}) {
		t.Fatalf("plain job %+v", j)
	}
	j = waitFor(t, s, panics, inState(ports.JobDiscarded))
	if !slices.Equal(j.Errors, []string{"panic"}) {
		t.Fatalf("panicking job %+v", j)
	}
	var raw string
	if err := s.DB().QueryRowContext(context.Background(), "SELECT string_agg(errors::text, ' ') FROM river_job").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "private") || strings.Contains(raw, "goroutine") || strings.Contains(raw, ".go:") {
		t.Fatalf("river_job.errors keep more than classes: %s", raw)
	}
	mu.Lock()
	defer mu.Unlock()
	outcomes := map[string][]ports.JobOutcome{}
	for _, e := range events {
		outcomes[e.Kind] = append(outcomes[e.Kind], e.Outcome)
	}
	want := map[string][]ports.JobOutcome{
		"flaky":  {ports.JobOutcomeRetried, ports.JobOutcomeCompleted},
		"broken": {ports.JobOutcomeRetried, ports.JobOutcomeFailed},
		"plain":  {ports.JobOutcomeFailed},
		"panics": {ports.JobOutcomeFailed},
	}
	for kind, w := range want {
		if !slices.Equal(outcomes[kind], w) {
			t.Errorf("%s events %v; want %v", kind, outcomes[kind], w)
		}
	}
}

// Two processes: a runner on one store works the jobs another store
// enqueues, woken by River's NOTIFY well before its poll would find them.
func TestJobsRunAcrossStores(t *testing.T) {
	t.Parallel()
	dsn := newDatabase(t)
	api, worker := openStoreOn(t, dsn, ports.DefaultStoreOptions()), openStoreOn(t, dsn, ports.DefaultStoreOptions())
	cfg := fastRunner(ports.JobHandler{Kind: "echo", Work: func(ctx context.Context, run *ports.JobRun) error { return nil }})
	cfg.PollInterval = 20 * time.Second
	startRunner(t, worker, cfg)
	// The first one runs once the runner has started (it fetches at
	// start); the second, only if a notification wakes it.
	first, _ := enqueue(t, api, ports.NewJob{Kind: "echo"})
	waitFor(t, api, first, inState(ports.JobCompleted))
	time.Sleep(time.Second) // the runner is idle, waiting on its 20 s poll
	began := time.Now()
	second, _ := enqueue(t, api, ports.NewJob{Kind: "echo"})
	waitFor(t, api, second, inState(ports.JobCompleted))
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("the second job took %s: the runner did not hear of it", d)
	}
}

// Shutdown lets a short attempt finish and hands a long one back: it is
// available again, its attempt not counted, for the next runner.
func TestJobsShutdownHandsBackRunningJobs(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	started := make(chan string, 2)
	var mu sync.Mutex
	var events []ports.JobEvent
	cfg := fastRunner(
		ports.JobHandler{Kind: "long", Work: func(ctx context.Context, run *ports.JobRun) error {
			started <- run.ID
			<-ctx.Done()
			return &core.JobError{Class: core.ErrClassProvider, Err: ctx.Err()}
		}},
		ports.JobHandler{Kind: "short", Work: func(ctx context.Context, run *ports.JobRun) error {
			started <- run.ID
			time.Sleep(300 * time.Millisecond)
			return nil
		}},
	)
	cfg.ShutdownTimeout = time.Second
	cfg.OnEvent = func(e ports.JobEvent) { mu.Lock(); events = append(events, e); mu.Unlock() }
	stop := startRunner(t, s, cfg)
	long, _ := enqueue(t, s, ports.NewJob{Kind: "long"})
	short, _ := enqueue(t, s, ports.NewJob{Kind: "short"})
	<-started
	<-started
	began := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < cfg.ShutdownTimeout || d > cfg.ShutdownTimeout+5*time.Second {
		t.Errorf("shutdown took %s; want a little over ShutdownTimeout", d)
	}
	if j, _ := getJob(t, s, short); j.State != ports.JobCompleted {
		t.Fatalf("the short job after shutdown: %+v; want completed", j)
	}
	j, _ := getJob(t, s, long)
	if j.State != ports.JobAvailable || j.Attempt != 0 || len(j.Errors) != 0 {
		t.Fatalf("the long job after shutdown: %+v; want available, its attempt not counted", j)
	}
	mu.Lock()
	got := slices.Clone(events)
	mu.Unlock()
	slices.SortFunc(got, func(a, b ports.JobEvent) int { return strings.Compare(a.Kind, b.Kind) })
	if len(got) != 2 || got[0].Outcome != ports.JobOutcomeRetried || got[1].Outcome != ports.JobOutcomeCompleted {
		t.Fatalf("events %+v", got)
	}
	next := fastRunner(ports.JobHandler{Kind: "long", Work: func(ctx context.Context, run *ports.JobRun) error { return nil }})
	startRunner(t, s, next)
	waitFor(t, s, long, inState(ports.JobCompleted))
}

// River's connections are the runner's own: none of the request pool's
// 200 ms lock_timeout.
func TestJobRunnerHasItsOwnConnections(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	r, err := s.NewRunner(fastRunner(ports.JobHandler{Kind: "echo", Work: func(context.Context, *ports.JobRun) error { return nil }}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	_, lock, _ := postgres.UnitTimeouts(t, s)
	if lock != "200ms" {
		t.Fatalf("the request pool's lock_timeout is %s; the test expects 200ms", lock)
	}
	for setting, want := range map[string]string{"lock_timeout": "10s", "statement_timeout": "1min", "TimeZone": "UTC"} {
		got, err := postgres.RunnerSetting(ctx, r, setting)
		if err != nil || got != want {
			t.Errorf("the runner's %s = %q, %v; want %q", setting, got, err, want)
		}
	}
}

// Periodic jobs are enqueued by one runner among those on a database, at
// its start and then every interval.
func TestJobsPeriodicOnOneRunner(t *testing.T) {
	t.Parallel()
	dsn := newDatabase(t)
	a, b := openStoreOn(t, dsn, ports.DefaultStoreOptions()), openStoreOn(t, dsn, ports.DefaultStoreOptions())
	var runs atomic.Int32
	cfg := fastRunner(ports.JobHandler{Kind: "tick", Work: func(ctx context.Context, run *ports.JobRun) error {
		runs.Add(1)
		return nil
	}})
	cfg.Periodic = []ports.PeriodicJob{{Kind: "tick", Interval: 500 * time.Millisecond}}
	began := time.Now()
	startRunner(t, a, cfg)
	startRunner(t, b, cfg)
	deadline := time.Now().Add(waitJob)
	for runs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d periodic runs in %s", runs.Load(), waitJob)
		}
		time.Sleep(50 * time.Millisecond)
	}
	counts, err := a.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range counts["tick"] {
		total += n
	}
	// One runner enqueues: at most one at start and one per interval.
	if most := int(time.Since(began)/(500*time.Millisecond)) + 2; total > most {
		t.Fatalf("%d periodic jobs after %s; one runner would have made at most %d", total, time.Since(began), most)
	}
}

// An attempt stuck past RescueAfter (and its timeout) is given up by
// River's rescuer, which runs every 30 s: the job runs again, or is
// discarded when that was its last attempt, and the stuck attempt can no
// longer complete. The one test that waits for the rescuer.
func TestJobsRescuerGivesUpStuckAttempts(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's rescuer (30 s)")
	}
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	count := effects(t, s)
	release := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	stuckComplete := make(chan error, 2)
	cfg := fastRunner(ports.JobHandler{Kind: "stuck", Timeout: time.Second, Work: func(ctx context.Context, run *ports.JobRun) error {
		if run.Attempt > 1 {
			return run.Complete(ctx, writeEffect(run))
		}
		<-release // ignores its context: stuck, as a wedged worker
		err := run.Complete(context.Background(), writeEffect(run))
		stuckComplete <- err
		return err
	}})
	cfg.Workers, cfg.RescueAfter = 4, 2*time.Second
	startRunner(t, s, cfg)
	t.Cleanup(free) // before the runner stops: the stuck attempts return
	again, _ := enqueue(t, s, ports.NewJob{Kind: "stuck", MaxAttempts: 2})
	last, _ := enqueue(t, s, ports.NewJob{Kind: "stuck", MaxAttempts: 1})
	deadline := time.Now().Add(75 * time.Second)
	for {
		a, _ := getJob(t, s, again)
		l, _ := getJob(t, s, last)
		if a.State == ports.JobCompleted && l.State == ports.JobDiscarded {
			if a.Attempt != 2 || !slices.Equal(a.Errors, []string{"abandoned"}) || !slices.Equal(l.Errors, []string{"abandoned"}) {
				t.Fatalf("rescued jobs %+v and %+v", a, l)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 75 s: %+v and %+v", a, l)
		}
		time.Sleep(200 * time.Millisecond)
	}
	free()
	for range 2 {
		if err := <-stuckComplete; !errors.Is(err, core.ErrConflict) {
			t.Fatalf("a rescued attempt's Complete: %v", err)
		}
	}
	if count(again) != 1 || count(last) != 0 {
		t.Fatalf("effects: %d and %d; want only the second attempt's", count(again), count(last))
	}
}
