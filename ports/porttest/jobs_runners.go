package porttest

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

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
