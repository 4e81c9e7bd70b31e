// Package credits holds the credit use cases: balances, grants, spends and
// the ledger. Every change goes through Apply, which keeps the invariant
// balance = sum of ledger amounts >= 0 and applies a reference once.
package credits

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Service runs the credit use cases.
type Service struct {
	uow   ports.UnitOfWork
	clock ports.Clock
	ids   ports.IDs
	unit  []ports.UnitOption
}

// Options choose how a change of balance runs. The zero value uses the
// store's defaults (REPEATABLE READ and its lock policy).
type Options struct {
	Isolation ports.Isolation
	Lock      ports.LockPolicy
}

// DefaultOptions is what docs/BENCHMARKS.md measured best for a charge: the
// unit's correctness rests on the account row lock it takes first, so it
// runs at READ COMMITTED and waits (bounded) for the lock.
func DefaultOptions() Options {
	return Options{Isolation: ports.ReadCommitted, Lock: ports.LockWait}
}

// NewService returns a credits service.
func NewService(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, opts Options) *Service {
	return &Service{
		uow: uow, clock: clock, ids: ids,
		unit: []ports.UnitOption{ports.WithIsolation(opts.Isolation), ports.WithLock(opts.Lock)},
	}
}

// Change is one requested change of a balance.
type Change struct {
	User      core.UserID
	Amount    int64 // positive adds, negative takes
	Kind      core.EntryKind
	Reference string
}

// Result is the ledger entry of a change. Applied is false when the
// reference had been applied before and nothing changed this time.
type Result struct {
	Entry   core.LedgerEntry
	Applied bool
}

// Balance returns a user's balance.
func (s *Service) Balance(ctx context.Context, user core.UserID) (core.CreditAccount, error) {
	var acc core.CreditAccount
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, user); err != nil {
			return err
		}
		var err error
		acc, err = tx.Credits().Get(ctx, user)
		return err
	}, ports.ReadOnly())
	return acc, err
}

// Grant adds amount credits to a live user's account, once per reference.
func (s *Service) Grant(ctx context.Context, user core.UserID, amount int64, reference string) (Result, error) {
	amount, err := core.ParseAmount(amount)
	if err != nil {
		return Result{}, err
	}
	return s.apply(ctx, Change{User: user, Amount: amount, Kind: core.KindGrant, Reference: reference})
}

// Spend takes amount credits from a live user's account, once per
// reference; core.ErrInsufficientCredits when the balance is too low.
func (s *Service) Spend(ctx context.Context, user core.UserID, amount int64, reference string) (Result, error) {
	amount, err := core.ParseAmount(amount)
	if err != nil {
		return Result{}, err
	}
	return s.apply(ctx, Change{User: user, Amount: -amount, Kind: core.KindSpend, Reference: reference})
}

// apply runs one change requested from outside (an admin's grant or
// charge), whose user id is input: it is made canonical, or names nobody.
func (s *Service) apply(ctx context.Context, c Change) (Result, error) {
	id, ok := core.ParseID(string(c.User))
	if !ok {
		return Result{}, fmt.Errorf("user: %w", core.ErrNotFound)
	}
	c.User = core.UserID(id)
	var res Result
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		res, err = Apply(ctx, tx, s.clock, s.ids, c)
		return err
	}, s.unit...)
	return res, err
}

// Apply changes a balance inside the caller's unit of work, so that other
// modules (an insight charge, a payment) change credits atomically with
// their own rows; the user must be live. It locks the account row first,
// then writes the ledger entry with insert-if-absent, so a reference is
// applied once: a repeat returns the first entry with Applied false, and a
// reference reused for a different operation is core.ErrConflict.
func Apply(ctx context.Context, tx ports.Tx, clock ports.Clock, ids ports.IDs, c Change) (Result, error) {
	ref, err := core.ParseReference(c.Reference)
	if err != nil {
		return Result{}, err
	}
	if c.Amount == 0 {
		return Result{}, core.Invalid("amount", "must not be zero")
	}
	if !c.Kind.Valid() {
		return Result{}, core.Invalid("kind", "is not a ledger entry kind")
	}
	// The row lock comes before any other read (DESIGN.md, row locks).
	acc, err := tx.Credits().Lock(ctx, c.User)
	if err != nil {
		return Result{}, fmt.Errorf("locking the credit account: %w", err)
	}
	if _, err := tx.Users().Get(ctx, c.User); err != nil {
		return Result{}, err
	}
	now := clock.Now()
	entry := core.LedgerEntry{
		ID: core.EntryID(ids.NewID()), UserID: c.User, Amount: c.Amount,
		BalanceAfter: acc.Balance + c.Amount, Kind: c.Kind, Reference: ref, CreatedAt: now,
	}
	if entry.BalanceAfter < 0 {
		// A repeat of a spend that once succeeded must report that
		// success, not today's balance; anything else is refused before a
		// row that storage would reject is written.
		if res, err := repeated(ctx, tx, entry); !errors.Is(err, core.ErrNotFound) {
			return res, err
		}
		return Result{}, core.ErrInsufficientCredits
	}
	inserted, err := tx.Credits().Append(ctx, entry)
	if err != nil {
		return Result{}, fmt.Errorf("appending to the ledger: %w", err)
	}
	if !inserted {
		return repeated(ctx, tx, entry)
	}
	if err := tx.Credits().SetBalance(ctx, c.User, entry.BalanceAfter, now); err != nil {
		return Result{}, fmt.Errorf("updating the balance: %w", err)
	}
	return Result{Entry: entry, Applied: true}, nil
}

func repeated(ctx context.Context, tx ports.Tx, want core.LedgerEntry) (Result, error) {
	prior, err := tx.Credits().EntryByReference(ctx, want.UserID, want.Reference)
	if err != nil {
		return Result{}, fmt.Errorf("reading the prior ledger entry: %w", err)
	}
	if !prior.SameOperation(want) {
		return Result{}, fmt.Errorf("%w: reference was already used for a different operation", core.ErrConflict)
	}
	return Result{Entry: prior, Applied: false}, nil
}

// Ledger returns one page of a user's ledger, newest first.
func (s *Service) Ledger(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.LedgerEntry], error) {
	before, limit, err := core.PageQuery(cursor, limit)
	if err != nil {
		return core.Page[core.LedgerEntry]{}, err
	}
	var entries []core.LedgerEntry
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, user); err != nil {
			return err
		}
		var err error
		entries, err = tx.Credits().Ledger(ctx, user, before, limit+1)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return core.Page[core.LedgerEntry]{}, err
	}
	return core.NewPage(entries, limit, func(last core.LedgerEntry) string {
		return core.EncodeCursor(last.PageKey())
	}), nil
}
