package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	httpapi "github.com/chatlens/chatlens/adapters/http"
	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core/catalog"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/core/payments"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/ports"
)

// The fx modules live here rather than in the adapter packages: one module
// per adapter, as DESIGN.md asks, but the adapters stay free of fx and
// usable with their plain constructors (the tests and benchmarks use them
// so).

// Console is where a command prints what is meant for the operator, not
// for the logs: an admin's key is printed there once, never logged.
type Console struct{ io.Writer }

// Options is the whole service for cfg: the storage module the
// configuration chooses (memory when no database URL is set), the core,
// the admin bootstrap and the HTTP API.
func Options(cfg Config, console Console, log *slog.Logger) fx.Option {
	storage := MemoryModule()
	if cfg.Database.URL != "" {
		storage = PostgresModule()
	}
	return fx.Options(
		fx.Supply(cfg, console, log),
		fx.WithLogger(func(log *slog.Logger) fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log}
			l.UseLogLevel(slog.LevelDebug) // wiring details only when asked for
			return l
		}),
		MetricsModule(),
		storage,
		CoreModule(),
		BootstrapModule(),
		HTTPModule(),
		PaymentsModule(),
		JobsModule(),
	)
}

// MemoryModule provides the in-memory storage adapter: nothing is kept
// when the process stops.
func MemoryModule() fx.Option {
	return fx.Module("memory",
		fx.Provide(
			func(lc fx.Lifecycle, opts ports.StoreOptions, log *slog.Logger) *memory.Store {
				lc.Append(fx.StartHook(func() {
					log.Warn("storage: in memory; data is not kept when the process stops (set CHATLENS_DATABASE_URL for PostgreSQL)")
				}))
				return memory.New(opts)
			},
			func(s *memory.Store) ports.UnitOfWork { return s },
			func(s *memory.Store) ports.JobQueue { return s },
			func() httpapi.Storage { return memoryHealth{} },
		),
		// PostgreSQL's migration seeds the catalog; memory starts empty.
		fx.Invoke(func(lc fx.Lifecycle, svc *catalog.Service) {
			lc.Append(fx.StartHook(svc.Seed))
		}),
	)
}

// PostgresModule provides the PostgreSQL storage adapter. At start it
// checks the database answers and applies pending migrations, or refuses
// to start with one pending when Config.Migrate is "check".
func PostgresModule() fx.Option {
	return fx.Module("postgres",
		fx.Provide(
			newPostgres,
			func(s *postgres.Store) ports.UnitOfWork { return s },
			func(s *postgres.Store) ports.JobQueue { return s },
			func(s *postgres.Store) httpapi.Storage { return postgresHealth{s} },
			func(s *postgres.Store) jobsDashboard { return s },
		),
		fx.Invoke(registerPoolMetrics),
	)
}

func newPostgres(lc fx.Lifecycle, cfg Config, opts ports.StoreOptions, log *slog.Logger) (*postgres.Store, error) {
	pc := cfg.Database.Postgres(opts)
	s, err := postgres.Open(pc)
	if err != nil {
		return nil, fmt.Errorf("opening PostgreSQL: %w", err)
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := s.Ping(ctx); err != nil {
				return fmt.Errorf("reaching PostgreSQL: %w", err)
			}
			if err := prepareSchema(ctx, s.DB(), cfg.Migrate, log); err != nil {
				return err
			}
			log.Info("storage: PostgreSQL", "max_open_conns", pc.MaxOpenConns)
			return nil
		},
		OnStop: func(context.Context) error { return s.Close() },
	})
	return s, nil
}

// CoreModule provides the system clock and ids and the use-case services.
func CoreModule() fx.Option {
	return fx.Module("core",
		fx.Provide(
			func() ports.Clock { return system.Clock{} },
			func() ports.IDs { return &system.UUIDv7{} },
			users.NewService,
			func(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs) *credits.Service {
				return credits.NewService(uow, clock, ids, credits.DefaultOptions())
			},
			newPayments,
			newChats,
			newAI,
			newInsightRegistry,
			newInsights,
			func(uow ports.UnitOfWork, clock ports.Clock, reg *insights.Registry) *catalog.Service {
				return catalog.NewService(uow, clock, reg)
			},
			apiServices,
		),
	)
}

// apiServices are the use cases the API serves. A new module provides its
// service above and adds it here.
func apiServices(u *users.Service, c *credits.Service, p *payments.Service, ch *chats.Service,
	cat *catalog.Service, ins *insights.Service, storage httpapi.Storage) httpapi.Services {
	return httpapi.Services{Users: u, Credits: c, Payments: p, Chats: ch, Catalog: cat, Insights: ins, Storage: storage}
}

// BootstrapModule creates Config.AdminEmail's admin at start when missing
// and prints its key once on the console.
func BootstrapModule() fx.Option {
	return fx.Module("bootstrap", fx.Invoke(func(lc fx.Lifecycle, cfg Config, svc *users.Service, console Console, log *slog.Logger) {
		if cfg.AdminEmail == "" {
			return
		}
		lc.Append(fx.StartHook(func(ctx context.Context) error {
			return ensureAdmin(ctx, svc, cfg.AdminEmail, console, log)
		}))
	}))
}

// ensureAdmin creates the admin if missing and prints its key once.
func ensureAdmin(ctx context.Context, svc *users.Service, email string, console Console, log *slog.Logger) error {
	user, key, created, err := svc.EnsureAdmin(ctx, email)
	if err != nil {
		return fmt.Errorf("creating admin %s: %w", email, err)
	}
	if !created {
		log.Info("admin exists; its keys are not shown again", "user_id", string(user.ID))
		return nil
	}
	log.Info("admin created; its key is printed on standard output, once", "user_id", string(user.ID))
	_, err = fmt.Fprintf(console, "admin %s created (user id %s); API key, shown once: %s\n", user.Email, user.ID, key.Secret)
	return err
}
