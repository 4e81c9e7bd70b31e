// Package postgres implements every storage port on PostgreSQL through bun
// (pgdialect) over the pgx v5 database/sql driver.
//
// Row structs are private and converted to and from core types at this
// edge; driver errors are translated into core errors here and nowhere
// else. Soft-deleted tables carry bun's `soft_delete,nullzero` tag, so every
// bun query excludes deleted rows unless it asks for them.
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/chatlens/chatlens/ports"
)

// Config is what the adapter needs to reach and use the database.
type Config struct {
	DSN string
	// Pool limits of database/sql.
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
	// StatementTimeout and IdleInTransactionTimeout are set on every
	// connection, so a runaway query or a forgotten transaction cannot hold
	// locks forever. Zero leaves the server's setting.
	StatementTimeout         time.Duration
	IdleInTransactionTimeout time.Duration
	// Store configures the unit of work. Its LockTimeout becomes each
	// connection's lock_timeout: the bound of a waiting row lock (and of
	// any other lock wait, such as an UPDATE or a unique-index insert).
	Store ports.StoreOptions
}

// DefaultConfig returns production defaults for a DSN.
func DefaultConfig(dsn string) Config {
	return Config{
		DSN:                      dsn,
		MaxOpenConns:             20,
		MaxIdleConns:             20,
		ConnMaxLifetime:          30 * time.Minute,
		ConnMaxIdleTime:          5 * time.Minute,
		StatementTimeout:         30 * time.Second,
		IdleInTransactionTimeout: 60 * time.Second,
		Store:                    ports.DefaultStoreOptions(),
	}
}

// OpenDB opens a bun database with cfg's pool limits and session settings.
// It does not connect; Ping does.
func OpenDB(cfg Config) (*bun.DB, error) {
	pc, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("parsing the database URL: %w", err)
	}
	if pc.RuntimeParams == nil {
		pc.RuntimeParams = map[string]string{}
	}
	setMillis(pc.RuntimeParams, "statement_timeout", cfg.StatementTimeout)
	setMillis(pc.RuntimeParams, "idle_in_transaction_session_timeout", cfg.IdleInTransactionTimeout)
	setMillis(pc.RuntimeParams, "lock_timeout", cfg.Store.LockTimeout)
	pc.RuntimeParams["timezone"] = "UTC"
	// bun formats every query client-side, arguments included, so each
	// statement is a distinct SQL text. pgx's default (prepare and cache
	// each text) would spend a round trip preparing, and planning, almost
	// every statement once and then evict it: run them unprepared, in one
	// round trip each.
	pc.DefaultQueryExecMode = pgx.QueryExecModeExec

	sqldb := stdlib.OpenDB(*pc)
	sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
	sqldb.SetMaxIdleConns(cfg.MaxIdleConns)
	sqldb.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	sqldb.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

func setMillis(params map[string]string, name string, d time.Duration) {
	if d > 0 {
		params[name] = strconv.FormatInt(max(d.Milliseconds(), 1), 10)
	}
}

// Store is the PostgreSQL storage adapter: a unit of work over a bun
// database.
type Store struct {
	db    *bun.DB
	opts  ports.StoreOptions
	gates gates
	// dsn opens the pools of job runners (NewRunner), which must not
	// share the request pool's timeouts; empty for a store made by New.
	dsn   string
	river struct { // the units' job client (jobClient), built on first use
		once   sync.Once
		client *river.Client[*sql.Tx]
		err    error
	}
}

// Open opens the database and returns a store on it.
func Open(cfg Config) (*Store, error) {
	db, err := OpenDB(cfg)
	if err != nil {
		return nil, err
	}
	s := New(db, cfg.Store)
	s.dsn = cfg.DSN
	return s, nil
}

// New returns a store on an open database. opts.LockTimeout should match the
// connections' lock_timeout, which OpenDB sets.
func New(db *bun.DB, opts ports.StoreOptions) *Store {
	return &Store{db: db, opts: opts}
}

// DB returns the underlying database, for migrations and health checks.
func (s *Store) DB() *bun.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return translate(err)
	}
	return nil
}

// Stats returns the connection pool's statistics.
func (s *Store) Stats() sql.DBStats { return s.db.Stats() }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }
