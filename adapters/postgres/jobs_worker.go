package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// jobWorker is River's worker of one kind: it runs the kind's handler and
// ends each attempt itself where River's own ending would not keep the
// port's promises.
//
// River completes a job whose Work returns nil even when it was cancelled
// while running, and JobCompleteTx completes any running row, whichever
// attempt runs it; so every completion here goes through claimJob, which
// checks in the completing unit that the job is still running this attempt
// and not cancelled. How an attempt that did not complete ends is end's
// (jobs_attempt.go).
type jobWorker struct {
	river.WorkerDefaults[jobArgs]
	store   *Store
	runner  *runner
	handler ports.JobHandler // with the kind's defaults in (ports.RunnerConfig.Resolve)
}

// Timeout bounds one attempt: the job's own, else its kind's.
func (w *jobWorker) Timeout(job *river.Job[jobArgs]) time.Duration {
	if job.Args.TimeoutMS > 0 {
		return time.Duration(job.Args.TimeoutMS) * time.Millisecond
	}
	return w.handler.Timeout
}

// errAttemptPanicked is a panicking attempt's error: its class alone,
// never the panic's value, which could quote what the job worked on (River
// would store the value and the stack with the job).
var errAttemptPanicked = &core.JobError{Class: core.ErrClassPanic}

// Work runs one attempt of the handler and ends it (see jobWorker), then
// tells OnEvent how it ended.
func (w *jobWorker) Work(ctx context.Context, job *river.Job[jobArgs]) error {
	began := time.Now()
	if err := w.resolveMaxAttempts(ctx, job); err != nil {
		return attemptError(ctx, &core.JobError{Class: core.ErrClassInternal, Err: err})
	}
	var completed atomic.Bool
	run := &ports.JobRun{
		ID:          strconv.FormatInt(job.ID, 10),
		Kind:        job.Kind,
		Args:        compactArgs(job.Args.Args),
		Attempt:     job.Attempt,
		MaxAttempts: job.MaxAttempts,
		Complete: func(cctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) error {
			err := w.complete(withValuesOf(cctx, ctx), job, fn, opts)
			if err == nil {
				completed.Store(true)
			}
			return err
		},
	}
	err := callWork(ctx, w.handler.Work, run)
	if err == nil && !completed.Load() {
		// Completed with no writes: through claimJob, like any other. The
		// work is done, so a context the attempt spent (its timeout, a
		// shutdown) does not stop its completion.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), runnerLockTimeout)
		err = w.complete(cctx, job, nil, nil)
		cancel()
	}
	outcome, ret := w.end(ctx, job, err, completed.Load() || err == nil)
	if w.runner.cfg.OnEvent != nil && outcome != "" {
		w.runner.cfg.OnEvent(ports.JobEvent{Kind: job.Kind, Outcome: outcome, Duration: time.Since(began)})
	}
	return ret
}

// callWork calls work, turning a panic into errAttemptPanicked.
func callWork(ctx context.Context, work func(context.Context, *ports.JobRun) error, run *ports.JobRun) (err error) {
	defer func() {
		if recover() != nil {
			err = errAttemptPanicked
		}
	}()
	return work(ctx, run)
}

// classError is a failed attempt as River stores it: the class of the
// handler's error, never its text beyond that (a handler's *core.JobError
// says its class and nothing else; any other error is "internal"). It
// still unwraps to the handler's error and to the attempt's context error,
// so River sees a shutdown's cancellation in it and hands the job back.
type classError struct {
	class core.JobErrorClass
	errs  []error
}

func (e *classError) Error() string   { return string(e.class) }
func (e *classError) Unwrap() []error { return e.errs }

func attemptError(ctx context.Context, err error) error {
	e := &classError{class: core.ClassOf(err), errs: []error{err}}
	if ctx.Err() != nil {
		e.errs = append(e.errs, ctx.Err())
	}
	return e
}

// complete runs fn and the job's completion in one unit; see
// ports.JobRun.Complete. River's JobCompleteTx finds River's client in
// ctx, which Work's context carries (withValuesOf).
func (w *jobWorker) complete(ctx context.Context, job *river.Job[jobArgs], fn func(context.Context, ports.Tx) error, opts []ports.UnitOption) error {
	return w.store.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		u := tx.(*unit)
		if err := u.claimJob(ctx, job.ID, job.Attempt); err != nil {
			return err
		}
		if fn != nil {
			if err := fn(ctx, tx); err != nil {
				return err
			}
		}
		done, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, u.tx.Tx, job)
		if err != nil {
			return fmt.Errorf("completing job %d: %w", job.ID, u.check(err))
		}
		if done.State != rivertype.JobStateCompleted {
			return errNotThisAttempt // cannot happen under claimJob's lock
		}
		return nil
	}, opts...)
}

// claimJob locks the job's row for the unit and checks it still runs this
// attempt and was not cancelled meanwhile. JobCompleteTx checks neither:
// it completes any running row, and River leaves a cancelled running job
// running (marked cancel_attempted_at) until its attempt ends. Holding the
// lock until the unit ends keeps a Cancel, the rescuer and River's own
// writes out until the completion commits.
func (u *unit) claimJob(ctx context.Context, id int64, attempt int) error {
	var (
		state     string
		current   int
		cancelled bool
	)
	err := u.lockRow(ctx, rowKey("river_job", strconv.FormatInt(id, 10)), func(clause lockClause) error {
		return u.tx.QueryRowContext(ctx, `SELECT state, attempt, metadata->>'cancel_attempted_at' IS NOT NULL
			FROM river_job WHERE id = ? FOR `+string(clause), id).Scan(&state, &current, &cancelled)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errNotThisAttempt
	case err != nil:
		return fmt.Errorf("locking job %d: %w", id, u.check(err))
	case state != string(rivertype.JobStateRunning) || current != attempt || cancelled:
		return errNotThisAttempt
	}
	return nil
}

// resolveMaxAttempts gives a job enqueued without MaxAttempts its kind's,
// which River's row lacks when a process without this worker enqueued it
// (jobArgs.MaxAttemptsUnset): in the row, for the rescuer and Get, and in
// the job River's executor holds, which decides on a failure whether this
// was the last attempt (Work's job shares that row).
func (w *jobWorker) resolveMaxAttempts(ctx context.Context, job *river.Job[jobArgs]) error {
	if !job.Args.MaxAttemptsUnset || job.MaxAttempts == w.handler.MaxAttempts {
		return nil
	}
	_, err := w.runner.db.ExecContext(ctx, `UPDATE river_job SET max_attempts = $1
		WHERE id = $2 AND state = 'running' AND attempt = $3`, w.handler.MaxAttempts, job.ID, job.Attempt)
	if err != nil {
		return fmt.Errorf("setting job %d's attempts to its kind's: %w", job.ID, err)
	}
	job.MaxAttempts = w.handler.MaxAttempts
	return nil
}

// withValuesOf is ctx with values also looked up in from: Complete's
// caller may pass a context of its own (one that outlives the attempt's
// timeout, say), and JobCompleteTx needs River's client, which only the
// attempt's context carries.
func withValuesOf(ctx, from context.Context) context.Context {
	if ctx == from {
		return ctx
	}
	return valuesOf{ctx, from}
}

type valuesOf struct {
	context.Context
	from context.Context
}

func (c valuesOf) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.from.Value(key)
}
