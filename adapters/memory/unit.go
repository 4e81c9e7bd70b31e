package memory

import (
	"context"
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

// lock takes a row lock under the unit's policy.
func (u *unit) lock(ctx context.Context, key string) error {
	return u.s.acquire(ctx, u, key, u.opts.Lock)
}

// write takes a row lock the way an UPDATE or a unique-index insert does:
// it always waits, bounded by the lock timeout.
func (u *unit) write(ctx context.Context, key string) error {
	return u.s.acquire(ctx, u, key, ports.LockWait)
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
