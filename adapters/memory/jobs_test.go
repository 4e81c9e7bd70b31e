package memory_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The in-process queue's own cases. Every runner polls once an hour, so a
// case passes only if commits, failures, rescues and hand-backs wake the
// runners themselves.

func newQueue() *memory.Store {
	return memory.New(ports.StoreOptions{
		Retry: ports.RetryPolicy{Attempts: 5, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
		Lock:  ports.LockWait, LockTimeout: 100 * time.Millisecond,
	})
}

// config is a runner's configuration with fast backoffs and no polling.
func config(handlers ...ports.JobHandler) ports.RunnerConfig {
	return ports.RunnerConfig{Handlers: handlers, Workers: 2, PollInterval: time.Hour,
		BackoffBase: 5 * time.Millisecond, BackoffMax: 10 * time.Millisecond, RescueAfter: time.Hour, ShutdownTimeout: time.Second}
}

func do(t *testing.T, s ports.UnitOfWork, fn func(ctx context.Context, tx ports.Tx) error) {
	t.Helper()
	if err := s.Do(context.Background(), fn); err != nil {
		t.Fatalf("unit of work: %v", err)
	}
}

func enqueue(t *testing.T, s ports.UnitOfWork, j ports.NewJob) (id string, duplicate bool) {
	t.Helper()
	do(t, s, func(ctx context.Context, tx ports.Tx) (err error) {
		id, duplicate, err = tx.Jobs().Enqueue(ctx, j)
		return err
	})
	return id, duplicate
}

func getJob(t *testing.T, s ports.UnitOfWork, id string) ports.Job {
	t.Helper()
	var j ports.Job
	do(t, s, func(ctx context.Context, tx ports.Tx) (err error) {
		j, err = tx.Jobs().Get(ctx, id)
		return err
	})
	return j
}

func cancelJob(t *testing.T, s ports.UnitOfWork, id string) {
	t.Helper()
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Jobs().Cancel(ctx, id) })
}

// start runs a runner of cfg on q; stop ends it and waits for Run to
// return, and the test's end does so if stop was not called.
func start(t *testing.T, q *memory.Store, cfg ports.RunnerConfig) (stop func()) {
	t.Helper()
	r, err := q.NewRunner(cfg)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// eventually waits for cond, failing the test when it does not come
// within seconds (a hang, not a slow pass).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// receive waits for a value on ch, failing the test when none comes
// within seconds.
func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func inState(t *testing.T, s ports.UnitOfWork, id string, st ports.JobState) func() bool {
	return func() bool { return getJob(t, s, id).State == st }
}

// recorder keeps a runner's events.
type recorder struct {
	mu     sync.Mutex
	events []ports.JobOutcome
}

func (r *recorder) on(e ports.JobEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e.Outcome)
}

func (r *recorder) outcomes() []ports.JobOutcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// counter counts a kind's attempts by args.
type counter struct {
	mu   sync.Mutex
	runs map[string]int
}

func (c *counter) add(args []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == nil {
		c.runs = map[string]int{}
	}
	c.runs[string(args)]++
}

func (c *counter) of(args string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[args]
}

// counting is a handler of kind that counts its attempts and succeeds.
func counting(kind string, c *counter) ports.JobHandler {
	return ports.JobHandler{Kind: kind, Work: func(_ context.Context, run *ports.JobRun) error {
		c.add(run.Args)
		return nil
	}}
}

func newUser(id string) core.User {
	return core.User{ID: core.UserID(id), Email: id + "@example.com", DisplayName: "T", Role: core.RoleUser, CreatedAt: time.Now()}
}

const (
	userA = "00000000-0000-4000-8000-00000000000a"
	userB = "00000000-0000-4000-8000-00000000000b"
)

func userExists(t *testing.T, s ports.UnitOfWork, id string) bool {
	t.Helper()
	found := false
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.Users().Get(ctx, core.UserID(id))
		found = err == nil
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		return err
	})
	return found
}

func TestJobRolledBackNeverRuns(t *testing.T) {
	q := newQueue()
	var c counter
	var rolledID string
	err := q.Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
		rolledID, _, err = tx.Jobs().Enqueue(ctx, ports.NewJob{Kind: "k", Args: []byte(`"rolled back"`)})
		if err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the unit committed")
	}
	// One worker works the oldest job first: had the rolled-back job been
	// kept, it would run before the marker.
	cfg := config(counting("k", &c))
	cfg.Workers = 1
	start(t, q, cfg)
	marker, _ := enqueue(t, q, ports.NewJob{Kind: "k", Args: []byte(`"marker"`)})
	eventually(t, "the marker to complete", inState(t, q, marker, ports.JobCompleted))
	if n := c.of(`"rolled back"`); n != 0 {
		t.Errorf("the rolled-back job ran %d times", n)
	}
	err = q.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.Jobs().Get(ctx, rolledID)
		return err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Get(rolled back job) = %v; want ErrNotFound", err)
	}
}

func TestJobCommittedRunsOnceWithItsWrites(t *testing.T) {
	q := newQueue()
	var c counter
	var rec recorder
	cfg := config(ports.JobHandler{Kind: "k", Work: func(ctx context.Context, run *ports.JobRun) error {
		c.add(run.Args)
		if string(run.Args) != `"write"` {
			return nil
		}
		return run.Complete(ctx, func(ctx context.Context, tx ports.Tx) error {
			return tx.Users().Create(ctx, newUser(userA))
		})
	}})
	cfg.OnEvent = rec.on
	start(t, q, cfg)
	id, _ := enqueue(t, q, ports.NewJob{Kind: "k", Args: []byte(`"write"`)})
	eventually(t, "the job to complete", inState(t, q, id, ports.JobCompleted))
	if !userExists(t, q, userA) {
		t.Error("the completing unit's write is missing")
	}
	// A later job runs after the first is done with; the first must not
	// run again meanwhile.
	marker, _ := enqueue(t, q, ports.NewJob{Kind: "k", Args: []byte(`"marker"`)})
	eventually(t, "the marker to complete", inState(t, q, marker, ports.JobCompleted))
	if n := c.of(`"write"`); n != 1 {
		t.Errorf("the job ran %d times; want once", n)
	}
	// The kind's attempts are the job's once it ran; its timeout stays
	// its own (none: the kind's).
	if j := getJob(t, q, id); j.Attempt != 1 || len(j.Errors) != 0 || j.MaxAttempts != 25 || j.Timeout != 0 {
		t.Errorf("job = %+v; want attempt 1, no errors, the default 25 attempts, no timeout of its own", j)
	}
	counts, err := q.Counts(context.Background())
	if err != nil || counts["k"][ports.JobCompleted] != 2 {
		t.Errorf("Counts = %v, %v; want 2 completed of k", counts, err)
	}
}

func TestJobRetriesWithBackoffThenSucceeds(t *testing.T) {
	q := newQueue()
	var rec recorder
	var mu sync.Mutex
	var attempts []int
	var last []bool
	var ended, began []time.Time
	cfg := config(ports.JobHandler{Kind: "k", MaxAttempts: 3, Work: func(_ context.Context, run *ports.JobRun) error {
		mu.Lock()
		defer mu.Unlock()
		began = append(began, time.Now())
		attempts, last = append(attempts, run.Attempt), append(last, run.LastAttempt())
		defer func() { ended = append(ended, time.Now()) }()
		if run.Attempt < 3 {
			return &core.JobError{Class: core.ErrClassProvider, Err: errors.New("the provider said something private")}
		}
		return nil
	}})
	cfg.BackoffBase, cfg.BackoffMax, cfg.OnEvent = 20*time.Millisecond, 40*time.Millisecond, rec.on
	start(t, q, cfg)
	id, _ := enqueue(t, q, ports.NewJob{Kind: "k", Args: []byte(`{}`)})
	eventually(t, "the job to complete", inState(t, q, id, ports.JobCompleted))
	j := getJob(t, q, id)
	if j.Attempt != 3 || j.MaxAttempts != 3 || !slices.Equal(j.Errors, []string{"provider", "provider"}) {
		t.Errorf("job = %+v; want 3 attempts, errors [provider provider]", j)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(attempts, []int{1, 2, 3}) || !slices.Equal(last, []bool{false, false, true}) {
		t.Errorf("attempts %v, last %v; want 1 2 3, only the third the last", attempts, last)
	}
	// The waits are at least the backoff less its jitter (a tenth), and
	// the microsecond stored times may take off.
	for i, want := range []time.Duration{20 * time.Millisecond, 40 * time.Millisecond} {
		if wait := began[i+1].Sub(ended[i]); wait < want*9/10-time.Millisecond {
			t.Errorf("wait before attempt %d = %v; want at least %v less jitter", i+2, wait, want)
		}
	}
	eventually(t, "three events", func() bool { return len(rec.outcomes()) == 3 })
	if got := rec.outcomes(); !slices.Equal(got, []ports.JobOutcome{ports.JobOutcomeRetried, ports.JobOutcomeRetried, ports.JobOutcomeCompleted}) {
		t.Errorf("events %v", got)
	}
}

func TestJobFinalFailureDiscards(t *testing.T) {
	q := newQueue()
	var rec recorder
	cfg := config(ports.JobHandler{Kind: "k", MaxAttempts: 5, Work: func(_ context.Context, run *ports.JobRun) error {
		switch run.Attempt {
		case 1:
			panic("a panic quoting the chat: secret")
		case 2:
			return errors.New("an error quoting the chat: secret")
		}
		return &core.JobError{Class: core.ErrClassInvalidOutput}
	}})
	cfg.OnEvent = rec.on
	start(t, q, cfg)
	id, _ := enqueue(t, q, ports.NewJob{Kind: "k", MaxAttempts: 3}) // the job's own attempts win
	eventually(t, "the job to be discarded", inState(t, q, id, ports.JobDiscarded))
	// Errors hold classes: a panic's, an error not a *core.JobError as
	// internal, and never a word of their texts.
	if j := getJob(t, q, id); j.Attempt != 3 || j.MaxAttempts != 3 || !slices.Equal(j.Errors, []string{"panic", "internal", "invalid-output"}) {
		t.Errorf("job = %+v; want 3 attempts, errors [panic internal invalid-output]", j)
	}
	eventually(t, "three events", func() bool { return len(rec.outcomes()) == 3 })
	if got := rec.outcomes(); !slices.Equal(got, []ports.JobOutcome{ports.JobOutcomeRetried, ports.JobOutcomeRetried, ports.JobOutcomeFailed}) {
		t.Errorf("events %v", got)
	}
}

// stuck is a handler whose first attempt ignores its context until
// released, as a worker that hangs (or died) would. Released, it tries to
// complete, reports how that went, and returns nil. The second attempt
// waits (ignoring its context too) for its own release and fails; later
// ones succeed.
type stuck struct {
	release, second chan struct{}
	late            chan error // the stuck attempt's Complete, once released
	attempts        atomic.Int32
}

func newStuck(t *testing.T) *stuck {
	s := &stuck{release: make(chan struct{}), second: make(chan struct{}), late: make(chan error, 1)}
	t.Cleanup(func() { // let the goroutines end, whatever the test did
		for _, ch := range []chan struct{}{s.release, s.second} {
			select {
			case <-ch:
			default:
				close(ch)
			}
		}
	})
	return s
}

func (s *stuck) handler(maxAttempts int) ports.JobHandler {
	return ports.JobHandler{Kind: "k", MaxAttempts: maxAttempts, Timeout: 10 * time.Millisecond, Work: func(ctx context.Context, run *ports.JobRun) error {
		s.attempts.Add(1)
		switch run.Attempt {
		case 1:
			<-s.release
			s.late <- run.Complete(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				return tx.Users().Create(ctx, newUser(userB))
			})
			return nil
		case 2:
			<-s.second
			return &core.JobError{Class: core.ErrClassProvider}
		}
		return nil
	}}
}

func TestJobRescueRunsStuckAttemptAgain(t *testing.T) {
	q := newQueue()
	st := newStuck(t)
	var rec recorder
	cfg := config(st.handler(3))
	// Long enough for the second attempt to outlive the first's return
	// without being rescued itself.
	cfg.RescueAfter, cfg.OnEvent = 400*time.Millisecond, rec.on
	stop := start(t, q, cfg)
	id, _ := enqueue(t, q, ports.NewJob{Kind: "k"})
	eventually(t, "the rescued job's second attempt", func() bool {
		j := getJob(t, q, id)
		return j.State == ports.JobRunning && j.Attempt == 2
	})
	// The first attempt returns while the second runs: neither its
	// completion nor its end may touch the job.
	close(st.release)
	if err := receive(t, "the stuck attempt's end", st.late); err == nil {
		t.Error("the rescued attempt completed the job")
	}
	time.Sleep(20 * time.Millisecond) // not needed to pass: lets a wrong end land before the second attempt's
	if j := getJob(t, q, id); j.State != ports.JobRunning || j.Attempt != 2 {
		t.Errorf("job after the rescued attempt returned = %+v; want attempt 2 running", j)
	}
	close(st.second)
	eventually(t, "the job to complete", inState(t, q, id, ports.JobCompleted))
	stop()
	if j := getJob(t, q, id); j.Attempt != 3 || !slices.Equal(j.Errors, []string{"abandoned", "provider"}) {
		t.Errorf("job = %+v; want completed by attempt 3, errors [abandoned provider]", j)
	}
	if userExists(t, q, userB) {
		t.Error("the rescued attempt's write landed")
	}
	want := []ports.JobOutcome{ports.JobOutcomeRetried, ports.JobOutcomeRetried, ports.JobOutcomeCompleted}
	if got := rec.outcomes(); !slices.Equal(got, want) {
		t.Errorf("events %v; want %v (the rescue's, the second attempt's, the third's)", got, want)
	}
}

func TestJobRescueOnLastAttemptDiscardsWithoutWork(t *testing.T) {
	q := newQueue()
	st := newStuck(t)
	var rec recorder
	cfg := config(st.handler(1))
	cfg.RescueAfter, cfg.OnEvent = 60*time.Millisecond, rec.on
	stop := start(t, q, cfg)
	id, _ := enqueue(t, q, ports.NewJob{Kind: "k"})
	eventually(t, "the stuck job to be discarded", inState(t, q, id, ports.JobDiscarded))
	close(st.release)
	if err := receive(t, "the stuck attempt's end", st.late); err == nil {
		t.Error("the rescued attempt completed the job")
	}
	stop()
	if j := getJob(t, q, id); j.State != ports.JobDiscarded || j.Attempt != 1 || !slices.Equal(j.Errors, []string{"abandoned"}) {
		t.Errorf("job = %+v; want discarded after 1 attempt, errors [abandoned]", j)
	}
	if n := st.attempts.Load(); n != 1 {
		t.Errorf("Work ran %d times; want once", n)
	}
	if got := rec.outcomes(); !slices.Equal(got, []ports.JobOutcome{ports.JobOutcomeFailed}) {
		t.Errorf("events %v; want the rescue's failed alone", got)
	}
}

func TestJobCancel(t *testing.T) {
	q := newQueue()
	var c counter
	started, stopped := make(chan struct{}), make(chan error, 1)
	var rec recorder
	cfg := config(counting("k", &c), ports.JobHandler{Kind: "running", Timeout: time.Minute, Work: func(ctx context.Context, run *ports.JobRun) error {
		close(started)
		<-ctx.Done()
		stopped <- ctx.Err()
		return &core.JobError{Class: core.ErrClassProvider}
	}})
	cfg.Workers, cfg.OnEvent = 1, rec.on

	queued, _ := enqueue(t, q, ports.NewJob{Kind: "k", Args: []byte(`"cancelled"`)})
	cancelJob(t, q, queued)
	stop := start(t, q, cfg)
	marker, _ := enqueue(t, q, ports.NewJob{Kind: "k", Args: []byte(`"marker"`)})
	eventually(t, "the marker to complete", inState(t, q, marker, ports.JobCompleted))
	if n := c.of(`"cancelled"`); n != 0 {
		t.Errorf("the cancelled job ran %d times", n)
	}
	if j := getJob(t, q, queued); j.State != ports.JobCancelled || j.Attempt != 0 {
		t.Errorf("cancelled job = %+v", j)
	}

	// A running job is cancelled at once, its attempt's context with it;
	// the attempt's failure is not retried.
	running, _ := enqueue(t, q, ports.NewJob{Kind: "running", MaxAttempts: 5})
	receive(t, "the job to start", started)
	cancelJob(t, q, running)
	if j := getJob(t, q, running); j.State != ports.JobCancelled {
		t.Errorf("running job after Cancel = %+v; want cancelled", j)
	}
	receive(t, "the cancelled attempt's context to end", stopped)
	stop()
	if j := getJob(t, q, running); j.State != ports.JobCancelled || j.Attempt != 1 || len(j.Errors) != 0 {
		t.Errorf("cancelled running job = %+v; want cancelled after its one attempt", j)
	}
	if got := rec.outcomes(); !slices.Equal(got, []ports.JobOutcome{ports.JobOutcomeCompleted, ports.JobOutcomeCancelled}) {
		t.Errorf("events %v; want the marker's completed, the running job's cancelled", got)
	}

	// Cancelling a finished or unknown job changes nothing.
	cancelJob(t, q, marker)
	cancelJob(t, q, "999999")
	if j := getJob(t, q, marker); j.State != ports.JobCompleted {
		t.Errorf("completed job after Cancel = %+v", j)
	}
}

func TestJobUnique(t *testing.T) {
	q := newQueue()
	peers := []*memory.Store{q, q.Peer(ports.DefaultStoreOptions()), q.Peer(ports.DefaultStoreOptions())}
	job := ports.NewJob{Kind: "k", Args: []byte(`{"insight":"x","generation":1}`), Unique: true}

	// Concurrent enqueues of one unique job, over stores sharing the data.
	const n = 12
	ids, dups := make([]string, n), make([]bool, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = peers[i%len(peers)].Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
				ids[i], dups[i], err = tx.Jobs().Enqueue(ctx, job)
				time.Sleep(time.Millisecond) // the units overlap: each must wait for the one holding the job
				return err
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent enqueues: %v", err)
	}
	if fresh := slices.Index(dups, false); fresh < 0 || slices.Index(dups[fresh+1:], false) >= 0 {
		t.Errorf("duplicates %v; want exactly one enqueue to add the job", dups)
	}
	if distinct := slices.Compact(slices.Sorted(slices.Values(ids))); len(distinct) != 1 {
		t.Errorf("ids %v; want one", distinct)
	}
	first := ids[0]

	next := job
	next.Args = []byte(`{"insight":"x","generation":2}`)
	if id, dup := enqueue(t, q, next); dup || id == first {
		t.Errorf("other args: %s, %v; want a new job", id, dup)
	}
	plain := job
	plain.Unique = false
	if id, dup := enqueue(t, q, plain); dup || id == first {
		t.Errorf("not unique: %s, %v; want a new job", id, dup)
	}

	// Args are JSON, unique by their value, not their spelling.
	spelled := job
	spelled.Args = []byte(` { "generation": 1, "insight": "x" }`)
	if id, dup := enqueue(t, q, spelled); !dup || id != first {
		t.Errorf("the args spelled otherwise: %s, %v; want the job %s", id, dup, first)
	}
	err := q.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		_, _, err := tx.Jobs().Enqueue(ctx, ports.NewJob{Kind: "k", Args: []byte(`{"not json"`)})
		return err
	})
	if !errors.Is(err, core.ErrInvalid) {
		t.Errorf("Enqueue(args not JSON) = %v; want ErrInvalid", err)
	}

	// A rolled-back enqueue holds nothing.
	other := job
	other.Args = []byte(`"rolled back first"`)
	_ = q.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		if _, _, err := tx.Jobs().Enqueue(ctx, other); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if _, dup := enqueue(t, q, other); dup {
		t.Error("a rolled-back unique job counted")
	}

	// A completed job still holds its args; a cancelled one does not.
	start(t, q, config(counting("k", &counter{})))
	eventually(t, "the unique job to complete", inState(t, q, first, ports.JobCompleted))
	if id, dup := enqueue(t, q, job); !dup || id != first {
		t.Errorf("after completion: %s, %v; want the completed job %s", id, dup, first)
	}
	cancelled := job
	cancelled.Kind = "nobody runs this"
	held, _ := enqueue(t, q, cancelled)
	cancelJob(t, q, held)
	if id, dup := enqueue(t, q, cancelled); dup || id == held {
		t.Errorf("after cancelling: %s, %v; want a new job", id, dup)
	}
}

func TestJobShutdownHandsBack(t *testing.T) {
	q := newQueue()
	started := make(chan struct{})
	var rec recorder
	cfg := config(ports.JobHandler{Kind: "k", Timeout: 10 * time.Second, Work: func(ctx context.Context, run *ports.JobRun) error {
		close(started)
		<-ctx.Done()
		return &core.JobError{Class: core.ErrClassTimeout, Err: ctx.Err()}
	}})
	cfg.ShutdownTimeout, cfg.OnEvent = 10*time.Millisecond, rec.on
	stop := start(t, q, cfg)
	id, _ := enqueue(t, q, ports.NewJob{Kind: "k"})
	receive(t, "the job to start", started)
	stop()
	if j := getJob(t, q, id); j.State != ports.JobAvailable || j.Attempt != 0 || len(j.Errors) != 0 {
		t.Errorf("job after shutdown = %+v; want available, its attempt given back uncounted", j)
	}
	if got := rec.outcomes(); !slices.Equal(got, []ports.JobOutcome{ports.JobOutcomeRetried}) {
		t.Errorf("events %v; want retried", got)
	}

	// Another process's runner takes it.
	var attempt atomic.Int32
	start(t, q.Peer(ports.DefaultStoreOptions()), config(ports.JobHandler{Kind: "k", Work: func(_ context.Context, run *ports.JobRun) error {
		attempt.Store(int32(run.Attempt))
		return nil
	}}))
	eventually(t, "the job to complete", inState(t, q, id, ports.JobCompleted))
	if n := attempt.Load(); n != 1 {
		t.Errorf("the next runner ran attempt %d; want 1", n)
	}
}

func TestJobCompleteRollsBackWhenCancelled(t *testing.T) {
	q := newQueue()
	started, cancelled := make(chan struct{}), make(chan struct{})
	completeErr := make(chan error, 1)
	cfg := config(ports.JobHandler{Kind: "k", Work: func(ctx context.Context, run *ports.JobRun) error {
		close(started)
		<-cancelled
		// Past its own context, which the cancellation ended: the job's
		// row is what must refuse.
		err := run.Complete(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
			return tx.Users().Create(ctx, newUser(userA))
		})
		completeErr <- err
		return err
	}})
	start(t, q, cfg)
	id, _ := enqueue(t, q, ports.NewJob{Kind: "k"})
	receive(t, "the job to start", started)
	cancelJob(t, q, id)
	close(cancelled)
	if err := receive(t, "Complete", completeErr); !errors.Is(err, core.ErrConflict) {
		t.Errorf("Complete of a cancelled job = %v; want a conflict", err)
	}
	if userExists(t, q, userA) {
		t.Error("the handler's write landed with a failed completion")
	}
	if j := getJob(t, q, id); j.State != ports.JobCancelled {
		t.Errorf("job = %+v; want cancelled", j)
	}
}

func TestJobPeriodicOneLeader(t *testing.T) {
	q := newQueue()
	var c counter
	cfg := config(counting("tick", &c), counting("marker", &c))
	cfg.Periodic = []ports.PeriodicJob{{Kind: "tick", Interval: time.Hour}}
	start(t, q, cfg)
	eventually(t, "the start's periodic job", func() bool { return c.of("{}") == 1 })
	// A second runner on another store starts while the first leads: it
	// enqueues nothing.
	second := q.Peer(ports.DefaultStoreOptions())
	secondCfg := cfg
	secondCfg.Handlers = []ports.JobHandler{counting("marker", &c)}
	start(t, second, secondCfg)
	marker, _ := enqueue(t, second, ports.NewJob{Kind: "marker", Args: []byte(`"m"`)})
	eventually(t, "the marker", inState(t, q, marker, ports.JobCompleted))
	counts, err := q.Counts(context.Background())
	if err != nil || fmt.Sprint(counts["tick"]) != fmt.Sprint(map[ports.JobState]int{ports.JobCompleted: 1}) {
		t.Errorf("Counts = %v, %v; want one completed tick", counts, err)
	}
}

func TestJobRunnerRunsOnce(t *testing.T) {
	r, err := newQueue().NewRunner(config(counting("k", &counter{})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Run(ctx); err != nil {
		t.Fatalf("first Run = %v", err)
	}
	if err := r.Run(ctx); err == nil || !strings.Contains(err.Error(), "once") {
		t.Errorf("second Run = %v; want refused", err)
	}
	if _, err := newQueue().NewRunner(ports.RunnerConfig{Handlers: []ports.JobHandler{{Kind: "k", Timeout: time.Hour, Work: counting("k", &counter{}).Work}}}); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("NewRunner(timeout above RescueAfter) = %v; want ErrInvalid", err)
	}
}
