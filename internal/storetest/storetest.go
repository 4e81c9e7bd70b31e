// Package storetest opens the storage adapters for the services' tests,
// so that a service's behaviour is tested on every backend alike: memory,
// and PostgreSQL on a throwaway cluster (adapters/postgres/pgtest; a test
// binary that uses it calls pgtest.Main from its TestMain).
package storetest

import (
	"context"
	"testing"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/migrations"
	"github.com/chatlens/chatlens/ports"
)

// Store is what every storage adapter is: a unit of work and a job queue.
type Store interface {
	ports.UnitOfWork
	ports.JobQueue
}

// Backends are the storage adapters, by name, each opening an empty store
// with the production defaults: memory, and PostgreSQL on a fresh migrated
// database, closed at the test's end.
var Backends = map[string]func(t *testing.T) Store{
	"memory":   func(*testing.T) Store { return memory.New(ports.DefaultStoreOptions()) },
	"postgres": Postgres,
}

// Postgres opens a store on a fresh migrated database.
func Postgres(t *testing.T) Store {
	dsn := pgtest.NewDatabase(t, "chatlens", func(ctx context.Context, dsn string) error {
		return postgres.MigrateDSN(ctx, dsn, migrations.Files)
	})
	s, err := postgres.Open(postgres.DefaultConfig(dsn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ForEach runs test on every backend, as parallel subtests.
func ForEach(t *testing.T, test func(t *testing.T, s Store)) {
	for name, open := range Backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}
