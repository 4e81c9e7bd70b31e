package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

type credits unit

func (r *credits) u() *unit { return (*unit)(r) }

func (r *credits) account(id core.UserID) (core.CreditAccount, bool) {
	return lookup(r.u(), r.u().s.accounts, r.u().accounts, id)
}

func (r *credits) CreateAccount(ctx context.Context, user core.UserID, at time.Time) error {
	if err := canonical(string(user)); err != nil {
		return err
	}
	if err := r.u().write(ctx, "account:"+string(user)); err != nil {
		return err
	}
	if _, ok := r.account(user); !ok {
		r.u().accounts[user] = core.CreditAccount{UserID: user, UpdatedAt: micro(at)}
	}
	return nil
}

func (r *credits) Lock(ctx context.Context, user core.UserID) (core.CreditAccount, error) {
	if err := r.u().lock(ctx, "account:"+string(user)); err != nil {
		return core.CreditAccount{}, err
	}
	return r.Get(ctx, user)
}

func (r *credits) Get(_ context.Context, user core.UserID) (core.CreditAccount, error) {
	if err := r.u().statement(); err != nil {
		return core.CreditAccount{}, err
	}
	v, ok := r.account(user)
	if !ok {
		return core.CreditAccount{}, fmt.Errorf("credit account: %w", core.ErrNotFound)
	}
	return v, nil
}

func (r *credits) SetBalance(ctx context.Context, user core.UserID, balance int64, at time.Time) error {
	if err := r.u().write(ctx, "account:"+string(user)); err != nil {
		return err
	}
	v, ok := r.account(user)
	if !ok {
		return fmt.Errorf("credit account: %w", core.ErrNotFound)
	}
	if balance < 0 {
		// The CHECK constraint of the PostgreSQL schema, kept here too.
		return r.u().fail(fmt.Errorf("balance would be negative: %w", core.ErrInsufficientCredits))
	}
	v.Balance, v.UpdatedAt = balance, micro(at)
	r.u().accounts[user] = v
	return nil
}

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
	// Reserving the (account, reference) key plays ON CONFLICT DO NOTHING:
	// it waits for a unit inserting the same reference, then finds its row.
	if err := u.write(ctx, "ref:"+string(e.UserID)+"\x00"+e.Reference); err != nil {
		return false, err
	}
	if _, err := r.EntryByReference(ctx, e.UserID, e.Reference); err == nil {
		return false, nil
	}
	e.CreatedAt = micro(e.CreatedAt)
	u.ledger = append(u.ledger, e)
	return true, nil
}

func (r *credits) EntryByReference(_ context.Context, user core.UserID, reference string) (core.LedgerEntry, error) {
	if err := r.u().statement(); err != nil {
		return core.LedgerEntry{}, err
	}
	for _, e := range r.u().entries(user) {
		if e.Reference == reference {
			return e, nil
		}
	}
	return core.LedgerEntry{}, fmt.Errorf("ledger entry: %w", core.ErrNotFound)
}

func (r *credits) Ledger(_ context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.LedgerEntry, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	if before != nil {
		if err := before.Check(); err != nil { // refused before any statement, as on PostgreSQL
			return nil, err
		}
	}
	var out []core.LedgerEntry
	for _, e := range r.u().entries(user) {
		if before != nil && !olderThan(e, *before) {
			continue
		}
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// olderThan reports whether e sorts after k in newest-first order.
func olderThan(e core.LedgerEntry, k core.PageKey) bool {
	if !e.CreatedAt.Equal(k.Time) {
		return e.CreatedAt.Before(k.Time)
	}
	return string(e.ID) < k.ID
}
