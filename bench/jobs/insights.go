package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"
)

// throughput is one run of a throughput phase: the limit's empty jobs or
// the insights.
type throughput struct {
	Round   int    `json:"round"`
	Kind    string `json:"kind"` // "limit" or "insights"
	What    string `json:"what"`
	Config  string `json:"config"`
	Procs   int    `json:"processes"`
	Workers int    `json:"workers_per_process"`
	Jobs    int    `json:"jobs"`
	// Wall runs from the first insert or request to the last job done
	// (completed, or its insight ready), as the bench saw it.
	Wall float64 `json:"wall_seconds"`
	// Enqueued runs from the same start to the last insert or request
	// answered.
	Enqueued float64 `json:"enqueued_seconds"`
	Busy     busy    `json:"busy"`
	// Failed insights (failed or cancelled instead of ready).
	Failed int `json:"failed"`
	// Requests is the insight requests' latency (while the workers ran,
	// or before they started).
	Requests *latency `json:"requests,omitempty"`
	Cost     cost     `json:"cost"`
	// Maintenance is how long the maintenance job ran meanwhile (s).
	Maintenance float64 `json:"maintenance_seconds,omitempty"`
	// Statements are the bench database's costliest statements per job
	// (with -statements).
	Statements []statement `json:"statements,omitempty"`
}

// busy is the workers' busy window, by the database's clock: from the
// first job's attempt to the last job's completion.
type busy struct {
	Jobs    int     `json:"jobs"`
	Seconds float64 `json:"seconds"`
}

func (t throughput) rate() float64 { return float64(t.Jobs) / t.Wall }

func (b busy) rate() float64 {
	if b.Seconds <= 0 {
		return 0
	}
	return float64(b.Jobs) / b.Seconds
}

// busyWindow reads the busy window of the completed jobs of kind after
// job id after.
func busyWindow(ctx context.Context, db *sql.DB, after int64, kind string) (busy, error) {
	var w busy
	err := db.QueryRowContext(ctx, `SELECT count(*), coalesce(extract(epoch FROM max(finalized_at) - min(attempted_at))::float8, 0)
		FROM river_job WHERE id > $1 AND kind = $2 AND state = 'completed'`, after, kind).Scan(&w.Jobs, &w.Seconds)
	return w, err
}

// insights measures the insights made by procs `chatlens worker`
// processes of o.workers workers each, two ways:
//
//   - "requests while workers run": the workers run before the first
//     request; o.clients clients request a new generation of every pair;
//     timed from the first request to the last insight ready (what a
//     user of the whole system sees, API and workers sharing the machine);
//   - "queue drained": the same requests with no worker running, then the
//     workers start; their busy window (first attempt to last completion)
//     is their own rate, as the limit's is River's.
func (b *bench) insights(ctx context.Context, procs int) ([]throughput, error) {
	live, err := b.insightsLive(ctx, procs)
	if err != nil {
		return nil, err
	}
	drained, err := b.insightsDrained(ctx, procs, &b.stat, "insights, queue drained")
	if err != nil {
		return []throughput{live}, err
	}
	return []throughput{live, drained}, nil
}

// aiInsights measures the AI types' insights written by the local writer
// (no CHATLENS_AI_URL), drained by one worker process as the statistical
// ones are: o.aiRequests requests of the same chats with no worker
// running, then the worker starts.
func (b *bench) aiInsights(ctx context.Context) (throughput, error) {
	return b.insightsDrained(ctx, 1, &b.ai, "AI insights (local writer), queue drained")
}

// workerSet is a phase's chatlens worker processes.
type workerSet []*proc

func (b *bench) startWorkers(procs int) (workerSet, error) {
	var ws workerSet
	for i := range procs {
		w, err := startWorker(b.o.server, b.dsn, filepath.Join(b.o.out, fmt.Sprintf("worker-%d.log", i+1)), b.o.workers)
		if err != nil {
			ws.stop()
			return nil, err
		}
		ws = append(ws, w)
	}
	return ws, nil
}

func (ws workerSet) pids() []int {
	var pids []int
	for _, w := range ws {
		pids = append(pids, w.pid())
	}
	return pids
}

func (ws workerSet) stop() {
	for _, w := range ws {
		w.stop()
	}
}

func (ws workerSet) died() error {
	for _, w := range ws {
		if err := w.died(); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) insightsLive(ctx context.Context, procs int) (throughput, error) {
	ws, err := b.startWorkers(procs)
	if err != nil {
		return throughput{}, err
	}
	defer ws.stop()
	if err := b.settle(ctx); err != nil {
		return throughput{}, err
	}
	before, err := b.lastJob(ctx)
	if err != nil {
		return throughput{}, err
	}
	from, err := b.take(ctx, b.db, ws.pids())
	if err != nil {
		return throughput{}, err
	}
	began := time.Now()
	req, err := b.requestAll(ctx, "insight requests while the workers run", &b.stat)
	if err != nil {
		return throughput{}, err
	}
	t := throughput{What: "insights, requests while workers run", Kind: "insights", Config: "live",
		Procs: procs, Workers: b.o.workers, Enqueued: req.Seconds, Requests: &req}
	if err := b.waitReady(ctx, &t, began, &b.stat); err != nil {
		return t, err
	}
	to, err := b.take(ctx, b.db, ws.pids())
	if err != nil {
		return t, err
	}
	t.Cost = costOf(from, to, len(b.stat.pairs))
	if t.Busy, err = busyWindow(ctx, b.db, before, "insight.generate"); err != nil {
		return t, err
	}
	return t, ws.died()
}

// insightsDrained requests every pair of set with no worker running, then
// starts procs worker processes and times them until every insight is
// made.
func (b *bench) insightsDrained(ctx context.Context, procs int, set *pairSet, what string) (throughput, error) {
	before, err := b.lastJob(ctx)
	if err != nil {
		return throughput{}, err
	}
	req, err := b.requestAll(ctx, "insight requests, API only", set)
	if err != nil {
		return throughput{}, err
	}
	from, err := b.take(ctx, b.db, nil)
	if err != nil {
		return throughput{}, err
	}
	b.statementsReset(ctx)
	began := time.Now()
	ws, err := b.startWorkers(procs)
	if err != nil {
		return throughput{}, err
	}
	defer ws.stop()
	t := throughput{What: what, Kind: "insights", Config: "drain",
		Procs: procs, Workers: b.o.workers, Requests: &req}
	if err := b.waitReady(ctx, &t, began, set); err != nil {
		return t, err
	}
	// The workers' start-up is in their CPU: some tens of milliseconds
	// per process, over thousands of jobs.
	to, err := b.take(ctx, b.db, ws.pids())
	if err != nil {
		return t, err
	}
	t.Cost = costOf(from, to, len(set.pairs))
	if t.Busy, err = busyWindow(ctx, b.db, before, "insight.generate"); err != nil {
		return t, err
	}
	if t.Maintenance, err = b.maintenance(ctx, before); err != nil {
		return t, err
	}
	if t.Statements, err = b.statements(ctx, len(set.pairs)); err != nil {
		return t, err
	}
	return t, ws.died()
}

// requestAll requests a new generation of every pair of set (regenerate:
// each request charges and enqueues) from o.clients clients, and checks
// that each started the next generation. A busy answer (503) is retried,
// as a client would, after a short pause; the summary counts them as
// errors, and the latencies are of whole requests, retries included.
func (b *bench) requestAll(ctx context.Context, what string, set *pairSet) (latency, error) {
	const attempts = 5
	gen := set.gen + 1
	lat := make([]time.Duration, len(set.pairs))
	var busy atomic.Int64
	began := time.Now()
	err := forEach(ctx, len(set.pairs), b.o.clients, func(i int) error {
		t0 := time.Now()
		g, err := b.http.requestInsight(ctx, set.pairs[i])
		for n := 1; errors.Is(err, errBusy) && n < attempts; n++ {
			busy.Add(1)
			time.Sleep(time.Duration(n) * 50 * time.Millisecond)
			g, err = b.http.requestInsight(ctx, set.pairs[i])
		}
		lat[i] = time.Since(t0)
		if err == nil && g != gen {
			err = fmt.Errorf("insight request: generation %d, not %d", g, gen)
		}
		return err
	})
	if err != nil {
		return latency{}, err
	}
	set.gen = gen
	return summarize(what, b.o.clients, b.o.users, lat, time.Since(began), int(busy.Load())), nil
}

// waitReady polls until no insight is pending (every pair's current
// generation is the only one that can be) and records the time from began
// and the ready and failed counts of set's insights in t. The poll counts
// through the partial index of pending insights, so it reads fewer rows as
// the queue drains, never the insights' results.
func (b *bench) waitReady(ctx context.Context, t *throughput, began time.Time, set *pairSet) error {
	var pending int
	done, err := waitFor(ctx, 50*time.Millisecond, 5*time.Minute, func() (bool, error) {
		err := b.db.QueryRowContext(ctx, `SELECT count(*) FROM insights WHERE status = 'pending'`).Scan(&pending)
		return pending == 0, err
	})
	if err != nil {
		return fmt.Errorf("waiting for the insights (%d pending): %w", pending, err)
	}
	var ready, failed int
	err = b.db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE status = 'ready'),
		count(*) FILTER (WHERE status IN ('failed', 'cancelled')) FROM insights WHERE generation = $1 AND type = ANY($2)`,
		set.gen, set.types).Scan(&ready, &failed)
	if err == nil && ready+failed != len(set.pairs) {
		err = fmt.Errorf("%d insights of generation %d settled, not %d", ready+failed, set.gen, len(set.pairs))
	}
	t.Jobs, t.Failed, t.Wall = ready, failed, done.Sub(began).Seconds()
	return err
}

func (b *bench) lastJob(ctx context.Context) (int64, error) {
	var id int64
	err := b.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM river_job`).Scan(&id)
	return id, err
}

// maintenance is how long the insights' maintenance jobs after job id
// after ran: the runners' leader enqueues one at its start, which then
// looks at the pending insights.
func (b *bench) maintenance(ctx context.Context, after int64) (float64, error) {
	var s float64
	err := b.db.QueryRowContext(ctx, `SELECT coalesce(sum(extract(epoch FROM finalized_at - attempted_at))::float8, 0)
		FROM river_job WHERE id > $1 AND kind = 'insights.maintain' AND finalized_at IS NOT NULL`, after).Scan(&s)
	return s, err
}

// settle waits until the jobs a runner enqueues at its start (the
// periodic maintenance and purge, run by the elected leader) have run, so
// that they are not part of what is measured.
func (b *bench) settle(ctx context.Context) error {
	time.Sleep(time.Second)
	_, err := waitFor(ctx, 100*time.Millisecond, 30*time.Second, func() (bool, error) {
		var n int
		err := b.db.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running')`).Scan(&n)
		return n == 0, err
	})
	if err != nil {
		return fmt.Errorf("waiting for the runners' start-up jobs: %w", err)
	}
	return nil
}
