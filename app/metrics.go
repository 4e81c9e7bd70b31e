package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/fx"

	httpapi "github.com/chatlens/chatlens/adapters/http"
	"github.com/chatlens/chatlens/ports"
)

// MetricsModule provides the Prometheus registry, the HTTP metrics and the
// store options whose hooks count unit-of-work retries, busy failures and
// BEGINs retried on another connection.
func MetricsModule() fx.Option {
	return fx.Module("metrics",
		fx.Provide(newRegistry, newStoreMetrics, storeOptions, newHTTPMetrics),
	)
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func newHTTPMetrics(reg *prometheus.Registry) (*httpapi.Metrics, error) {
	return httpapi.NewMetrics(reg)
}

// storeMetrics count what the unit of work's one retry loop does, and,
// apart, the BEGINs it retried on another connection: those replay
// nothing, and they say the database went away, not that rows are hot.
type storeMetrics struct {
	retries    *prometheus.CounterVec
	busy       prometheus.Counter
	reconnects prometheus.Counter
}

func newStoreMetrics(reg *prometheus.Registry) (*storeMetrics, error) {
	m := &storeMetrics{
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatlens_uow_retries_total",
			Help: "Units of work replayed after contention, by reason (serialization, deadlock, lock_not_available, …).",
		}, []string{"reason"}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chatlens_uow_busy_total",
			Help: "Units of work that ran out of attempts and answered busy (HTTP 503).",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chatlens_uow_begin_retries_total",
			Help: "BEGINs retried on another connection because the pooled one was dead (e.g. after a database restart); the unit had not run yet.",
		}),
	}
	for _, c := range []prometheus.Collector{m.retries, m.busy, m.reconnects} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// storeOptions are the configured unit-of-work options with the metric
// hooks attached.
func storeOptions(cfg Config, m *storeMetrics) ports.StoreOptions {
	opts := cfg.Database.StoreOptions()
	opts.Retry.OnRetry = func(reason string) { m.retries.WithLabelValues(reason).Inc() }
	opts.Retry.OnBusy = m.busy.Inc
	opts.OnReconnect = m.reconnects.Inc
	return opts
}
