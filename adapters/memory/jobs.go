package memory

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The job queue's table: jobs by id, one row each, written like any other
// table (an enqueue is staged and published when its unit commits). A
// runner (NewRunner) moves rows between states in short units of its own,
// under the rows' locks, so a unit cancelling a job and a runner finishing
// it meet at the row as they would on PostgreSQL. Runners of every peer
// store share the table, as River's clients share river_job.

// jobRow is a stored job and what the queue keeps beside the port's view.
type jobRow struct {
	ports.Job
	seq    int64 // the id as a number: the order of jobs scheduled at one time
	unique bool
	// attemptedAt is when the running attempt began (the rescuer's clock),
	// finalizedAt when the job reached a final state (the cleaner's).
	attemptedAt, finalizedAt time.Time
	// token names the attempt running now, or the one running when the job
	// was cancelled; 0 when none. An attempt's end writes only to a row that
	// still carries its token, so an attempt the rescuer gave up on cannot
	// overwrite what came after it.
	token uint64
}

var jobsSpec = tableSpec[jobRow]{
	unique: map[string]uniqueKey[jobRow]{
		// A unique job holds (kind, args) until it is cancelled or
		// discarded; completed ones keep it until they are cleaned away.
		"kind_args": func(v jobRow) (string, bool) {
			return uniqueJobKey(v.Kind, v.Args), v.unique && v.State != ports.JobCancelled && v.State != ports.JobDiscarded
		},
	},
}

func uniqueJobKey(kind string, args []byte) string { return kind + "\x00" + string(args) }

// jobQueue is the queue's shared state beside its table, one per data as
// a database has one sequence and one leader; guarded by d.mu.
type jobQueue struct {
	seq    int64
	tokens uint64
	// wake is closed, and replaced, when a unit commits jobs a runner may
	// fetch or cancels a running one: every runner waiting on it, on any
	// peer store, wakes.
	wake chan struct{}
	// leader is the runner that enqueues the periodic jobs.
	leader *runner
}

// wakeMarker marks, in unit.staged, a unit that wakes the runners when it
// commits: it enqueued jobs, or cancelled a running one.
type wakeMarker struct{}

func newJobTables(d *data) {
	d.jobs = newTable(d, "jobs", func(v jobRow) string { return v.ID }, jobsSpec)
	d.queue.wake = make(chan struct{})
}

// wakeOnCommit makes u's commit wake the runners.
func (d *data) wakeOnCommit(u *unit) {
	if _, ok := u.staged[wakeMarker{}]; ok {
		return
	}
	u.staged[wakeMarker{}] = true
	u.publish = append(u.publish, func() { // called with d.mu held
		close(d.queue.wake)
		d.queue.wake = make(chan struct{})
	})
}

// woken returns the channel the next commit of fetchable jobs closes.
func (d *data) woken() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queue.wake
}

// Retention of finished jobs, as River's cleaner keeps them.
const (
	keepCompleted = 24 * time.Hour
	keepFailed    = 7 * 24 * time.Hour // cancelled and discarded
)

func (u *unit) Jobs() ports.Jobs { return (*jobs)(u) }

type jobs unit

func (r *jobs) u() *unit { return (*unit)(r) }

var errJobNotFound = fmt.Errorf("job: %w", core.ErrNotFound)

// Enqueue holds a unique job's (kind, args) key before looking for a
// holder, so that of concurrent units enqueueing one unique job the later
// ones wait and then find the first one's job, as at a unique index.
func (r *jobs) Enqueue(ctx context.Context, j ports.NewJob) (string, bool, error) {
	u, t := r.u(), r.u().s.jobs
	if err := u.writable(); err != nil {
		return "", false, err
	}
	if j.Kind == "" {
		return "", false, core.Invalid("job kind", "is empty")
	}
	if j.MaxAttempts < 0 || j.Timeout < 0 {
		return "", false, core.Invalid("job", "max attempts and timeout may not be negative")
	}
	args, err := canonicalArgs(j.Args)
	if err != nil {
		return "", false, err
	}
	j.Args = args
	if j.Unique {
		key := uniqueJobKey(j.Kind, j.Args)
		if err := u.reserve(ctx, t.name+".kind_args:"+key); err != nil {
			return "", false, err
		}
		if v, ok := t.byUnique(u, "kind_args", key); ok {
			return v.ID, true, nil
		}
	}
	d := u.s.data
	d.mu.Lock()
	d.queue.seq++ // like a sequence, not given back by a rollback
	seq := d.queue.seq
	d.mu.Unlock()
	v := jobRow{
		Job: ports.Job{ID: strconv.FormatInt(seq, 10), Kind: j.Kind, Args: j.Args, State: ports.JobAvailable,
			MaxAttempts: j.MaxAttempts, Timeout: j.Timeout, ScheduledAt: micro(time.Now())},
		seq: seq, unique: j.Unique,
	}
	if _, err := t.insert(ctx, u, v, false); err != nil {
		return "", false, err
	}
	d.wakeOnCommit(u)
	return v.ID, false, nil
}

// canonicalArgs checks that args are one JSON value and writes it one way
// (keys sorted, no spaces, numbers as written), as the PostgreSQL adapter
// does: a unique job is unique by these bytes, so two spellings of one
// value make one job. Empty args and null are none (nil).
func canonicalArgs(args []byte) ([]byte, error) {
	if len(bytes.TrimSpace(args)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, core.Invalid("job args", "are not one JSON value")
	}
	if v == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, core.Invalid("job args", "cannot be encoded")
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jobOut is a stored job handed to a caller, sharing no slices with it.
func jobOut(v jobRow) ports.Job {
	j := v.Job
	j.Args, j.Errors = bytes.Clone(j.Args), slices.Clone(j.Errors)
	return j
}

func (r *jobs) Get(_ context.Context, id string) (ports.Job, error) {
	if err := r.u().statement(); err != nil {
		return ports.Job{}, err
	}
	if v, ok := r.u().s.jobs.row(r.u(), id); ok {
		return jobOut(v), nil
	}
	return ports.Job{}, errJobNotFound
}

// Cancel makes a job cancelled at once, running or not: a queued one is
// never fetched, and a running one's attempt has its context cancelled
// (its runner wakes at the commit and looks) and finds, when it ends, that
// it may neither complete nor retry. The row keeps the attempt's token, so
// that attempt reports itself cancelled.
func (r *jobs) Cancel(ctx context.Context, id string) error {
	u, t := r.u(), r.u().s.jobs
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(id)); err != nil {
		return err
	}
	v, ok := t.row(u, id)
	if !ok || v.State.Final() {
		return nil
	}
	if v.State == ports.JobRunning {
		u.s.wakeOnCommit(u)
	}
	v.State, v.finalizedAt = ports.JobCancelled, micro(time.Now())
	putJob(u, v)
	return nil
}

// putJob stages a job's new state; the caller holds the row's lock. A
// state change never brings a row into the unique key (it may only leave
// it, when cancelled or discarded), so there is nothing to check there,
// and the queue's own writes never wait on an enqueue holding that key.
func putJob(u *unit, v jobRow) { u.s.jobs.staged(u)[v.ID] = v }

// errNotThisAttempt is a completion of an attempt the job is no longer
// running: rescued, cancelled or already ended.
var errNotThisAttempt = fmt.Errorf("%w: the job is no longer running this attempt", core.ErrConflict)

// complete runs fn and marks the job's attempt completed, in u: first it
// locks the job's row and checks the job still runs that attempt, so fn
// runs only for a job it may complete, and a Cancel or the rescuer waits
// for the completion to commit or roll back.
func complete(ctx context.Context, u *unit, id string, token uint64, fn func(ctx context.Context, tx ports.Tx) error) error {
	t := u.s.jobs
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(id)); err != nil {
		return err
	}
	v, ok := t.row(u, id)
	if !ok || v.State != ports.JobRunning || v.token != token {
		return errNotThisAttempt
	}
	if fn != nil {
		if err := fn(ctx, u); err != nil {
			return err
		}
	}
	v.State, v.finalizedAt, v.token = ports.JobCompleted, micro(time.Now()), 0
	putJob(u, v)
	return nil
}

// Counts reads the committed jobs; see ports.JobQueue.
func (s *Store) Counts(ctx context.Context) (map[string]map[ports.JobState]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[ports.JobState]int{}
	for _, v := range s.jobs.rows {
		if out[v.Kind] == nil {
			out[v.Kind] = map[ports.JobState]int{}
		}
		out[v.Kind][v.State]++
	}
	return out, nil
}

// queueUnit runs one of the queue's own writes as a unit of work. It
// waits for row locks and retries by the default policy whatever the
// store's own (a test's store may allow one attempt): a runner's write is
// not a request that may fail, and giving up leaves a running job to the
// rescuer.
func (s *Store) queueUnit(ctx context.Context, fn func(u *unit) error) error {
	o := ports.UnitOptions{Lock: ports.LockWait}
	return ports.DefaultRetryPolicy().Run(ctx, func(ctx context.Context) error {
		return s.attempt(ctx, func(_ context.Context, tx ports.Tx) error { return fn(tx.(*unit)) }, o)
	})
}

// fetchable reports whether a job in state st waits for a runner (once its
// ScheduledAt has come).
func fetchable(st ports.JobState) bool {
	return st == ports.JobAvailable || st == ports.JobScheduled || st == ports.JobRetryable
}

// byTime orders jobs by when they may run, then by id.
func byTime(a, b jobRow) int {
	return cmp.Or(a.ScheduledAt.Compare(b.ScheduledAt), cmp.Compare(a.seq, b.seq))
}

// claim marks up to n of the jobs due at now running, skipping the rows
// another unit holds (FOR UPDATE SKIP LOCKED), oldest first, and returns
// them with when the next job not yet due may run (zero when none).
// Resolve gives each its kind's defaults; handled says which kinds to
// take.
func (s *Store) claim(n int, now time.Time, handled func(kind string) bool, resolve func(*jobRow)) (claimed []jobRow, next time.Time) {
	t := s.jobs
	u := newUnit(s, ports.UnitOptions{Lock: ports.LockNoWait})
	defer func() { u.end(true) }()
	due := t.scan(u, func(v jobRow) bool { return fetchable(v.State) && handled(v.Kind) })
	slices.SortFunc(due, byTime)
	for _, v := range due {
		if v.ScheduledAt.After(now) {
			return claimed, v.ScheduledAt
		}
		if len(claimed) == n {
			continue
		}
		if s.acquire(context.Background(), u, t.lockKey(v.ID), ports.LockNoWait) != nil {
			continue // a unit cancelling it, or another runner taking it
		}
		v, ok := t.row(u, v.ID)
		if !ok || !fetchable(v.State) || v.ScheduledAt.After(now) {
			continue
		}
		resolve(&v)
		s.mu.Lock()
		s.queue.tokens++
		v.token = s.queue.tokens
		s.mu.Unlock()
		v.State, v.Attempt, v.attemptedAt = ports.JobRunning, v.Attempt+1, micro(now)
		putJob(u, v)
		claimed = append(claimed, v)
	}
	return claimed, time.Time{}
}

// attemptEnd is how an attempt that did not complete itself ended, as
// its runner sees it.
type attemptEnd int

const (
	endCompleted attemptEnd = iota // Work returned nil
	endFailed                      // Work returned an error or panicked
	endHandBack                    // shutdown cancelled it
)

// finish writes the end of the attempt of row v (as claimed) and returns
// its outcome; reported is false when the attempt is no longer the job's
// (the rescuer gave up on it and reported it).
func (s *Store) finish(v jobRow, end attemptEnd, cause error, backoff func(attempt int) time.Duration) (outcome ports.JobOutcome, reported bool, err error) {
	err = s.queueUnit(context.Background(), func(u *unit) error {
		t := u.s.jobs
		outcome, reported = "", false
		if err := u.reserve(context.Background(), t.lockKey(v.ID)); err != nil {
			return err
		}
		cur, ok := t.row(u, v.ID)
		switch {
		case !ok || cur.token != v.token:
			return nil
		case cur.State == ports.JobCancelled:
			outcome, reported = ports.JobOutcomeCancelled, true
			return nil
		case cur.State != ports.JobRunning:
			return nil
		}
		now := time.Now()
		reported, cur.token = true, 0
		switch {
		case end == endCompleted:
			outcome, cur.State, cur.finalizedAt = ports.JobOutcomeCompleted, ports.JobCompleted, micro(now)
		case end == endHandBack:
			// The attempt did not fail: it was stopped. It is given back
			// uncounted, for this or another process to run at once.
			outcome, cur.State, cur.Attempt, cur.ScheduledAt = ports.JobOutcomeRetried, ports.JobAvailable, cur.Attempt-1, micro(now)
			u.s.wakeOnCommit(u)
		default:
			outcome = failAttempt(&cur, string(core.ClassOf(cause)), now, backoff)
			u.s.wakeOnCommit(u)
		}
		putJob(u, cur)
		return nil
	})
	return outcome, reported, err
}

// failAttempt records a failed attempt in v, with its error's class (never
// an error's own text, which could quote what the job worked on): retried
// after a backoff while attempts remain, else discarded.
func failAttempt(v *jobRow, class string, now time.Time, backoff func(attempt int) time.Duration) ports.JobOutcome {
	v.Errors = append(slices.Clip(v.Errors), class)
	v.token = 0
	if v.Attempt < v.MaxAttempts {
		v.State, v.ScheduledAt = ports.JobRetryable, micro(now.Add(backoff(v.Attempt)))
		return ports.JobOutcomeRetried
	}
	v.State, v.finalizedAt = ports.JobDiscarded, micro(now)
	return ports.JobOutcomeFailed
}

// rescue gives up on the attempts running since before stuckBefore, as
// failed attempts (retried or discarded, never worked again by their
// stuck worker), and cleans away finished jobs past their retention. It
// returns the rescued attempts' events.
func (s *Store) rescue(now, stuckBefore time.Time, backoff func(attempt int) time.Duration) []ports.JobEvent {
	t := s.jobs
	u := newUnit(s, ports.UnitOptions{Lock: ports.LockNoWait})
	defer func() { u.end(true) }()
	stuck := func(v jobRow) bool { return v.State == ports.JobRunning && v.attemptedAt.Before(stuckBefore) }
	old := func(v jobRow) bool {
		keep := keepFailed
		if v.State == ports.JobCompleted {
			keep = keepCompleted
		}
		return v.State.Final() && v.finalizedAt.Before(now.Add(-keep))
	}
	var events []ports.JobEvent
	for _, v := range t.scan(u, func(v jobRow) bool { return stuck(v) || old(v) }) {
		if s.acquire(context.Background(), u, t.lockKey(v.ID), ports.LockNoWait) != nil {
			continue // whoever holds it is changing it; the next round sees
		}
		v, ok := t.row(u, v.ID)
		switch {
		case ok && stuck(v):
			// Its worker died or hangs past RescueAfter.
			outcome := failAttempt(&v, string(core.ErrClassAbandoned), now, backoff)
			putJob(u, v)
			s.wakeOnCommit(u)
			events = append(events, ports.JobEvent{Kind: v.Kind, Outcome: outcome, Duration: now.Sub(v.attemptedAt)})
		case ok && old(v):
			if _, err := t.remove(context.Background(), u, v.ID); err != nil {
				return events // cannot happen: the lock is held
			}
		}
	}
	return events
}

// Defaults of a runner and of a kind that sets none, as River's.
const (
	defaultWorkers         = 4
	defaultRescueAfter     = time.Hour
	defaultBackoffBase     = time.Second
	defaultBackoffMax      = 10 * time.Minute
	defaultShutdownTimeout = 30 * time.Second
	defaultPollInterval    = time.Second
	defaultMaxAttempts     = 25
	defaultJobTimeout      = time.Minute
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
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if cfg.Workers == 0 {
		cfg.Workers = defaultWorkers
	}
	def(&cfg.RescueAfter, defaultRescueAfter)
	def(&cfg.BackoffBase, defaultBackoffBase)
	def(&cfg.BackoffMax, defaultBackoffMax)
	def(&cfg.ShutdownTimeout, defaultShutdownTimeout)
	def(&cfg.PollInterval, defaultPollInterval)
	if cfg.Workers < 0 || cfg.RescueAfter < 0 || cfg.BackoffBase < 0 || cfg.BackoffMax < 0 || cfg.ShutdownTimeout < 0 || cfg.PollInterval < 0 {
		return nil, fmt.Errorf("%w: negative runner setting", core.ErrInvalid)
	}
	r := &runner{s: s, cfg: cfg, handlers: map[string]ports.JobHandler{}, running: map[*attempt]bool{}, freed: make(chan struct{}, 1)}
	for _, h := range cfg.Handlers {
		def(&h.Timeout, defaultJobTimeout)
		if h.MaxAttempts == 0 {
			h.MaxAttempts = defaultMaxAttempts
		}
		switch _, dup := r.handlers[h.Kind]; {
		case h.Kind == "" || h.Work == nil || dup:
			return nil, fmt.Errorf("%w: a handler needs a kind of its own and a Work", core.ErrInvalid)
		case h.MaxAttempts < 0 || h.Timeout < 0 || h.Timeout >= cfg.RescueAfter:
			return nil, fmt.Errorf("%w: handler %s: attempts must be positive and the timeout below RescueAfter", core.ErrInvalid, h.Kind)
		}
		r.handlers[h.Kind] = h
	}
	for _, p := range cfg.Periodic {
		if p.Kind == "" || p.Interval <= 0 {
			return nil, fmt.Errorf("%w: a periodic job needs a kind and a positive interval", core.ErrInvalid)
		}
	}
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

// rescueLoop gives up on stuck attempts every half RescueAfter, at most a
// second apart.
func (r *runner) rescueLoop(ctx context.Context) {
	tick := time.NewTicker(max(min(r.cfg.RescueAfter/2, maxRescueInterval), time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		for _, e := range r.s.rescue(now, now.Add(-r.cfg.RescueAfter), r.backoff) {
			if r.cfg.OnEvent != nil {
				r.cfg.OnEvent(e)
			}
		}
	}
}

// periodicLoop enqueues the periodic jobs at start and every Interval
// while this runner leads: the first runner to claim the lead keeps it
// until its Run ends, then another takes it over at its next tick.
func (r *runner) periodicLoop(ctx context.Context) {
	if len(r.cfg.Periodic) == 0 {
		return
	}
	defer r.resign()
	next := make([]time.Time, len(r.cfg.Periodic)) // zero: due at start
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now, leads := time.Now(), r.lead()
		soonest := time.Time{}
		for i, p := range r.cfg.Periodic {
			if !next[i].After(now) {
				if leads {
					r.enqueuePeriodic(ctx, p.Kind)
				}
				next[i] = now.Add(p.Interval)
			}
			if soonest.IsZero() || next[i].Before(soonest) {
				soonest = next[i]
			}
		}
		timer.Reset(soonest.Sub(now))
	}
}

// lead reports whether r leads, taking the lead when no runner has it.
func (r *runner) lead() bool {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.queue.leader == nil {
		r.s.queue.leader = r
	}
	return r.s.queue.leader == r
}

func (r *runner) resign() {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.queue.leader == r {
		r.s.queue.leader = nil
	}
}

// enqueuePeriodic enqueues one job of kind; a failure waits for the next
// interval, as a periodic job may.
func (r *runner) enqueuePeriodic(ctx context.Context, kind string) {
	_ = r.s.queueUnit(ctx, func(u *unit) error {
		_, _, err := (*jobs)(u).Enqueue(ctx, ports.NewJob{Kind: kind, Args: []byte("{}")})
		return err
	})
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
