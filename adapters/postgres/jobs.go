package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Jobs are River's: a job is a row of river_job, inserted in the unit's
// own transaction, so it exists if and only if the unit commits.
func (u *unit) Jobs() ports.Jobs { return (*jobs)(u) }

type jobs unit

// jobArgs is what River stores as a job's args: the caller's args and the
// choices River has no column for. River wants one Go type per kind; the
// kinds are the handlers', known only at run time, so one type serves them
// all, its kind carried by the value (river.AddWorkerArgs registers one
// worker per kind with it).
type jobArgs struct {
	kind string
	// Args are the caller's, canonical (ports.NewJob.Checked). Only they make a
	// unique job unique: the timeout is not part of what the work is.
	Args json.RawMessage `json:"args" river:"unique"`
	// TimeoutMS bounds one attempt; 0: the handler's.
	TimeoutMS int64 `json:"timeout_ms,omitempty"`
	// MaxAttemptsUnset: the job takes its handler's MaxAttempts, which a
	// process that runs no workers does not know. River's max_attempts
	// holds its own default until the first attempt puts the handler's in
	// (jobWorker.resolveMaxAttempts).
	MaxAttemptsUnset bool `json:"max_attempts_unset,omitempty"`
}

func (a jobArgs) Kind() string { return a.kind }

func (j *jobs) Enqueue(ctx context.Context, nj ports.NewJob) (string, bool, error) {
	u := (*unit)(j)
	nj, err := nj.Checked()
	if err != nil {
		return "", false, err
	}
	client, err := u.store.jobClient()
	if err != nil {
		return "", false, err
	}
	opts := &river.InsertOpts{MaxAttempts: nj.MaxAttempts}
	if nj.Unique {
		// River's default states: all but cancelled and discarded, as
		// ports.NewJob.Unique says.
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true}
	}
	res, err := client.InsertTx(ctx, u.tx.Tx, jobArgs{
		kind:             nj.Kind,
		Args:             nj.Args,
		TimeoutMS:        nj.Timeout.Milliseconds(),
		MaxAttemptsUnset: nj.MaxAttempts == 0,
	}, opts)
	if err != nil {
		return "", false, fmt.Errorf("enqueueing a %s job: %w", nj.Kind, u.check(err))
	}
	return strconv.FormatInt(res.Job.ID, 10), res.UniqueSkippedAsDuplicate, nil
}

func (j *jobs) Get(ctx context.Context, id string) (ports.Job, error) {
	u := (*unit)(j)
	n, ok := jobID(id)
	if !ok {
		return ports.Job{}, fmt.Errorf("job %q: %w", id, core.ErrNotFound)
	}
	client, err := u.store.jobClient()
	if err != nil {
		return ports.Job{}, err
	}
	row, err := client.JobGetTx(ctx, u.tx.Tx, n)
	if errors.Is(err, rivertype.ErrNotFound) {
		return ports.Job{}, fmt.Errorf("job %s: %w", id, core.ErrNotFound)
	} else if err != nil {
		return ports.Job{}, fmt.Errorf("reading job %s: %w", id, u.check(err))
	}
	return toJob(row)
}

func (j *jobs) Cancel(ctx context.Context, id string) error {
	u := (*unit)(j)
	n, ok := jobID(id)
	if !ok {
		return nil // never a job: nothing to cancel
	}
	client, err := u.store.jobClient()
	if err != nil {
		return err
	}
	// A queued job becomes cancelled; a running one is marked, and its
	// runner told (NOTIFY, at commit): its attempt's context is cancelled,
	// it may not complete (claimJob), and a failure cancels it for good.
	if _, err := client.JobCancelTx(ctx, u.tx.Tx, n); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("cancelling job %s: %w", id, u.check(err))
	}
	return nil
}

// jobID reads a job id as River numbers them; anything else names no job.
func jobID(id string) (int64, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil && n > 0
}

// decodeJobArgs reads River's args back: the caller's args (compact; nil
// when there were none) and the choices beside them.
func decodeJobArgs(kind string, encoded []byte) (jobArgs, error) {
	a := jobArgs{kind: kind}
	if err := json.Unmarshal(encoded, &a); err != nil {
		return a, fmt.Errorf("decoding a %s job's args: %w", kind, err)
	}
	a.Args = compactArgs(a.Args)
	return a, nil
}

// compactArgs drops the spaces jsonb's text form puts in.
func compactArgs(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

// toJob converts River's row.
func toJob(row *rivertype.JobRow) (ports.Job, error) {
	a, err := decodeJobArgs(row.Kind, row.EncodedArgs)
	if err != nil {
		return ports.Job{}, err
	}
	j := ports.Job{
		ID:          strconv.FormatInt(row.ID, 10),
		Kind:        row.Kind,
		Args:        a.Args,
		State:       ports.JobState(row.State),
		Attempt:     row.Attempt,
		MaxAttempts: row.MaxAttempts,
		Timeout:     time.Duration(a.TimeoutMS) * time.Millisecond,
		ScheduledAt: row.ScheduledAt,
	}
	switch {
	case row.State == rivertype.JobStatePending:
		j.State = ports.JobAvailable // River's, for jobs waiting on something; never inserted here
	case row.State == rivertype.JobStateRunning && cancelAttempted(row.Metadata):
		// River keeps a job cancelled while running "running" until its
		// attempt ends; it will never complete or run again (claimJob,
		// finishCancelled): cancelled, as the port sees it.
		j.State = ports.JobCancelled
	}
	if a.MaxAttemptsUnset && row.Attempt == 0 {
		j.MaxAttempts = 0 // the handler's, not known until the first attempt
	}
	for _, e := range row.Errors {
		j.Errors = append(j.Errors, errorClass(e.Error))
	}
	return j, nil
}

// riverRescued is the text River's rescuer stores for the attempt it gave
// up on.
const riverRescued = "Stuck job rescued by JobRescuer"

// errorClass reads a stored attempt error as the port reports it: a
// class. Ours are classes already (classError); the rescuer's is River's
// own sentence, which means abandoned.
func errorClass(text string) string {
	if text == riverRescued {
		return string(core.ErrClassAbandoned)
	}
	return text
}

// cancelAttempted reports whether River marked the job cancelled (Cancel
// on a running job).
func cancelAttempted(metadata []byte) bool {
	var m struct {
		At *json.RawMessage `json:"cancel_attempted_at"`
	}
	return json.Unmarshal(metadata, &m) == nil && m.At != nil
}

// jobClient returns the store's River client for units: it inserts,
// reads and cancels jobs in a unit's transaction and works none, so it
// needs no pool of its own and knows no worker. River skips its check that
// an inserted kind has a worker when the client has no Workers, so any
// kind may be enqueued; the runner that works it knows it. Built on first
// use, once per store.
func (s *Store) jobClient() (*river.Client[*sql.Tx], error) {
	s.river.once.Do(func() {
		s.river.client, s.river.err = river.NewClient(riverdatabasesql.New(s.db.DB), &river.Config{
			Logger: riverLogger(),
		})
		if s.river.err != nil {
			s.river.err = fmt.Errorf("making the job queue's client: %w", s.river.err)
		}
	})
	return s.river.client, s.river.err
}

// riverLogger is River's logger: the process's, from warnings up (River
// logs every job's start and end at lower levels).
func riverLogger() *slog.Logger {
	return slog.New(minLevel{slog.Default().Handler(), slog.LevelWarn})
}

// minLevel passes on records from a level up.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// The store keeps jobs.
var _ ports.JobQueue = (*Store)(nil)

// Counts returns how many jobs are in each state, by kind; see
// ports.JobQueue. States are the port's, as Get reports them.
func (s *Store) Counts(ctx context.Context) (map[string]map[ports.JobState]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, CASE
			WHEN state = 'running' AND metadata->>'cancel_attempted_at' IS NOT NULL THEN 'cancelled'
			WHEN state = 'pending' THEN 'available'
			ELSE state::text END, count(*)
		FROM river_job GROUP BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("counting jobs: %w", translate(err))
	}
	defer rows.Close()
	out := map[string]map[ports.JobState]int{}
	for rows.Next() {
		var (
			kind, state string
			n           int
		)
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, fmt.Errorf("counting jobs: %w", translate(err))
		}
		if out[kind] == nil {
			out[kind] = map[ports.JobState]int{}
		}
		out[kind][ports.JobState(state)] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting jobs: %w", translate(err))
	}
	return out, nil
}
