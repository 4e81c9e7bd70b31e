package porttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Jobs", runJobs) }

// runJobs holds the job queue's behaviour (ports/jobs.go): an enqueue
// exists if and only if its unit commits; attempts retry with backoff up
// to their bound and time out; a result commits with its job's
// completion; cancelled jobs never run; unique jobs are enqueued once;
// runners on several stores share the work, hand back what they run when
// they stop, and run again a job whose worker was lost; periodic jobs are
// enqueued by one of them.
//
// The cases wait for outcomes with generous bounds and never time the
// queue: a bound that runs out is a job that never got there.
func runJobs(t *testing.T, newDatabase NewDatabase) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, NewDatabase)
	}{
		{"ReadOnlyUnitRefusesJobWrites", testJobsReadOnly},
		{"RunsOnceIfAndOnlyIfCommitted", testJobCommitted},
		{"RetriesWithBackoffUpToMaxAttempts", testJobRetries},
		{"AttemptTimesOutAndRetries", testJobTimeout},
		{"ResultCommitsWithCompletion", testJobResult},
		{"CancelledJobNeverRunsAgain", testJobCancel},
		{"UniqueByKindAndArgs", testJobUnique},
		{"RunnersShareTheWork", testRunnersShare},
		{"ShutdownHandsBackRunningJobs", testRunnerShutdown},
		{"LostWorkerJobRunsAgain", testJobRescue},
		{"PeriodicJobRunsOnOneProcess", testPeriodicJob},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newDatabase)
		})
	}
}

// Bounds of the jobs cases' waits. A rescue waits longest: River looks
// for stuck jobs every 30 s, on its elected leader only.
const (
	jobWait    = 60 * time.Second
	rescueWait = 120 * time.Second
	// quiet is how long a runner keeps running after the awaited outcome,
	// to show that nothing more happens (a rolled-back or cancelled job
	// run late, an attempt too many).
	quiet = time.Second
)

// jobStore opens a store on a fresh database.
func jobStore(t *testing.T, newDatabase NewDatabase) ports.UnitOfWork {
	return store(t, newDatabase, options(ports.LockWait, 30))
}

// jobStores opens n stores on one fresh database, as n processes.
func jobStores(t *testing.T, newDatabase NewDatabase, n int) []ports.UnitOfWork {
	return topology{stores: n}.open(t, newDatabase, options(ports.LockWait, 30))
}

// queueOf is s as a store that keeps jobs. A store that keeps none skips
// the cases that run jobs, except under CI, where every adapter must.
func queueOf(t *testing.T, s ports.UnitOfWork) ports.JobQueue {
	t.Helper()
	q, ok := s.(ports.JobQueue)
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the store %T keeps no jobs (ports.JobQueue); under CI every adapter must", s)
		}
		t.Skipf("the store %T keeps no jobs (ports.JobQueue)", s)
	}
	return q
}

// runnerConfig is a runner's configuration with fast backoff and polling.
func runnerConfig(handlers ...ports.JobHandler) ports.RunnerConfig {
	return ports.RunnerConfig{
		Handlers: handlers, Workers: 4,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond,
		PollInterval: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second,
	}
}

// background is a runner working in the background until stopped.
type background struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startRunner makes a runner of cfg on q and runs it until stop or the
// test's end.
func startRunner(t *testing.T, q ports.JobQueue, cfg ports.RunnerConfig) *background {
	t.Helper()
	r, err := q.NewRunner(cfg)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- r.Run(ctx) }()
	t.Cleanup(func() { b.stop(t) })
	return b
}

// stop ends the runner's context and waits, bounded, for Run to return.
func (b *background) stop(t *testing.T) {
	t.Helper()
	b.once.Do(func() {
		b.cancel()
		select {
		case b.err = <-b.done:
			if b.err != nil && !errors.Is(b.err, context.Canceled) {
				t.Errorf("Run returned %v once its context ended; want nil", b.err)
			}
		case <-time.After(jobWait):
			t.Errorf("Run did not return within %v of its context ending", jobWait)
		}
	})
}

// call is one attempt a handler was given.
type call struct {
	ports.JobRun
	last   bool // LastAttempt() as the handler saw it
	runner int  // which runner ran it, where a case has several
}

// calls records the attempts handlers are given.
type calls struct {
	mu   sync.Mutex
	list []call
}

// record notes run and returns how many attempts of its job came so far,
// this one included.
func (c *calls) record(run *ports.JobRun, runner int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := *run
	cp.Args, cp.Complete = slices.Clone(run.Args), nil
	c.list = append(c.list, call{JobRun: cp, last: run.LastAttempt(), runner: runner})
	n := 0
	for _, x := range c.list {
		if x.ID == run.ID {
			n++
		}
	}
	return n
}

// of returns the attempts given of job id, in order.
func (c *calls) of(id string) []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []call
	for _, x := range c.list {
		if x.ID == id {
			out = append(out, x)
		}
	}
	return out
}

func (c *calls) all() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list)
}

// attempts are the attempt numbers of calls.
func attempts(cs []call) []int {
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = c.Attempt
	}
	return out
}

// events records what OnEvent is told.
type events struct {
	mu   sync.Mutex
	list []ports.JobEvent
}

func (e *events) add(ev ports.JobEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
}

// outcomes are the outcomes of kind's attempts, in the order told.
func (e *events) outcomes(kind string) []ports.JobOutcome {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ports.JobOutcome
	for _, ev := range e.list {
		if ev.Kind == kind {
			out = append(out, ev.Outcome)
		}
	}
	return out
}

// argsOf is a job's arguments naming what it works.
func argsOf(name string, n int) []byte {
	b, err := json.Marshal(map[string]any{"name": name, "n": n})
	if err != nil {
		panic(err)
	}
	return b
}

// nameOf is the name in args made by argsOf.
func nameOf(args []byte) string {
	var a struct{ Name string }
	_ = json.Unmarshal(args, &a)
	return a.Name
}

// enqueue enqueues j in a unit of its own.
func enqueue(t *testing.T, s ports.UnitOfWork, j ports.NewJob) (id string, duplicate bool) {
	t.Helper()
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		id, duplicate, err = tx.Jobs().Enqueue(ctx, j)
		return err
	})
	return id, duplicate
}

// cancelJob cancels a job in a unit of its own.
func cancelJob(s ports.UnitOfWork, id string) error {
	return s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error { return tx.Jobs().Cancel(ctx, id) })
}

// waitFor polls cond until it holds, failing the test after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitJob polls job id until it reaches state, failing the test after d
// with the state it was last seen in.
func waitJob(t *testing.T, s ports.UnitOfWork, id string, state ports.JobState, d time.Duration) ports.Job {
	t.Helper()
	var j ports.Job
	var err error
	deadline := time.Now().Add(d)
	for {
		if j, err = getJob(s, id); err == nil && j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for job %s to be %s: last seen %+v, %v", d, id, state, j, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signal is closed once: a point a handler reached, or a release it waits
// for.
type signal struct {
	ch   chan struct{}
	once sync.Once
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }
func (s *signal) fire()  { s.once.Do(func() { close(s.ch) }) }

// wait waits for the signal, failing the test after d.
func (s *signal) wait(t *testing.T, d time.Duration, what string) {
	t.Helper()
	select {
	case <-s.ch:
	case <-time.After(d):
		t.Fatalf("gave up after %v waiting for %s", d, what)
	}
}

// failed is an attempt's failure of class c.
func failed(c core.JobErrorClass) error {
	return &core.JobError{Class: c, Err: errors.New("porttest: failing on purpose")}
}

// kindCounts is how many jobs of kind the queue counts, by state.
func kindCounts(t *testing.T, q ports.JobQueue, kind string) map[ports.JobState]int {
	t.Helper()
	counts, err := q.Counts(context.Background())
	if err != nil {
		t.Fatalf("Counts: %v", err)
	}
	out := map[ports.JobState]int{}
	for st, n := range counts[kind] {
		if n != 0 {
			out[st] = n
		}
	}
	return out
}

// testJobsReadOnly: enqueueing and cancelling are writes, refused in a
// read-only unit.
func testJobsReadOnly(t *testing.T, newDatabase NewDatabase) {
	s := jobStore(t, newDatabase)
	id, _ := enqueue(t, s, ports.NewJob{Kind: "porttest-ro", Args: argsOf("queued", 1)})
	for name, write := range map[string]func(ctx context.Context, tx ports.Tx) error{
		"Jobs.Enqueue": func(ctx context.Context, tx ports.Tx) error {
			_, _, err := tx.Jobs().Enqueue(ctx, ports.NewJob{Kind: "porttest-ro", Args: argsOf("read-only", 2)})
			return err
		},
		"Jobs.Cancel": func(ctx context.Context, tx ports.Tx) error { return tx.Jobs().Cancel(ctx, id) },
	} {
		if err := s.Do(context.Background(), write, ports.ReadOnly()); !errors.Is(err, ports.ErrReadOnly) {
			t.Errorf("%s in a read-only unit = %v; want ports.ErrReadOnly", name, err)
		}
	}
	if j, err := getJob(s, id); err != nil || j.State != ports.JobAvailable {
		t.Fatalf("the job after a read-only Cancel = %+v, %v; want it available still", j, err)
	}
	if q, ok := s.(ports.JobQueue); ok {
		if counts := kindCounts(t, q, "porttest-ro"); counts[ports.JobAvailable] != 1 || len(counts) != 1 {
			t.Fatalf("the queue after a read-only Enqueue counts %v; want the one job enqueued before", counts)
		}
	}
}

// testJobCommitted: a job enqueued in a unit that rolls back is never
// found and never runs; one committed runs once, and completes.
func testJobCommitted(t *testing.T, newDatabase NewDatabase) {
	const kind = "porttest-once"
	s := jobStore(t, newDatabase)
	q := queueOf(t, s)
	rollback := errors.New("the unit fails after enqueueing")
	var rolled string
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		id, _, err := tx.Jobs().Enqueue(ctx, ports.NewJob{Kind: kind, Args: argsOf("rolled back", 1)})
		if err != nil {
			return err
		}
		rolled = id
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("the rolled-back unit = %v; want its own error", err)
	}
	args := argsOf("committed", 2)
	id, dup := enqueue(t, s, ports.NewJob{Kind: kind, Args: args, MaxAttempts: 3})
	if dup || id == "" {
		t.Fatalf("Enqueue = %q, duplicate %v; want a new job's id", id, dup)
	}
	j, err := getJob(s, id)
	if err != nil || j.ID != id || j.Kind != kind || !sameJSON(j.Args, args) || j.State != ports.JobAvailable || j.Attempt != 0 || j.MaxAttempts != 3 || len(j.Errors) != 0 {
		t.Fatalf("Get(enqueued job) = %+v, %v; want it available, its kind and args, no attempt yet, at most 3", j, err)
	}
	var got calls
	startRunner(t, q, runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 5, Work: func(_ context.Context, run *ports.JobRun) error {
		got.record(run, 0)
		return nil
	}}))
	j = waitJob(t, s, id, ports.JobCompleted, jobWait)
	time.Sleep(quiet)
	if j.Attempt != 1 || len(j.Errors) != 0 {
		t.Errorf("the completed job = %+v; want attempt 1, no errors", j)
	}
	all := got.all()
	if len(all) != 1 || all[0].ID != id || all[0].Kind != kind || !sameJSON(all[0].Args, args) || all[0].Attempt != 1 || all[0].MaxAttempts != 3 {
		t.Fatalf("the handler was called %d times: %+v; want once, with the committed job (attempt 1 of 3)", len(all), all)
	}
	for _, odd := range []string{rolled, "", "not-a-job", "999999999999", newID()} {
		if _, err := getJob(s, odd); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Get(%q, never enqueued or rolled back) = %v; want ErrNotFound", odd, err)
		}
	}
	if counts := kindCounts(t, q, kind); counts[ports.JobCompleted] != 1 || len(counts) != 1 {
		t.Errorf("Counts for the kind = %v; want one completed job", counts)
	}
}

// testJobRetries: a failing attempt is retried with backoff until one
// succeeds, or until the job's attempts (or, when it sets none, its
// kind's) run out: then it is discarded, each attempt's error class
// kept. RunnerConfig's backoff applies: with River's own (attempt⁴
// seconds), five attempts would take six minutes.
func testJobRetries(t *testing.T, newDatabase NewDatabase) {
	const flaky, failing, kindBound = "porttest-flaky", "porttest-failing", "porttest-kind-bound"
	s := jobStore(t, newDatabase)
	q := queueOf(t, s)
	classes := []core.JobErrorClass{core.ErrClassProvider, core.ErrClassInvalidOutput, core.ErrClassInternal, core.ErrClassNoData, core.ErrClassPanic}
	var got calls
	var told events
	cfg := runnerConfig(
		ports.JobHandler{Kind: flaky, MaxAttempts: 5, Work: func(_ context.Context, run *ports.JobRun) error {
			got.record(run, 0)
			if run.Attempt < 3 {
				return failed(core.ErrClassProvider)
			}
			return nil
		}},
		ports.JobHandler{Kind: failing, MaxAttempts: 10, Work: func(_ context.Context, run *ports.JobRun) error {
			got.record(run, 0)
			return failed(classes[(run.Attempt-1)%len(classes)])
		}},
		ports.JobHandler{Kind: kindBound, MaxAttempts: 2, Work: func(_ context.Context, run *ports.JobRun) error {
			got.record(run, 0)
			return failed(core.ErrClassTimeout)
		}},
	)
	cfg.OnEvent = told.add
	retried, _ := enqueue(t, s, ports.NewJob{Kind: flaky, Args: argsOf("flaky", 1)})
	discarded, _ := enqueue(t, s, ports.NewJob{Kind: failing, Args: argsOf("failing", 1), MaxAttempts: 5})
	bound, _ := enqueue(t, s, ports.NewJob{Kind: kindBound, Args: argsOf("kind-bound", 1)})
	startRunner(t, q, cfg)

	j := waitJob(t, s, retried, ports.JobCompleted, jobWait)
	if j.Attempt != 3 || !slices.Equal(j.Errors, []string{"provider", "provider"}) {
		t.Errorf("the flaky job completed as %+v; want attempt 3, errors [provider provider]", j)
	}
	j = waitJob(t, s, discarded, ports.JobDiscarded, jobWait)
	if want := []string{"provider", "invalid-output", "internal", "no-data", "panic"}; j.Attempt != 5 || !slices.Equal(j.Errors, want) {
		t.Errorf("the failing job was discarded as %+v; want attempt 5, errors %v (each attempt's class, oldest first)", j, want)
	}
	j = waitJob(t, s, bound, ports.JobDiscarded, jobWait)
	if j.Attempt != 2 || !slices.Equal(j.Errors, []string{"timeout", "timeout"}) {
		t.Errorf("the job bounded by its kind was discarded as %+v; want attempt 2 (its kind's MaxAttempts), errors [timeout timeout]", j)
	}
	time.Sleep(quiet)
	for _, tc := range []struct {
		id       string
		attempts []int
		max      int
	}{{retried, []int{1, 2, 3}, 5}, {discarded, []int{1, 2, 3, 4, 5}, 5}, {bound, []int{1, 2}, 2}} {
		cs := got.of(tc.id)
		if !slices.Equal(attempts(cs), tc.attempts) {
			t.Errorf("job %s was given attempts %v; want %v", tc.id, attempts(cs), tc.attempts)
			continue
		}
		for _, c := range cs {
			if c.MaxAttempts != tc.max || c.last != (c.Attempt == tc.max) {
				t.Errorf("job %s attempt %d: MaxAttempts %d, LastAttempt %v; want %d, %v", tc.id, c.Attempt, c.MaxAttempts, c.last, tc.max, c.Attempt == tc.max)
			}
		}
	}
	R, F, C := ports.JobOutcomeRetried, ports.JobOutcomeFailed, ports.JobOutcomeCompleted
	for kind, want := range map[string][]ports.JobOutcome{flaky: {R, R, C}, failing: {R, R, R, R, F}, kindBound: {R, F}} {
		waitFor(t, jobWait, fmt.Sprintf("OnEvent to be told %s's outcomes %v (told %v)", kind, want, told.outcomes(kind)), func() bool {
			return slices.Equal(told.outcomes(kind), want)
		})
	}
}

// testJobTimeout: an attempt runs within its job's Timeout, or its kind's
// when the job sets none: the handler's context carries the deadline,
// and an attempt that runs into it fails and is retried.
func testJobTimeout(t *testing.T, newDatabase NewDatabase) {
	const byJob, byKind = "porttest-job-timeout", "porttest-kind-timeout"
	const timeout = 300 * time.Millisecond
	s := jobStore(t, newDatabase)
	q := queueOf(t, s)
	var got calls
	var mu sync.Mutex
	deadlines := map[string]time.Duration{} // what attempt 1 had left, by job
	work := func(ctx context.Context, run *ports.JobRun) error {
		got.record(run, 0)
		if run.Attempt > 1 {
			return nil
		}
		dl, ok := ctx.Deadline()
		left := time.Until(dl)
		mu.Lock()
		deadlines[run.ID] = left
		mu.Unlock()
		if !ok || left > time.Minute {
			return failed(core.ErrClassInternal) // no deadline of its timeout: fail at once, and the case fails
		}
		<-ctx.Done()
		return &core.JobError{Class: core.ErrClassTimeout, Err: ctx.Err()}
	}
	startRunner(t, q, runnerConfig(
		ports.JobHandler{Kind: byJob, Timeout: 30 * time.Minute, MaxAttempts: 3, Work: work},
		ports.JobHandler{Kind: byKind, Timeout: timeout, MaxAttempts: 3, Work: work},
	))
	jobTimed, _ := enqueue(t, s, ports.NewJob{Kind: byJob, Args: argsOf("job", 1), Timeout: timeout})
	kindTimed, _ := enqueue(t, s, ports.NewJob{Kind: byKind, Args: argsOf("kind", 1)})
	for _, id := range []string{jobTimed, kindTimed} {
		j := waitJob(t, s, id, ports.JobCompleted, jobWait)
		mu.Lock()
		left, seen := deadlines[id]
		mu.Unlock()
		if !seen || left <= 0 || left > time.Minute {
			t.Errorf("job %s: its first attempt's context had %v left (seen %v); want the deadline of its %v timeout", id, left, seen, timeout)
		}
		if j.Attempt != 2 || !slices.Equal(j.Errors, []string{"timeout"}) || !slices.Equal(attempts(got.of(id)), []int{1, 2}) {
			t.Errorf("job %s completed as %+v after attempts %v; want attempt 2, errors [timeout]", id, j, attempts(got.of(id)))
		}
	}
	if j, err := getJob(s, jobTimed); err != nil || j.Timeout != timeout {
		t.Errorf("Get(job with its own timeout).Timeout = %v, %v; want %v", j.Timeout, err, timeout)
	}
}

// ledgerRefs are the references of user's ledger entries.
func ledgerRefs(t *testing.T, s ports.UnitOfWork, user core.UserID) []string {
	t.Helper()
	_, _, entries := balance(t, s, user)
	var refs []string
	for _, e := range entries {
		refs = append(refs, e.Reference)
	}
	slices.Sort(refs)
	return refs
}

// grantIn is a unit's function that grants user one credit under ref.
func grantIn(user core.UserID, ref string) func(ctx context.Context, tx ports.Tx) error {
	return func(ctx context.Context, tx ports.Tx) error {
		_, err := change(ctx, tx, user, 1, core.KindGrant, ref)
		return err
	}
}

// testJobResult: a handler's result and its job's completion commit
// together or not at all. An attempt whose Complete unit fails leaves no
// write and no completion, and the next attempt writes once; a job
// cancelled while it runs cannot complete, and the write its Complete
// carried is rolled back.
func testJobResult(t *testing.T, newDatabase NewDatabase) {
	const kind = "porttest-result"
	s := jobStore(t, newDatabase)
	q := queueOf(t, s)
	u := newUser(t, s, "results@example.com", 0)
	unitFails := errors.New("the result's unit fails after writing")
	started, proceed := newSignal(), newSignal()
	var got calls
	var mu sync.Mutex
	completeErrs := map[string][]error{} // what Complete returned, by job, in attempt order
	noted := func(id string, err error) error {
		mu.Lock()
		defer mu.Unlock()
		completeErrs[id] = append(completeErrs[id], err)
		return err
	}
	startRunner(t, q, runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 3, Work: func(ctx context.Context, run *ports.JobRun) error {
		got.record(run, 0)
		ref := fmt.Sprintf("job-%s-attempt-%d", run.ID, run.Attempt)
		switch {
		case nameOf(run.Args) == "cancelled":
			started.fire()
			select { // until the test has cancelled the job
			case <-proceed.ch:
			case <-ctx.Done(): // a queue may end the attempt of a job cancelled
			case <-time.After(jobWait):
			}
			// A context that outlives a cancellation: Complete must refuse
			// by the job's state, not by its context.
			return noted(run.ID, run.Complete(context.WithoutCancel(ctx), grantIn(u.ID, ref)))
		case run.Attempt == 1:
			err := noted(run.ID, run.Complete(ctx, func(ctx context.Context, tx ports.Tx) error {
				if err := grantIn(u.ID, ref)(ctx, tx); err != nil {
					return err
				}
				return unitFails
			}))
			return &core.JobError{Class: core.ErrClassInternal, Err: err}
		default:
			return noted(run.ID, run.Complete(ctx, grantIn(u.ID, ref)))
		}
	}}))
	twice, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("twice", 1)})
	cancelled, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("cancelled", 2)})

	j := waitJob(t, s, twice, ports.JobCompleted, jobWait)
	if j.Attempt != 2 {
		t.Errorf("the job whose first Complete failed completed as %+v; want attempt 2", j)
	}
	started.wait(t, jobWait, "the job to be cancelled to start")
	if err := cancelJob(s, cancelled); err != nil {
		t.Fatalf("Cancel(running job) = %v", err)
	}
	proceed.fire()
	waitJob(t, s, cancelled, ports.JobCancelled, jobWait)
	time.Sleep(quiet)

	mu.Lock()
	errsTwice, errsCancelled := completeErrs[twice], completeErrs[cancelled]
	mu.Unlock()
	if len(errsTwice) != 2 || !errors.Is(errsTwice[0], unitFails) || errsTwice[1] != nil {
		t.Errorf("Complete returned %v over the two attempts; want the unit's own error, then nil", errsTwice)
	}
	if len(errsCancelled) != 1 || errsCancelled[0] == nil {
		t.Errorf("Complete of a job cancelled while it ran returned %v; want an error, and no retry", errsCancelled)
	}
	want := []string{fmt.Sprintf("job-%s-attempt-2", twice)}
	if refs := ledgerRefs(t, s, u.ID); !slices.Equal(refs, want) {
		t.Fatalf("the handlers' writes that committed are %v; want only %v: a result commits with its job's completion or not at all", refs, want)
	}
	if bal, sum, _ := balance(t, s, u.ID); bal != 1 || sum != 1 {
		t.Fatalf("balance %d, ledger sum %d; want 1, 1", bal, sum)
	}
}

// testJobCancel: a cancelled job that has not run, or waits for its next
// attempt, never runs (again); cancelling a finished or unknown job
// changes nothing.
func testJobCancel(t *testing.T, newDatabase NewDatabase) {
	const kind = "porttest-cancel"
	s := jobStore(t, newDatabase)
	q := queueOf(t, s)
	queued, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("queued", 1)})
	if err := cancelJob(s, queued); err != nil {
		t.Fatalf("Cancel(queued job) = %v", err)
	}
	if j, err := getJob(s, queued); err != nil || j.State != ports.JobCancelled {
		t.Fatalf("the queued job after Cancel = %+v, %v; want cancelled", j, err)
	}
	retrying, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("retrying", 2), MaxAttempts: 5})
	control, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("control", 3)})
	var got calls
	cfg := runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 5, Work: func(_ context.Context, run *ports.JobRun) error {
		got.record(run, 0)
		if nameOf(run.Args) == "retrying" {
			return failed(core.ErrClassProvider)
		}
		return nil
	}})
	cfg.BackoffBase, cfg.BackoffMax = time.Hour, time.Hour // a failed attempt's job waits, cancellable
	startRunner(t, q, cfg)
	waitFor(t, jobWait, "the retrying job to fail its first attempt and wait for the next", func() bool {
		j, err := getJob(s, retrying)
		return err == nil && j.Attempt == 1 && (j.State == ports.JobRetryable || j.State == ports.JobScheduled)
	})
	if err := cancelJob(s, retrying); err != nil {
		t.Fatalf("Cancel(job waiting for a retry) = %v", err)
	}
	waitJob(t, s, control, ports.JobCompleted, jobWait)
	time.Sleep(quiet)
	for _, tc := range []struct {
		id       string
		state    ports.JobState
		attempts []int
	}{{queued, ports.JobCancelled, nil}, {retrying, ports.JobCancelled, []int{1}}, {control, ports.JobCompleted, []int{1}}} {
		if a := attempts(got.of(tc.id)); !slices.Equal(a, tc.attempts) {
			t.Errorf("job %s was given attempts %v; want %v", tc.id, a, tc.attempts)
		}
		// Cancelling again, or a finished job, changes nothing.
		if err := cancelJob(s, tc.id); err != nil {
			t.Errorf("Cancel(a %s job) = %v; want nil, changing nothing", tc.state, err)
		}
		if j, err := getJob(s, tc.id); err != nil || j.State != tc.state {
			t.Errorf("job %s = %+v, %v; want %s", tc.id, j, err, tc.state)
		}
	}
	for _, odd := range []string{"999999999999", newID(), "not-a-job"} {
		if err := cancelJob(s, odd); err != nil && !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Cancel(%q, never enqueued) = %v; want it to change nothing", odd, err)
		}
	}
}

// testJobUnique: a unique job is enqueued once per kind and args while
// one exists that is not cancelled or discarded (a completed one
// included), also by concurrent units over several stores.
func testJobUnique(t *testing.T, newDatabase NewDatabase) {
	const kind, other, failing = "porttest-unique", "porttest-unique-other", "porttest-unique-failing"
	stores := jobStores(t, newDatabase, 3)
	s := stores[0]
	q := queueOf(t, s)
	unique := func(k string, gen int) ports.NewJob {
		return ports.NewJob{Kind: k, Args: argsOf("insight", gen), Unique: true}
	}
	var first, again string
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var dup bool
		var err error
		if first, dup, err = tx.Jobs().Enqueue(ctx, unique(kind, 1)); err != nil || dup {
			return fmt.Errorf("Enqueue(unique, first) = %v, %v; want a new job", dup, err)
		}
		if again, dup, err = tx.Jobs().Enqueue(ctx, unique(kind, 1)); err != nil || !dup || again != first {
			return fmt.Errorf("Enqueue(unique, again in the unit) = %q, %v, %v; want %q, a duplicate", again, dup, err, first)
		}
		return nil
	})
	check := func(what string, j ports.NewJob, wantDup bool, wantID string) string {
		t.Helper()
		id, dup := enqueue(t, stores[len(stores)-1], j)
		switch {
		case dup != wantDup:
			t.Fatalf("Enqueue(%s) duplicate = %v; want %v", what, dup, wantDup)
		case wantDup && id != wantID:
			t.Fatalf("Enqueue(%s) = %q; want the existing job %q", what, id, wantID)
		case !wantDup && (id == first || id == ""):
			t.Fatalf("Enqueue(%s) = %q; want a new job", what, id)
		}
		return id
	}
	check("unique, again in another unit", unique(kind, 1), true, first)
	check("unique, another generation", unique(kind, 2), false, "")
	check("unique, another kind", unique(other, 1), false, "")
	check("not unique, the same args", ports.NewJob{Kind: kind, Args: argsOf("insight", 1)}, false, "")
	gone := check("unique, to be cancelled", unique(kind, 3), false, "")
	if err := cancelJob(s, gone); err != nil {
		t.Fatalf("Cancel = %v", err)
	}
	if again := check("unique, its like cancelled", unique(kind, 3), false, ""); again == gone {
		t.Fatalf("Enqueue after a cancel returned the cancelled job %q", gone)
	}

	// Concurrent units, spread over the stores, enqueue one job.
	const n = 20
	ids, dups, errs := make([]string, n), make([]bool, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = stores[i%len(stores)].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				var err error
				ids[i], dups[i], err = tx.Jobs().Enqueue(ctx, unique(kind, 4))
				return err
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent unique enqueues: %v", err)
	}
	if news := n - countTrue(dups); news != 1 || slices.ContainsFunc(ids, func(id string) bool { return id != ids[0] }) {
		t.Fatalf("%d concurrent unique enqueues made %d new jobs, ids %v; want one job, one not a duplicate", n, news, slices.Compact(slices.Sorted(slices.Values(ids))))
	}

	doomed := check("unique, to be discarded", ports.NewJob{Kind: failing, Args: argsOf("insight", 5), Unique: true, MaxAttempts: 1}, false, "")
	succeed := func(context.Context, *ports.JobRun) error { return nil }
	startRunner(t, q, runnerConfig(
		ports.JobHandler{Kind: kind, MaxAttempts: 3, Work: succeed},
		ports.JobHandler{Kind: other, MaxAttempts: 3, Work: succeed},
		ports.JobHandler{Kind: failing, MaxAttempts: 3, Work: func(context.Context, *ports.JobRun) error { return failed(core.ErrClassProvider) }},
	))
	waitJob(t, s, first, ports.JobCompleted, jobWait)
	check("unique, its like completed", unique(kind, 1), true, first)
	waitJob(t, s, doomed, ports.JobDiscarded, jobWait)
	if again := check("unique, its like discarded", ports.NewJob{Kind: failing, Args: argsOf("insight", 5), Unique: true}, false, ""); again == doomed {
		t.Fatalf("Enqueue after a discard returned the discarded job %q", doomed)
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// testRunnersShare: two runners, on two stores over one database as two
// processes, work one set of 100 jobs: each job runs once, to completion.
func testRunnersShare(t *testing.T, newDatabase NewDatabase) {
	const kind, n = "porttest-shared", 100
	stores := jobStores(t, newDatabase, 2)
	s := stores[0]
	var ids []string
	for batch := range 4 {
		var some []string
		do(t, stores[batch%2], func(ctx context.Context, tx ports.Tx) error {
			some = some[:0]
			for i := range n / 4 {
				id, _, err := tx.Jobs().Enqueue(ctx, ports.NewJob{Kind: kind, Args: argsOf("shared", batch*n/4+i)})
				if err != nil {
					return err
				}
				some = append(some, id)
			}
			return nil
		})
		ids = append(ids, some...)
	}
	var got calls
	for r, st := range stores {
		startRunner(t, queueOf(t, st), runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 3, Work: func(_ context.Context, run *ports.JobRun) error {
			got.record(run, r)
			time.Sleep(2 * time.Millisecond)
			return nil
		}}))
	}
	q := queueOf(t, s)
	waitFor(t, jobWait, fmt.Sprintf("all %d jobs to complete", n), func() bool {
		return kindCounts(t, q, kind)[ports.JobCompleted] == n
	})
	time.Sleep(quiet)
	byRunner := map[int]int{}
	for _, c := range got.all() {
		byRunner[c.runner]++
	}
	t.Logf("jobs run by each runner: %v", byRunner)
	for _, id := range ids {
		if a := attempts(got.of(id)); !slices.Equal(a, []int{1}) {
			t.Errorf("job %s ran attempts %v; want [1]: once, by one runner", id, a)
		}
	}
	if all := got.all(); len(all) != n {
		t.Fatalf("the handlers ran %d times for %d jobs; want %d", len(all), n, n)
	}
}

// testRunnerShutdown: a runner whose context ends lets a job that
// finishes within its ShutdownTimeout complete, its context live until
// then; it cancels one that does not, which is handed back to be run
// later (never discarded, though it was on its last attempt); Run
// returns, and a runner of another process completes the job handed
// back.
func testRunnerShutdown(t *testing.T, newDatabase NewDatabase) {
	const kind = "porttest-shutdown"
	stores := jobStores(t, newDatabase, 2)
	s := stores[0]
	finishing, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("finishing", 1), MaxAttempts: 5})
	hanging, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("hanging", 2), MaxAttempts: 1})
	var got calls
	started, stopping := newSignal(), newSignal()
	var begun atomic.Int32
	var liveWhenDone atomic.Bool
	cfg := runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 5, Work: func(ctx context.Context, run *ports.JobRun) error {
		got.record(run, 0)
		if begun.Add(1) == 2 {
			started.fire()
		}
		<-stopping.ch
		if nameOf(run.Args) == "finishing" {
			time.Sleep(50 * time.Millisecond) // a little work left after the stop
			liveWhenDone.Store(ctx.Err() == nil)
			return nil
		}
		<-ctx.Done()
		return &core.JobError{Class: core.ErrClassInternal, Err: ctx.Err()}
	}})
	cfg.ShutdownTimeout = 2 * time.Second
	a := startRunner(t, queueOf(t, s), cfg)
	started.wait(t, jobWait, "both jobs to start on the first runner")
	a.cancel()
	stopping.fire()
	a.stop(t)
	if j, err := getJob(s, finishing); err != nil || j.State != ports.JobCompleted {
		t.Errorf("the job that finished within the shutdown timeout = %+v, %v; want completed", j, err)
	}
	if !liveWhenDone.Load() {
		t.Errorf("the job finishing within the shutdown timeout saw its context end; want it live until ShutdownTimeout")
	}
	j, err := getJob(s, hanging)
	if err != nil || j.State.Final() || j.State == ports.JobRunning {
		t.Fatalf("the job cancelled at shutdown = %+v, %v; want it handed back, to run again (not running, not final)", j, err)
	}
	t.Logf("handed back as %s, attempt %d, errors %q", j.State, j.Attempt, j.Errors)
	var again calls
	startRunner(t, queueOf(t, stores[1]), runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 5, Work: func(_ context.Context, run *ports.JobRun) error {
		again.record(run, 1)
		return nil
	}}))
	j = waitJob(t, s, hanging, ports.JobCompleted, jobWait)
	if a, b := attempts(got.of(hanging)), again.of(hanging); !slices.Equal(a, []int{1}) || len(b) != 1 || b[0].Attempt != j.Attempt {
		t.Fatalf("the handed-back job ran attempts %v on the stopped runner and %v on the other, ending %+v; want once on each, completed", a, attempts(b), j)
	}
	if b := again.of(finishing); len(b) != 0 {
		t.Fatalf("the job completed at shutdown ran again on the other runner: %v", attempts(b))
	}
}

// testJobRescue: a worker lost mid-job (its handler blocks, ignoring its
// context, as a dead process would never answer) leaves a job the rescuer
// runs again after RescueAfter; the lost attempt can no longer complete
// it. When that attempt was the last, the job is discarded, not run again.
func testJobRescue(t *testing.T, newDatabase NewDatabase) {
	const kind = "porttest-stuck"
	s := jobStore(t, newDatabase)
	q := queueOf(t, s)
	u := newUser(t, s, "rescued@example.com", 0)
	startedR, startedL, secondR, releaseR, releaseL, lostDone := newSignal(), newSignal(), newSignal(), newSignal(), newSignal(), newSignal()
	defer releaseR.fire()
	defer releaseL.fire()
	var got calls
	var lostErr error
	cfg := runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 3, Timeout: time.Second, Work: func(ctx context.Context, run *ports.JobRun) error {
		got.record(run, 0)
		ref := fmt.Sprintf("job-%s-attempt-%d", run.ID, run.Attempt)
		switch {
		case nameOf(run.Args) == "last":
			startedL.fire()
			<-releaseL.ch
			return failed(core.ErrClassInternal)
		case run.Attempt == 1:
			startedR.fire()
			<-releaseR.ch // deaf to its context: a lost worker
			lostErr = run.Complete(context.WithoutCancel(ctx), grantIn(u.ID, ref))
			lostDone.fire()
			return lostErr
		default:
			secondR.fire()
			select {
			case <-lostDone.ch:
			case <-ctx.Done():
			case <-time.After(rescueWait):
			}
			return run.Complete(ctx, grantIn(u.ID, ref))
		}
	}})
	cfg.RescueAfter = 2 * time.Second
	rescued, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("rescued", 1), MaxAttempts: 3, Timeout: time.Second})
	last, _ := enqueue(t, s, ports.NewJob{Kind: kind, Args: argsOf("last", 2), MaxAttempts: 1, Timeout: time.Second})
	startRunner(t, q, cfg)
	startedR.wait(t, jobWait, "the job to be rescued to start")
	startedL.wait(t, jobWait, "the job on its last attempt to start")
	secondR.wait(t, rescueWait, "the rescuer to run the lost job again")
	releaseR.fire() // the lost attempt comes back and tries to complete
	lostDone.wait(t, jobWait, "the lost attempt to try to complete")
	j := waitJob(t, s, rescued, ports.JobCompleted, jobWait)
	if lostErr == nil {
		t.Errorf("Complete by the lost attempt 1 succeeded after the job was rescued; want it refused")
	}
	if a := attempts(got.of(rescued)); !slices.Equal(a, []int{1, 2}) || j.Attempt != 2 {
		t.Errorf("the rescued job ran attempts %v and ended %+v; want [1 2], completed on attempt 2", a, j)
	}
	if refs, want := ledgerRefs(t, s, u.ID), []string{fmt.Sprintf("job-%s-attempt-2", rescued)}; !slices.Equal(refs, want) {
		t.Errorf("the writes that committed are %v; want only attempt 2's %v", refs, want)
	}
	waitJob(t, s, last, ports.JobDiscarded, rescueWait)
	time.Sleep(quiet)
	if a := attempts(got.of(last)); !slices.Equal(a, []int{1}) {
		t.Errorf("the job lost on its last attempt ran attempts %v; want [1] only, then discarded", a)
	}
}

// testPeriodicJob: a periodic job is enqueued at start and every interval
// by one process among those running runners, so its runs never overlap.
func testPeriodicJob(t *testing.T, newDatabase NewDatabase) {
	const kind = "porttest-tick"
	stores := jobStores(t, newDatabase, 2)
	var runs, active, most atomic.Int32
	for _, st := range stores {
		cfg := runnerConfig(ports.JobHandler{Kind: kind, MaxAttempts: 3, Work: func(context.Context, *ports.JobRun) error {
			n := active.Add(1)
			defer active.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(100 * time.Millisecond)
			runs.Add(1)
			return nil
		}})
		cfg.Periodic = []ports.PeriodicJob{{Kind: kind, Interval: time.Second}}
		startRunner(t, queueOf(t, st), cfg)
	}
	waitFor(t, jobWait, "the periodic job to run twice", func() bool { return runs.Load() >= 2 })
	if m := most.Load(); m > 1 {
		t.Fatalf("%d runs of the periodic job ran at once; want one process to enqueue it", m)
	}
}
