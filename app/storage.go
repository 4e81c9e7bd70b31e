package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uptrace/bun"

	httpapi "github.com/chatlens/chatlens/adapters/http"
	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/migrations"
)

// memoryHealth is the health of the memory adapter: always reachable, no pool.
type memoryHealth struct{}

func (memoryHealth) Ping(context.Context) error { return nil }

func (memoryHealth) PoolStats() httpapi.PoolStats { return httpapi.PoolStats{Backend: "memory"} }

// postgresHealth reports the PostgreSQL store's reachability and pool.
type postgresHealth struct{ s *postgres.Store }

func (h postgresHealth) Ping(ctx context.Context) error { return h.s.Ping(ctx) }

func (h postgresHealth) PoolStats() httpapi.PoolStats {
	st := h.s.Stats()
	return httpapi.PoolStats{
		Backend: "postgres", MaxOpen: st.MaxOpenConnections, Open: st.OpenConnections,
		InUse: st.InUse, Idle: st.Idle, WaitCount: st.WaitCount, WaitDuration: st.WaitDuration,
	}
}

// errPendingMigrations is what serve reports in "check" mode.
var errPendingMigrations = errors.New("the database has pending migrations")

// prepareSchema applies pending migrations (mode "auto") or refuses to go
// on while any is pending (mode "check"). The migrator holds an advisory
// lock, so several processes starting together apply each migration once.
func prepareSchema(ctx context.Context, db *bun.DB, mode string, log *slog.Logger) error {
	mg, err := postgres.NewMigrator(db, migrations.Files)
	if err != nil {
		return err
	}
	if mode == "check" {
		pending, err := mg.Pending(ctx)
		if err != nil {
			return fmt.Errorf("reading migration status: %w", err)
		}
		if len(pending) > 0 {
			return fmt.Errorf("%w (%s); run `chatlens migrate up` or set CHATLENS_MIGRATE=auto", errPendingMigrations, strings.Join(pending, ", "))
		}
		return nil
	}
	applied, err := mg.Up(ctx)
	if err != nil {
		return fmt.Errorf("applying migrations: %w", err)
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "names", applied)
	}
	return nil
}

// registerPoolMetrics exports the pool's sql.DBStats as gauges and counters.
func registerPoolMetrics(s *postgres.Store, reg *prometheus.Registry) error {
	return reg.Register(collectors.NewDBStatsCollector(s.DB().DB, "chatlens"))
}
