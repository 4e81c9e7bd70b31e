package memory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The job queue's table: jobs by id, one row each, written like any other
// table (an enqueue is staged and published when its unit commits). A
// runner (NewRunner) moves rows between states in short units of its own,
// under the rows' locks, so a unit cancelling a job and a runner finishing
// it meet at the row as they would on PostgreSQL. Runners of every peer
// store share the table, as River's clients share river_job.

// jobRow is a stored job and what the queue keeps beside the port's view.
type jobRow struct {
	ports.Job
	seq    int64 // the id as a number: the order of jobs scheduled at one time
	unique bool
	// attemptedAt is when the running attempt began (the rescuer's clock),
	// finalizedAt when the job reached a final state (the cleaner's).
	attemptedAt, finalizedAt time.Time
	// token names the attempt running now, or the one running when the job
	// was cancelled; 0 when none. An attempt's end writes only to a row that
	// still carries its token, so an attempt the rescuer gave up on cannot
	// overwrite what came after it.
	token uint64
}

var jobsSpec = tableSpec[jobRow]{
	unique: map[string]uniqueKey[jobRow]{
		// A unique job holds (kind, args) until it is cancelled or
		// discarded; completed ones keep it until they are cleaned away.
		"kind_args": func(v jobRow) (string, bool) {
			return uniqueJobKey(v.Kind, v.Args), v.unique && v.State != ports.JobCancelled && v.State != ports.JobDiscarded
		},
	},
}

func uniqueJobKey(kind string, args []byte) string { return kind + "\x00" + string(args) }

// jobQueue is the queue's shared state beside its table, one per data as
// a database has one sequence and one leader; guarded by d.mu.
type jobQueue struct {
	seq    int64
	tokens uint64
	// wake is closed, and replaced, when a unit commits jobs a runner may
	// fetch or cancels a running one: every runner waiting on it, on any
	// peer store, wakes.
	wake chan struct{}
	// leader is the runner that enqueues the periodic jobs.
	leader *runner
}

// wakeMarker marks, in unit.staged, a unit that wakes the runners when it
// commits: it enqueued jobs, or cancelled a running one.
type wakeMarker struct{}

func newJobTables(d *data) {
	d.jobs = newTable(d, "jobs", func(v jobRow) string { return v.ID }, jobsSpec)
	d.queue.wake = make(chan struct{})
}

// wakeOnCommit makes u's commit wake the runners.
func (d *data) wakeOnCommit(u *unit) {
	if _, ok := u.staged[wakeMarker{}]; ok {
		return
	}
	u.staged[wakeMarker{}] = true
	u.publish = append(u.publish, func() { // called with d.mu held
		close(d.queue.wake)
		d.queue.wake = make(chan struct{})
	})
}

// woken returns the channel the next commit of fetchable jobs closes.
func (d *data) woken() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queue.wake
}

func (u *unit) Jobs() ports.Jobs { return (*jobs)(u) }

type jobs unit

func (r *jobs) u() *unit { return (*unit)(r) }

var errJobNotFound = fmt.Errorf("job: %w", core.ErrNotFound)

// Enqueue holds a unique job's (kind, args) key before looking for a
// holder, so that of concurrent units enqueueing one unique job the later
// ones wait and then find the first one's job, as at a unique index.
func (r *jobs) Enqueue(ctx context.Context, j ports.NewJob) (string, bool, error) {
	u, t := r.u(), r.u().s.jobs
	if err := u.writable(); err != nil {
		return "", false, err
	}
	j, err := j.Checked()
	if err != nil {
		return "", false, err
	}
	if j.Unique {
		key := uniqueJobKey(j.Kind, j.Args)
		if err := u.reserve(ctx, t.name+".kind_args:"+key); err != nil {
			return "", false, err
		}
		if v, ok := t.byUnique(u, "kind_args", key); ok {
			return v.ID, true, nil
		}
	}
	d := u.s.data
	d.mu.Lock()
	d.queue.seq++ // like a sequence, not given back by a rollback
	seq := d.queue.seq
	d.mu.Unlock()
	v := jobRow{
		Job: ports.Job{ID: strconv.FormatInt(seq, 10), Kind: j.Kind, Args: j.Args, State: ports.JobAvailable,
			MaxAttempts: j.MaxAttempts, Timeout: j.Timeout, ScheduledAt: micro(time.Now())},
		seq: seq, unique: j.Unique,
	}
	if _, err := t.insert(ctx, u, v, false); err != nil {
		return "", false, err
	}
	d.wakeOnCommit(u)
	return v.ID, false, nil
}

// jobOut is a stored job handed to a caller, sharing no slices with it.
func jobOut(v jobRow) ports.Job {
	j := v.Job
	j.Args, j.Errors = bytes.Clone(j.Args), slices.Clone(j.Errors)
	return j
}

func (r *jobs) Get(_ context.Context, id string) (ports.Job, error) {
	if err := r.u().statement(); err != nil {
		return ports.Job{}, err
	}
	if v, ok := r.u().s.jobs.row(r.u(), id); ok {
		return jobOut(v), nil
	}
	return ports.Job{}, errJobNotFound
}

// Cancel makes a job cancelled at once, running or not: a queued one is
// never fetched, and a running one's attempt has its context cancelled
// (its runner wakes at the commit and looks) and finds, when it ends, that
// it may neither complete nor retry. The row keeps the attempt's token, so
// that attempt reports itself cancelled.
func (r *jobs) Cancel(ctx context.Context, id string) error {
	u, t := r.u(), r.u().s.jobs
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(id)); err != nil {
		return err
	}
	v, ok := t.row(u, id)
	if !ok || v.State.Final() {
		return nil
	}
	if v.State == ports.JobRunning {
		u.s.wakeOnCommit(u)
	}
	v.State, v.finalizedAt = ports.JobCancelled, micro(time.Now())
	putJob(u, v)
	return nil
}

// putJob stages a job's new state; the caller holds the row's lock. A
// state change never brings a row into the unique key (it may only leave
// it, when cancelled or discarded), so there is nothing to check there,
// and the queue's own writes never wait on an enqueue holding that key.
func putJob(u *unit, v jobRow) { u.s.jobs.staged(u)[v.ID] = v }

// Counts reads the committed jobs; see ports.JobQueue.
func (s *Store) Counts(ctx context.Context) (map[string]map[ports.JobState]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[ports.JobState]int{}
	for _, v := range s.jobs.rows {
		if out[v.Kind] == nil {
			out[v.Kind] = map[ports.JobState]int{}
		}
		out[v.Kind][v.State]++
	}
	return out, nil
}
