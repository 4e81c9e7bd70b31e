// Package app holds configuration and the fx wiring: which adapters run.
// It is the only package that reads the environment.
package app

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/ports"
)

// envPrefix starts every environment variable chatlens reads.
const envPrefix = "CHATLENS_"

// DatabaseConfig is how chatlens uses PostgreSQL.
type DatabaseConfig struct {
	URL                      string
	MaxOpenConns             int
	MaxIdleConns             int
	ConnMaxLifetime          time.Duration
	ConnMaxIdleTime          time.Duration
	StatementTimeout         time.Duration
	IdleInTransactionTimeout time.Duration
	LockPolicy               string
	LockTimeout              time.Duration
	RetryAttempts            int
	RetryBaseDelay           time.Duration
	RetryMaxDelay            time.Duration
}

// Postgres turns the configuration into the adapter's.
func (c DatabaseConfig) Postgres() postgres.Config {
	lock, _ := ports.ParseLockPolicy(c.LockPolicy)
	return postgres.Config{
		DSN: c.URL, MaxOpenConns: c.MaxOpenConns, MaxIdleConns: c.MaxIdleConns,
		ConnMaxLifetime: c.ConnMaxLifetime, ConnMaxIdleTime: c.ConnMaxIdleTime,
		StatementTimeout: c.StatementTimeout, IdleInTransactionTimeout: c.IdleInTransactionTimeout,
		Store: c.StoreOptions(lock),
	}
}

// StoreOptions are the unit-of-work settings shared by every storage adapter.
func (c DatabaseConfig) StoreOptions(lock ports.LockPolicy) ports.StoreOptions {
	return ports.StoreOptions{
		Retry:       ports.RetryPolicy{Attempts: c.RetryAttempts, BaseDelay: c.RetryBaseDelay, MaxDelay: c.RetryMaxDelay},
		Lock:        lock,
		LockTimeout: c.LockTimeout,
	}
}

// bindDatabase registers the database settings on fs, with defaults from
// the environment: a flag beats its variable, which beats the default.
func bindDatabase(b *binder, c *DatabaseConfig) {
	def := postgres.DefaultConfig("")
	b.String(&c.URL, "database-url", "DATABASE_URL", "", "PostgreSQL URL; empty runs on memory")
	b.Int(&c.MaxOpenConns, "db-max-open-conns", "DB_MAX_OPEN_CONNS", def.MaxOpenConns, "most open connections")
	b.Int(&c.MaxIdleConns, "db-max-idle-conns", "DB_MAX_IDLE_CONNS", def.MaxIdleConns, "most idle connections kept")
	b.Duration(&c.ConnMaxLifetime, "db-conn-max-lifetime", "DB_CONN_MAX_LIFETIME", def.ConnMaxLifetime, "close connections older than this")
	b.Duration(&c.ConnMaxIdleTime, "db-conn-max-idle-time", "DB_CONN_MAX_IDLE_TIME", def.ConnMaxIdleTime, "close connections idle this long")
	b.Duration(&c.StatementTimeout, "db-statement-timeout", "DB_STATEMENT_TIMEOUT", def.StatementTimeout, "statement_timeout of every connection")
	b.Duration(&c.IdleInTransactionTimeout, "db-idle-in-transaction-timeout", "DB_IDLE_IN_TRANSACTION_TIMEOUT", def.IdleInTransactionTimeout, "idle_in_transaction_session_timeout of every connection")
	b.String(&c.LockPolicy, "db-lock-policy", "DB_LOCK_POLICY", def.Store.Lock.String(), "row lock policy of units that choose none: nowait or wait")
	b.Duration(&c.LockTimeout, "db-lock-timeout", "DB_LOCK_TIMEOUT", def.Store.LockTimeout, "longest wait for a row lock (lock_timeout)")
	b.Int(&c.RetryAttempts, "db-retry-attempts", "DB_RETRY_ATTEMPTS", def.Store.Retry.Attempts, "attempts of a unit of work under contention")
	b.Duration(&c.RetryBaseDelay, "db-retry-base-delay", "DB_RETRY_BASE_DELAY", def.Store.Retry.BaseDelay, "first backoff ceiling (full jitter)")
	b.Duration(&c.RetryMaxDelay, "db-retry-max-delay", "DB_RETRY_MAX_DELAY", def.Store.Retry.MaxDelay, "largest backoff ceiling")
}

// validate reports every wrong database setting at once.
func (c DatabaseConfig) validate() error {
	var errs []error
	if c.URL != "" {
		if _, err := url.Parse(c.URL); err != nil && !strings.Contains(c.URL, "=") {
			errs = append(errs, errors.New("database-url is neither a URL nor key=value settings"))
		}
	}
	if _, ok := ports.ParseLockPolicy(c.LockPolicy); !ok {
		errs = append(errs, fmt.Errorf("db-lock-policy must be nowait or wait, not %q", c.LockPolicy))
	}
	if c.RetryAttempts < 1 {
		errs = append(errs, errors.New("db-retry-attempts must be at least 1"))
	}
	if c.MaxOpenConns < 1 {
		errs = append(errs, errors.New("db-max-open-conns must be at least 1"))
	}
	if c.LockTimeout <= 0 {
		errs = append(errs, errors.New("db-lock-timeout must be positive"))
	}
	return errors.Join(errs...)
}

// binder registers flags that CHATLENS_ variables also set: a flag given
// on the command line beats its variable, which beats the default. The
// variables are applied after parsing, through the flag's own parser, so
// that -h never prints a value taken from the environment (a database
// password, say).
type binder struct {
	fs   *flag.FlagSet
	envs map[string]string // flag name -> variable name
}

func newBinder(fs *flag.FlagSet) *binder { return &binder{fs: fs, envs: map[string]string{}} }

func (b *binder) bind(flagName, env string) string {
	b.envs[flagName] = envPrefix + env
	return " (env " + envPrefix + env + ")"
}

func (b *binder) String(p *string, flagName, env, def, usage string) {
	b.fs.StringVar(p, flagName, def, usage+b.bind(flagName, env))
}

func (b *binder) Int(p *int, flagName, env string, def int, usage string) {
	b.fs.IntVar(p, flagName, def, usage+b.bind(flagName, env))
}

func (b *binder) Bool(p *bool, flagName, env string, def bool, usage string) {
	b.fs.BoolVar(p, flagName, def, usage+b.bind(flagName, env))
}

func (b *binder) Duration(p *time.Duration, flagName, env string, def time.Duration, usage string) {
	b.fs.DurationVar(p, flagName, def, usage+b.bind(flagName, env))
}

// parse parses args, then applies the variables of flags not given, and
// reports every malformed variable at once.
func (b *binder) parse(args []string, getenv func(string) (string, bool)) error {
	if err := b.fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	b.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	b.fs.VisitAll(func(f *flag.Flag) {
		env, ok := b.envs[f.Name]
		if !ok || given[f.Name] {
			return
		}
		if v, ok := getenv(env); ok {
			if err := b.fs.Set(f.Name, strings.TrimSpace(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
		}
	})
	return errors.Join(errs...)
}
