// Package pgtest gives tests and benchmarks a real PostgreSQL server with no
// setup by hand.
//
// # Where the server comes from
//
// When TEST_DATABASE_URL is set, that server is used: the URL (libpq URL or
// keyword/value form) must name a database on a server where the user may
// CREATE DATABASE; templates and per-test databases are created there with
// names that carry the process id and a random token, so several test
// processes (or CI jobs) can share one server, and they are dropped afterwards.
// The server must be PostgreSQL 13 or newer (DROP DATABASE … WITH (FORCE)).
//
// Otherwise a throwaway cluster is started from the system binaries (initdb and
// postgres in PATH, else the newest /usr/lib/postgresql/*/bin), once per test
// process, lazily on first use. It listens only on a unix socket in a short
// directory under /tmp (socket paths are limited to 107 bytes); a test that
// needs TCP starts a cluster of its own with ClusterOptions.TCP, which also
// listens on 127.0.0.1 at a free port (Cluster.TCPDSN). Because initdb
// and postgres refuse to run as root, a root process (CI containers) runs them
// as the "postgres" system user. The server runs with durability off by
// default (fsync, synchronous_commit, full_page_writes) because crash safety
// of throwaway data costs time and buys nothing.
//
// If neither is available the test is skipped with a message saying how to
// enable it, unless CI is true, where it fails: a CI job that silently skips
// its database tests proves nothing.
//
// # Tests
//
// A package using NewDatabase should call Main from TestMain so the cluster is
// stopped and its directory removed when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Each test then gets its own database, cloned from a template prepared once
// per process (typically by running the migrations):
//
//	dsn := pgtest.NewDatabase(t, "chatlens", migrate)
//	db, err := sql.Open("pgx", dsn) // github.com/jackc/pgx/v5/stdlib
//
// Cloning a template is a file copy inside the server, far cheaper than
// migrating each test's database, and it isolates tests that run in parallel.
//
// If the test process is killed, the server gets SIGQUIT from the kernel (the
// parent-death signal) and exits; the directory it leaves under /tmp is
// removed by the next StartCluster whose owner process is gone.
//
// # Benchmarks and programs
//
// StartCluster works without a *testing.T, so a benchmark program can start a
// cluster with fsync on, point its own code and pgbench (Cluster.Command) at
// it, and stop it.
package pgtest
