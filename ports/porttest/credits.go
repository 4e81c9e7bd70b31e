package porttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Credits", runCredits) }

func runCredits(t *testing.T, newDatabase NewDatabase) {
	t.Run("ReferenceAppliedOncePerAccount", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		a, b := newUser(t, s, "a@example.com", 10), newUser(t, s, "b@example.com", 10)
		for range 2 {
			do(t, s, func(ctx context.Context, tx ports.Tx) error {
				_, err := change(ctx, tx, a.ID, -3, core.KindSpend, "order-1")
				return err
			})
		}
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			applied, err := change(ctx, tx, b.ID, -3, core.KindSpend, "order-1")
			if err == nil && !applied {
				return errors.New("a reference used by another account blocked this one")
			}
			return err
		})
		if bal, sum, entries := balance(t, s, a.ID); bal != 7 || sum != 7 || len(entries) != 2 {
			t.Fatalf("balance %d, sum %d, %d entries; want 7, 7, 2", bal, sum, len(entries))
		}
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			e, err := tx.Credits().EntryByReference(ctx, a.ID, "order-1")
			if err != nil || e.Amount != -3 || e.BalanceAfter != 7 || e.Kind != core.KindSpend {
				return fmt.Errorf("EntryByReference = %+v, %v", e, err)
			}
			if _, err := tx.Credits().EntryByReference(ctx, a.ID, "order-2"); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("EntryByReference(unknown) = %v; want ErrNotFound", err)
			}
			if _, err := tx.Credits().Lock(ctx, core.UserID(newID())); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Lock(no account) = %v; want ErrNotFound", err)
			}
			return nil
		})
	})
	t.Run("NegativeBalanceRefusedByStorage", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "neg@example.com", 2)
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			if _, err := tx.Credits().Lock(ctx, u.ID); err != nil {
				return err
			}
			return tx.Credits().SetBalance(ctx, u.ID, -1, now())
		})
		if err == nil {
			t.Fatal("storage accepted a negative balance")
		}
		if bal, _, _ := balance(t, s, u.ID); bal != 2 {
			t.Fatalf("balance %d after a refused write; want 2", bal)
		}
		err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Credits().Append(ctx, core.LedgerEntry{
				ID: core.EntryID(newID()), UserID: u.ID, Amount: -3, BalanceAfter: -1,
				Kind: core.KindSpend, Reference: "overdraft", CreatedAt: now(),
			})
			return err
		})
		if !errors.Is(err, core.ErrInsufficientCredits) {
			t.Fatalf("ledger entry with a negative balance_after: %v; want ErrInsufficientCredits", err)
		}
		if _, sum, entries := balance(t, s, u.ID); sum != 2 || len(entries) != 1 {
			t.Fatalf("ledger sum %d, %d entries after a refused entry; want 2, 1", sum, len(entries))
		}
	})
	for _, tp := range topologies {
		for _, p := range policies {
			for _, iso := range isolations {
				name := p.String() + "/" + iso.String() + "/" + tp.name
				t.Run("ConcurrentSpendsNoLostUpdate/"+name, func(t *testing.T) {
					t.Parallel()
					testConcurrentSpends(t, tp.open(t, newDatabase, options(p, 20)), iso)
				})
				t.Run("ConcurrentReferenceAppliedOnce/"+name, func(t *testing.T) {
					t.Parallel()
					testConcurrentReference(t, tp.open(t, newDatabase, options(p, 20)), iso)
				})
			}
		}
	}
}

// testConcurrentSpends has 50 goroutines spend 1 credit each from an
// account holding 30: some run out of credits, some may be busy, and then
// balance = start - successes = ledger sum >= 0.
func testConcurrentSpends(t *testing.T, stores []ports.UnitOfWork, iso ports.Isolation) {
	const start, n = 30, 50
	s := stores[0]
	u := newUser(t, s, "spender@example.com", start)
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		ok, broke, busy int
		unexpected      []error
	)
	for i := range n {
		wg.Go(func() {
			err := stores[i%len(stores)].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				_, err := change(ctx, tx, u.ID, -1, core.KindSpend, fmt.Sprintf("spend-%d", i))
				return err
			}, ports.WithIsolation(iso))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, core.ErrInsufficientCredits):
				broke++
			case errors.Is(err, core.ErrBusy):
				busy++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	wg.Wait()
	if len(unexpected) > 0 {
		t.Fatalf("unexpected errors: %v", unexpected)
	}
	bal, sum, entries := balance(t, s, u.ID)
	t.Logf("%d spent, %d refused for credits, %d busy", ok, broke, busy)
	if bal != start-int64(ok) || sum != bal || len(entries) != ok+1 || bal < 0 {
		t.Fatalf("balance %d, ledger sum %d, %d entries after %d successes from %d; want %d, %d, %d",
			bal, sum, len(entries), ok, start, start-ok, start-ok, ok+1)
	}
	if ok > start || (broke > 0 && ok != start) {
		t.Fatalf("%d spends succeeded and %d were refused for credits from a start of %d", ok, broke, start)
	}
}

// testConcurrentReference applies one reference from 50 goroutines at once:
// exactly one application changes the balance.
func testConcurrentReference(t *testing.T, stores []ports.UnitOfWork, iso ports.Isolation) {
	const n = 50
	s := stores[0]
	u := newUser(t, s, "charged@example.com", 100)
	var (
		wg           sync.WaitGroup
		mu           sync.Mutex
		applied, dup int
		unexpected   []error
	)
	for i := range n {
		wg.Go(func() {
			var was bool
			err := stores[i%len(stores)].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				var err error
				was, err = change(ctx, tx, u.ID, -5, core.KindSpend, "the-one-charge")
				return err
			}, ports.WithIsolation(iso))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && was:
				applied++
			case err == nil:
				dup++
			case !errors.Is(err, core.ErrBusy):
				unexpected = append(unexpected, err)
			}
		})
	}
	wg.Wait()
	if len(unexpected) > 0 {
		t.Fatalf("unexpected errors: %v", unexpected)
	}
	bal, sum, entries := balance(t, s, u.ID)
	t.Logf("applied %d, found applied %d", applied, dup)
	if applied != 1 || bal != 95 || sum != 95 || len(entries) != 2 {
		t.Fatalf("applied %d times; balance %d, sum %d, %d entries; want once, 95, 95, 2", applied, bal, sum, len(entries))
	}
}
