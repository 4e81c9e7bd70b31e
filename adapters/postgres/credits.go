package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

type credits unit

func (r *credits) u() *unit { return (*unit)(r) }

var errAccountNotFound = fmt.Errorf("credit account: %w", core.ErrNotFound)

func (r *credits) CreateAccount(ctx context.Context, user core.UserID, at time.Time) error {
	if err := canonical(string(user)); err != nil {
		return err
	}
	row := &accountRow{UserID: string(user), UpdatedAt: micro(at)}
	_, err := r.u().tx.NewInsert().Model(row).On("CONFLICT (user_id) DO NOTHING").Exec(ctx)
	return r.u().check(err)
}

// Lock takes the account's row lock under the unit's policy: NOWAIT fails
// at once; otherwise the wait is bounded by the connection's lock_timeout.
func (r *credits) Lock(ctx context.Context, user core.UserID) (acc core.CreditAccount, err error) {
	if !validUUID(string(user)) {
		return core.CreditAccount{}, errAccountNotFound
	}
	err = r.u().lockRow(ctx, rowKey("credit_accounts", string(user)), func(clause lockClause) error {
		acc, err = r.get(ctx, user, sqlAccountFor[clause])
		return err
	})
	return acc, err
}

func (r *credits) Get(ctx context.Context, user core.UserID) (core.CreditAccount, error) {
	return r.get(ctx, user, sqlAccount)
}

func (r *credits) get(ctx context.Context, user core.UserID, query string) (core.CreditAccount, error) {
	if !validUUID(string(user)) {
		return core.CreditAccount{}, errAccountNotFound
	}
	var row accountRow
	err := r.u().preparedRow(ctx, query, string(user)).Scan(&row.UserID, &row.Balance, &row.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return core.CreditAccount{}, errAccountNotFound
	}
	if err != nil {
		return core.CreditAccount{}, r.u().check(err)
	}
	return row.toAccount(), nil
}

func (r *credits) SetBalance(ctx context.Context, user core.UserID, balance int64, at time.Time) error {
	res, err := r.u().preparedExec(ctx, sqlSetBalance, string(user), balance, micro(at))
	return r.u().wrote(res, err, errAccountNotFound)
}

// Append inserts unless the account already has the reference. ON CONFLICT
// DO NOTHING waits for a concurrent insert of the same reference and then
// skips, so no duplicate-key error reaches the caller.
func (r *credits) Append(ctx context.Context, e core.LedgerEntry) (bool, error) {
	if err := canonical(string(e.ID), string(e.UserID)); err != nil {
		return false, err
	}
	row := fromEntry(e)
	res, err := r.u().preparedExec(ctx, sqlAppendLedgerEntry,
		row.ID, row.UserID, row.Amount, row.BalanceAfter, row.Kind, row.Reference, row.CreatedAt)
	if err := r.u().check(err); err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (r *credits) EntryByReference(ctx context.Context, user core.UserID, reference string) (core.LedgerEntry, error) {
	var row ledgerRow
	q := r.u().tx.NewSelect().Model(&row).Where("user_id = ? AND reference = ?", string(user), reference)
	if err := r.u().one(ctx, q, fmt.Errorf("ledger entry: %w", core.ErrNotFound)); err != nil {
		return core.LedgerEntry{}, err
	}
	return row.toEntry(), nil
}

func (r *credits) Ledger(ctx context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.LedgerEntry, error) {
	return userPage(ctx, r.u(), string(user), before, newestFirst, limit, (*ledgerRow).toEntry)
}
