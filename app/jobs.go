package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/aiinsight"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/ports"
)

// JobsConfig says how this process works background jobs (insight
// generation, the purge of deleted chats, the insights' maintenance).
type JobsConfig struct {
	// Workers is how many jobs this process runs at once; 0 runs none
	// (an API-only process, with `chatlens worker` processes beside it).
	Workers int
	// RescueAfter: a job running longer than this lost its worker (a
	// crash) and runs again. Every job's timeout is cut to 4/5 of it
	// (jobTimeoutCap), so a live job always ends before it is rescued.
	RescueAfter time.Duration
	// ShutdownTimeout bounds how long running jobs may finish at shutdown
	// before they are cancelled and handed back.
	ShutdownTimeout time.Duration
	// BackoffBase and BackoffMax shape the wait before a failed job's
	// next attempt.
	BackoffBase, BackoffMax time.Duration
	// ReconcileEvery is how often pending insights whose job ended are
	// settled (failed and refunded).
	ReconcileEvery time.Duration
	// TestGenerators registers the test-only generator "slow" (it waits
	// SlowGeneratorDelay), for the crash test and benchmarks. Never in
	// production: an admin could sell it.
	TestGenerators     bool
	SlowGeneratorDelay time.Duration
}

// bindJobs registers the job settings; workers is the default of
// --workers (serve runs 4 in-process, worker more).
func bindJobs(b *binder, c *JobsConfig, workers int) {
	b.Int(&c.Workers, "workers", "WORKERS", workers, "jobs this process runs at once (0: none; run `chatlens worker` processes instead)")
	b.Duration(&c.RescueAfter, "job-rescue-after", "JOB_RESCUE_AFTER", 15*time.Minute, "a job running this long lost its worker and runs again; job timeouts are cut to 4/5 of it")
	b.Duration(&c.ShutdownTimeout, "job-shutdown-timeout", "JOB_SHUTDOWN_TIMEOUT", 15*time.Second, "how long running jobs may finish at shutdown before they are handed back")
	b.Duration(&c.BackoffBase, "job-backoff-base", "JOB_BACKOFF_BASE", 2*time.Second, "wait before a failed job's second attempt (doubling after)")
	b.Duration(&c.BackoffMax, "job-backoff-max", "JOB_BACKOFF_MAX", 5*time.Minute, "longest wait between a job's attempts")
	b.Duration(&c.ReconcileEvery, "insights-reconcile-every", "INSIGHTS_RECONCILE_EVERY", time.Minute, "how often insights whose job ended without settling them are failed and refunded")
	b.Bool(&c.TestGenerators, "test-generators", "TEST_GENERATORS", false, "register the test-only insight generator \"slow\" (tests and benchmarks only)")
	b.Duration(&c.SlowGeneratorDelay, "slow-generator-delay", "SLOW_GENERATOR_DELAY", 2*time.Second, "how long the test-only generator \"slow\" works")
}

// validate reports every wrong job setting at once.
func (c JobsConfig) validate() error {
	var errs []error
	if c.Workers < 0 || c.Workers > 1000 {
		errs = append(errs, fmt.Errorf("workers must be between 0 and 1000, not %d", c.Workers))
	}
	if c.RescueAfter < 10*time.Second {
		errs = append(errs, fmt.Errorf("job-rescue-after must be at least 10s, not %s", c.RescueAfter))
	}
	if c.BackoffMax < c.BackoffBase {
		errs = append(errs, errors.New("job-backoff-max must be at least job-backoff-base"))
	}
	errs = append(errs, positive(map[string]time.Duration{
		"job-shutdown-timeout": c.ShutdownTimeout, "job-backoff-base": c.BackoffBase,
		"insights-reconcile-every": c.ReconcileEvery, "slow-generator-delay": c.SlowGeneratorDelay,
	}))
	return errors.Join(errs...)
}

// newInsightRegistry is the generators this process has: the statistical
// ones, the AI ones writing through ai, and the test-only one when
// configured.
func newInsightRegistry(cfg Config, ai ports.AI) (*insights.Registry, error) {
	reg := insights.NewRegistry()
	if err := aiinsight.Register(reg, ai, cfg.AI.generators()); err != nil {
		return nil, err
	}
	if cfg.Jobs.TestGenerators {
		reg.Register("slow", insights.Slow(cfg.Jobs.SlowGeneratorDelay))
	}
	return reg, nil
}

// stopGrace is how long this process's workers may take to stop: running
// jobs get ShutdownTimeout, then the runner waits a little for those it
// cancelled to hand their jobs back. Nothing when it runs no workers.
func (c JobsConfig) stopGrace() time.Duration {
	if c.Workers == 0 {
		return 0
	}
	return c.ShutdownTimeout + 10*time.Second
}

// jobTimeoutCap is the longest any job may run: below RescueAfter, with a
// margin for the rescuer's own rounds, so the rescuer never takes a job
// that is still running for dead.
func (c JobsConfig) jobTimeoutCap() time.Duration { return c.RescueAfter * 4 / 5 }

func newInsights(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, reg *insights.Registry, ch *chats.Service, cfg Config) *insights.Service {
	svc := insights.NewService(uow, clock, ids, reg, ch, insights.Config{
		ReconcileEvery: cfg.Jobs.ReconcileEvery, MaxJobTimeout: cfg.Jobs.jobTimeoutCap(),
		AIRequestsPerHour: cfg.AI.RequestsPerHour,
	})
	// A chat's deletion cancels and refunds its insights not yet made, in
	// the deletion's unit.
	ch.OnDelete(svc.CancelChat)
	return svc
}

// kindPurge removes deleted chats past their retention, periodically.
const kindPurge = "chats.purge"

// JobsModule runs this process's job workers for the app's lifetime, when
// Config.Jobs.Workers is above zero: insight generation, and the periodic
// jobs (the purge of deleted chats, the insights' maintenance), which the
// queue runs on one process among all that run workers. It also counts
// jobs on /metrics.
func JobsModule() fx.Option {
	return fx.Module("jobs",
		fx.Provide(newJobMetrics),
		fx.Invoke(runJobs),
	)
}

func runJobs(lc fx.Lifecycle, sd fx.Shutdowner, cfg Config, queue ports.JobQueue, ins *insights.Service,
	ch *chats.Service, m *jobMetrics, log *slog.Logger) error {
	m.queue = queue
	if cfg.Jobs.Workers == 0 {
		log.Warn("jobs: no workers in this process; insights are made only by `chatlens worker` processes on the same database")
		return nil
	}
	handlers := append(ins.Handlers(), ports.JobHandler{
		Kind: kindPurge, MaxAttempts: 1, Timeout: time.Hour,
		Work: func(ctx context.Context, _ *ports.JobRun) error {
			n, err := ch.Purge(ctx)
			if n > 0 {
				log.Info("chats: purged deleted chats past their retention", "removed", n)
			}
			if err != nil {
				log.Error("chats: purge failed; it runs again at the next interval", "error", err.Error())
				return &core.JobError{Class: core.ErrClassInternal, Err: err}
			}
			return nil
		},
	})
	for i := range handlers {
		handlers[i].Timeout = min(handlers[i].Timeout, cfg.Jobs.jobTimeoutCap())
	}
	runner, err := queue.NewRunner(ports.RunnerConfig{
		Handlers:    handlers,
		Workers:     cfg.Jobs.Workers,
		Periodic:    append(ins.Periodic(), ports.PeriodicJob{Kind: kindPurge, Interval: cfg.Chats.PurgeInterval}),
		RescueAfter: cfg.Jobs.RescueAfter, BackoffBase: cfg.Jobs.BackoffBase, BackoffMax: cfg.Jobs.BackoffMax,
		ShutdownTimeout: cfg.Jobs.ShutdownTimeout,
		OnEvent:         m.observe,
	})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var done sync.WaitGroup
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			done.Go(func() {
				if err := runner.Run(ctx); err != nil && ctx.Err() == nil {
					log.Error("jobs: the runner failed", "error", err.Error())
					_ = sd.Shutdown(fx.ExitCode(1))
				}
			})
			log.Info("jobs: workers running", "workers", cfg.Jobs.Workers)
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel() // the runner stops fetching and hands back what does not finish in time
			finished := make(chan struct{})
			go func() { done.Wait(); close(finished) }()
			select {
			case <-finished:
				return nil
			case <-stop.Done():
				return errors.New("jobs: the workers did not stop in time")
			}
		},
	})
	return nil
}

// jobMetrics count this process's job attempts and their durations, and
// read the queue's jobs by state at each scrape (the whole queue's, as
// every process sees one database).
type jobMetrics struct {
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
	states   *prometheus.Desc
	queue    ports.JobQueue // set by runJobs; nil: no gauge
}

func newJobMetrics(reg *prometheus.Registry) (*jobMetrics, error) {
	m := &jobMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatlens_job_attempts_total",
			Help: "Job attempts this process ended, by kind and outcome (completed, retried, failed: discarded after its last attempt, cancelled).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chatlens_job_duration_seconds",
			Help:    "How long this process's job attempts took, by kind.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"kind"}),
		states: prometheus.NewDesc("chatlens_jobs", "Jobs in the queue by kind and state (available, scheduled, running, retryable, completed, cancelled, discarded), read at scrape.",
			[]string{"kind", "state"}, nil),
	}
	for _, c := range []prometheus.Collector{m.attempts, m.duration, m} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *jobMetrics) observe(e ports.JobEvent) {
	m.attempts.WithLabelValues(e.Kind, string(e.Outcome)).Inc()
	m.duration.WithLabelValues(e.Kind).Observe(e.Duration.Seconds())
}

// Describe and Collect make the queue's counts a collector.
func (m *jobMetrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.states }

func (m *jobMetrics) Collect(ch chan<- prometheus.Metric) {
	if m.queue == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := m.queue.Counts(ctx)
	if err != nil {
		return // a scrape without the gauge; the database's own health shows why
	}
	for kind, states := range counts {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(m.states, prometheus.GaugeValue, float64(n), kind, string(state))
		}
	}
}
