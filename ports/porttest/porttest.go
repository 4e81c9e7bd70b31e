// Package porttest is the storage conformance suite: the definition of
// correct storage. Every storage adapter's tests call Run with a function
// that makes a fresh, empty database and returns how to open stores on it,
// as testing/fstest does for file systems:
//
//	func TestConformance(t *testing.T) {
//		porttest.Run(t, func(t *testing.T) porttest.OpenStore {
//			db := newEmptyDatabase(t)
//			return func(t *testing.T, opts ports.StoreOptions) ports.UnitOfWork {
//				return openStore(t, db, opts) // a new pool each call
//			}
//		})
//	}
//
// The suite checks outcomes (no lost update, a reference applied once,
// core.ErrBusy when retries run out), never an adapter's error codes. Its
// concurrency cases run twice: with every contender in one store, and
// spread over several stores on one database, as over several API
// processes, where nothing in-process can keep contenders apart and only
// the database's own locks do.
package porttest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// OpenStore opens a store configured with opts on one database. Each call
// returns an independent store (its own connection pool, in-process gates
// and caches) on the same data, as another process of the API would open.
type OpenStore func(t *testing.T, opts ports.StoreOptions) ports.UnitOfWork

// NewDatabase makes a fresh, empty database and returns how to open stores
// on it. It is called once per test case, possibly from parallel tests.
type NewDatabase func(t *testing.T) OpenStore

// modules holds the suite's cases by module. Each module's file registers
// its own from init, so a new module adds one file here and edits none.
var modules = map[string]func(t *testing.T, newDatabase NewDatabase){}

func register(module string, run func(t *testing.T, newDatabase NewDatabase)) {
	if _, dup := modules[module]; dup {
		panic("porttest: module " + module + " registered twice")
	}
	modules[module] = run
}

// Modules returns the names of the modules the suite has cases for, sorted.
func Modules() []string { return slices.Sorted(maps.Keys(modules)) }

// Run runs the whole suite against the databases newDatabase makes.
func Run(t *testing.T, newDatabase NewDatabase) {
	for _, m := range Modules() {
		RunModule(t, m, newDatabase)
	}
}

// RunModule runs one module's cases alone (as the subtest named module),
// for an adapter that is being built one module at a time; go test's -run
// TestConformance/<module> does the same from the command line.
func RunModule(t *testing.T, module string, newDatabase NewDatabase) {
	run, ok := modules[module]
	if !ok {
		t.Fatalf("porttest: no module %q; have %v", module, Modules())
	}
	t.Run(module, func(t *testing.T) { run(t, newDatabase) })
}

// store opens one store on a fresh database.
func store(t *testing.T, newDatabase NewDatabase, opts ports.StoreOptions) ports.UnitOfWork {
	return newDatabase(t)(t, opts)
}

// topology is where a concurrency case's contenders run.
type topology struct {
	name   string
	stores int
}

// topologies: every contender in one store, where the PostgreSQL adapter's
// in-process gate queues them before the database sees them; and contenders
// spread over three stores on one database, as over three API processes,
// where only the database's row locks keep them apart.
var topologies = []topology{{"one-store", 1}, {"three-stores", 3}}

// stores opens the topology's stores on one fresh database.
func (tp topology) open(t *testing.T, newDatabase NewDatabase, opts ports.StoreOptions) []ports.UnitOfWork {
	open := newDatabase(t)
	all := make([]ports.UnitOfWork, tp.stores)
	for i := range all {
		all[i] = open(t, opts)
	}
	return all
}

// fastRetry retries often and quickly: tests want outcomes, not waits.
func fastRetry(attempts int) ports.RetryPolicy {
	return ports.RetryPolicy{Attempts: attempts, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}
}

func options(lock ports.LockPolicy, attempts int) ports.StoreOptions {
	return ports.StoreOptions{Retry: fastRetry(attempts), Lock: lock, LockTimeout: 100 * time.Millisecond}
}

// policies are the lock policies every concurrency case runs under.
var policies = []ports.LockPolicy{ports.LockNoWait, ports.LockWait}

// isolations are the isolation levels a unit may choose.
var isolations = []ports.Isolation{ports.RepeatableRead, ports.ReadCommitted}

// newID returns a random (version 4) UUID, a form every adapter accepts.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var ticks atomic.Int64

// now returns increasing times with a nanosecond part, which stores must
// truncate to microseconds exactly as PostgreSQL does.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Second).Add(time.Duration(ticks.Add(1))*time.Microsecond + 789)
}

// race runs n units at once, unit i made by unit(i) and run on
// stores[i%len(stores)], and returns how many succeeded. The others must
// fail with lose or core.ErrBusy; any other error fails the test.
func race(t *testing.T, stores []ports.UnitOfWork, n int, unit func(i int) func(ctx context.Context, tx ports.Tx) error, lose error, opts ...ports.UnitOption) (wins int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = stores[i%len(stores)].Do(context.Background(), unit(i), opts...) })
	}
	wg.Wait()
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, lose), errors.Is(err, core.ErrBusy):
		default:
			t.Errorf("unexpected error: %v (want nil, %v or ErrBusy)", err, lose)
		}
	}
	return wins
}

// do runs fn in a unit of work and fails the test on error.
func do(t *testing.T, s ports.UnitOfWork, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) {
	t.Helper()
	if err := s.Do(context.Background(), fn, opts...); err != nil {
		t.Fatalf("unit of work: %v", err)
	}
}

// newUser stores a live user with a credit account holding balance.
func newUser(t *testing.T, s ports.UnitOfWork, email string, balance int64) core.User {
	t.Helper()
	u := core.User{ID: core.UserID(newID()), Email: email, DisplayName: "Test", Role: core.RoleUser, CreatedAt: now()}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Users().Create(ctx, u); err != nil {
			return err
		}
		if err := tx.Credits().CreateAccount(ctx, u.ID, u.CreatedAt); err != nil {
			return err
		}
		if balance == 0 {
			return nil
		}
		_, err := change(ctx, tx, u.ID, balance, core.KindGrant, "opening")
		return err
	})
	u.CreatedAt = core.StorageTime(u.CreatedAt)
	return u
}

// change applies one ledger change the way the credits service does: lock
// the account first, append if absent, then write the balance.
func change(ctx context.Context, tx ports.Tx, user core.UserID, amount int64, kind core.EntryKind, ref string) (bool, error) {
	acc, err := tx.Credits().Lock(ctx, user)
	if err != nil {
		return false, err
	}
	e := core.LedgerEntry{
		ID: core.EntryID(newID()), UserID: user, Amount: amount, BalanceAfter: acc.Balance + amount,
		Kind: kind, Reference: ref, CreatedAt: now(),
	}
	if e.BalanceAfter < 0 {
		return false, core.ErrInsufficientCredits
	}
	inserted, err := tx.Credits().Append(ctx, e)
	if err != nil || !inserted {
		return false, err
	}
	return true, tx.Credits().SetBalance(ctx, user, e.BalanceAfter, e.CreatedAt)
}

// balance reads an account's balance and the sum of its ledger.
func balance(t *testing.T, s ports.UnitOfWork, user core.UserID) (bal, sum int64, entries []core.LedgerEntry) {
	t.Helper()
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		acc, err := tx.Credits().Get(ctx, user)
		if err != nil {
			return err
		}
		bal = acc.Balance
		entries, err = allEntries(ctx, tx, user)
		return err
	}, ports.ReadOnly())
	for _, e := range entries {
		sum += e.Amount
	}
	return bal, sum, entries
}

func allEntries(ctx context.Context, tx ports.Tx, user core.UserID) ([]core.LedgerEntry, error) {
	var all []core.LedgerEntry
	var before *core.PageKey
	for {
		page, err := tx.Credits().Ledger(ctx, user, before, core.MaxPageLimit)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < core.MaxPageLimit {
			return all, nil
		}
		key := page[len(page)-1].PageKey()
		before = &key
	}
}
