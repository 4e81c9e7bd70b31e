// Package memory implements every storage port in memory, with the same
// observable behaviour as the PostgreSQL adapter: a unit of work stages its
// writes and publishes them only on commit, and a row or unique key held by
// another unit gives the same retryable outcome a database would (no global
// mutex that would hide contention). Reads see the newest committed state
// plus the unit's own writes.
package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Store is a unit of work over data held in memory. Its zero value is not
// usable; call New.
type Store struct {
	opts ports.StoreOptions
	*data
}

// data is what a store holds: the tables and the locks units hold. Stores
// made by Peer share one data, as processes share one database. A new table
// is one field here and one line in New.
type data struct {
	// packs, payments and paymentEvents: payments.go.
	packs         *table[core.PackSlug, core.CreditPack]
	payments      *table[core.PaymentID, core.Payment]
	paymentEvents *table[string, core.PaymentEventRecord]

	// chats and chatMessages: chats.go.
	chats        *table[core.ChatID, chatRow]
	chatMessages *table[core.ChatID, messageRows]

	// categories, insightTypes, insights and idempotency: insights.go.
	categories   *table[core.CategorySlug, core.InsightCategory]
	insightTypes *table[core.InsightTypeSlug, core.InsightType]
	insights     *table[core.InsightID, core.Insight]
	idempotency  *table[string, core.IdempotencyRecord]

	// jobs and the queue's state beside it: jobs.go.
	jobs  *table[string, jobRow]
	queue jobQueue

	mu       sync.Mutex // guards the tables' committed rows and locks, held only briefly
	locks    map[string]*rowLock
	users    *table[core.UserID, core.User]
	keys     *table[core.KeyID, core.APIKey]
	accounts *table[core.UserID, core.CreditAccount]
	ledger   *table[core.EntryID, core.LedgerEntry]
}

// rowLock is a row lock or a unique-key reservation held by one unit until
// it ends; done closes when it is released.
type rowLock struct {
	owner *unit
	done  chan struct{}
}

// New returns an empty store.
func New(opts ports.StoreOptions) *Store {
	d := &data{locks: map[string]*rowLock{}}
	newPaymentTables(d)
	newChatTables(d)
	newInsightTables(d)
	newJobTables(d)
	d.users = newTable(d, "users", func(v core.User) core.UserID { return v.ID }, usersSpec)
	d.keys = newTable(d, "api_keys", func(v core.APIKey) core.KeyID { return v.ID }, keysSpec)
	d.accounts = newTable(d, "credit_accounts", func(v core.CreditAccount) core.UserID { return v.UserID }, tableSpec[core.CreditAccount]{})
	d.ledger = newTable(d, "credit_ledger", func(v core.LedgerEntry) core.EntryID { return v.ID }, ledgerSpec)
	return &Store{opts: opts, data: d}
}

// userChildren are the tables whose rows a user owns: deleting the user
// marks them with the user's deletion time, restoring brings back exactly
// those. A module that adds rows owned by a user adds its table here.
func (d *data) userChildren() []cascade { return []cascade{d.keys, d.chats} }

// Peer returns another store on s's data with its own options, as a second
// process opens its own pool on one database. The conformance suite runs
// its concurrency cases over several stores this way on every adapter.
func (s *Store) Peer(opts ports.StoreOptions) *Store {
	return &Store{opts: opts, data: s.data}
}

// errRowHeld is what a unit meets when another unit holds what it needs.
var errRowHeld = errors.New("row is held by another unit of work")

// Do runs fn in a unit of work; see ports.UnitOfWork.
func (s *Store) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) error {
	o := ports.ApplyUnitOptions(opts)
	if o.Lock == ports.LockDefault {
		o.Lock = s.opts.Lock
	}
	return s.opts.Retry.Run(ctx, func(ctx context.Context) error {
		return s.attempt(ctx, fn, o)
	})
}

func (s *Store) attempt(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, o ports.UnitOptions) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	u := newUnit(s, o)
	defer func() {
		if p := recover(); p != nil {
			u.end(false)
			panic(p)
		}
	}()
	if err := fn(ctx, u); err != nil {
		u.end(false)
		return u.outcome(err)
	}
	if u.failure != nil { // fn swallowed a failed statement: COMMIT rolls back
		u.end(false)
		return u.outcome(fmt.Errorf("committing: %w", ports.ErrAborted))
	}
	if err := ctx.Err(); err != nil { // a database would refuse to commit too
		u.end(false)
		return fmt.Errorf("committing: %w", err)
	}
	u.end(true)
	return nil
}

// acquire takes the lock named key for u under the unit's policy: at once or
// failing (nowait), or waiting up to the store's lock timeout.
func (s *Store) acquire(ctx context.Context, u *unit, key string, policy ports.LockPolicy) error {
	var deadline <-chan time.Time
	for {
		s.mu.Lock()
		l := s.locks[key]
		if l == nil {
			s.locks[key] = &rowLock{owner: u, done: make(chan struct{})}
			u.held = append(u.held, key)
			s.mu.Unlock()
			return nil
		}
		if l.owner == u {
			s.mu.Unlock()
			return nil
		}
		done := l.done
		s.mu.Unlock()

		if policy == ports.LockNoWait {
			return &ports.RetryableError{Reason: "lock_not_available", Err: errRowHeld}
		}
		if deadline == nil {
			t := time.NewTimer(s.opts.LockTimeout)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-done:
		case <-deadline:
			return &ports.RetryableError{Reason: "lock_not_available", Err: errRowHeld}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
