package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

type apiKeys unit

func (r *apiKeys) u() *unit { return (*unit)(r) }

var errKeyNotFound = fmt.Errorf("api key: %w", core.ErrNotFound)

func (r *apiKeys) Create(ctx context.Context, k core.APIKey) error {
	if err := canonical(string(k.ID), string(k.UserID)); err != nil {
		return err
	}
	_, err := r.u().tx.NewInsert().Model(fromAPIKey(k)).Exec(ctx)
	return r.u().check(err)
}

// Authenticate runs on every request: one prepared, indexed query.
func (r *apiKeys) Authenticate(ctx context.Context, hash core.KeyHash) (core.APIKey, core.User, error) {
	var (
		k     apiKeyRow
		owner userRow
	)
	err := r.u().preparedRow(ctx, sqlAuthenticate, hash[:]).Scan(
		&k.ID, &k.UserID, &k.Name, &k.Hint, &k.Hash, &k.CreatedAt,
		&owner.Email, &owner.DisplayName, &owner.Role, &owner.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return core.APIKey{}, core.User{}, errKeyNotFound
	}
	if err != nil {
		return core.APIKey{}, core.User{}, r.u().check(err)
	}
	owner.ID = k.UserID
	return k.toAPIKey(), owner.toUser(), nil
}

func (r *apiKeys) List(ctx context.Context, user core.UserID, after *core.PageKey, limit int) ([]core.APIKey, error) {
	return userPage(ctx, r.u(), string(user), after, !newestFirst, limit, (*apiKeyRow).toAPIKey)
}

func (r *apiKeys) CountActive(ctx context.Context, user core.UserID) (int, error) {
	if !validUUID(string(user)) {
		return 0, nil
	}
	n, err := r.u().tx.NewSelect().Model((*apiKeyRow)(nil)).
		Where("user_id = ? AND revoked_at IS NULL", string(user)).Count(ctx)
	return int(n), r.u().check(err)
}

func (r *apiKeys) Revoke(ctx context.Context, user core.UserID, id core.KeyID, at time.Time) error {
	if !validUUID(string(user)) || !validUUID(string(id)) {
		return errKeyNotFound
	}
	// COALESCE keeps the first revocation time: revoking twice changes nothing.
	res, err := r.u().tx.NewUpdate().Model((*apiKeyRow)(nil)).
		Set("revoked_at = COALESCE(revoked_at, ?)", micro(at)).
		Where("id = ? AND user_id = ?", string(id), string(user)).Exec(ctx)
	return r.u().wrote(res, err, errKeyNotFound)
}
