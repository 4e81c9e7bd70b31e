package porttest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Input", runInput) }

// runInput holds the cases where adapters could answer one input in
// different ways: ids in forms storage does not keep, page keys no adapter
// can hold, writes in read-only units, and units that go on after a failed
// statement. Every adapter must give the same answer.
func runInput(t *testing.T, newDatabase NewDatabase) {
	for _, c := range []struct {
		name string
		test func(*testing.T, ports.UnitOfWork)
	}{
		{"NonCanonicalIDsNameNothing", testNonCanonicalIDs},
		{"NonCanonicalIDsAreNotStored", testNonCanonicalCreate},
		{"PageKeysOutOfRangeAreInvalid", testPageKeyRange},
		{"ReadOnlyUnitRefusesWrites", testReadOnly},
		{"FailedStatementAbortsTheUnit", testAborted},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.test(t, store(t, newDatabase, options(ports.LockNoWait, 3)))
		})
	}
}

// oddForms are forms of id that name the same UUID for some databases,
// and things that are no id at all. Storage keeps ids in one form
// (core.ParseID's); every other form names nothing.
func oddForms(id string) []string {
	return []string{
		strings.ToUpper(id), "{" + id + "}", strings.ReplaceAll(id, "-", ""), "urn:uuid:" + id,
		" " + id, "", "not-a-uuid", "'; DROP TABLE users; --", id[:35] + "\x00",
	}
}

func testNonCanonicalIDs(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "odd@example.com", 5)
	k := newKey(t, s, u.ID)
	for _, odd := range oddForms(string(u.ID)) {
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			if _, err := tx.Users().Get(ctx, core.UserID(odd)); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Users.Get(%q) = %v; want ErrNotFound", odd, err)
			}
			if _, err := tx.Credits().Get(ctx, core.UserID(odd)); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Credits.Get(%q) = %v; want ErrNotFound", odd, err)
			}
			if keys, err := tx.APIKeys().List(ctx, core.UserID(odd), nil, core.MaxPageLimit); err != nil || len(keys) != 0 {
				return fmt.Errorf("APIKeys.List(%q) = %d keys, %v; want none", odd, len(keys), err)
			}
			if entries, err := tx.Credits().Ledger(ctx, core.UserID(odd), nil, 10); err != nil || len(entries) != 0 {
				return fmt.Errorf("Credits.Ledger(%q) = %d entries, %v; want none", odd, len(entries), err)
			}
			return nil
		}, ports.ReadOnly())
		for name, write := range map[string]func(ctx context.Context, tx ports.Tx) error{
			"Users.Delete":  func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, core.UserID(odd), now()) },
			"Users.Restore": func(ctx context.Context, tx ports.Tx) error { return tx.Users().Restore(ctx, core.UserID(odd)) },
			"Credits.Lock": func(ctx context.Context, tx ports.Tx) error {
				_, err := tx.Credits().Lock(ctx, core.UserID(odd))
				return err
			},
			"Revoke(key id)": func(ctx context.Context, tx ports.Tx) error {
				return tx.APIKeys().Revoke(ctx, u.ID, core.KeyID(odd), now())
			},
			"Revoke(user)": func(ctx context.Context, tx ports.Tx) error {
				return tx.APIKeys().Revoke(ctx, core.UserID(odd), k.ID, now())
			},
		} {
			if err := s.Do(context.Background(), write); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("%s(%q) = %v; want ErrNotFound", name, odd, err)
			}
		}
	}
	// Nothing changed: the user, the key and the balance are as they were.
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, u.ID); err != nil {
			return fmt.Errorf("the user is gone after odd ids: %v", err)
		}
		if _, _, err := tx.APIKeys().Authenticate(ctx, k.Hash); err != nil {
			return fmt.Errorf("the key stopped working after odd ids: %v", err)
		}
		return nil
	})
	if bal, sum, _ := balance(t, s, u.ID); bal != 5 || sum != 5 {
		t.Fatalf("balance %d, ledger sum %d after odd ids; want 5", bal, sum)
	}
}

// testNonCanonicalCreate: a row is never stored under an id in a form that
// reads could not find (a database would silently store its own form).
func testNonCanonicalCreate(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "maker@example.com", 5)
	upper := strings.ToUpper(newID())
	for name, create := range map[string]func(ctx context.Context, tx ports.Tx) error{
		"Users.Create": func(ctx context.Context, tx ports.Tx) error {
			return tx.Users().Create(ctx, core.User{ID: core.UserID(upper), Email: "upper@example.com", DisplayName: "U", Role: core.RoleUser, CreatedAt: now()})
		},
		"APIKeys.Create": func(ctx context.Context, tx ports.Tx) error {
			return tx.APIKeys().Create(ctx, core.APIKey{ID: core.KeyID(upper), UserID: u.ID, Name: "k", Hint: "cl_x", Hash: sha256.Sum256([]byte(upper)), CreatedAt: now()})
		},
		"Credits.CreateAccount": func(ctx context.Context, tx ports.Tx) error {
			return tx.Credits().CreateAccount(ctx, core.UserID(upper), now())
		},
		"Credits.Append": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Credits().Append(ctx, core.LedgerEntry{ID: core.EntryID(upper), UserID: u.ID, Amount: 1, BalanceAfter: 6, Kind: core.KindGrant, Reference: "upper", CreatedAt: now()})
			return err
		},
	} {
		if err := s.Do(context.Background(), create); !errors.Is(err, core.ErrInvalid) {
			t.Errorf("%s with an upper-case id = %v; want ErrInvalid", name, err)
		}
	}
	if bal, sum, entries := balance(t, s, u.ID); bal != 5 || sum != 5 || len(entries) != 1 {
		t.Fatalf("balance %d, ledger sum %d, %d entries; want 5, 5, 1", bal, sum, len(entries))
	}
}

func testPageKeyRange(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "range@example.com", 5)
	id := newID()
	for name, key := range map[string]core.PageKey{
		"year 0":        {Time: time.Date(0, 12, 31, 23, 0, 0, 0, time.UTC), ID: id},
		"year -4713":    {Time: time.Date(-4713, 1, 1, 0, 0, 0, 0, time.UTC), ID: id},
		"year 10000":    {Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), ID: id},
		"upper-case id": {Time: now(), ID: strings.ToUpper(id)},
		"not an id":     {Time: now(), ID: "'; drop"},
	} {
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Credits().Ledger(ctx, u.ID, &key, 10)
			return err
		}, ports.ReadOnly())
		if !errors.Is(err, core.ErrInvalid) {
			t.Errorf("Ledger after a key at %s = %v; want ErrInvalid", name, err)
		}
	}
	for name, key := range map[string]core.PageKey{
		"year 1":    {Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), ID: id},
		"year 9999": {Time: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), ID: id},
	} {
		var entries []core.LedgerEntry
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			var err error
			entries, err = tx.Credits().Ledger(ctx, u.ID, &key, 10)
			return err
		}, ports.ReadOnly())
		want := 0
		if name == "year 9999" {
			want = 1 // every entry is older
		}
		if err != nil || len(entries) != want {
			t.Errorf("Ledger before %s = %d entries, %v; want %d", name, len(entries), err, want)
		}
	}
}

// testReadOnly: every write and every row lock in a read-only unit fails
// with ports.ErrReadOnly, and changes nothing.
func testReadOnly(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "reader@example.com", 5)
	k := newKey(t, s, u.ID)
	writes := map[string]func(ctx context.Context, tx ports.Tx) error{
		"Users.Create": func(ctx context.Context, tx ports.Tx) error {
			return tx.Users().Create(ctx, core.User{ID: core.UserID(newID()), Email: "new@example.com", DisplayName: "N", Role: core.RoleUser, CreatedAt: now()})
		},
		"Users.Delete":  func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, u.ID, now()) },
		"Users.Restore": func(ctx context.Context, tx ports.Tx) error { return tx.Users().Restore(ctx, u.ID) },
		"APIKeys.Create": func(ctx context.Context, tx ports.Tx) error {
			return tx.APIKeys().Create(ctx, core.APIKey{ID: core.KeyID(newID()), UserID: u.ID, Name: "k", Hint: "cl_x", Hash: sha256.Sum256([]byte(newID())), CreatedAt: now()})
		},
		"APIKeys.Revoke": func(ctx context.Context, tx ports.Tx) error { return tx.APIKeys().Revoke(ctx, u.ID, k.ID, now()) },
		"Credits.CreateAccount": func(ctx context.Context, tx ports.Tx) error {
			return tx.Credits().CreateAccount(ctx, core.UserID(newID()), now())
		},
		"Credits.Lock":       func(ctx context.Context, tx ports.Tx) error { _, err := tx.Credits().Lock(ctx, u.ID); return err },
		"Credits.SetBalance": func(ctx context.Context, tx ports.Tx) error { return tx.Credits().SetBalance(ctx, u.ID, 99, now()) },
		"Credits.Append": func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Credits().Append(ctx, core.LedgerEntry{ID: core.EntryID(newID()), UserID: u.ID, Amount: 1, BalanceAfter: 6, Kind: core.KindGrant, Reference: "ro", CreatedAt: now()})
			return err
		},
	}
	for name, write := range writes {
		if err := s.Do(context.Background(), write, ports.ReadOnly()); !errors.Is(err, ports.ErrReadOnly) {
			t.Errorf("%s in a read-only unit = %v; want ports.ErrReadOnly", name, err)
		}
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().GetByEmail(ctx, "new@example.com"); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a read-only unit created a user: %v", err)
		}
		if _, _, err := tx.APIKeys().Authenticate(ctx, k.Hash); err != nil {
			return fmt.Errorf("a read-only unit revoked a key or deleted its user: %v", err)
		}
		return nil
	})
	if bal, sum, entries := balance(t, s, u.ID); bal != 5 || sum != 5 || len(entries) != 1 {
		t.Fatalf("balance %d, ledger sum %d, %d entries after read-only units; want 5, 5, 1", bal, sum, len(entries))
	}
}

// testAborted: a unit that swallows a failed statement cannot go on as if
// nothing happened. Its later statements and its commit fail with
// ports.ErrAborted, and nothing it wrote, before or after, is kept.
func testAborted(t *testing.T, s ports.UnitOfWork) {
	taken := newUser(t, s, "taken@example.com", 0)
	u := newUser(t, s, "swallower@example.com", 5)
	var later error
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		if _, err := change(ctx, tx, u.ID, -2, core.KindSpend, "before-the-failure"); err != nil {
			return err
		}
		dup := core.User{ID: core.UserID(newID()), Email: taken.Email, DisplayName: "D", Role: core.RoleUser, CreatedAt: now()}
		if err := tx.Users().Create(ctx, dup); !errors.Is(err, core.ErrConflict) {
			return fmt.Errorf("creating a taken email = %v; want ErrConflict", err)
		}
		_, later = tx.Users().Get(ctx, u.ID)
		return nil // swallowed
	})
	if !errors.Is(later, ports.ErrAborted) {
		t.Errorf("a statement after a failed one = %v; want ports.ErrAborted", later)
	}
	if !errors.Is(err, ports.ErrAborted) {
		t.Fatalf("Do after a swallowed failure = %v; want ports.ErrAborted", err)
	}
	if bal, sum, entries := balance(t, s, u.ID); bal != 5 || sum != 5 || len(entries) != 1 {
		t.Fatalf("balance %d, ledger sum %d, %d entries; want the aborted unit's spend gone (5, 5, 1)", bal, sum, len(entries))
	}
}
