package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"riverqueue.com/riverui"
)

// dashboardConns bounds the dashboard's pool: a few people looking at the
// queue, each page asking for a handful of lists and counts at once.
const dashboardConns = 3

// JobsDashboard returns River UI, a dashboard of the job queue (its jobs by
// state, each job's args, attempts and errors, the queues), serving its
// pages and JSON API under prefix (such as "/riverui": mount the handler
// at "/riverui/"). Its assets are embedded in the binary; it loads nothing
// from elsewhere.
//
// It is read-only: River UI's API reads with GET alone and changes jobs and
// queues (cancel, retry, delete, pause, resume, update) with POST, PUT and
// PATCH, and River UI has no setting of its own to turn those off, so the
// handler answers any method but GET and HEAD 405. The dashboard's buttons
// for them are still shown, and fail. It still shows every job's args and
// errors: serve it where only operators reach it.
//
// It works on a small pool of its own, opened from the store's DSN like a
// runner's (runnerPool), so a slow count never holds a request's
// connection, and its River client inserts nothing and works nothing. Its
// background work (River UI refreshes its counts every few seconds) runs
// until stop, which then closes the pool; call stop once, after the
// handler has stopped serving.
func (s *Store) JobsDashboard(prefix string) (h http.Handler, stop func(), err error) {
	if s.dsn == "" {
		return nil, nil, errors.New("postgres: the jobs dashboard needs a store opened by Open (its DSN opens the dashboard's pool)")
	}
	pool, err := runnerPool(s.dsn, dashboardConns)
	if err != nil {
		return nil, nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	closePool := func() {
		db.Close()
		pool.Close()
	}
	client, err := river.NewClient(riverdatabasesql.New(db), &river.Config{Logger: riverLogger()})
	if err != nil {
		closePool()
		return nil, nil, fmt.Errorf("making the jobs dashboard's client: %w", err)
	}
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    riverLogger(),
		Prefix:    prefix,
	})
	if err != nil {
		closePool()
		return nil, nil, fmt.Errorf("making the jobs dashboard: %w", err)
	}
	// River UI stops its background work when Start's context ends; it
	// connects only when it first queries.
	ctx, cancel := context.WithCancel(context.Background())
	if err := ui.Start(ctx); err != nil {
		cancel()
		closePool()
		return nil, nil, fmt.Errorf("starting the jobs dashboard: %w", err)
	}
	stop = func() {
		cancel()
		closePool() // waits for a query still running, cancelled with ctx
	}
	return readOnly(ui), stop, nil
}

// readOnly answers every method but GET and HEAD 405, before h sees it.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the jobs dashboard is read-only", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}
