package pgtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

var prepareCalls atomic.Int32

// prepareSeed creates a table with one row, closing its pool before it
// returns as NewDatabase requires.
func prepareSeed(ctx context.Context, dsn string) error {
	prepareCalls.Add(1)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `CREATE TABLE item (name text PRIMARY KEY); INSERT INTO item VALUES ('seed')`)
	return err
}

func names(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT name FROM item ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Parallel tests each get their own clone of one template: all see the seed
// row, none sees another's writes, and the template is prepared once.
func TestParallelDatabasesAreIsolated(t *testing.T) {
	const n = 4
	// Only -parallel subtests run at once (GOMAXPROCS by default, 2 on small
	// CI machines); a barrier wider than that would just time out.
	barrier := min(n, flagInt("test.parallel", n))
	var inserted sync.WaitGroup
	inserted.Add(barrier)
	var done atomic.Int32
	for _, name := range []string{"a", "b", "c", "d"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db, err := sql.Open("pgx", NewDatabase(t, "pgtest_self", prepareSeed))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if got := names(t, db); len(got) != 1 || got[0] != "seed" {
				t.Errorf("fresh database has %v, want [seed]", got)
			}
			_, err = db.ExecContext(t.Context(), "INSERT INTO item VALUES ($1)", name)
			if done.Add(1) <= int32(barrier) {
				inserted.Done()
			}
			if err != nil {
				t.Fatal(err)
			}
			// Wait until the siblings running alongside have written, so a
			// shared database would show their rows.
			waitTimeout(&inserted, 10*time.Second)
			if got := names(t, db); strings.Join(got, ",") != name+",seed" {
				t.Errorf("database has %v, want only [%s seed]", got, name)
			}
		})
	}
	t.Cleanup(func() {
		if c := prepareCalls.Load(); c > 1 { // 0 when the subtests skipped
			t.Errorf("prepare ran %d times, want once", c)
		}
	})
}

func flagInt(name string, def int) int {
	if f := flag.Lookup(name); f != nil {
		if v, err := strconv.Atoi(f.Value.String()); err == nil && v > 0 {
			return v
		}
	}
	return def
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// After a restart the pool recovers by itself, while a connection held
// across it is lost. Verified on the unix socket with pgx v5.12: the restart
// closed every server-side socket, so pgx's next write fails with EPIPE before
// a byte reaches the server; pgconn.SafeToRetry says so, and pgx's stdlib
// driver turns that into driver.ErrBadConn. database/sql then discards the
// connection and, for calls on the *sql.DB, retries on a fresh one, so the
// caller sees no error. (A connection idle for over a second is also pinged
// before reuse and discarded if dead.) A *sql.Conn or *sql.Tx held across the
// restart cannot be retried: it returns driver.ErrBadConn once and is closed.
// Over TCP the write may succeed into a dead peer, and then one call fails.
func TestRestartPoolRecovers(t *testing.T) {
	db, err := sql.Open("pgx", NewDatabase(t, "pgtest_self", prepareSeed))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// Fill the pool with idle connections that the restart will kill.
	var conns []*sql.Conn
	for range 3 {
		c, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PingContext(t.Context()); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	held := conns[0]
	for _, c := range conns[1:] {
		c.Close()
	}

	Restart(t)

	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM item").Scan(&n); err != nil || n != 1 {
		t.Errorf("first pool query after restart: n=%d err=%v; want 1 row, no error", n, err)
	}
	if _, err := held.ExecContext(t.Context(), "SELECT 1"); !errors.Is(err, driver.ErrBadConn) {
		t.Errorf("connection held across restart: err=%v, want driver.ErrBadConn", err)
	}
	held.Close()
	// A later NewDatabase still works: the admin pool survived the restart too.
	if dsn := NewDatabase(t, "pgtest_self", prepareSeed); dsn == "" {
		t.Fatal("empty DSN")
	}
}

var brokenRuns atomic.Int32

// A failing prepare is reported to every caller of that template, runs once,
// and leaves no half-made template behind.
func TestPrepareFailureIsCached(t *testing.T) {
	t.Parallel()
	s := acquire(t)
	var calls atomic.Int32
	boom := errors.New("boom")
	prep := func(context.Context, string) error { calls.Add(1); return boom }
	// A fresh name per run: templates are cached per process, so -count=N
	// would otherwise meet the first run's error.
	name := fmt.Sprintf("pgtest_broken_%d", brokenRuns.Add(1))
	for range 2 {
		if _, err := s.template(name, prep); !errors.Is(err, boom) {
			t.Fatalf("template error = %v, want boom", err)
		}
	}
	if c := calls.Load(); c != 1 {
		t.Errorf("prepare ran %d times, want 1", c)
	}
	var n int
	err := s.admin.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", "tpl_"+name+"_"+tag).Scan(&n)
	if err != nil || n != 0 {
		t.Errorf("failed template left behind: count=%d err=%v", n, err)
	}
}

// The benchmark API: a durable cluster with custom settings, a database of
// its own, pgbench from the same bin dir, and Stop removes everything.
func TestStartClusterForBenchmarks(t *testing.T) {
	t.Parallel()
	if _, err := FindBinDir(); err != nil {
		t.Skip(err)
	}
	c, err := StartCluster(t.Context(), ClusterOptions{Fsync: true, MaxConnections: 50, SharedBuffers: "32MB",
		Settings: map[string]string{"work_mem": "8MB"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if err := c.CreateDatabase(t.Context(), "bench"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", c.DSN("bench"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for setting, want := range map[string]string{"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
		"max_connections": "50", "shared_buffers": "32MB", "work_mem": "8MB", "listen_addresses": ""} {
		var got string
		if err := db.QueryRowContext(t.Context(), "SELECT current_setting($1)", setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	if len(filepath.Join(c.SocketDir(), fmt.Sprintf(".s.PGSQL.%d", c.Port()))) > 107 {
		t.Errorf("socket path too long: %s", c.SocketDir())
	}
	if _, err := os.Stat(filepath.Join(c.BinDir(), "pgbench")); err == nil {
		for _, args := range [][]string{{"-i", "-q", "-s", "1"}, {"-n", "-t", "20", "-c", "2"}} {
			if out, err := c.Command(t.Context(), "bench", "pgbench", args...).CombinedOutput(); err != nil {
				t.Fatalf("pgbench %v: %v\n%s", args, err, out)
			}
		}
	}
	db.Close()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.SocketDir()); !os.IsNotExist(err) {
		t.Errorf("cluster directory still there after Stop: %v", err)
	}
}

// A TCP cluster listens on 127.0.0.1 as well as on its socket, at a port
// of its own that also names the socket file. Clusters started by parallel
// test processes must not share a port: when the port drawn is taken (here
// by another cluster, as if the kernel handed it out twice), a new one is
// drawn.
func TestTCPClusters(t *testing.T) {
	t.Parallel()
	if _, err := FindBinDir(); err != nil {
		t.Skip(err)
	}
	first := startTCP(t, freePort)
	var draws []int
	second := startTCP(t, func() (int, error) {
		if len(draws) == 0 {
			draws = append(draws, first.Port())
			return first.Port(), nil
		}
		p, err := freePort()
		draws = append(draws, p)
		return p, err
	})
	if len(draws) != 2 || second.Port() == first.Port() {
		t.Errorf("ports drawn %v, second cluster on %d; want a new draw after %d was taken", draws, second.Port(), first.Port())
	}
	for _, c := range []*Cluster{first, second} {
		checkTCP(t, c)
	}
}

func startTCP(t *testing.T, pick func() (int, error)) *Cluster {
	t.Helper()
	c, err := startCluster(t.Context(), ClusterOptions{TCP: true}, pick)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// checkTCP shows c answers on TCP at its port and on the socket that port names.
func checkTCP(t *testing.T, c *Cluster) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(c.SocketDir(), fmt.Sprintf(".s.PGSQL.%d", c.Port()))); err != nil {
		t.Errorf("socket file not named after port %d: %v", c.Port(), err)
	}
	dsn, err := c.TCPDSN(superuser)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var addr, listen string
	var port int
	err = db.QueryRowContext(t.Context(), "SELECT host(inet_server_addr()), inet_server_port(), current_setting('listen_addresses')").Scan(&addr, &port, &listen)
	if err != nil || addr != "127.0.0.1" || port != c.Port() || listen != "127.0.0.1" {
		t.Errorf("over TCP: server %s:%d listening on %q, %v; want 127.0.0.1:%d listening on 127.0.0.1", addr, port, listen, err, c.Port())
	}
	if err := ping(t.Context(), c.DSN(superuser)); err != nil {
		t.Errorf("unix socket of a TCP cluster: %v", err)
	}
}

func TestTCPDSNNeedsTCP(t *testing.T) {
	if dsn, err := (&Cluster{port: defaultPort}).TCPDSN("app"); err == nil {
		t.Errorf("TCPDSN of a unix-only cluster = %q; want an error", dsn)
	}
}
