package users

import (
	"context"
	"fmt"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// MaxKeysPerUser bounds how many active keys a user holds, so a leaked
// key cannot be used to mint keys without limit.
const MaxKeysPerUser = 50

func (s *Service) newKey(user core.UserID, name string) NewKey {
	secret := core.NewAPIKeySecret()
	return NewKey{
		Secret: secret,
		Key: core.APIKey{
			ID: core.KeyID(s.ids.NewID()), UserID: user, Name: name,
			Hint: core.KeyHint(secret), Hash: core.HashAPIKey(secret), CreatedAt: s.clock.Now(),
		},
	}
}

// CreateKey gives a live user another API key.
func (s *Service) CreateKey(ctx context.Context, user core.UserID, name string) (NewKey, error) {
	name, err := core.ParseKeyName(name)
	if err != nil {
		return NewKey{}, err
	}
	var key NewKey
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, user); err != nil {
			return err
		}
		active, err := tx.APIKeys().CountActive(ctx, user)
		if err != nil {
			return err
		}
		if active >= MaxKeysPerUser {
			return fmt.Errorf("%w: a user holds at most %d active keys; revoke one first", core.ErrConflict, MaxKeysPerUser)
		}
		key = s.newKey(user, name)
		return tx.APIKeys().Create(ctx, key.Key)
	})
	return key, err
}

// ListKeys returns one page of a live user's keys, revoked ones included,
// oldest first. Revoked keys stay listed, so the list is paged: a user who
// creates and revokes keys for years still gets bounded answers.
func (s *Service) ListKeys(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.APIKey], error) {
	after, limit, err := core.PageQuery(cursor, limit)
	if err != nil {
		return core.Page[core.APIKey]{}, err
	}
	var keys []core.APIKey
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, user); err != nil {
			return err
		}
		var err error
		keys, err = tx.APIKeys().List(ctx, user, after, limit+1)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return core.Page[core.APIKey]{}, err
	}
	return core.NewPage(keys, limit, func(last core.APIKey) string { return core.EncodeCursor(last.PageKey()) }), nil
}

// RevokeKey revokes one of a user's keys; another user's key is
// core.ErrNotFound.
func (s *Service) RevokeKey(ctx context.Context, user core.UserID, id core.KeyID) error {
	canonical, ok := core.ParseID(string(id))
	if !ok {
		return fmt.Errorf("api key: %w", core.ErrNotFound)
	}
	return s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.APIKeys().Revoke(ctx, user, core.KeyID(canonical), s.clock.Now())
	})
}
