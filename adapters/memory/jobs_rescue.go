package memory

import (
	"context"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Retention of finished jobs, as River's cleaner keeps them.
const (
	keepCompleted = 24 * time.Hour
	keepFailed    = 7 * 24 * time.Hour // cancelled and discarded
)

// rescue gives up on the attempts running since before stuckBefore, as
// failed attempts (retried or discarded, never worked again by their
// stuck worker), and cleans away finished jobs past their retention. It
// returns the rescued attempts' events.
func (s *Store) rescue(now, stuckBefore time.Time, backoff func(attempt int) time.Duration) []ports.JobEvent {
	t := s.jobs
	u := newUnit(s, ports.UnitOptions{Lock: ports.LockNoWait})
	defer func() { u.end(true) }()
	stuck := func(v jobRow) bool { return v.State == ports.JobRunning && v.attemptedAt.Before(stuckBefore) }
	old := func(v jobRow) bool {
		keep := keepFailed
		if v.State == ports.JobCompleted {
			keep = keepCompleted
		}
		return v.State.Final() && v.finalizedAt.Before(now.Add(-keep))
	}
	var events []ports.JobEvent
	for _, v := range t.scan(u, func(v jobRow) bool { return stuck(v) || old(v) }) {
		if s.acquire(context.Background(), u, t.lockKey(v.ID), ports.LockNoWait) != nil {
			continue // whoever holds it is changing it; the next round sees
		}
		v, ok := t.row(u, v.ID)
		switch {
		case ok && stuck(v):
			// Its worker died or hangs past RescueAfter.
			outcome := failAttempt(&v, string(core.ErrClassAbandoned), now, backoff)
			putJob(u, v)
			s.wakeOnCommit(u)
			events = append(events, ports.JobEvent{Kind: v.Kind, Outcome: outcome, Duration: now.Sub(v.attemptedAt)})
		case ok && old(v):
			if _, err := t.remove(context.Background(), u, v.ID); err != nil {
				return events // cannot happen: the lock is held
			}
		}
	}
	return events
}

// rescueLoop gives up on stuck attempts every half RescueAfter, at most a
// second apart.
func (r *runner) rescueLoop(ctx context.Context) {
	tick := time.NewTicker(max(min(r.cfg.RescueAfter/2, maxRescueInterval), time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		for _, e := range r.s.rescue(now, now.Add(-r.cfg.RescueAfter), r.backoff) {
			if r.cfg.OnEvent != nil {
				r.cfg.OnEvent(e)
			}
		}
	}
}
