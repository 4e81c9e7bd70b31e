package postgres

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// migrationLockKey is the advisory lock every migration run holds. It is a
// session lock on one connection, so a killed run releases it with its
// connection and leaves nothing stale behind (unlike bun's lock table).
const migrationLockKey int64 = 0x636c_6d69_6772 // "clmigr"

// Migrator applies the embedded SQL migrations.
type Migrator struct {
	db *bun.DB
	m  *migrate.Migrator
}

// NewMigrator reads the migrations in fsys: files named
// YYYYMMDDHHMMSS_name.tx.up.sql and YYYYMMDDHHMMSS_name.tx.down.sql (bun's
// migrator orders them by that 14-digit timestamp).
func NewMigrator(db *bun.DB, fsys fs.FS) (*Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(fsys); err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	// Marked applied only after the migration succeeded: the default marks
	// first, so a failed migration would look applied.
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	return &Migrator{db: db, m: m}, nil
}

// locked runs fn holding the migration advisory lock.
func (mg *Migrator) locked(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	conn, err := mg.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connecting to migrate: %w", translate(err))
	}
	defer conn.Close()
	// Another instance may be migrating: wait for it as long as ctx allows,
	// not just the pool's lock_timeout. RESET restores the pool's setting.
	if _, err := conn.ExecContext(ctx, "SET lock_timeout = 0"); err != nil {
		return fmt.Errorf("preparing to migrate: %w", translate(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "RESET lock_timeout")
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return fmt.Errorf("taking the migration lock: %w", translate(err))
	}
	defer func() {
		// Unlock on a fresh context: a cancelled run must still release it.
		if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey); uerr != nil && err == nil {
			err = fmt.Errorf("releasing the migration lock: %w", uerr)
		}
	}()
	if err := mg.m.Init(ctx); err != nil {
		return fmt.Errorf("creating the migrations table: %w", err)
	}
	return fn(ctx)
}

// Up applies every pending migration and returns their names.
func (mg *Migrator) Up(ctx context.Context) (applied []string, err error) {
	err = mg.locked(ctx, func(ctx context.Context) error {
		group, err := mg.m.Migrate(ctx)
		if group != nil {
			for _, m := range group.Migrations {
				applied = append(applied, m.Name)
			}
		}
		if err != nil && len(applied) > 0 {
			applied = applied[:len(applied)-1] // the last one failed
		}
		return err
	})
	if err != nil {
		return applied, fmt.Errorf("migrating up: %w", err)
	}
	return applied, nil
}

// Down rolls back the last group of migrations applied together.
func (mg *Migrator) Down(ctx context.Context) (rolledBack []string, err error) {
	err = mg.locked(ctx, func(ctx context.Context) error {
		group, err := mg.m.Rollback(ctx)
		if group != nil {
			for _, m := range group.Migrations {
				rolledBack = append(rolledBack, m.Name)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("migrating down: %w", err)
	}
	return rolledBack, nil
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Name    string
	Applied bool
}

// Status lists every known migration, oldest first.
func (mg *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	var out []MigrationStatus
	err := mg.locked(ctx, func(ctx context.Context) error {
		ms, err := mg.m.MigrationsWithStatus(ctx)
		for _, m := range ms {
			out = append(out, MigrationStatus{Name: m.Name, Applied: m.IsApplied()})
		}
		return err
	})
	return out, err
}

// Pending returns the names of migrations not yet applied.
func (mg *Migrator) Pending(ctx context.Context) ([]string, error) {
	status, err := mg.Status(ctx)
	var pending []string
	for _, s := range status {
		if !s.Applied {
			pending = append(pending, s.Name)
		}
	}
	return pending, err
}

// MigrateDSN opens dsn, applies every migration in fsys and closes the
// connection: what a test template or a fresh database needs.
func MigrateDSN(ctx context.Context, dsn string, fsys fs.FS) error {
	db, err := OpenDB(Config{DSN: dsn, MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	mg, err := NewMigrator(db, fsys)
	if err != nil {
		return err
	}
	_, err = mg.Up(ctx)
	return err
}
