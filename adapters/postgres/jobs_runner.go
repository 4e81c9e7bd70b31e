package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

const (
	// FetchCooldown is the least time between two fetches of a runner.
	// River's default, 100 ms, fetching at most Workers jobs each time,
	// capped one process at 80 jobs/s with 8 workers whatever the jobs
	// cost (docs/BENCHMARKS.md, "Jobs"): statistical insights drained at
	// that cap with most of a core idle. At 10 ms the cap is ten times
	// higher, and an idle runner still fetches only when notified or at
	// PollInterval.
	FetchCooldown = 10 * time.Millisecond
	// handBackWait bounds how long Run waits, once it has cancelled the
	// attempts still running at shutdown, for them to hand their jobs back;
	// one that ignores its context is left to the rescuer.
	handBackWait = 5 * time.Second
	// Retention of finished jobs (ports.Jobs.Get): River keeps cancelled
	// ones a day by default, the port a week.
	keepCompleted = 24 * time.Hour
	keepFailed    = 7 * 24 * time.Hour
	// queueName is River's queue: every kind shares it.
	queueName = river.QueueDefault
)

// riverClient is River's client on database/sql transactions: units hand
// it their *sql.Tx.
type riverClient = river.Client[*sql.Tx]

// runner is a River client with workers, on pools of its own; see
// ports.JobRunner.
type runner struct {
	client *riverClient
	pool   *pgxpool.Pool // LISTEN, and under db
	db     *sql.DB       // River's statements, and the workers' own (claimJob's neighbours)
	cfg    ports.RunnerConfig
	ran    atomic.Bool
	// cancelling is set once Run gives up waiting and cancels the running
	// attempts: an attempt that then fails is handed back, not failed.
	cancelling atomic.Bool
}

// NewRunner makes a runner of the store's jobs; see ports.JobQueue. Zero
// settings take their documented defaults; a kind's zero MaxAttempts and
// Timeout are 25 and one minute. The runner's River client has pools of
// its own, opened from the store's DSN without the request pool's
// timeouts (runnerPool), and connects when Run starts it.
func (s *Store) NewRunner(cfg ports.RunnerConfig) (ports.JobRunner, error) {
	if s.dsn == "" {
		return nil, errors.New("postgres: a job runner needs a store opened by Open (its DSN opens the runner's pools)")
	}
	cfg, handlers, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	pool, err := runnerPool(s.dsn, cfg.Workers+4)
	if err != nil {
		return nil, err
	}
	r := &runner{pool: pool, db: stdlib.OpenDBFromPool(pool), cfg: cfg}
	workers := river.NewWorkers()
	for _, h := range handlers {
		// River takes a worker's kind from the args it is given (one type
		// serves every kind: jobArgs). It panics on a kind registered
		// twice, which Resolve has refused.
		river.AddWorkerArgs(workers, jobArgs{kind: h.Kind}, river.Worker[jobArgs](&jobWorker{store: s, runner: r, handler: h}))
	}
	r.client, err = river.NewClient(riverdatabasesql.NewWithPgxListener(r.db, pool), &river.Config{
		Queues:  map[string]river.QueueConfig{queueName: {MaxWorkers: cfg.Workers}},
		Workers: workers,
		// A kind a periodic job enqueues may be another runner's.
		SkipUnknownJobCheck:         true,
		PeriodicJobs:                periodicJobs(cfg.Periodic, handlers),
		RescueStuckJobsAfter:        cfg.RescueAfter,
		JobTimeout:                  min(ports.DefaultJobTimeout, cfg.RescueAfter), // unused: every kind has its own (jobWorker.Timeout)
		RetryPolicy:                 backoff{base: cfg.BackoffBase, max: cfg.BackoffMax},
		FetchPollInterval:           cfg.PollInterval,
		FetchCooldown:               min(FetchCooldown, cfg.PollInterval),
		CompletedJobRetentionPeriod: keepCompleted,
		CancelledJobRetentionPeriod: keepFailed,
		DiscardedJobRetentionPeriod: keepFailed,
		Logger:                      riverLogger(),
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: the job runner: %w", core.ErrInvalid, err)
	}
	return r, nil
}

// periodicJobs are River's periodic jobs for ours: enqueued by the elected
// leader alone, at its start and every interval, with args {} (as the
// memory adapter's).
func periodicJobs(periodic []ports.PeriodicJob, handlers map[string]ports.JobHandler) []*river.PeriodicJob {
	var out []*river.PeriodicJob
	for _, p := range periodic {
		h, known := handlers[p.Kind]
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(p.Interval),
			func() (river.JobArgs, *river.InsertOpts) {
				// Fresh each time: River may fill in what the job leaves unset.
				args := jobArgs{kind: p.Kind, Args: []byte("{}"), MaxAttemptsUnset: !known}
				return args, &river.InsertOpts{MaxAttempts: h.MaxAttempts}
			},
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	return out
}

// Settings of the runner's connections. River's own statements are short
// and it retries what fails; a lock wait is its completer meeting a unit
// that holds the job's row (Complete, Cancel): worth waiting for, but not
// forever.
const (
	runnerLockTimeout      = 10 * time.Second
	runnerStatementTimeout = time.Minute
	runnerIdleInTxTimeout  = time.Minute
)

// runnerPool opens the pool a runner's River client works on: LISTEN
// holds one connection, database/sql (stdlib.OpenDBFromPool) takes the
// others. It is opened from the DSN alone, so it has none of the request
// pool's session settings (OpenDB): River's fetches and completions must
// not fail on a 200 ms lock_timeout meant for a request. It connects
// lazily.
func runnerPool(dsn string, size int) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing the database URL: %w", err)
	}
	pc.MaxConns = int32(size)
	params := pc.ConnConfig.RuntimeParams
	setMillis(params, "lock_timeout", runnerLockTimeout)
	setMillis(params, "statement_timeout", runnerStatementTimeout)
	setMillis(params, "idle_in_transaction_session_timeout", runnerIdleInTxTimeout)
	params["timezone"] = "UTC"
	if params["application_name"] == "" {
		params["application_name"] = "chatlens-jobs"
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("opening the job runner's pool: %w", err)
	}
	return pool, nil
}

// Run starts River and works jobs until ctx ends; then it stops fetching,
// lets the running attempts finish within ShutdownTimeout, cancels the
// rest (River hands their jobs back: available again, the attempt not
// counted) and closes the runner's pools. See ports.JobRunner.
func (r *runner) Run(ctx context.Context) error {
	if r.ran.Swap(true) {
		return errors.New("postgres: a job runner runs once")
	}
	defer r.pool.Close()
	defer r.db.Close()
	// River stops by itself, without a bound, when Start's context ends:
	// Run stops it instead, with one.
	if err := r.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the job runner: %w", translate(err))
	}
	<-ctx.Done()
	soft, cancel := context.WithTimeout(context.Background(), r.cfg.ShutdownTimeout)
	defer cancel()
	if err := r.client.Stop(soft); err == nil {
		return nil
	}
	r.cancelling.Store(true)
	hard, cancelHard := context.WithTimeout(context.Background(), handBackWait)
	defer cancelHard()
	if err := r.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stopping the job runner: attempts still running after cancel: %w", err)
	}
	return nil
}

// backoff is River's retry policy for ours: the wait before the attempt
// after attempt n is min(BackoffBase·2^(n-1), BackoffMax), less up to a
// tenth at random, so that jobs failing together spread out and the wait
// never passes BackoffMax, as the memory adapter waits. (Full jitter,
// anywhere between 0 and the bound, would let a retry follow its failure
// at once.)
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b.wait(job.Attempt))
}

func (b backoff) wait(n int) time.Duration {
	d := b.base
	for i := 1; i < n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	return d - rand.N(d/10+1)
}
