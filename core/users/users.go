// Package users holds the account use cases: sign-up, API keys, the
// current user, deletion and the bootstrap admin.
package users

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Service runs the user use cases.
type Service struct {
	uow   ports.UnitOfWork
	clock ports.Clock
	ids   ports.IDs
}

// NewService returns a users service.
func NewService(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs) *Service {
	return &Service{uow: uow, clock: clock, ids: ids}
}

// NewKey is an API key as created: the secret is shown once and never again.
type NewKey struct {
	Key    core.APIKey
	Secret string
}

// SignUp creates a plain user (role "user"), their empty credit account and
// a first API key, in one unit of work. Admins come from EnsureAdmin.
func (s *Service) SignUp(ctx context.Context, email, displayName string) (core.User, NewKey, error) {
	return s.create(ctx, email, displayName, core.RoleUser)
}

func (s *Service) create(ctx context.Context, email, displayName string, role core.Role) (core.User, NewKey, error) {
	email, err := core.ParseEmail(email)
	if err != nil {
		return core.User{}, NewKey{}, err
	}
	displayName, err = core.ParseDisplayName(displayName)
	if err != nil {
		return core.User{}, NewKey{}, err
	}
	var (
		user core.User
		key  NewKey
	)
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		now := s.clock.Now()
		user = core.User{
			ID: core.UserID(s.ids.NewID()), Email: email, DisplayName: displayName,
			Role: role, CreatedAt: now,
		}
		if err := tx.Users().Create(ctx, user); err != nil {
			return err
		}
		if err := tx.Credits().CreateAccount(ctx, user.ID, now); err != nil {
			return err
		}
		key = s.newKey(user.ID, "default")
		return tx.APIKeys().Create(ctx, key.Key)
	})
	if err != nil {
		return core.User{}, NewKey{}, fmt.Errorf("signing up: %w", err)
	}
	return user, key, nil
}

// EnsureAdmin makes sure a live admin with that email exists. It creates
// one, with a first key, when there is no live user with the email, and
// promotes nothing: an existing non-admin user is core.ErrConflict, so a
// configuration typo cannot hand out admin rights. Created is false when the
// admin existed; the key is then empty.
func (s *Service) EnsureAdmin(ctx context.Context, email string) (user core.User, key NewKey, created bool, err error) {
	email, err = core.ParseEmail(email)
	if err != nil {
		return core.User{}, NewKey{}, false, err
	}
	existing, err := s.byEmail(ctx, email)
	switch {
	case err == nil && existing.IsAdmin():
		return existing, NewKey{}, false, nil
	case err == nil:
		return core.User{}, NewKey{}, false, fmt.Errorf("%w: a user with that email exists and is not an admin", core.ErrConflict)
	case !errors.Is(err, core.ErrNotFound):
		return core.User{}, NewKey{}, false, err
	}
	user, key, err = s.create(ctx, email, "Administrator", core.RoleAdmin)
	if err != nil {
		return core.User{}, NewKey{}, false, err
	}
	return user, key, true, nil
}

func (s *Service) byEmail(ctx context.Context, email string) (core.User, error) {
	var u core.User
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		u, err = tx.Users().GetByEmail(ctx, email)
		return err
	}, ports.ReadOnly())
	return u, err
}

// Get returns a live user.
func (s *Service) Get(ctx context.Context, id core.UserID) (core.User, error) {
	var u core.User
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		u, err = tx.Users().Get(ctx, id)
		return err
	}, ports.ReadOnly())
	return u, err
}

// Delete soft-deletes a user and, with the same timestamp, their keys.
func (s *Service) Delete(ctx context.Context, id core.UserID) error {
	return s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Users().Delete(ctx, id, s.clock.Now())
	})
}

// Authenticate finds the live user holding a presented key. Anything but an
// active key of a live user is core.ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, secret string) (core.User, core.APIKey, error) {
	if !core.WellFormedAPIKey(secret) {
		return core.User{}, core.APIKey{}, core.ErrUnauthenticated
	}
	var (
		user core.User
		key  core.APIKey
	)
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		key, user, err = tx.APIKeys().Authenticate(ctx, core.HashAPIKey(secret))
		return err
	}, ports.ReadOnly())
	if errors.Is(err, core.ErrNotFound) {
		return core.User{}, core.APIKey{}, core.ErrUnauthenticated
	}
	return user, key, err
}
