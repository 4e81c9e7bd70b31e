package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

type users unit

func (r *users) u() *unit { return (*unit)(r) }

var errUserNotFound = fmt.Errorf("user: %w", core.ErrNotFound)

func (r *users) Create(ctx context.Context, v core.User) error {
	if err := canonical(string(v.ID)); err != nil {
		return err
	}
	_, err := r.u().tx.NewInsert().Model(fromUser(v)).Exec(ctx)
	if err = r.u().check(err); errors.Is(err, core.ErrConflict) && constraint(err) == "users_email_key_live" {
		return fmt.Errorf("%w: a user with that email exists", core.ErrConflict)
	}
	return err
}

func (r *users) Get(ctx context.Context, id core.UserID) (core.User, error) {
	if !validUUID(string(id)) {
		return core.User{}, errUserNotFound
	}
	var row userRow
	err := r.u().preparedRow(ctx, sqlUserByID, string(id)).
		Scan(&row.ID, &row.Email, &row.DisplayName, &row.Role, &row.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return core.User{}, errUserNotFound
	}
	if err != nil {
		return core.User{}, r.u().check(err)
	}
	return row.toUser(), nil
}

func (r *users) GetByEmail(ctx context.Context, email string) (core.User, error) {
	var row userRow
	q := r.u().tx.NewSelect().Model(&row).Where("email_key = ?", core.EmailKey(email))
	if err := r.u().one(ctx, q, errUserNotFound); err != nil {
		return core.User{}, err
	}
	return row.toUser(), nil
}

// Delete marks the user and, with the same timestamp, every row the user
// owns (userChildren). bun adds "deleted_at IS NULL" to each update.
func (r *users) Delete(ctx context.Context, id core.UserID, at time.Time) error {
	if !validUUID(string(id)) {
		return errUserNotFound
	}
	at = micro(at)
	tx := r.u().tx
	res, err := tx.NewUpdate().Model((*userRow)(nil)).Set("deleted_at = ?", at).Where("id = ?", string(id)).Exec(ctx)
	if err := r.u().wrote(res, err, errUserNotFound); err != nil {
		return err
	}
	return r.u().cascadeDelete(ctx, userChildren, string(id), at)
}

// Restore locks the deleted user's row first, then brings back the user
// and exactly the rows deleted with it: those carrying its deletion time.
func (r *users) Restore(ctx context.Context, id core.UserID) error {
	if !validUUID(string(id)) {
		return errUserNotFound
	}
	tx := r.u().tx
	var row userRow
	err := r.u().lockRow(ctx, rowKey("users", string(id)), func(clause lockClause) error {
		q := tx.NewSelect().Model(&row).WhereDeleted().Where("id = ?", string(id)).For(string(clause))
		return r.u().one(ctx, q, fmt.Errorf("deleted user: %w", core.ErrNotFound))
	})
	if err != nil {
		return err
	}
	_, err = tx.NewUpdate().Model((*userRow)(nil)).WhereDeleted().Set("deleted_at = NULL").Where("id = ?", string(id)).Exec(ctx)
	if err = r.u().check(err); errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: a live user holds that email now", core.ErrConflict)
	} else if err != nil {
		return err
	}
	return r.u().cascadeRestore(ctx, userChildren, string(id), row.DeletedAt)
}
