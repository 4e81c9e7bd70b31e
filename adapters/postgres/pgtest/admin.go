package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// DSN returns a keyword/value connection string for database dbname that
// pgx (and its database/sql driver "pgx") accepts, e.g.
// "host=/tmp/clpg123 port=5432 user=postgres dbname=app sslmode=disable".
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.dir, c.port, superuser, dbname)
}

// TCPDSN is DSN over TCP to 127.0.0.1, e.g. "host=127.0.0.1 port=39211
// user=postgres dbname=app sslmode=disable". It fails unless the cluster
// was started with ClusterOptions.TCP: an empty or default DSN would reach
// some other server.
func (c *Cluster) TCPDSN(dbname string) (string, error) {
	if !c.opts.TCP {
		return "", errors.New("pgtest: TCPDSN of a cluster started without ClusterOptions.TCP")
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", tcpHost, c.port, superuser, dbname), nil
}

// SocketDir is the directory of the unix socket, to pass as host (-h, PGHOST).
func (c *Cluster) SocketDir() string { return c.dir }

// Port is the port number. It names the socket file (.s.PGSQL.<port>) in
// SocketDir and, with ClusterOptions.TCP, is the TCP port too; without TCP
// it is always 5432, which clashes with nothing in a private directory.
func (c *Cluster) Port() int { return c.port }

// User is the superuser name to connect as (-U, PGUSER); no password is needed.
func (c *Cluster) User() string { return superuser }

// BinDir is the directory of the server binaries, where pgbench, psql and
// pg_dump of the same version normally live too.
func (c *Cluster) BinDir() string { return c.binDir }

// DataDir is the cluster's data directory, removed by Stop.
func (c *Cluster) DataDir() string { return c.dataDir }

// LogPath is the server log file, removed by Stop.
func (c *Cluster) LogPath() string { return filepath.Join(c.dir, logName) }

// Command returns a command running the client program name (e.g. "pgbench",
// "psql") from BinDir with PGHOST, PGPORT, PGUSER and PGDATABASE=dbname set
// for this cluster. It runs as the current user: client tools, unlike the
// server, are happy to run as root.
func (c *Cluster) Command(ctx context.Context, dbname, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Env = append(serverEnv(), "PGHOST="+c.dir, "PGPORT="+strconv.Itoa(c.port),
		"PGUSER="+superuser, "PGDATABASE="+dbname, "PGSSLMODE=disable")
	return cmd
}

// CreateDatabase creates an empty database (a copy of template1), e.g. for a
// benchmark that wants its own database rather than "postgres".
func (c *Cluster) CreateDatabase(ctx context.Context, dbname string) error {
	db, err := sql.Open("pgx", c.DSN(superuser))
	if err != nil {
		return fmt.Errorf("pgtest: open admin connection: %w", err)
	}
	defer db.Close()
	return createDatabase(ctx, db, dbname, "template1")
}

// ping opens one connection to dsn and checks it answers.
func ping(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("pgtest: open %q: %w", dsn, err)
	}
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return db.PingContext(pctx)
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// createDatabase clones template into a new database. PostgreSQL refuses to
// copy a database that has any connection ("source database … is being
// accessed by other users", SQLSTATE 55006); a backend whose client just
// disconnected may take a moment to go away, so retry that error briefly.
func createDatabase(ctx context.Context, admin *sql.DB, name, template string) error {
	q := "CREATE DATABASE " + quote(name) + " TEMPLATE " + quote(template)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := admin.ExecContext(ctx, q)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("pgtest: create database %s from %s: %w", name, template, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: create database %s: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// dropDatabase drops a database, disconnecting its clients first (WITH
// (FORCE), PostgreSQL 13+): a test that leaked a connection must not make
// cleanup fail. Templates must lose their template flag to be droppable.
func dropDatabase(ctx context.Context, admin *sql.DB, name string, isTemplate bool) error {
	if isTemplate {
		if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+quote(name)+" WITH IS_TEMPLATE false"); err != nil {
			return fmt.Errorf("pgtest: unmark template %s: %w", name, err)
		}
	}
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// waitNoConnections waits until no session is connected to dbname, so it can
// be cloned; it fails with advice if prepare left a pool open.
func waitNoConnections(ctx context.Context, admin *sql.DB, dbname string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", dbname).Scan(&n); err != nil {
			return fmt.Errorf("pgtest: count connections to %s: %w", dbname, err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: %d connection(s) to template %s still open after prepare returned; prepare must close every pool/connection it opened", n, dbname)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: wait for connections to %s to close: %w", dbname, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// withDatabase returns dsn (URL or keyword/value form) pointing at dbname instead.
func withDatabase(dsn, dbname string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgtest: parse database URL: %w", err)
		}
		u.Path, u.RawPath = "/"+dbname, ""
		return u.String(), nil
	}
	// In keyword/value strings a later keyword overrides an earlier one.
	return strings.TrimSpace(dsn) + " dbname=" + dbname, nil
}
