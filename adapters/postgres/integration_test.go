package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// TestRestartUnderRunningPool restarts the server under a pool that keeps
// reusing its connections and shows the next unit of work succeeds, on a
// unix socket (where writing to a dead connection fails) and over TCP
// (where the write goes out and the read fails). Not parallel: the unix
// subtest restarts the cluster every test of this process shares.
func TestRestartUnderRunningPool(t *testing.T) {
	t.Run("unix", func(t *testing.T) {
		var reconnects atomic.Int64
		store := openStore(t, countReconnects(&reconnects))
		restartUnderRunningPool(t, store, &reconnects, func() { pgtest.Restart(t) })
	})
	t.Run("tcp", func(t *testing.T) {
		cluster, dsn := startTCPCluster(t)
		var reconnects atomic.Int64
		cfg := postgres.DefaultConfig(dsn)
		cfg.Store = countReconnects(&reconnects)
		store, err := postgres.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		restartUnderRunningPool(t, store, &reconnects, func() {
			if err := cluster.Restart(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// restartUnderRunningPool warms the pool, restarts the server while the
// pool's connections keep being reused, and runs units of work.
func restartUnderRunningPool(t *testing.T, store *postgres.Store, reconnects *atomic.Int64, restart func()) {
	ctx := context.Background()
	clock, ids := system.Clock{}, &system.UUIDv7{}
	cs := credits.NewService(store, clock, ids, credits.DefaultOptions())
	u, _, err := users.NewService(store, clock, ids).SignUp(ctx, "restart@example.com", "R")
	if err != nil {
		t.Fatal(err)
	}
	const pooled = 5
	warm(t, store.DB(), pooled)
	stop := keepReusing(store.DB(), pooled)
	restart()
	stop()

	if _, err := cs.Grant(ctx, u.ID, 3, "after-restart"); err != nil {
		t.Fatalf("first unit of work after a restart: %v", err)
	}
	acc, err := cs.Balance(ctx, u.ID)
	if err != nil || acc.Balance != 3 {
		t.Fatalf("balance after restart = %d, %v; want 3", acc.Balance, err)
	}
	// Without a BEGIN on a dead connection this test would prove nothing.
	if reconnects.Load() == 0 {
		t.Fatal("no BEGIN met a dead connection: the pool was not reused across the restart")
	}
}

func countReconnects(n *atomic.Int64) ports.StoreOptions {
	opts := ports.DefaultStoreOptions()
	opts.OnReconnect = func() { n.Add(1) }
	return opts
}

// warm opens n connections at once and returns them to the pool idle.
func warm(t *testing.T, db *bun.DB, n int) {
	conns := make([]bun.Conn, n)
	for i := range conns {
		c, err := db.Conn(t.Context())
		if err == nil {
			err = c.PingContext(t.Context())
		}
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		c.Close()
	}
}

// keepReusing stands for a busy service until stop is called: it takes n
// idle connections out of the pool and puts them back, again and again.
// database/sql resets each connection it hands out, and pgx pings one only
// when it was last reset more than a second ago. So the connections the
// restart kills still look fresh after it, and the next unit of work gets
// one without a ping: the case where BEGIN used to fail. Nothing is sent
// but the first round's pings (a new connection was never reset), which
// run before keepReusing returns, while the server is up.
func keepReusing(db *bun.DB, n int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	reuse(ctx, db, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			reuse(ctx, db, n)
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() { cancel(); <-done }
}

// reuse takes up to n connections out of the pool and returns them.
func reuse(ctx context.Context, db *bun.DB, n int) {
	var conns []bun.Conn
	for range n {
		// While the server is down a pool short of idle connections
		// dials, and fails: no matter, the dead ones are what counts.
		if c, err := db.Conn(ctx); err == nil {
			conns = append(conns, c)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// startTCPCluster starts a cluster of the test's own that listens on TCP,
// with a migrated database, and returns it and the database's TCP DSN.
func startTCPCluster(t *testing.T) (*pgtest.Cluster, string) {
	if _, err := pgtest.FindBinDir(); err != nil {
		t.Skip(err)
	}
	cluster, err := pgtest.StartCluster(t.Context(), pgtest.ClusterOptions{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cluster.Stop(); err != nil {
			t.Error(err)
		}
	})
	if err := cluster.CreateDatabase(t.Context(), "chatlens"); err != nil {
		t.Fatal(err)
	}
	dsn, err := cluster.TCPDSN("chatlens")
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.MigrateDSN(t.Context(), dsn, migrations.Files); err != nil {
		t.Fatal(err)
	}
	return cluster, dsn
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
	// River's schema comes first (river/NNN), then ours up to the bad one.
	applied = slices.DeleteFunc(applied, func(name string) bool { return strings.HasPrefix(name, "river/") })
	if !slices.Equal(applied, []string{"20260101000001"}) {
		t.Fatalf("Up reported %v applied besides River's; want only the good one", applied)
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
