package memory

import (
	"context"
	"errors"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// unit is one attempt of a unit of work: the writes it staged and the locks
// it holds. It implements ports.Tx; each repository is the unit seen
// through one port.
type unit struct {
	s    *Store
	opts ports.UnitOptions
	held []string
	// staged holds the unit's writes per table (*table -> *stage[K, V]), and
	// publish the functions that commit them (table.staged).
	staged  map[any]any
	publish []func()
	// failure is the unit's first failed statement. As on PostgreSQL, it
	// aborts the unit: every later statement and the commit fail.
	failure error
}

func newUnit(s *Store, o ports.UnitOptions) *unit {
	return &unit{s: s, opts: o, staged: map[any]any{}}
}

func (u *unit) Users() ports.Users     { return (*users)(u) }
func (u *unit) APIKeys() ports.APIKeys { return (*apiKeys)(u) }
func (u *unit) Credits() ports.Credits { return (*credits)(u) }

// end publishes the staged writes when commit is true, then releases every
// lock the unit holds.
func (u *unit) end(commit bool) {
	d := u.s.data
	d.mu.Lock()
	defer d.mu.Unlock()
	if commit {
		for _, publish := range u.publish {
			publish()
		}
	}
	for _, key := range u.held {
		close(d.locks[key].done)
		delete(d.locks, key)
	}
	u.held = nil
}

// statement starts one statement: it fails when an earlier one failed.
func (u *unit) statement() error {
	if u.failure != nil {
		return ports.ErrAborted
	}
	return nil
}

// fail records a statement's failure, which aborts the unit, and returns it.
func (u *unit) fail(err error) error {
	if u.failure == nil {
		u.failure = err
	}
	return err
}

// outcome is what an attempt that ended in err returns. A unit whose
// statement met contention is replayed even when fn wrapped or swallowed
// that error, as on PostgreSQL.
func (u *unit) outcome(err error) error {
	var r *ports.RetryableError
	if errors.As(u.failure, &r) && !ports.IsRetryable(err) {
		return &ports.RetryableError{Reason: r.Reason, Err: err}
	}
	return err
}

// writable starts a statement that writes or locks.
func (u *unit) writable() error {
	if err := u.statement(); err != nil {
		return err
	}
	if u.opts.ReadOnly {
		return u.fail(ports.ErrReadOnly)
	}
	return nil
}

// lock starts a locking read (SELECT … FOR UPDATE): it takes a row lock
// under the unit's policy.
func (u *unit) lock(ctx context.Context, key string) error {
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.s.acquire(ctx, u, key, u.opts.Lock); err != nil {
		return u.fail(err)
	}
	return nil
}

// reserve takes a lock the way an UPDATE or a unique-index insert does:
// always waiting, bounded by the lock timeout.
func (u *unit) reserve(ctx context.Context, key string) error {
	if err := u.s.acquire(ctx, u, key, ports.LockWait); err != nil {
		return u.fail(err)
	}
	return nil
}

// canonical refuses to store a row under an id in a form reads would not
// find; a database would store its own form instead (core.ParseID).
func canonical(ids ...string) error {
	for _, id := range ids {
		if !core.CanonicalID(id) {
			return core.Invalid("id", "is not in the canonical form")
		}
	}
	return nil
}
