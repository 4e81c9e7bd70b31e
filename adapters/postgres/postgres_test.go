package postgres_test

import (
	"context"
	"testing"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/migrations"
	"github.com/chatlens/chatlens/ports"
	"github.com/chatlens/chatlens/ports/porttest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newDatabase returns the DSN of a fresh, migrated database.
func newDatabase(t testing.TB) string {
	return pgtest.NewDatabase(t, "chatlens", func(ctx context.Context, dsn string) error {
		return postgres.MigrateDSN(ctx, dsn, migrations.Files)
	})
}

// openStore opens a store on a fresh database, closed at the test's end.
func openStore(t testing.TB, opts ports.StoreOptions) *postgres.Store {
	return openStoreOn(t, newDatabase(t), opts)
}

// openStoreOn opens a store, with its own pool and gates, on dsn.
func openStoreOn(t testing.TB, dsn string, opts ports.StoreOptions) *postgres.Store {
	cfg := postgres.DefaultConfig(dsn)
	cfg.Store = opts
	s, err := postgres.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the suite; its concurrency cases also run over
// several stores on one database, as over several API processes.
func TestConformance(t *testing.T) {
	porttest.Run(t, func(t *testing.T) porttest.OpenStore {
		dsn := newDatabase(t)
		return func(t *testing.T, opts ports.StoreOptions) ports.UnitOfWork {
			return openStoreOn(t, dsn, opts)
		}
	})
}
