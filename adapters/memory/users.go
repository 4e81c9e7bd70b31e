package memory

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

var usersSpec = tableSpec[core.User]{
	deletedAt: func(v *core.User) *time.Time { return &v.DeletedAt },
	unique: map[string]uniqueKey[core.User]{
		// users_email_key_live: emails are unique among live users.
		"email_key_live": func(v core.User) (string, bool) { return v.EmailKey(), v.DeletedAt.IsZero() },
	},
}

var keysSpec = tableSpec[core.APIKey]{
	parent:    func(v core.APIKey) string { return string(v.UserID) },
	deletedAt: func(v *core.APIKey) *time.Time { return &v.DeletedAt },
	unique: map[string]uniqueKey[core.APIKey]{
		"hash": func(v core.APIKey) (string, bool) { return hex.EncodeToString(v.Hash[:]), true },
	},
}

type users unit

func (r *users) u() *unit { return (*unit)(r) }

var errUserNotFound = fmt.Errorf("user: %w", core.ErrNotFound)

func (r *users) Create(ctx context.Context, v core.User) error {
	if err := canonical(string(v.ID)); err != nil {
		return err
	}
	v.CreatedAt, v.DeletedAt = micro(v.CreatedAt), micro(v.DeletedAt)
	_, err := r.u().s.users.insert(ctx, r.u(), v, false)
	if errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: a user with that email exists", core.ErrConflict)
	}
	return err
}

func (r *users) Get(_ context.Context, id core.UserID) (core.User, error) {
	if err := r.u().statement(); err != nil {
		return core.User{}, err
	}
	if v, ok := r.u().s.users.get(r.u(), id); ok {
		return v, nil
	}
	return core.User{}, errUserNotFound
}

func (r *users) GetByEmail(_ context.Context, email string) (core.User, error) {
	if err := r.u().statement(); err != nil {
		return core.User{}, err
	}
	if v, ok := r.u().s.users.byUnique(r.u(), "email_key_live", core.EmailKey(email)); ok {
		return v, nil
	}
	return core.User{}, errUserNotFound
}

// Delete marks the user, and with the same time every row the user owns.
func (r *users) Delete(ctx context.Context, id core.UserID, at time.Time) error {
	u, t := r.u(), r.u().s.users
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(id)); err != nil {
		return err
	}
	v, ok := t.get(u, id)
	if !ok {
		return errUserNotFound
	}
	v.DeletedAt = micro(at)
	if err := t.update(ctx, u, v); err != nil {
		return err
	}
	for _, child := range u.s.userChildren() {
		if err := child.cascadeDelete(ctx, u, string(id), v.DeletedAt); err != nil {
			return err
		}
	}
	return nil
}

// Restore locks the deleted user's row first (under the unit's policy, as
// PostgreSQL's SELECT … FOR UPDATE does), then brings back the user and
// exactly the rows deleted with it.
func (r *users) Restore(ctx context.Context, id core.UserID) error {
	u, t := r.u(), r.u().s.users
	if err := u.lock(ctx, t.lockKey(id)); err != nil {
		return err
	}
	v, ok := t.getDeleted(u, id)
	if !ok {
		return fmt.Errorf("deleted user: %w", core.ErrNotFound)
	}
	at := v.DeletedAt
	v.DeletedAt = time.Time{}
	if err := t.update(ctx, u, v); errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: a live user holds that email now", core.ErrConflict)
	} else if err != nil {
		return err
	}
	for _, child := range u.s.userChildren() {
		if err := child.cascadeRestore(ctx, u, string(id), at); err != nil {
			return err
		}
	}
	return nil
}

type apiKeys unit

func (r *apiKeys) u() *unit { return (*unit)(r) }

var errKeyNotFound = fmt.Errorf("api key: %w", core.ErrNotFound)

func (r *apiKeys) Create(ctx context.Context, k core.APIKey) error {
	if err := canonical(string(k.ID), string(k.UserID)); err != nil {
		return err
	}
	k.CreatedAt, k.RevokedAt, k.DeletedAt = micro(k.CreatedAt), micro(k.RevokedAt), micro(k.DeletedAt)
	_, err := r.u().s.keys.insert(ctx, r.u(), k, false)
	if errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: key exists", core.ErrConflict)
	}
	return err
}

func (r *apiKeys) Authenticate(_ context.Context, hash core.KeyHash) (core.APIKey, core.User, error) {
	u := r.u()
	if err := u.statement(); err != nil {
		return core.APIKey{}, core.User{}, err
	}
	k, ok := u.s.keys.byUnique(u, "hash", hex.EncodeToString(hash[:]))
	if !ok || !k.Active() {
		return core.APIKey{}, core.User{}, errKeyNotFound
	}
	owner, ok := u.s.users.get(u, k.UserID)
	if !ok {
		return core.APIKey{}, core.User{}, errKeyNotFound
	}
	return k, owner, nil
}

func (r *apiKeys) List(_ context.Context, user core.UserID, after *core.PageKey, limit int) ([]core.APIKey, error) {
	return listPage(r.u().s.keys, r.u(), string(user), after, oldestFirst, limit)
}

func (r *apiKeys) CountActive(_ context.Context, user core.UserID) (int, error) {
	if err := r.u().statement(); err != nil {
		return 0, err
	}
	n := 0
	for _, k := range r.u().s.keys.group(r.u(), string(user)) {
		if k.Active() {
			n++
		}
	}
	return n, nil
}

func (r *apiKeys) Revoke(ctx context.Context, user core.UserID, id core.KeyID, at time.Time) error {
	u, t := r.u(), r.u().s.keys
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(id)); err != nil {
		return err
	}
	k, ok := t.get(u, id)
	if !ok || k.UserID != user {
		return errKeyNotFound
	}
	if !k.RevokedAt.IsZero() { // revoking twice keeps the first time
		return nil
	}
	k.RevokedAt = micro(at)
	return t.update(ctx, u, k)
}
