package porttest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func runUsers(t *testing.T, newStore NewStore) {
	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, options(ports.LockNoWait, 3))
		u := newUser(t, s, "Ada@Example.com", 0)
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.Users().Get(ctx, u.ID)
			if err != nil {
				return err
			}
			if got != u {
				return fmt.Errorf("Get = %+v; want %+v (times truncated to microseconds)", got, u)
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
		s := newStore(t, options(ports.LockNoWait, 3))
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
	t.Run("ConcurrentSignUpsOneEmailOneWinner", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, options(ports.LockNoWait, 10))
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				email := "race@example.com"
				if i%2 == 1 {
					email = strings.ToUpper(email)
				}
				errs[i] = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
					u := core.User{ID: core.UserID(newID()), Email: email, DisplayName: "R", Role: core.RoleUser, CreatedAt: now()}
					if err := tx.Users().Create(ctx, u); err != nil {
						return err
					}
					return tx.Credits().CreateAccount(ctx, u.ID, u.CreatedAt)
				})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, core.ErrConflict), errors.Is(err, core.ErrBusy):
			default:
				t.Errorf("unexpected error: %v (want nil, ErrConflict or ErrBusy)", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d sign-ups with one email succeeded; want exactly 1", wins)
		}
	})
	t.Run("DeleteCascadesAndRestoreBringsBackTheGroup", func(t *testing.T) {
		t.Parallel()
		testDeleteRestore(t, newStore(t, options(ports.LockNoWait, 3)))
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
		if keys, err := tx.APIKeys().List(ctx, u.ID); err != nil || len(keys) != 0 {
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
		keys, err := tx.APIKeys().List(ctx, u.ID)
		if err != nil || len(keys) != 2 {
			return fmt.Errorf("List(restored) = %d keys, %v; want both", len(keys), err)
		}
		if err := tx.Users().Restore(ctx, u.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("restoring a live user = %v; want ErrNotFound", err)
		}
		return nil
	})
}
