package porttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

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
