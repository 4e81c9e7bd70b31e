package porttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sync"
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

// getJob reads a job.
func getJob(s ports.UnitOfWork, id string) (ports.Job, error) {
	var j ports.Job
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		j, err = tx.Jobs().Get(ctx, id)
		return err
	}, ports.ReadOnly())
	return j, err
}

// sameJSON reports whether a and b are the same JSON value, whatever
// their spacing and key order (a queue may keep args as jsonb).
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
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
