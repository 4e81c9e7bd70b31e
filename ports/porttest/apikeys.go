package porttest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func newKey(t *testing.T, s ports.UnitOfWork, user core.UserID) core.APIKey {
	t.Helper()
	id := newID()
	k := core.APIKey{
		ID: core.KeyID(id), UserID: user, Name: "key " + id[:8], Hint: "cl_test",
		Hash: sha256.Sum256([]byte(id)), CreatedAt: now(),
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.APIKeys().Create(ctx, k) })
	k.CreatedAt = k.CreatedAt.Truncate(1000)
	return k
}

func init() { register("APIKeys", runAPIKeys) }

func runAPIKeys(t *testing.T, newDatabase NewDatabase) {
	t.Run("SeveralKeysAuthenticateAndRevoke", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "keys@example.com", 0)
		other := newUser(t, s, "other@example.com", 0)
		a, b := newKey(t, s, u.ID), newKey(t, s, u.ID)
		theirs := newKey(t, s, other.ID)
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			for _, k := range []core.APIKey{a, b} {
				got, owner, err := tx.APIKeys().Authenticate(ctx, k.Hash)
				if err != nil || got != k || owner.ID != u.ID {
					return fmt.Errorf("Authenticate(k.Hash) = %+v, %v, %v; want %+v of %v", got, owner.ID, err, k, u.ID)
				}
			}
			if _, _, err := tx.APIKeys().Authenticate(ctx, sha256.Sum256([]byte("nope"))); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Authenticate(unknown) = %v; want ErrNotFound", err)
			}
			if err := tx.APIKeys().Revoke(ctx, u.ID, theirs.ID, now()); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("revoking another user's key = %v; want ErrNotFound", err)
			}
			return tx.APIKeys().Revoke(ctx, u.ID, a.ID, now())
		})
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			if _, _, err := tx.APIKeys().Authenticate(ctx, a.Hash); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("a revoked key authenticates: %v", err)
			}
			if _, _, err := tx.APIKeys().Authenticate(ctx, b.Hash); err != nil {
				return fmt.Errorf("revoking one key broke another: %v", err)
			}
			if _, _, err := tx.APIKeys().Authenticate(ctx, theirs.Hash); err != nil {
				return fmt.Errorf("the other user's key stopped working: %v", err)
			}
			keys, err := tx.APIKeys().List(ctx, u.ID, nil, core.MaxPageLimit)
			if err != nil || len(keys) != 2 || keys[0].ID != a.ID || keys[0].RevokedAt.IsZero() || keys[1] != b {
				return fmt.Errorf("List(u.ID) = %+v, %v; want a (revoked) then b", keys, err)
			}
			return tx.APIKeys().Revoke(ctx, u.ID, a.ID, now()) // revoking again changes nothing
		})
	})
	t.Run("KeysPageOldestFirstAndActiveAreCounted", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "pager@example.com", 0)
		var want []core.KeyID
		for i := range 5 {
			k := newKey(t, s, u.ID)
			want = append(want, k.ID)
			if i%2 == 1 {
				do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.APIKeys().Revoke(ctx, u.ID, k.ID, now()) })
			}
		}
		var got []core.KeyID
		var after *core.PageKey
		for {
			var page []core.APIKey
			do(t, s, func(ctx context.Context, tx ports.Tx) error {
				var err error
				page, err = tx.APIKeys().List(ctx, u.ID, after, 2)
				return err
			}, ports.ReadOnly())
			for _, k := range page {
				got = append(got, k.ID)
			}
			if len(page) < 2 {
				break
			}
			key := page[len(page)-1].PageKey()
			after = &key
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages listed %v; want %v, oldest first, revoked ones included", got, want)
		}
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			if n, err := tx.APIKeys().CountActive(ctx, u.ID); err != nil || n != 3 {
				return fmt.Errorf("CountActive = %d, %v; want 3 (5 keys, 2 revoked)", n, err)
			}
			return nil
		}, ports.ReadOnly())
	})
	t.Run("DuplicateHashIsAConflict", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "dup@example.com", 0)
		k := newKey(t, s, u.ID)
		k.ID = core.KeyID(newID())
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error { return tx.APIKeys().Create(ctx, k) })
		if !errors.Is(err, core.ErrConflict) {
			t.Fatalf("second key with one hash: %v; want ErrConflict", err)
		}
	})
}
