package memory

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

const (
	// maxRescueInterval bounds how long a stuck job waits past RescueAfter.
	maxRescueInterval = time.Second
	// handBackWait bounds how long Run waits, once it has cancelled the
	// attempts still running at shutdown, for them to hand their jobs back
	// (at once, when they heed their context); one that ignores its
	// context is left to the rescuer.
	handBackWait = 5 * time.Second
)

// errRunnerRan refuses a second Run.
var errRunnerRan = errors.New("memory: a job runner runs once")

// errShutdown is the cause with which Run cancels the attempts that
// outlived ShutdownTimeout.
var errShutdown = errors.New("job runner shut down")

// runner works the store's jobs in goroutines; see ports.JobRunner.
type runner struct {
	s        *Store
	cfg      ports.RunnerConfig
	handlers map[string]ports.JobHandler
	ran      bool
	mu       sync.Mutex // guards ran and running
	running  map[*attempt]bool
	// freed is signalled when an attempt ends, so the fetch loop may use
	// its worker; buffered, and sent to without blocking.
	freed chan struct{}
	wg    sync.WaitGroup // the attempts' goroutines
}

// attempt is one running attempt of this runner.
type attempt struct {
	row    jobRow // as claimed
	cancel context.CancelCauseFunc
}

// NewRunner makes a runner of the jobs of every peer store on s's data;
// see ports.JobQueue. Zero settings take their documented defaults; a
// kind's zero MaxAttempts and Timeout are 25 and one minute.
func (s *Store) NewRunner(cfg ports.RunnerConfig) (ports.JobRunner, error) {
	cfg, handlers, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	r := &runner{s: s, cfg: cfg, handlers: handlers, running: map[*attempt]bool{}, freed: make(chan struct{}, 1)}
	return r, nil
}

// Run fetches jobs until ctx ends, then shuts down; see ports.JobRunner.
// The rescuer and the periodic jobs run beside the fetch loop.
func (r *runner) Run(ctx context.Context) error {
	r.mu.Lock()
	ran := r.ran
	r.ran = true
	r.mu.Unlock()
	if ran {
		return errRunnerRan
	}
	var side sync.WaitGroup
	side.Go(func() { r.rescueLoop(ctx) })
	side.Go(func() { r.periodicLoop(ctx) })
	r.fetchLoop(ctx)
	side.Wait()
	r.shutdown()
	return nil
}

// fetchLoop starts attempts while workers are free, and sleeps until a
// commit enqueues jobs, an attempt frees a worker, the next known job is
// due, or PollInterval passes.
func (r *runner) fetchLoop(ctx context.Context) {
	timer := time.NewTimer(r.cfg.PollInterval)
	defer timer.Stop()
	handled := func(kind string) bool { _, ok := r.handlers[kind]; return ok }
	for {
		wake := r.s.woken() // before fetching, so no commit during it is missed
		r.stopCancelled()
		r.mu.Lock()
		free := r.cfg.Workers - len(r.running)
		r.mu.Unlock()
		wait := r.cfg.PollInterval
		if free > 0 {
			now := time.Now()
			claimed, next := r.s.claim(free, now, handled, r.resolve)
			for _, v := range claimed {
				r.start(v)
			}
			if !next.IsZero() {
				wait = min(wait, next.Sub(now))
			}
		}
		timer.Reset(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-r.freed:
		case <-timer.C:
		}
	}
}

// errJobCancelled is the cause with which a runner cancels the context of
// an attempt whose job was cancelled.
var errJobCancelled = errors.New("job cancelled")

// stopCancelled cancels the contexts of this runner's attempts whose jobs
// a unit cancelled, as River's clients hear of a cancellation and do.
func (r *runner) stopCancelled() {
	r.mu.Lock()
	running := slices.Collect(maps.Keys(r.running))
	r.mu.Unlock()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	for _, a := range running {
		if v, ok := r.s.jobs.rows[a.row.ID]; ok && v.State == ports.JobCancelled && v.token == a.row.token {
			a.cancel(errJobCancelled)
		}
	}
}

// resolve gives a claimed job its kind's attempts when it has none of its
// own, in the row (for the rescuer, and Get). Its timeout stays the job's
// own: 0 means the kind's, which the attempt looks up (work).
func (r *runner) resolve(v *jobRow) {
	if v.MaxAttempts == 0 {
		v.MaxAttempts = r.handlers[v.Kind].MaxAttempts
	}
}

// start runs a claimed job's attempt in its own goroutine. Its context is
// not Run's: it ends with the attempt's timeout, when its job is cancelled,
// or when shutdown gives up waiting for it.
func (r *runner) start(v jobRow) {
	base, cancel := context.WithCancelCause(context.Background())
	a := &attempt{row: v, cancel: cancel}
	r.mu.Lock()
	r.running[a] = true
	r.mu.Unlock()
	r.wg.Go(func() {
		r.work(base, a)
		cancel(nil)
		r.mu.Lock()
		delete(r.running, a)
		r.mu.Unlock()
		select {
		case r.freed <- struct{}{}:
		default:
		}
	})
}

// work runs one attempt and writes how it ended.
func (r *runner) work(base context.Context, a *attempt) {
	h, v := r.handlers[a.row.Kind], a.row
	ctx, cancel := context.WithTimeout(base, cmp.Or(v.Timeout, h.Timeout))
	defer cancel()
	var completed atomic.Bool
	run := &ports.JobRun{ID: v.ID, Kind: v.Kind, Args: bytes.Clone(v.Args), Attempt: v.Attempt, MaxAttempts: v.MaxAttempts,
		Complete: func(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) error {
			err := r.s.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
				return complete(ctx, tx.(*unit), v.ID, v.token, fn)
			}, opts...)
			if err == nil {
				completed.Store(true)
			}
			return err
		}}
	began := time.Now()
	err := callWork(ctx, h.Work, run)
	event := ports.JobEvent{Kind: v.Kind, Outcome: ports.JobOutcomeCompleted, Duration: time.Since(began)}
	if !completed.Load() {
		end := endCompleted
		switch {
		case err != nil && errors.Is(context.Cause(base), errShutdown):
			end = endHandBack
		case err != nil:
			end = endFailed
		}
		outcome, reported, ferr := r.s.finish(v, end, err, r.backoff)
		if ferr != nil || !reported {
			return // the rescuer takes the job, and reports it
		}
		event.Outcome = outcome
	}
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(event)
	}
}

// errPanic is a panicking attempt's error: its class alone, never the
// panic's value, which could quote what the job worked on.
var errPanic = &core.JobError{Class: core.ErrClassPanic}

// callWork calls work, turning a panic into errPanic.
func callWork(ctx context.Context, work func(context.Context, *ports.JobRun) error, run *ports.JobRun) (err error) {
	defer func() {
		if recover() != nil {
			err = errPanic
		}
	}()
	return work(ctx, run)
}

// backoff is the wait before the attempt after attempt n:
// min(BackoffBase·2^(n-1), BackoffMax), less up to a tenth at random so
// that jobs failing together spread out and the wait never passes
// BackoffMax.
func (r *runner) backoff(n int) time.Duration {
	d := r.cfg.BackoffBase
	for i := 1; i < n && d < r.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, r.cfg.BackoffMax)
	return d - rand.N(d/10+1)
}

// shutdown lets running attempts finish within ShutdownTimeout, then
// cancels them (they hand their jobs back) and waits a little for that.
func (r *runner) shutdown() {
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	grace := time.NewTimer(r.cfg.ShutdownTimeout)
	defer grace.Stop()
	select {
	case <-done:
		return
	case <-grace.C:
	}
	r.mu.Lock()
	for a := range r.running {
		a.cancel(errShutdown)
	}
	r.mu.Unlock()
	grace.Reset(handBackWait)
	select {
	case <-done:
	case <-grace.C:
	}
}
