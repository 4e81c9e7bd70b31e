package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

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
