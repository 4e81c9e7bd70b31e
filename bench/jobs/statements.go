package main

import (
	"context"
	"fmt"
	"strings"
)

// With -statements the cluster loads pg_stat_statements (planning time
// included) and each drained insights phase, and the latency run over 32
// users, report the statements that took the most of PostgreSQL's time,
// per job or request: what the workers' units, River's fetches and
// completions, the request's unit and the bench's polls cost. It slows
// every statement a little, so the figures of a run without it are the
// ones to quote.

// statementSettings are the cluster's settings for -statements.
var statementSettings = map[string]string{
	"shared_preload_libraries":          "pg_stat_statements",
	"pg_stat_statements.track_planning": "on",
	"pg_stat_statements.max":            "2000",
}

// statement is one normalized statement's share of a phase.
type statement struct {
	Query        string  `json:"query"`
	CallsPerJob  float64 `json:"calls_per_unit"`
	PlanMS       float64 `json:"mean_plan_ms"`
	ExecMS       float64 `json:"mean_exec_ms"`
	MSPerJob     float64 `json:"ms_per_unit"` // planning and execution
	ShareOfTotal float64 `json:"share"`
}

func (b *bench) enableStatements(ctx context.Context) error {
	_, err := b.db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
	return err
}

// statementsReset forgets what was counted so far (with -statements).
func (b *bench) statementsReset(ctx context.Context) {
	if b.o.statements {
		_, _ = b.db.ExecContext(ctx, `SELECT pg_stat_statements_reset()`)
	}
}

// statements returns the top statements in the bench database since the
// last reset, per unit of work (a job or a request).
func (b *bench) statements(ctx context.Context, jobs int) ([]statement, error) {
	if !b.o.statements {
		return nil, nil
	}
	rows, err := b.db.QueryContext(ctx, `
WITH s AS (
  SELECT query, calls, total_plan_time AS plan, total_exec_time AS exec, total_plan_time + total_exec_time AS ms
  FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
SELECT query, calls, plan, exec, ms, ms / nullif(sum(ms) OVER (), 0) FROM s ORDER BY ms DESC LIMIT 15`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []statement
	for rows.Next() {
		var (
			s              statement
			calls          int64
			plan, exec, ms float64
		)
		if err := rows.Scan(&s.Query, &calls, &plan, &exec, &ms, &s.ShareOfTotal); err != nil {
			return nil, err
		}
		s.Query = strings.Join(strings.Fields(s.Query), " ")
		s.CallsPerJob, s.MSPerJob = float64(calls)/float64(jobs), ms/float64(jobs)
		if calls > 0 {
			s.PlanMS, s.ExecMS = plan/float64(calls), exec/float64(calls)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func printStatements(ss []statement) {
	for _, s := range ss {
		q := s.Query
		if len(q) > 110 {
			q = q[:110] + "…"
		}
		fmt.Printf("      %5.1f%%  %5.2f calls/unit  plan %6.3f + exec %6.3f ms each  %s\n", 100*s.ShareOfTotal, s.CallsPerJob, s.PlanMS, s.ExecMS, q)
	}
}
