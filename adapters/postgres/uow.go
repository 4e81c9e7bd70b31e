package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Do runs fn in a transaction; see ports.UnitOfWork. This and the memory
// adapter share the one retry loop, ports.RetryPolicy.Run.
func (s *Store) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) error {
	o := ports.ApplyUnitOptions(opts)
	if o.Lock == ports.LockDefault {
		o.Lock = s.opts.Lock
	}
	txOpts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: o.ReadOnly}
	if o.Isolation == ports.ReadCommitted {
		txOpts.Isolation = sql.LevelReadCommitted
	}
	return s.opts.Retry.Run(ctx, func(ctx context.Context) error {
		return s.attempt(ctx, fn, o, txOpts)
	})
}

func (s *Store) attempt(ctx context.Context, fn func(context.Context, ports.Tx) error, o ports.UnitOptions, txOpts *sql.TxOptions) (err error) {
	conn, btx, err := s.begin(ctx, txOpts)
	if err != nil {
		return fmt.Errorf("beginning a transaction: %w", translate(err))
	}
	u := &unit{store: s, conn: conn, tx: btx, lock: o.Lock, lockTimeout: s.opts.LockTimeout}
	defer u.releaseGates()
	defer conn.Close() // after COMMIT or ROLLBACK: the connection goes back to the pool
	defer func() {
		if p := recover(); p != nil {
			_ = btx.Rollback()
			panic(p)
		}
	}()
	if o.Timeout > 0 {
		if err := u.setTimeouts(ctx, o.Timeout); err != nil {
			_ = btx.Rollback()
			return err
		}
	}
	if err := fn(ctx, u); err != nil {
		_ = btx.Rollback()
		return u.failed(err)
	}
	if err := ctx.Err(); err != nil { // the caller is gone before COMMIT: nothing is written
		_ = btx.Rollback()
		return fmt.Errorf("committing: %w", err)
	}
	if err := btx.Commit(); err != nil {
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			// database/sql rolled back on its own when ctx ended, before
			// COMMIT was sent: the outcome is known, nothing was written.
			return fmt.Errorf("committing: rolled back: %w", ctx.Err())
		}
		return u.commitFailed(err)
	}
	return nil
}

// unit is one attempt's transaction; it implements ports.Tx. It remembers
// the first contention error its statements met, because once a statement
// fails PostgreSQL aborts the transaction, and fn may have wrapped or
// swallowed that error: the attempt is still worth replaying.
type unit struct {
	store *Store
	conn  bun.Conn // the unit's own connection, which tx runs on (for COPY)
	tx    bun.Tx
	lock  ports.LockPolicy
	// lockTimeout bounds a wait at a row's gate: the store's, or the
	// unit's own timeout (ports.WithTimeout).
	lockTimeout time.Duration
	contention  *ports.RetryableError
	held        map[string]func() // the gates the unit holds, by row key: released after COMMIT or ROLLBACK
}

func (u *unit) Users() ports.Users     { return (*users)(u) }
func (u *unit) APIKeys() ports.APIKeys { return (*apiKeys)(u) }
func (u *unit) Credits() ports.Credits { return (*credits)(u) }

// setTimeouts gives the unit its own statement, lock and
// idle-in-transaction timeouts (ports.WithTimeout), in place of those the
// pool sets on every connection (OpenDB). set_config(…, true) is SET LOCAL:
// the settings end with the transaction, so the connection goes back to the
// pool with the pool's.
func (u *unit) setTimeouts(ctx context.Context, d time.Duration) error {
	ms := strconv.FormatInt(max(d.Milliseconds(), 1), 10)
	_, err := u.tx.ExecContext(ctx, `SELECT set_config('statement_timeout', ?, true),
		set_config('lock_timeout', ?, true), set_config('idle_in_transaction_session_timeout', ?, true)`, ms, ms, ms)
	if err != nil {
		return fmt.Errorf("setting the unit's timeouts: %w", u.check(err))
	}
	u.lockTimeout = d
	return nil
}

// check translates a statement's error and notes contention.
func (u *unit) check(err error) error {
	err = translate(err)
	var r *ports.RetryableError
	if u.contention == nil && errors.As(err, &r) {
		u.contention = r
	}
	return err
}

// failed decides what an attempt whose fn failed returns.
func (u *unit) failed(err error) error {
	if u.contention != nil && !ports.IsRetryable(err) {
		return &ports.RetryableError{Reason: u.contention.Reason, Err: err}
	}
	return err
}

// commitFailed decides what a failed COMMIT means. The server may have
// refused it (a serialization failure at commit, or a transaction that a
// swallowed error had aborted): then nothing was written and the usual
// rules apply. Any other failure, a lost connection above all, leaves the
// outcome unknown: it is never retried, because the writes may have landed.
func (u *unit) commitFailed(err error) error {
	var pg *pgconn.PgError
	switch {
	case errors.As(err, &pg):
		return u.failed(fmt.Errorf("committing: %w", u.check(err)))
	case u.contention != nil: // COMMIT of an aborted transaction rolled back
		return u.failed(fmt.Errorf("committing: %w", err))
	case errors.Is(err, pgx.ErrTxCommitRollback): // fn swallowed a failed statement
		return fmt.Errorf("committing: %w: %w", ports.ErrAborted, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: commit outcome unknown: %w", core.ErrUnavailable, err)
	}
	if kind, _ := Classify(err); kind == KindUnavailable {
		return fmt.Errorf("%w: commit outcome unknown: %w", core.ErrUnavailable, err)
	}
	return fmt.Errorf("committing: %w", err)
}
