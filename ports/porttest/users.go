package porttest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Users", runUsers) }

func runUsers(t *testing.T, newDatabase NewDatabase) {
	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "Ada@Example.com", 0)
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.Users().Get(ctx, u.ID)
			if err != nil {
				return err
			}
			if got != u {
				return fmt.Errorf("Get(u.ID) = %+v; want %+v (times truncated to microseconds)", got, u)
			}
			byEmail, err := tx.Users().GetByEmail(ctx, "ada@EXAMPLE.COM")
			if err != nil || byEmail.ID != u.ID {
				return fmt.Errorf("GetByEmail in another case = %v, %v; want the user", byEmail.ID, err)
			}
			if _, err := tx.Users().Get(ctx, core.UserID(newID())); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Get(unknown) = %v; want ErrNotFound", err)
			}
			return nil
		})
	})
	t.Run("EmailUniqueAmongLiveUsersIgnoringCase", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		first := newUser(t, s, "Same@example.com", 0)
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			return tx.Users().Create(ctx, core.User{ID: core.UserID(newID()), Email: "same@EXAMPLE.com", DisplayName: "B", Role: core.RoleUser, CreatedAt: now()})
		})
		if !errors.Is(err, core.ErrConflict) {
			t.Fatalf("second live user with the email: %v; want ErrConflict", err)
		}
		do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, first.ID, now()) })
		again := newUser(t, s, "same@example.com", 0) // a deleted user's email signs up again
		err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error { return tx.Users().Restore(ctx, first.ID) })
		if !errors.Is(err, core.ErrConflict) {
			t.Fatalf("restoring a user whose email is taken: %v; want ErrConflict", err)
		}
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.Users().GetByEmail(ctx, "SAME@example.com")
			if err != nil || got.ID != again.ID {
				return fmt.Errorf("GetByEmail = %v, %v; want the new live user", got.ID, err)
			}
			return nil
		})
	})
	for _, tp := range topologies {
		t.Run("ConcurrentSignUpsOneEmailOneWinner/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testConcurrentSignUps(t, tp.open(t, newDatabase, options(ports.LockNoWait, 10)))
		})
		for _, p := range policies {
			for _, iso := range isolations {
				t.Run("ConcurrentRestoresOneWinner/"+p.String()+"/"+iso.String()+"/"+tp.name, func(t *testing.T) {
					t.Parallel()
					testConcurrentRestores(t, tp.open(t, newDatabase, options(p, 20)), iso)
				})
			}
		}
	}
	t.Run("DeleteCascadesAndRestoreBringsBackTheGroup", func(t *testing.T) {
		t.Parallel()
		testDeleteRestore(t, store(t, newDatabase, options(ports.LockNoWait, 3)))
	})
}

// testConcurrentSignUps: 20 sign-ups with one email, in two letter cases,
// at once: exactly one succeeds.
func testConcurrentSignUps(t *testing.T, stores []ports.UnitOfWork) {
	wins := race(t, stores, 20, func(i int) func(ctx context.Context, tx ports.Tx) error {
		email := "race@example.com"
		if i%2 == 1 {
			email = strings.ToUpper(email)
		}
		return func(ctx context.Context, tx ports.Tx) error {
			u := core.User{ID: core.UserID(newID()), Email: email, DisplayName: "R", Role: core.RoleUser, CreatedAt: now()}
			if err := tx.Users().Create(ctx, u); err != nil {
				return err
			}
			return tx.Credits().CreateAccount(ctx, u.ID, u.CreatedAt)
		}
	}, core.ErrConflict)
	if wins != 1 {
		t.Fatalf("%d sign-ups with one email succeeded; want exactly 1", wins)
	}
}

// testConcurrentRestores: 12 units restore one deleted user at once.
// Restore locks the deleted row first, so exactly one brings the user back
// and the others find no deleted user; without that lock two could both
// "restore" at READ COMMITTED.
func testConcurrentRestores(t *testing.T, stores []ports.UnitOfWork, iso ports.Isolation) {
	s := stores[0]
	u := newUser(t, s, "phoenix@example.com", 0)
	k := newKey(t, s, u.ID)
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, u.ID, now()) })
	wins := race(t, stores, 12, func(int) func(ctx context.Context, tx ports.Tx) error {
		return func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Users().Restore(ctx, u.ID); err != nil {
				return err
			}
			// Keep the restored row uncommitted a moment, so that the
			// other units surely meet it while it is in flight.
			time.Sleep(20 * time.Millisecond)
			return nil
		}
	}, core.ErrNotFound, ports.WithIsolation(iso))
	if wins != 1 {
		t.Fatalf("%d restores of one deleted user succeeded; want exactly 1", wins)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, _, err := tx.APIKeys().Authenticate(ctx, k.Hash); err != nil {
			return fmt.Errorf("the restored user's key does not authenticate: %v", err)
		}
		return nil
	})
}

func testDeleteRestore(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "leaver@example.com", 5)
	live, revoked := newKey(t, s, u.ID), newKey(t, s, u.ID)
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.APIKeys().Revoke(ctx, u.ID, revoked.ID, now()) })
	deletedAt := now()
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, u.ID, deletedAt) })

	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, u.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Get(deleted) = %v; want ErrNotFound", err)
		}
		if _, err := tx.Users().GetByEmail(ctx, u.Email); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("GetByEmail(deleted) = %v; want ErrNotFound", err)
		}
		if _, _, err := tx.APIKeys().Authenticate(ctx, live.Hash); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a deleted user's key authenticates: %v", err)
		}
		if keys, err := tx.APIKeys().List(ctx, u.ID, nil, core.MaxPageLimit); err != nil || len(keys) != 0 {
			return fmt.Errorf("List(deleted user) = %d keys, %v; want none", len(keys), err)
		}
		if err := tx.Users().Delete(ctx, u.ID, now()); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("deleting twice = %v; want ErrNotFound", err)
		}
		if err := tx.APIKeys().Revoke(ctx, u.ID, live.ID, now()); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("revoking a deleted user's key = %v; want ErrNotFound (updates skip deleted rows)", err)
		}
		return nil
	})
	// The ledger is never deleted.
	if bal, sum, entries := balance(t, s, u.ID); bal != 5 || sum != 5 || len(entries) != 1 {
		t.Fatalf("ledger after delete: balance %d, sum %d, %d entries; want it untouched", bal, sum, len(entries))
	}

	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Restore(ctx, u.ID) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, u.ID); err != nil {
			return fmt.Errorf("Get(restored) = %v", err)
		}
		if _, _, err := tx.APIKeys().Authenticate(ctx, live.Hash); err != nil {
			return fmt.Errorf("the restored user's live key does not authenticate: %v", err)
		}
		if _, _, err := tx.APIKeys().Authenticate(ctx, revoked.Hash); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a key revoked before the delete came back: %v", err)
		}
		keys, err := tx.APIKeys().List(ctx, u.ID, nil, core.MaxPageLimit)
		if err != nil || len(keys) != 2 {
			return fmt.Errorf("List(restored) = %d keys, %v; want both", len(keys), err)
		}
		if err := tx.Users().Restore(ctx, u.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("restoring a live user = %v; want ErrNotFound", err)
		}
		return nil
	})
}
