package postgres_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/migrations"
	"github.com/chatlens/chatlens/ports"
)

// TestRestartUnderRunningPool restarts the server under a pool that holds
// connections and shows the next unit of work succeeds. Not parallel:
// a restart breaks every connection in the process.
func TestRestartUnderRunningPool(t *testing.T) {
	ctx := context.Background()
	store := openStore(t, ports.DefaultStoreOptions())
	clock, ids := system.Clock{}, &system.UUIDv7{}
	us := users.NewService(store, clock, ids)
	cs := credits.NewService(store, clock, ids, credits.DefaultOptions())
	u, _, err := us.SignUp(ctx, "restart@example.com", "R")
	if err != nil {
		t.Fatal(err)
	}
	// Warm several pooled connections, so stale ones are there to meet.
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { _, _ = cs.Balance(ctx, u.ID) })
	}
	wg.Wait()

	pgtest.Restart(t)

	if _, err := cs.Grant(ctx, u.ID, 3, "after-restart"); err != nil {
		t.Fatalf("first unit of work after a restart: %v", err)
	}
	acc, err := cs.Balance(ctx, u.ID)
	if err != nil || acc.Balance != 3 {
		t.Fatalf("balance after restart = %d, %v; want 3", acc.Balance, err)
	}
}

func emptyDatabase(t *testing.T) string {
	return pgtest.NewDatabase(t, "empty", nil)
}

// openEmpty opens a pool on a fresh database with no schema.
func openEmpty(t *testing.T) *bun.DB {
	db, err := postgres.OpenDB(postgres.DefaultConfig(emptyDatabase(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tables counts the tables called name.
func tables(t *testing.T, db *bun.DB, name string) int {
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_tables WHERE tablename = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateUpStatusDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openEmpty(t)
	mg, err := postgres.NewMigrator(db, migrations.Files)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := mg.Pending(ctx)
	if err != nil || len(pending) == 0 {
		t.Fatalf("Pending on an empty database = %v, %v; want every migration", pending, err)
	}
	applied, err := mg.Up(ctx)
	if err != nil || !slices.Equal(applied, pending) {
		t.Fatalf("Up = %v, %v; want %v", applied, err, pending)
	}
	if again, err := mg.Up(ctx); err != nil || len(again) != 0 {
		t.Fatalf("second Up = %v, %v; want nothing to do", again, err)
	}
	if p, err := mg.Pending(ctx); err != nil || len(p) != 0 {
		t.Fatalf("Pending after Up = %v, %v", p, err)
	}
	down, err := mg.Down(ctx)
	if err != nil || len(down) != len(applied) {
		t.Fatalf("Down = %v, %v; want the group %v", down, err, applied)
	}
	if n := tables(t, db, "users"); n != 0 {
		t.Fatalf("%d users tables after Down; want it dropped", n)
	}
	if _, err := mg.Up(ctx); err != nil {
		t.Fatalf("Up after Down: %v", err)
	}
}

func TestFailedMigrationIsNotMarkedApplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openEmpty(t)
	fsys := fstest.MapFS{
		"20260101000001_good.tx.up.sql":   {Data: []byte("CREATE TABLE good (id int);")},
		"20260101000001_good.tx.down.sql": {Data: []byte("DROP TABLE good;")},
		"20260101000002_bad.tx.up.sql":    {Data: []byte("CREATE TABLE half (id int); SELECT * FROM no_such_table;")},
		"20260101000002_bad.tx.down.sql":  {Data: []byte("DROP TABLE half;")},
	}
	mg, err := postgres.NewMigrator(db, fsys)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := mg.Up(ctx)
	if err == nil {
		t.Fatal("Up succeeded with a broken migration")
	}
	if !slices.Equal(applied, []string{"20260101000001"}) {
		t.Fatalf("Up reported %v applied; want only the good one", applied)
	}
	pending, err := mg.Pending(ctx)
	if err != nil || !slices.Equal(pending, []string{"20260101000002"}) {
		t.Fatalf("Pending = %v, %v; the failed migration must stay pending", pending, err)
	}
	if n := tables(t, db, "half"); n != 0 {
		t.Fatalf("the failed migration left its table behind (%d): it must run in one transaction", n)
	}
}

func TestConcurrentMigrationsApplyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := emptyDatabase(t)
	var wg sync.WaitGroup
	results := make([][]string, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Go(func() {
			db, err := postgres.OpenDB(postgres.DefaultConfig(dsn))
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			mg, err := postgres.NewMigrator(db, migrations.Files)
			if err != nil {
				errs[i] = err
				return
			}
			results[i], errs[i] = mg.Up(ctx)
		})
	}
	wg.Wait()
	ran := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v", i, errs[i])
		}
		if len(results[i]) > 0 {
			ran++
		}
	}
	if ran != 1 {
		t.Fatalf("%d migrators applied migrations; the advisory lock should let exactly 1", ran)
	}
}

func TestMalformedIDsAreNotFound(t *testing.T) {
	t.Parallel()
	store := openStore(t, ports.DefaultStoreOptions())
	err := store.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Users().Get(ctx, "not-a-uuid"); !errors.Is(err, core.ErrNotFound) {
			return err
		}
		if err := tx.APIKeys().Revoke(ctx, "x", "y", system.Clock{}.Now()); !errors.Is(err, core.ErrNotFound) {
			return err
		}
		_, err := tx.Credits().Ledger(ctx, "01935c6e-0000-7000-8000-000000000001", &core.PageKey{ID: "'; drop"}, 5)
		if !errors.Is(err, core.ErrInvalid) {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("a malformed id reached the database: %v", err)
	}
}

// TestOverspendIsInsufficientCredits drives the credits service on
// PostgreSQL: an overspend is core.ErrInsufficientCredits (HTTP 402), and
// a repeat of a spend that once succeeded still reports that success.
func TestOverspendIsInsufficientCredits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := openStore(t, ports.DefaultStoreOptions())
	clock, ids := system.Clock{}, &system.UUIDv7{}
	u, _, err := users.NewService(store, clock, ids).SignUp(ctx, "spender@example.com", "S")
	if err != nil {
		t.Fatal(err)
	}
	cs := credits.NewService(store, clock, ids, credits.DefaultOptions())
	if _, err := cs.Grant(ctx, u.ID, 5, "start"); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Spend(ctx, u.ID, 3, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Spend(ctx, u.ID, 3, "b"); !errors.Is(err, core.ErrInsufficientCredits) {
		t.Fatalf("overspend = %v; want ErrInsufficientCredits", err)
	}
	r, err := cs.Spend(ctx, u.ID, 3, "a")
	if err != nil || r.Applied || r.Entry.BalanceAfter != 2 {
		t.Fatalf("repeat of a past spend = %+v, %v; want the first entry, not applied", r, err)
	}
}

// TestSessionSettingsReachTheServer shows the configured timeouts are the
// settings of every pooled connection.
func TestSessionSettingsReachTheServer(t *testing.T) {
	t.Parallel()
	cfg := postgres.DefaultConfig(newDatabase(t))
	cfg.StatementTimeout = 1234 * time.Millisecond
	cfg.IdleInTransactionTimeout = 4321 * time.Millisecond
	cfg.Store.LockTimeout = 150 * time.Millisecond
	db, err := postgres.OpenDB(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, want := range map[string]string{
		"statement_timeout":                   "1234ms",
		"idle_in_transaction_session_timeout": "4321ms",
		"lock_timeout":                        "150ms",
		"TimeZone":                            "UTC",
	} {
		var got string
		if err := db.QueryRowContext(context.Background(), "SELECT current_setting(?)", name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
}
