package porttest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("UnitOfWork", runUnitOfWork) }

func runUnitOfWork(t *testing.T, newDatabase NewDatabase) {
	t.Run("CommitMakesWritesVisible", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "commit@example.com", 7)
		bal, sum, _ := balance(t, s, u.ID)
		if bal != 7 || sum != 7 {
			t.Fatalf("balance %d, ledger sum %d; want 7 and 7", bal, sum)
		}
	})
	t.Run("ErrorRollsBackEverything", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "rollback@example.com", 10)
		boom := errors.New("boom")
		calls := 0
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			calls++
			if _, err := change(ctx, tx, u.ID, -4, core.KindSpend, "rolled-back"); err != nil {
				return err
			}
			other := core.User{ID: core.UserID(newID()), Email: "ghost@example.com", DisplayName: "G", Role: core.RoleUser, CreatedAt: now()}
			if err := tx.Users().Create(ctx, other); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || calls != 1 {
			t.Fatalf("Do = %v after %d calls; want the function's own error after 1 call", err, calls)
		}
		assertUntouched(t, s, u.ID, 10, "ghost@example.com")
	})
	t.Run("PanicRollsBackAndPropagates", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "panic@example.com", 10)
		func() {
			defer func() {
				if p := recover(); p != "kaboom" {
					t.Errorf("recovered %v; want the panic to reach the caller", p)
				}
			}()
			_ = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				if _, err := change(ctx, tx, u.ID, -4, core.KindSpend, "panicked"); err != nil {
					return err
				}
				other := core.User{ID: core.UserID(newID()), Email: "ghost@example.com", DisplayName: "G", Role: core.RoleUser, CreatedAt: now()}
				if err := tx.Users().Create(ctx, other); err != nil {
					return err
				}
				panic("kaboom")
			})
		}()
		assertUntouched(t, s, u.ID, 10, "ghost@example.com")
	})
	for _, tp := range topologies {
		for _, p := range policies {
			t.Run("ContentionRetriesThenSucceeds/"+p.String()+"/"+tp.name, func(t *testing.T) {
				t.Parallel()
				testRetryThenSuccess(t, tp.open(t, newDatabase, options(p, 50)))
			})
			t.Run("BusyWhenAttemptsRunOut/"+p.String()+"/"+tp.name, func(t *testing.T) {
				t.Parallel()
				testBusy(t, tp.open(t, newDatabase, options(p, 3)))
			})
		}
		t.Run("NoWaitFailsWithoutWaiting/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testNoWait(t, tp.open(t, newDatabase, ports.StoreOptions{Retry: fastRetry(1), Lock: ports.LockNoWait, LockTimeout: time.Minute}))
		})
		t.Run("LockWaitAtReadCommittedSeesNewestRow/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testWaitSeesNewestRow(t, tp.open(t, newDatabase, ports.StoreOptions{Retry: fastRetry(1), Lock: ports.LockWait, LockTimeout: 5 * time.Second}))
		})
	}
	t.Run("ARowLockedTwiceInOneUnit", func(t *testing.T) {
		t.Parallel()
		// A unit may lock a row it holds again (two changes of one account
		// in one unit): it must not wait for itself.
		s := store(t, newDatabase, options(ports.LockWait, 1))
		u := newUser(t, s, "twice@example.com", 10)
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			if _, err := change(ctx, tx, u.ID, -1, core.KindSpend, "first"); err != nil {
				return err
			}
			_, err := change(ctx, tx, u.ID, -2, core.KindSpend, "second")
			return err
		}, ports.WithIsolation(ports.ReadCommitted))
		if bal, sum, _ := balance(t, s, u.ID); bal != 7 || sum != 7 {
			t.Fatalf("balance %d, ledger sum %d; want 7", bal, sum)
		}
	})
	t.Run("DomainErrorIsNotRetried", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 5))
		u := newUser(t, s, "poor@example.com", 1)
		calls := 0
		err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			calls++
			_, err := change(ctx, tx, u.ID, -2, core.KindSpend, "too-much")
			return err
		})
		if !errors.Is(err, core.ErrInsufficientCredits) || calls != 1 {
			t.Fatalf("Do = %v after %d calls; want ErrInsufficientCredits after 1", err, calls)
		}
	})
}

// testWaitSeesNewestRow: a unit at READ COMMITTED that waits for a held
// account lock reads the holder's committed balance once it gets the lock,
// in one attempt. Without the row lock it would read the old balance and
// overwrite the holder's change (a lost update).
func testWaitSeesNewestRow(t *testing.T, stores []ports.UnitOfWork) {
	holder, waiter := stores[0], stores[len(stores)-1]
	u := newUser(t, holder, "wait@example.com", 10)
	release := hold(t, holder, u.ID, -3)
	done := make(chan error, 1)
	started, locked := make(chan struct{}), make(chan struct{})
	var startedOnce, lockedOnce sync.Once // a retried attempt signals nothing twice
	go func() {
		done <- waiter.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			startedOnce.Do(func() { close(started) })
			if _, err := tx.Credits().Lock(ctx, u.ID); err != nil {
				return err
			}
			lockedOnce.Do(func() { close(locked) })
			_, err := change(ctx, tx, u.ID, -2, core.KindSpend, "waiter") // locks its own row again
			return err
		}, ports.WithIsolation(ports.ReadCommitted))
	}()
	// The waiter's first statement is the lock: while the holder holds the
	// row it must not return. (Without the row lock it returns at once, and
	// the update below would be lost too.)
	<-started
	select {
	case <-locked:
		release()
		t.Fatal("Lock returned while another unit held the row")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("a single attempt that waited for the lock failed: %v", err)
	}
	if bal, sum, _ := balance(t, holder, u.ID); bal != 5 || sum != 5 {
		t.Fatalf("balance %d, ledger sum %d; want 5 (10-3-2): an update was lost", bal, sum)
	}
}

// testNoWait: under NOWAIT a unit meeting a held row fails at once with
// ErrBusy, even though the lock timeout is a minute. The holder keeps the
// row until the contender has answered; were the contender to wait instead,
// it would still be waiting when its context ends, and fail with that.
func testNoWait(t *testing.T, stores []ports.UnitOfWork) {
	holder, contender := stores[0], stores[len(stores)-1]
	u := newUser(t, holder, "nowait@example.com", 10)
	release := hold(t, holder, u.ID, -1)
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := contender.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		_, err := change(ctx, tx, u.ID, -1, core.KindSpend, "impatient")
		return err
	}, ports.WithIsolation(ports.ReadCommitted))
	if !errors.Is(err, core.ErrBusy) {
		t.Fatalf("NOWAIT on a held row = %v; want core.ErrBusy without waiting for the holder", err)
	}
}

// assertUntouched checks that a rolled-back unit left no trace.
func assertUntouched(t *testing.T, s ports.UnitOfWork, user core.UserID, want int64, ghostEmail string) {
	t.Helper()
	bal, sum, entries := balance(t, s, user)
	if bal != want || sum != want || len(entries) != 1 {
		t.Fatalf("after rollback: balance %d, ledger sum %d, %d entries; want %d, %d, 1", bal, sum, len(entries), want, want)
	}
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.Users().GetByEmail(ctx, ghostEmail)
		return err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("user created in a rolled-back unit: GetByEmail = %v; want ErrNotFound", err)
	}
}

// hold starts a unit that changes the account by amount and keeps its row
// lock until release is called, which commits it and waits for the end.
func hold(t *testing.T, s ports.UnitOfWork, user core.UserID, amount int64) (release func()) {
	t.Helper()
	locked, proceed, finished := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		finished <- s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			if _, err := change(ctx, tx, user, amount, core.KindSpend, "holder-"+newID()); err != nil {
				return err
			}
			close(locked)
			<-proceed
			return nil
		}, ports.WithIsolation(ports.ReadCommitted), ports.WithLock(ports.LockWait))
	}()
	select {
	case <-locked:
	case err := <-finished:
		t.Fatalf("holder failed before taking the lock: %v", err)
	}
	return func() {
		close(proceed)
		if err := <-finished; err != nil {
			t.Errorf("holder failed: %v", err)
		}
	}
}

func testRetryThenSuccess(t *testing.T, stores []ports.UnitOfWork) {
	holder, s := stores[0], stores[len(stores)-1]
	u := newUser(t, holder, "retry@example.com", 10)
	release := hold(t, holder, u.ID, -1)
	var calls atomic.Int32
	go func() {
		// Release only once contention has forced a second attempt (or,
		// should it never come, late enough for the test to fail).
		for deadline := time.Now().Add(10 * time.Second); calls.Load() < 2 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		release()
	}()
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		calls.Add(1)
		_, err := change(ctx, tx, u.ID, -1, core.KindSpend, "retried")
		return err
	})
	if err != nil {
		t.Fatalf("Do = %v; want success once the holder commits", err)
	}
	if calls.Load() < 2 {
		t.Fatalf("fn ran %d times; contention should have forced a retry", calls.Load())
	}
	if bal, sum, _ := balance(t, s, u.ID); bal != 8 || sum != 8 {
		t.Fatalf("balance %d, ledger sum %d; want 8 and 8", bal, sum)
	}
}

func testBusy(t *testing.T, stores []ports.UnitOfWork) {
	holder, s := stores[0], stores[len(stores)-1]
	u := newUser(t, holder, "busy@example.com", 10)
	release := hold(t, holder, u.ID, -1)
	var calls atomic.Int32
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		calls.Add(1)
		_, err := change(ctx, tx, u.ID, -1, core.KindSpend, "starved")
		return err
	})
	release()
	if !errors.Is(err, core.ErrBusy) {
		t.Fatalf("Do = %v; want core.ErrBusy while another unit holds the row", err)
	}
	if calls.Load() != 3 {
		t.Fatalf("fn ran %d times; want exactly the 3 attempts configured", calls.Load())
	}
	if bal, sum, _ := balance(t, s, u.ID); bal != 9 || sum != 9 {
		t.Fatalf("balance %d, ledger sum %d; want 9: only the holder's spend", bal, sum)
	}
}
