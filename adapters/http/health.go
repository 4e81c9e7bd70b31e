package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
)

// Status says a check passed.
type Status struct {
	Status string `json:"status" enum:"ok" doc:"ok when the check passed." example:"ok"`
}

// Pool is the storage connection pool's state.
type Pool struct {
	Backend        string  `json:"backend" enum:"postgres,memory" doc:"The storage backend serving the API."`
	MaxOpen        int     `json:"max_open" doc:"Most connections the pool opens (0: no pool)."`
	Open           int     `json:"open" doc:"Connections open now, in use or idle."`
	InUse          int     `json:"in_use" doc:"Connections serving a request now."`
	Idle           int     `json:"idle" doc:"Connections open and waiting for work."`
	WaitCount      int64   `json:"wait_count" doc:"Times a request waited for a connection, since start."`
	WaitDurationMS float64 `json:"wait_duration_ms" doc:"Total time requests waited for a connection, since start, in milliseconds."`
}

type statusOutput struct {
	Body Status
}

type poolOutput struct {
	Body Pool
}

// readyTimeout bounds the readiness ping, so a hung database makes the
// check fail rather than hang the prober.
const readyTimeout = 2 * time.Second

// health serves the liveness, readiness and pool checks.
type health struct {
	storage Storage
}

// registerHealth registers the operations on /health.
func registerHealth(api huma.API, storage Storage) {
	r := health{storage: storage}
	register(api, operation{Operation: huma.Operation{
		OperationID: "health", Method: http.MethodGet, Path: "/health", Tags: []string{"health"},
		Summary: "Liveness", Description: "Answers 200 while the process serves requests.",
		Responses: successes(success{http.StatusOK, "The process serves requests.", Status{Status: "ok"}}),
	}}, func(context.Context, *noInput) (*statusOutput, error) {
		return &statusOutput{Body: Status{Status: "ok"}}, nil
	})
	register(api, operation{Operation: huma.Operation{
		OperationID: "health-ready", Method: http.MethodGet, Path: "/health/ready", Tags: []string{"health"},
		Summary: "Readiness", Description: "Answers 200 when storage answers within 2 s, else 503.",
		Responses: successes(success{http.StatusOK, "Storage answers.", Status{Status: "ok"}}),
	}}, r.ready)
	register(api, operation{Operation: huma.Operation{
		OperationID: "health-db-pool", Method: http.MethodGet, Path: "/health/db-pool", Tags: []string{"health"},
		Summary: "Connection pool statistics", Description: "The storage pool's state. The memory backend has no pool and reports zeros.",
		Responses: successes(success{http.StatusOK, "The pool now.", Pool{Backend: "postgres", MaxOpen: 20, Open: 4, InUse: 1, Idle: 3, WaitCount: 2, WaitDurationMS: 1.5}}),
	}}, r.pool)
}

func (r health) ready(ctx context.Context, _ *noInput) (*statusOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := r.storage.Ping(ctx); err != nil {
		return nil, explain(fmt.Errorf("%w: %w", core.ErrUnavailable, err), core.ErrUnavailable, "storage does not answer")
	}
	return &statusOutput{Body: Status{Status: "ok"}}, nil
}

func (r health) pool(context.Context, *noInput) (*poolOutput, error) {
	st := r.storage.PoolStats()
	return &poolOutput{Body: Pool{
		Backend: st.Backend, MaxOpen: st.MaxOpen, Open: st.Open, InUse: st.InUse, Idle: st.Idle,
		WaitCount: st.WaitCount, WaitDurationMS: float64(st.WaitDuration.Microseconds()) / 1000,
	}}, nil
}
