package ports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Background jobs: work that must survive a crash and run outside a
// request. A job is enqueued inside a unit of work (Tx.Jobs), so it exists
// if and only if the unit commits, and is worked by a JobRunner, which a
// store that keeps jobs (JobQueue) makes. On PostgreSQL the queue is
// River; the memory adapter has an in-process queue with the same
// observable behaviour, and porttest's jobs cases hold both to it.
//
// Delivery is at least once: a worker that dies mid-job leaves a job that
// runs again once the rescuer finds it (RunnerConfig.RescueAfter), so a
// handler makes its effect once itself: it writes its result and
// completes the job in one unit of work (JobRun.Complete), and checks in
// that unit that the work is still wanted.

// JobState is where a job stands, in River's words.
type JobState string

// Job states.
const (
	JobAvailable JobState = "available" // ready to run
	JobScheduled JobState = "scheduled" // waits for its time (a retry's backoff)
	JobRunning   JobState = "running"
	JobRetryable JobState = "retryable" // failed, another attempt is scheduled
	JobCompleted JobState = "completed"
	JobCancelled JobState = "cancelled"
	JobDiscarded JobState = "discarded" // failed on its last attempt, or given up by the rescuer
)

// Final reports whether the job will never run again.
func (s JobState) Final() bool {
	return s == JobCompleted || s == JobCancelled || s == JobDiscarded
}

// NewJob is a job to enqueue.
type NewJob struct {
	Kind string // a registered handler's kind
	// Args is the job's input as JSON (ids, never chat content).
	Args []byte
	// Unique: while a job of the same kind and args exists that is not
	// cancelled or discarded (completed ones count, until the queue cleans
	// them away after a day), enqueueing another adds nothing and returns
	// that job. Put what makes the work distinct (a generation) in Args.
	Unique bool
	// MaxAttempts bounds the attempts (the handler's when 0).
	MaxAttempts int
	// Timeout bounds one attempt (the handler's when 0).
	Timeout time.Duration
}

// Job is an enqueued job as the queue reports it.
type Job struct {
	ID          string
	Kind        string
	Args        []byte
	State       JobState
	Attempt     int // attempts begun so far
	MaxAttempts int
	Timeout     time.Duration
	// ScheduledAt is when it may next run.
	ScheduledAt time.Time
	// Errors are the failed attempts' error texts, oldest first (a
	// handler returns *core.JobError, whose text is a class).
	Errors []string
}

// Jobs enqueues and inspects jobs inside a unit of work.
type Jobs interface {
	// Enqueue adds a job that runs once the unit commits (never if it
	// rolls back) and returns its id; duplicate is true when j is Unique
	// and an equal job already existed (its id is returned).
	Enqueue(ctx context.Context, j NewJob) (id string, duplicate bool, err error)
	// Get returns a job, or core.ErrNotFound (never enqueued, or cleaned
	// away: completed jobs are kept a day, cancelled and discarded ones a
	// week).
	Get(ctx context.Context, id string) (Job, error)
	// Cancel cancels a job that has not finished: a queued job never runs;
	// a running one finishes its attempt but is not retried and cannot
	// complete. Cancelling a finished or unknown job changes nothing.
	Cancel(ctx context.Context, id string) error
}

// JobQueue is a store that keeps jobs: it makes runners that work them.
type JobQueue interface {
	NewRunner(cfg RunnerConfig) (JobRunner, error)
	// Counts returns how many jobs are in each state, by kind (for
	// metrics).
	Counts(ctx context.Context) (map[string]map[JobState]int, error)
}

// JobRunner works jobs.
type JobRunner interface {
	// Run works jobs until ctx ends; then it stops fetching, lets running
	// jobs finish within RunnerConfig.ShutdownTimeout, cancels those
	// still running and returns. A cancelled job is handed back: it runs
	// again later, by this or another process, and the cut-off attempt
	// does not count against its MaxAttempts (as River's soft stop does),
	// so a deploy never discards a job on its last attempt. A runner runs
	// once.
	Run(ctx context.Context) error
}

// JobHandler works the jobs of one kind.
type JobHandler struct {
	Kind string
	// MaxAttempts and Timeout are the kind's defaults; a job may carry its
	// own (NewJob). Zero takes River's defaults (25 attempts, 1 minute);
	// Timeout must be below RunnerConfig.RescueAfter.
	MaxAttempts int
	Timeout     time.Duration
	// Work runs one attempt within the attempt's timeout (ctx's deadline).
	// It ends the job by calling run.Complete with the unit that writes its
	// result; returning nil without calling it completes the job with no
	// writes. An error fails the attempt: another is scheduled with
	// backoff, or, on the last attempt, the job is discarded. The error's
	// text is stored with the job: return a *core.JobError.
	Work func(ctx context.Context, run *JobRun) error
}

// JobRun is one attempt of a job, as its handler sees it.
type JobRun struct {
	ID          string
	Kind        string
	Args        []byte
	Attempt     int // 1 for the first attempt
	MaxAttempts int
	// Complete runs fn in a unit of work (the options as for
	// UnitOfWork.Do) that also marks the job completed, so the job's
	// result and its completion commit together or not at all. It fails
	// when the job is no longer running this attempt (rescued, cancelled).
	Complete func(ctx context.Context, fn func(ctx context.Context, tx Tx) error, opts ...UnitOption) error
}

// LastAttempt reports whether a failure of this attempt ends the job.
func (r *JobRun) LastAttempt() bool { return r.Attempt >= r.MaxAttempts }

// PeriodicJob is a job a runner enqueues every Interval (and at start),
// on one process among all those running runners on the store.
type PeriodicJob struct {
	Kind     string
	Interval time.Duration
}

// JobEvent is an attempt that ended, for metrics.
type JobEvent struct {
	Kind     string
	Outcome  JobOutcome
	Duration time.Duration
}

// JobOutcome is how an attempt ended.
type JobOutcome string

// Job outcomes.
const (
	JobOutcomeCompleted JobOutcome = "completed"
	JobOutcomeRetried   JobOutcome = "retried"   // failed, another attempt follows
	JobOutcomeFailed    JobOutcome = "failed"    // failed on its last attempt: discarded
	JobOutcomeCancelled JobOutcome = "cancelled" // cancelled while running
)

// RunnerConfig configures a JobRunner.
type RunnerConfig struct {
	Handlers []JobHandler
	// Workers is how many jobs run at once in this runner (default 4).
	Workers  int
	Periodic []PeriodicJob
	// RescueAfter: a job running longer than this is taken to have lost
	// its worker (a crash): it runs again, or is discarded when that was
	// its last attempt. Must be above every handler's and job's Timeout.
	// Default 1 hour; River checks every 30 s.
	RescueAfter time.Duration
	// BackoffBase and BackoffMax shape the wait before attempt n+1:
	// min(BackoffBase·2^(n-1), BackoffMax), with jitter. Defaults 1 s and
	// 10 min.
	BackoffBase, BackoffMax time.Duration
	// ShutdownTimeout bounds how long Run waits for running jobs once its
	// context ends (default 30 s).
	ShutdownTimeout time.Duration
	// PollInterval is how often the runner looks for jobs when nothing
	// told it of new ones (default 1 s).
	PollInterval time.Duration
	// OnEvent, when set, is told each attempt's end (metrics).
	OnEvent func(JobEvent)
}

// Runner defaults: what a zero RunnerConfig field, or a handler's zero
// MaxAttempts or Timeout, means (River's own defaults for the latter two).
const (
	DefaultRunnerWorkers   = 4
	DefaultRescueAfter     = time.Hour
	DefaultBackoffBase     = time.Second
	DefaultBackoffMax      = 10 * time.Minute
	DefaultShutdownTimeout = 30 * time.Second
	DefaultPollInterval    = time.Second
	DefaultJobMaxAttempts  = 25
	DefaultJobTimeout      = time.Minute
)

// Resolve fills cfg's zero fields and its handlers' with the defaults and
// checks what a runner needs: no negative setting, handlers of distinct
// kinds with a Work, timeouts below RescueAfter, periodic jobs with a kind
// and an interval. It returns the handlers by kind. Every adapter's
// NewRunner starts with it, so all read a configuration alike.
func (cfg RunnerConfig) Resolve() (RunnerConfig, map[string]JobHandler, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultRunnerWorkers
	}
	def(&cfg.RescueAfter, DefaultRescueAfter)
	def(&cfg.BackoffBase, DefaultBackoffBase)
	def(&cfg.BackoffMax, DefaultBackoffMax)
	def(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	def(&cfg.PollInterval, DefaultPollInterval)
	if cfg.Workers < 0 || cfg.RescueAfter < 0 || cfg.BackoffBase < 0 || cfg.BackoffMax < 0 || cfg.ShutdownTimeout < 0 || cfg.PollInterval < 0 {
		return cfg, nil, fmt.Errorf("%w: negative runner setting", core.ErrInvalid)
	}
	handlers := map[string]JobHandler{}
	for _, h := range cfg.Handlers {
		def(&h.Timeout, DefaultJobTimeout)
		if h.MaxAttempts == 0 {
			h.MaxAttempts = DefaultJobMaxAttempts
		}
		switch _, dup := handlers[h.Kind]; {
		case h.Kind == "" || h.Work == nil || dup:
			return cfg, nil, fmt.Errorf("%w: a handler needs a kind of its own and a Work", core.ErrInvalid)
		case h.MaxAttempts < 0 || h.Timeout < 0 || h.Timeout >= cfg.RescueAfter:
			return cfg, nil, fmt.Errorf("%w: handler %s: attempts must be positive and the timeout below RescueAfter", core.ErrInvalid, h.Kind)
		}
		handlers[h.Kind] = h
	}
	for _, p := range cfg.Periodic {
		if p.Kind == "" || p.Interval <= 0 {
			return cfg, nil, fmt.Errorf("%w: a periodic job needs a kind and a positive interval", core.ErrInvalid)
		}
	}
	return cfg, handlers, nil
}

// Checked returns j as every queue stores it, or a validation error: a
// kind, no negative MaxAttempts or Timeout, and Args as one JSON value
// written one way (keys sorted, no spaces, numbers as written), since a
// unique job is unique by those bytes and two spellings of one value must
// not make two jobs. Empty args and null are none (nil).
func (j NewJob) Checked() (NewJob, error) {
	if j.Kind == "" {
		return NewJob{}, core.Invalid("job kind", "is empty")
	}
	if j.MaxAttempts < 0 || j.Timeout < 0 {
		return NewJob{}, core.Invalid("job", "max attempts and timeout may not be negative")
	}
	j.Args = bytes.Clone(j.Args)
	if len(bytes.TrimSpace(j.Args)) == 0 {
		j.Args = nil
		return j, nil
	}
	dec := json.NewDecoder(bytes.NewReader(j.Args))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return NewJob{}, core.Invalid("job args", "are not one JSON value")
	}
	if v == nil {
		j.Args = nil
		return j, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return NewJob{}, core.Invalid("job args", "cannot be encoded")
	}
	j.Args = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return j, nil
}
