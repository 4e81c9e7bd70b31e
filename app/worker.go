package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/ports"
)

// WorkerCommand runs `chatlens worker`: job workers only, on PostgreSQL,
// with a pool of their own, so that the API and the workers scale apart.
// It stops on SIGINT or SIGTERM: workers stop fetching, running jobs get
// --job-shutdown-timeout to finish, the rest are handed back.
func WorkerCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parseWorker(args, stderr)
	if !ok {
		return code
	}
	level, _ := parseLevel(cfg.LogLevel)
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	return runApp(ctx, fx.New(WorkerOptions(cfg, log)), log, cfg.Jobs.stopGrace())
}

// WorkerOptions is a worker process: PostgreSQL, the services its jobs
// use, the job runner, and /metrics on Config.InternalAddr when set.
func WorkerOptions(cfg Config, log *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg, log),
		fx.WithLogger(func(log *slog.Logger) fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log}
			l.UseLogLevel(slog.LevelDebug)
			return l
		}),
		MetricsModule(),
		PostgresModule(),
		fx.Module("core",
			fx.Provide(
				func() ports.Clock { return system.Clock{} },
				func() ports.IDs { return &system.UUIDv7{} },
				newChats,
				newAI,
				newInsightRegistry,
				newInsights,
			),
		),
		JobsModule(),
		fx.Invoke(serveWorkerMetrics),
	)
}

// parseWorker parses worker's flags and variables.
func parseWorker(args []string, stderr io.Writer) (Config, int, bool) {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chatlens worker [flags]\n\n"+
			"Runs job workers only (insight generation, the purge of deleted chats), on PostgreSQL.\n"+
			"Every flag also reads the CHATLENS_ variable shown.")
		fs.PrintDefaults()
	}
	var cfg Config
	b := newBinder(fs)
	b.String(&cfg.LogLevel, "log-level", "LOG_LEVEL", "info", "debug, info, warn or error")
	b.String(&cfg.Migrate, "migrate", "MIGRATE", "check", "pending migrations: auto applies them, check refuses to start (the API's serve usually migrates)")
	b.String(&cfg.InternalAddr, "internal-addr", "INTERNAL_ADDR", "", "listen address of /metrics; empty serves none")
	bindDatabase(b, &cfg.Database)
	def := chats.DefaultConfig()
	b.Duration(&cfg.Chats.Retention, "chat-retention", "CHAT_RETENTION", def.Retention, "how long a deleted chat can be restored before it is removed for good")
	b.Duration(&cfg.Chats.PurgeInterval, "purge-interval", "PURGE_INTERVAL", time.Hour, "how often deleted chats past their retention are removed")
	bindJobs(b, &cfg.Jobs, 8)
	bindAI(b, &cfg.AI)
	if err := b.parse(args, os.LookupEnv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, 0, false
		}
		fmt.Fprintln(stderr, "chatlens worker:", err)
		return cfg, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chatlens worker: unexpected arguments %q\n", fs.Args())
		return cfg, 2, false
	}
	// The HTTP settings are the API's; the internal listener uses their
	// defaults.
	cfg.HTTP = HTTPConfig{ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	if err := cfg.validateWorker(); err != nil {
		fmt.Fprintln(stderr, "chatlens worker:", err)
		return cfg, 2, false
	}
	return cfg, 0, true
}

// validateWorker reports every wrong worker setting at once.
func (c Config) validateWorker() error {
	var errs []error
	if c.Database.URL == "" {
		errs = append(errs, errors.New("a worker needs PostgreSQL: set CHATLENS_DATABASE_URL or --database-url (on memory, serve runs its own workers)"))
	}
	if c.Jobs.Workers < 1 {
		errs = append(errs, errors.New("workers must be at least 1"))
	}
	if c.Migrate != "auto" && c.Migrate != "check" {
		errs = append(errs, fmt.Errorf("migrate must be auto or check, not %q", c.Migrate))
	}
	if _, _, err := net.SplitHostPort(c.InternalAddr); c.InternalAddr != "" && err != nil {
		errs = append(errs, fmt.Errorf("internal-addr must be host:port, not %q", c.InternalAddr))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, positive(map[string]time.Duration{"chat-retention": c.Chats.Retention, "purge-interval": c.Chats.PurgeInterval}))
	errs = append(errs, c.Database.validate(), c.Jobs.validate(), c.AI.validate())
	return errors.Join(errs...)
}

// serveWorkerMetrics serves /metrics on Config.InternalAddr, when set,
// for the worker's lifetime.
func serveWorkerMetrics(lc fx.Lifecycle, sd fx.Shutdowner, cfg Config, reg *prometheus.Registry, log *slog.Logger) {
	if cfg.InternalAddr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(reg))
	srv := newServer(cfg, mux, log)
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.InternalAddr)
			if err != nil {
				return fmt.Errorf("listening for metrics on %s: %w", cfg.InternalAddr, err)
			}
			log.Info("listening", "server", "internal", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					log.Error("server failed", "server", "internal", "error", err.Error())
					_ = sd.Shutdown(fx.ExitCode(1))
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
}
