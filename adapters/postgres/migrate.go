package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// migrationLockKey is the advisory lock every migration run holds. It is a
// session lock on one connection, so a killed run releases it with its
// connection and leaves nothing stale behind (unlike bun's lock table).
const migrationLockKey int64 = 0x636c_6d69_6772 // "clmigr"

// Migrator applies the embedded SQL migrations and the job queue's
// schema, River's, whose versions come with the River module (rivermigrate).
//
// River's schema is the layer below ours: Up applies its pending versions
// first, then ours, all in one run under the migration lock, each version
// in a transaction of its own, as River's migrator runs them; Status lists
// them first, named "river/NNN" (so a pending one is pending like any of
// ours, and `serve` in check mode refuses to start); Down takes them away
// last, only once none of ours remain applied, so `down` after a single
// `up` leaves the database empty and `up` rebuilds it. Rolling River's
// schema back drops river_job and every job in it: it happens only when
// our own tables are gone already.
type Migrator struct {
	db    *bun.DB
	m     *migrate.Migrator
	river *rivermigrate.Migrator[*sql.Tx]
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
	// River's migrator needs no superuser: its versions create tables,
	// types, functions and indexes in the current schema.
	rm, err := rivermigrate.New(riverdatabasesql.New(db.DB), &rivermigrate.Config{Logger: riverLogger()})
	if err != nil {
		return nil, fmt.Errorf("reading the job queue's migrations: %w", err)
	}
	return &Migrator{db: db, m: m, river: rm}, nil
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
		err := mg.riverSteps(ctx, rivermigrate.DirectionUp, func(name string) { applied = append(applied, name) })
		if err != nil {
			return err
		}
		group, err := mg.m.Migrate(ctx)
		if group != nil {
			ours := group.Migrations
			if err != nil && len(ours) > 0 {
				ours = ours[:len(ours)-1] // the last one failed
			}
			for _, m := range ours {
				applied = append(applied, m.Name)
			}
		}
		return err
	})
	if err != nil {
		return applied, fmt.Errorf("migrating up: %w", err)
	}
	return applied, nil
}

// Down rolls back the last group of our migrations applied together, and
// then, when none of ours remain, River's schema (see Migrator).
func (mg *Migrator) Down(ctx context.Context) (rolledBack []string, err error) {
	err = mg.locked(ctx, func(ctx context.Context) error {
		group, err := mg.m.Rollback(ctx)
		if group != nil {
			for _, m := range group.Migrations {
				rolledBack = append(rolledBack, m.Name)
			}
		}
		if err != nil {
			return err
		}
		ours, err := mg.m.AppliedMigrations(ctx)
		if err != nil || len(ours) > 0 {
			return err
		}
		return mg.riverSteps(ctx, rivermigrate.DirectionDown, func(name string) { rolledBack = append(rolledBack, name) })
	})
	if err != nil {
		return rolledBack, fmt.Errorf("migrating down: %w", err)
	}
	return rolledBack, nil
}

// riverSteps applies River's versions one at a time in direction, every
// one there is, telling done of each as it lands (so a run that fails
// halfway still reports what it applied). River's migrator runs each in a
// transaction of its own that also records it in river_migration.
func (mg *Migrator) riverSteps(ctx context.Context, direction rivermigrate.Direction, done func(name string)) error {
	for {
		res, err := mg.river.Migrate(ctx, direction, &rivermigrate.MigrateOpts{MaxSteps: 1})
		if err != nil {
			return fmt.Errorf("the job queue's schema (River): %w", err)
		}
		if len(res.Versions) == 0 {
			return nil
		}
		for _, v := range res.Versions {
			done(riverMigrationName(v.Version))
		}
	}
}

// riverMigrationName names a River version among ours.
func riverMigrationName(version int) string { return fmt.Sprintf("river/%03d", version) }

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Name    string
	Applied bool
}

// Status lists every known migration, River's first (they are applied
// first), then ours, oldest first.
func (mg *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	var out []MigrationStatus
	err := mg.locked(ctx, func(ctx context.Context) error {
		existing, err := mg.river.ExistingVersions(ctx)
		if err != nil {
			return fmt.Errorf("reading the job queue's schema version (River): %w", err)
		}
		applied := map[int]bool{}
		for _, v := range existing {
			applied[v.Version] = true
		}
		for _, v := range mg.river.AllVersions() {
			out = append(out, MigrationStatus{Name: riverMigrationName(v.Version), Applied: applied[v.Version]})
		}
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

// MigrateDSN opens dsn, applies every migration in fsys and River's, and
// closes the connection: what a test template or a fresh database needs.
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
