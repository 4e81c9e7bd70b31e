package memory

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// unit is one attempt of a unit of work: the writes it staged and the locks
// it holds. It implements ports.Tx and the repositories.
type unit struct {
	s    *Store
	opts ports.UnitOptions
	held []string
	// failure is the unit's first failed statement. As on PostgreSQL, it
	// aborts the unit: every later statement and the commit fail.
	failure error

	users    map[core.UserID]core.User
	keys     map[core.KeyID]core.APIKey
	accounts map[core.UserID]core.CreditAccount
	ledger   []core.LedgerEntry
}

func newUnit(s *Store, o ports.UnitOptions) *unit {
	return &unit{
		s: s, opts: o,
		users:    map[core.UserID]core.User{},
		keys:     map[core.KeyID]core.APIKey{},
		accounts: map[core.UserID]core.CreditAccount{},
	}
}

func (u *unit) Users() ports.Users     { return (*users)(u) }
func (u *unit) APIKeys() ports.APIKeys { return (*apiKeys)(u) }
func (u *unit) Credits() ports.Credits { return (*credits)(u) }

// end publishes the staged writes when commit is true, then releases every
// lock the unit holds.
func (u *unit) end(commit bool) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if commit {
		for id, v := range u.users {
			s.users[id] = v
		}
		for id, v := range u.keys {
			s.keys[id] = v
		}
		for id, v := range u.accounts {
			s.accounts[id] = v
		}
		for _, e := range u.ledger {
			s.ledger[e.UserID] = append(s.ledger[e.UserID], e)
		}
	}
	for _, key := range u.held {
		close(s.locks[key].done)
		delete(s.locks, key)
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

// writable starts a statement that writes.
func (u *unit) writable() error {
	if err := u.statement(); err != nil {
		return err
	}
	if u.opts.ReadOnly {
		return u.fail(ports.ErrReadOnly)
	}
	return nil
}

// lock starts a locking read: it takes a row lock under the unit's policy.
func (u *unit) lock(ctx context.Context, key string) error {
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.s.acquire(ctx, u, key, u.opts.Lock); err != nil {
		return u.fail(err)
	}
	return nil
}

// write starts a write: it takes a row lock the way an UPDATE or a
// unique-index insert does, always waiting, bounded by the lock timeout.
func (u *unit) write(ctx context.Context, key string) error {
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.s.acquire(ctx, u, key, ports.LockWait); err != nil {
		return u.fail(err)
	}
	return nil
}

// view runs f with the committed state locked, for reads.
func (u *unit) view(f func()) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	f()
}

// user returns the unit's view of a user, deleted or not.
func (u *unit) user(id core.UserID) (core.User, bool) { return lookup(u, u.s.users, u.users, id) }

// lookup returns the unit's own version of a row, else the committed one,
// read under the store's lock.
func lookup[K comparable, V any](u *unit, committed, staged map[K]V, id K) (V, bool) {
	if v, ok := staged[id]; ok {
		return v, true
	}
	var v V
	var ok bool
	u.view(func() { v, ok = committed[id] })
	return v, ok
}

// allUsers returns the unit's view of every user.
func (u *unit) allUsers() []core.User { return merged(u, u.s.users, u.users) }

// allKeys returns the unit's view of every API key.
func (u *unit) allKeys() []core.APIKey { return merged(u, u.s.keys, u.keys) }

// merged returns the committed rows the unit has not changed, read under
// the store's lock, followed by the unit's own versions.
func merged[K comparable, V any](u *unit, committed, staged map[K]V) []V {
	var all []V
	u.view(func() {
		for id, v := range committed {
			if _, ok := staged[id]; !ok {
				all = append(all, v)
			}
		}
	})
	for _, v := range staged {
		all = append(all, v)
	}
	return all
}

// entries returns the unit's view of an account's ledger, newest first.
func (u *unit) entries(user core.UserID) []core.LedgerEntry {
	var all []core.LedgerEntry
	u.view(func() { all = slices.Clone(u.s.ledger[user]) })
	for _, e := range u.ledger {
		if e.UserID == user {
			all = append(all, e)
		}
	}
	sort.Slice(all, func(i, j int) bool { return newerFirst(all[i], all[j]) })
	return all
}

func newerFirst(a, b core.LedgerEntry) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// micro truncates a time to the precision PostgreSQL keeps, so both
// adapters hand back equal values.
func micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
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
