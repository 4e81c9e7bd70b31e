package memory

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/chatlens/chatlens/core"
)

type users unit

func (r *users) u() *unit { return (*unit)(r) }

func (r *users) Create(ctx context.Context, v core.User) error {
	if err := canonical(string(v.ID)); err != nil {
		return err
	}
	u := r.u()
	// The email reservation plays the live-only unique index: a second
	// unit inserting the same email waits for the first, as PostgreSQL does.
	if err := u.write(ctx, "email:"+v.EmailKey()); err != nil {
		return err
	}
	if _, ok := liveByEmail(u, v.EmailKey()); ok {
		return u.fail(fmt.Errorf("%w: a user with that email exists", core.ErrConflict))
	}
	if _, ok := u.user(v.ID); ok {
		return u.fail(fmt.Errorf("%w: user id exists", core.ErrConflict))
	}
	v.CreatedAt = micro(v.CreatedAt)
	u.users[v.ID] = v
	return nil
}

func liveByEmail(u *unit, key string) (core.User, bool) {
	for _, v := range u.allUsers() {
		if v.DeletedAt.IsZero() && v.EmailKey() == key {
			return v, true
		}
	}
	return core.User{}, false
}

func (r *users) Get(_ context.Context, id core.UserID) (core.User, error) {
	if err := r.u().statement(); err != nil {
		return core.User{}, err
	}
	v, ok := r.u().user(id)
	if !ok || !v.DeletedAt.IsZero() {
		return core.User{}, fmt.Errorf("user: %w", core.ErrNotFound)
	}
	return v, nil
}

func (r *users) GetByEmail(_ context.Context, email string) (core.User, error) {
	if err := r.u().statement(); err != nil {
		return core.User{}, err
	}
	v, ok := liveByEmail(r.u(), core.EmailKey(email))
	if !ok {
		return core.User{}, fmt.Errorf("user: %w", core.ErrNotFound)
	}
	return v, nil
}

func (r *users) Delete(ctx context.Context, id core.UserID, at time.Time) error {
	u := r.u()
	if err := u.write(ctx, "user:"+string(id)); err != nil {
		return err
	}
	v, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	at = micro(at)
	v.DeletedAt = at
	u.users[id] = v
	for _, k := range u.allKeys() {
		if k.UserID == id && k.DeletedAt.IsZero() {
			if err := u.write(ctx, "key:"+string(k.ID)); err != nil {
				return err
			}
			k.DeletedAt = at
			u.keys[k.ID] = k
		}
	}
	return nil
}

func (r *users) Restore(ctx context.Context, id core.UserID) error {
	u := r.u()
	if err := u.write(ctx, "user:"+string(id)); err != nil {
		return err
	}
	v, ok := u.user(id)
	if !ok || v.DeletedAt.IsZero() {
		return fmt.Errorf("deleted user: %w", core.ErrNotFound)
	}
	if err := u.write(ctx, "email:"+v.EmailKey()); err != nil {
		return err
	}
	if _, taken := liveByEmail(u, v.EmailKey()); taken {
		return u.fail(fmt.Errorf("%w: a live user holds that email now", core.ErrConflict))
	}
	at := v.DeletedAt
	v.DeletedAt = time.Time{}
	u.users[id] = v
	for _, k := range u.allKeys() {
		if k.UserID == id && k.DeletedAt.Equal(at) {
			if err := u.write(ctx, "key:"+string(k.ID)); err != nil {
				return err
			}
			k.DeletedAt = time.Time{}
			u.keys[k.ID] = k
		}
	}
	return nil
}

type apiKeys unit

func (r *apiKeys) u() *unit { return (*unit)(r) }

func (r *apiKeys) Create(ctx context.Context, k core.APIKey) error {
	if err := canonical(string(k.ID), string(k.UserID)); err != nil {
		return err
	}
	u := r.u()
	if err := u.write(ctx, "keyhash:"+hex.EncodeToString(k.Hash[:])); err != nil {
		return err
	}
	for _, other := range u.allKeys() {
		if other.Hash == k.Hash || other.ID == k.ID {
			return u.fail(fmt.Errorf("%w: key exists", core.ErrConflict))
		}
	}
	k.CreatedAt = micro(k.CreatedAt)
	u.keys[k.ID] = k
	return nil
}

func (r *apiKeys) Authenticate(_ context.Context, hash core.KeyHash) (core.APIKey, core.User, error) {
	u := r.u()
	if err := u.statement(); err != nil {
		return core.APIKey{}, core.User{}, err
	}
	for _, k := range u.allKeys() {
		if k.Hash != hash || !k.Active() {
			continue
		}
		if owner, ok := u.user(k.UserID); ok && owner.DeletedAt.IsZero() {
			return k, owner, nil
		}
	}
	return core.APIKey{}, core.User{}, fmt.Errorf("api key: %w", core.ErrNotFound)
}

func (r *apiKeys) List(_ context.Context, user core.UserID) ([]core.APIKey, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	var out []core.APIKey
	for _, k := range r.u().allKeys() {
		if k.UserID == user && k.DeletedAt.IsZero() {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (r *apiKeys) Revoke(ctx context.Context, user core.UserID, id core.KeyID, at time.Time) error {
	u := r.u()
	if err := u.write(ctx, "key:"+string(id)); err != nil {
		return err
	}
	keys, _ := r.List(ctx, user)
	for _, k := range keys {
		if k.ID != id {
			continue
		}
		if k.RevokedAt.IsZero() {
			k.RevokedAt = micro(at)
			u.keys[id] = k
		}
		return nil
	}
	return fmt.Errorf("api key: %w", core.ErrNotFound)
}
