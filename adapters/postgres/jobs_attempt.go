package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// How an attempt ends when it did not complete. River writes an attempt's
// end (failed, retried, interrupted) to the job's row by id alone,
// whenever the row is running: it does not check that it is still this
// attempt's. So an attempt the rescuer gave up on, which comes back while
// the job runs again, would write its failure over the new attempt. end
// looks at the row first and lets River write only for the attempt that
// owns it; a cancelled job it ends itself; a lost attempt waits until its
// write can no longer land (fence).

// errAttemptAbandoned is what a lost attempt returns: River writes it
// nowhere (fence).
var errAttemptAbandoned = &core.JobError{Class: core.ErrClassAbandoned}

// end decides how the attempt ends and what Work returns to River, and
// reports the outcome ("" for a lost attempt: the rescuer ended it).
func (w *jobWorker) end(ctx context.Context, job *river.Job[jobArgs], err error, completed bool) (ports.JobOutcome, error) {
	switch {
	case completed:
		return ports.JobOutcomeCompleted, nil // committed by complete; River's own completion finds the row done
	case w.runner.cancelling.Load() && ctx.Err() != nil:
		// Shutdown cancelled it: River hands the job back (available
		// again, the attempt uncounted) on a context error.
		return ports.JobOutcomeRetried, attemptError(ctx, err)
	}
	switch w.settle(job) {
	case attemptCancelled:
		return ports.JobOutcomeCancelled, nil // ended here; River's write finds the row done
	case attemptLost:
		w.fence(job)
		return "", attemptError(ctx, errAttemptAbandoned)
	}
	if job.Attempt >= job.MaxAttempts {
		return ports.JobOutcomeFailed, attemptError(ctx, err)
	}
	return ports.JobOutcomeRetried, attemptError(ctx, err)
}

// attemptStanding is where a failed attempt's job stands.
type attemptStanding int

const (
	attemptOwns      attemptStanding = iota // running this attempt: River records the failure
	attemptCancelled                        // cancelled while it ran: now ended, cancelled
	attemptLost                             // the rescuer took it: another attempt, or a final state
)

// settle reads the job's row for an attempt that failed. A job cancelled
// while it ran (marked cancel_attempted_at) it ends at once, cancelled,
// with no error recorded: River would record its own sentence, not a
// class, and discard a job on its last attempt instead. When the row
// cannot be read the attempt is taken to own it, as River takes it.
func (w *jobWorker) settle(job *river.Job[jobArgs]) attemptStanding {
	ctx, cancel := context.WithTimeout(context.Background(), runnerLockTimeout)
	defer cancel()
	var (
		state     string
		attempt   int
		cancelled bool
	)
	err := w.runner.db.QueryRowContext(ctx, `WITH ended AS (
			UPDATE river_job SET state = 'cancelled', finalized_at = now()
			WHERE id = $1 AND state = 'running' AND attempt = $2 AND metadata ? 'cancel_attempted_at'
			RETURNING id)
		SELECT state, attempt, EXISTS (SELECT FROM ended) FROM river_job WHERE id = $1`, job.ID, job.Attempt).
		Scan(&state, &attempt, &cancelled)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return attemptLost // deleted: nothing to write to
	case err != nil:
		return attemptOwns
	case cancelled:
		return attemptCancelled
	case state == "running" && attempt == job.Attempt:
		return attemptOwns
	}
	return attemptLost
}

// fence holds a lost attempt until the write River makes when it returns
// cannot land on another attempt: until the job is finished or gone, or
// waits long enough for its next attempt (scheduled more than fenceMargin
// ahead) that the write lands first. It gives up, and lets the write go,
// once RescueAfter has passed again (the worker slot it holds was lost
// already for that long) or the runner is cancelling its attempts.
func (w *jobWorker) fence(job *river.Job[jobArgs]) {
	const fenceMargin = time.Second
	deadline := time.Now().Add(w.runner.cfg.RescueAfter)
	for time.Now().Before(deadline) && !w.runner.cancelling.Load() {
		if w.cannotLand(job.ID, fenceMargin) {
			return
		}
		time.Sleep(fencePoll)
	}
}

// fencePoll is how often fence looks at the row.
const fencePoll = 200 * time.Millisecond

// cannotLand reports whether a write to the job's row, made now, would
// find it not running and not about to run again within margin.
func (w *jobWorker) cannotLand(id int64, margin time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), runnerLockTimeout)
	defer cancel()
	var safe bool
	err := w.runner.db.QueryRowContext(ctx, `SELECT state IN ('completed', 'cancelled', 'discarded')
			OR (state <> 'running' AND scheduled_at > now() + make_interval(secs => $2))
		FROM river_job WHERE id = $1`, id, margin.Seconds()).Scan(&safe)
	if errors.Is(err, sql.ErrNoRows) {
		return true
	}
	if err != nil {
		return false
	}
	return safe
}

// errNotThisAttempt is a completion of an attempt the job is no longer
// running: rescued, cancelled or already ended.
var errNotThisAttempt = fmt.Errorf("%w: the job is no longer running this attempt", core.ErrConflict)
