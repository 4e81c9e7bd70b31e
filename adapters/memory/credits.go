package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

var ledgerSpec = tableSpec[core.LedgerEntry]{
	parent: func(v core.LedgerEntry) string { return string(v.UserID) },
	unique: map[string]uniqueKey[core.LedgerEntry]{
		// credit_ledger_reference_once
		"reference": func(v core.LedgerEntry) (string, bool) { return string(v.UserID) + "\x00" + v.Reference, true },
	},
}

type credits unit

func (r *credits) u() *unit { return (*unit)(r) }

var errAccountNotFound = fmt.Errorf("credit account: %w", core.ErrNotFound)

func (r *credits) CreateAccount(ctx context.Context, user core.UserID, at time.Time) error {
	if err := canonical(string(user)); err != nil {
		return err
	}
	_, err := r.u().s.accounts.insert(ctx, r.u(), core.CreditAccount{UserID: user, UpdatedAt: micro(at)}, true)
	return err
}

func (r *credits) Lock(ctx context.Context, user core.UserID) (core.CreditAccount, error) {
	if err := r.u().lock(ctx, r.u().s.accounts.lockKey(user)); err != nil {
		return core.CreditAccount{}, err
	}
	return r.Get(ctx, user)
}

func (r *credits) Get(_ context.Context, user core.UserID) (core.CreditAccount, error) {
	if err := r.u().statement(); err != nil {
		return core.CreditAccount{}, err
	}
	if v, ok := r.u().s.accounts.get(r.u(), user); ok {
		return v, nil
	}
	return core.CreditAccount{}, errAccountNotFound
}

func (r *credits) SetBalance(ctx context.Context, user core.UserID, balance int64, at time.Time) error {
	u, t := r.u(), r.u().s.accounts
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(user)); err != nil {
		return err
	}
	v, ok := t.get(u, user)
	if !ok {
		return errAccountNotFound
	}
	if balance < 0 {
		// The CHECK constraint of the PostgreSQL schema, kept here too.
		return u.fail(fmt.Errorf("balance would be negative: %w", core.ErrInsufficientCredits))
	}
	v.Balance, v.UpdatedAt = balance, micro(at)
	return t.update(ctx, u, v)
}

// Append inserts unless the account has the reference: reserving the
// (account, reference) key waits for a unit inserting the same reference,
// as ON CONFLICT DO NOTHING does, then writes nothing.
func (r *credits) Append(ctx context.Context, e core.LedgerEntry) (bool, error) {
	if err := canonical(string(e.ID), string(e.UserID)); err != nil {
		return false, err
	}
	u := r.u()
	if err := u.writable(); err != nil {
		return false, err
	}
	if e.BalanceAfter < 0 {
		// The ledger's CHECK (balance_after >= 0) of the PostgreSQL schema.
		return false, u.fail(fmt.Errorf("ledger entry would leave a negative balance: %w", core.ErrInsufficientCredits))
	}
	e.CreatedAt = micro(e.CreatedAt)
	return u.s.ledger.insert(ctx, u, e, true)
}

func (r *credits) EntryByReference(_ context.Context, user core.UserID, reference string) (core.LedgerEntry, error) {
	if err := r.u().statement(); err != nil {
		return core.LedgerEntry{}, err
	}
	if e, ok := r.u().s.ledger.byUnique(r.u(), "reference", string(user)+"\x00"+reference); ok {
		return e, nil
	}
	return core.LedgerEntry{}, fmt.Errorf("ledger entry: %w", core.ErrNotFound)
}

func (r *credits) Ledger(_ context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.LedgerEntry, error) {
	return listPage(r.u().s.ledger, r.u(), string(user), before, newestFirst, limit)
}
