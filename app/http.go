package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"

	httpapi "github.com/chatlens/chatlens/adapters/http"
)

// HTTPModule provides the API and serves it for the app's lifetime, with
// /metrics, pprof and, on PostgreSQL, the jobs dashboard on
// Config.InternalAddr when set; otherwise /metrics on the API listener,
// pprof there only in development, and no dashboard.
func HTTPModule() fx.Option {
	return fx.Module("http",
		fx.Provide(newAPI),
		fx.Invoke(serveHTTP),
	)
}

func newAPI(cfg Config, svc httpapi.Services, m *httpapi.Metrics, log *slog.Logger) *httpapi.Server {
	return httpapi.New(svc, httpapi.Options{
		Development:      cfg.Development(),
		Logger:           log,
		Metrics:          m,
		SignUpRate:       httpapi.Rate{PerMinute: cfg.Limits.SignUpsPerMinute},
		AuthFailureRate:  httpapi.Rate{PerMinute: cfg.Limits.AuthFailuresPerMinute},
		RequestTimeout:   cfg.HTTP.RequestTimeout,
		ClientAddrHeader: cfg.HTTP.ClientAddrHeader,
		Uploads:          cfg.Chats.uploads(),
	})
}

// metricsHandler serves the registry as Prometheus text.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// pprofHandlers are the profiling endpoints. /debug/pprof/cmdline is left
// out on purpose: the command line may hold a database URL with its
// password. (Index answers "cmdline" as an unknown profile, 404.)
func pprofHandlers() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /debug/pprof/":        http.HandlerFunc(pprof.Index),
		"GET /debug/pprof/profile": http.HandlerFunc(pprof.Profile),
		"GET /debug/pprof/symbol":  http.HandlerFunc(pprof.Symbol),
		"POST /debug/pprof/symbol": http.HandlerFunc(pprof.Symbol),
		"GET /debug/pprof/trace":   http.HandlerFunc(pprof.Trace),
	}
}

// jobsDashboard is a dashboard of the job queue, served under prefix:
// PostgreSQL's store provides River UI's (postgres.Store.JobsDashboard);
// the memory adapter has no River and provides none.
type jobsDashboard interface {
	JobsDashboard(prefix string) (h http.Handler, stop func(), err error)
}

// internalExtras are what the storage may add to the internal listener.
type internalExtras struct {
	fx.In
	Dashboard jobsDashboard `optional:"true"`
}

// dashboardPrefix is where the internal listener serves the jobs dashboard.
const dashboardPrefix = "/riverui"

// serveDashboard serves d under dashboardPrefix on mux from start to stop.
// Its hooks come before the listeners', so it is mounted before they serve
// and stops after they have finished.
func serveDashboard(lc fx.Lifecycle, mux *http.ServeMux, d jobsDashboard) {
	var stop func()
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			h, s, err := d.JobsDashboard(dashboardPrefix)
			if err != nil {
				return fmt.Errorf("the jobs dashboard: %w", err)
			}
			stop = s
			mux.Handle(dashboardPrefix+"/", h)
			return nil
		},
		OnStop: func(context.Context) error {
			stop()
			return nil
		},
	})
}

func newServer(cfg Config, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serveHTTP listens at start (so a taken port fails the start) and serves
// in the background; at stop it lets in-flight requests finish within the
// stop deadline. A listener that fails later shuts the app down.
func serveHTTP(lc fx.Lifecycle, sd fx.Shutdowner, cfg Config, api *httpapi.Server, reg *prometheus.Registry, log *slog.Logger, extras internalExtras) {
	servers := map[string]*http.Server{"api": newServer(cfg, api.Handler(), log)}
	addrs := map[string]string{"api": cfg.Addr}
	switch {
	case cfg.InternalAddr != "":
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler(reg))
		for pattern, h := range pprofHandlers() {
			mux.Handle(pattern, h)
		}
		if extras.Dashboard != nil {
			serveDashboard(lc, mux, extras.Dashboard)
		}
		servers["internal"] = newServer(cfg, mux, log)
		addrs["internal"] = cfg.InternalAddr
	default:
		// Metrics are harmless on the API listener; profiles are not (they
		// cost CPU and show the program's insides), so a public listener
		// serves them only in development. The jobs dashboard shows every
		// job's args: never public.
		api.Mount("GET /metrics", metricsHandler(reg))
		if cfg.Development() {
			for pattern, h := range pprofHandlers() {
				api.Mount(pattern, h)
			}
		}
	}
	for name, srv := range servers {
		lc.Append(fx.Hook{
			OnStart: func(ctx context.Context) error {
				ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addrs[name])
				if err != nil {
					return fmt.Errorf("listening for %s on %s: %w", name, addrs[name], err)
				}
				log.Info("listening", "server", name, "addr", ln.Addr().String())
				go func() {
					if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
						log.Error("server failed", "server", name, "error", err.Error())
						_ = sd.Shutdown(fx.ExitCode(1))
					}
				}()
				return nil
			},
			OnStop: func(ctx context.Context) error {
				if err := srv.Shutdown(ctx); err != nil {
					return fmt.Errorf("shutting down %s: %w", name, err)
				}
				return nil
			},
		})
	}
}
