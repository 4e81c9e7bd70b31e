package porttest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

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
