package memory

import (
	"context"
	"time"

	"github.com/chatlens/chatlens/ports"
)

// periodicLoop enqueues the periodic jobs at start and every Interval
// while this runner leads: the first runner to claim the lead keeps it
// until its Run ends, then another takes it over at its next tick.
func (r *runner) periodicLoop(ctx context.Context) {
	if len(r.cfg.Periodic) == 0 {
		return
	}
	defer r.resign()
	next := make([]time.Time, len(r.cfg.Periodic)) // zero: due at start
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now, leads := time.Now(), r.lead()
		soonest := time.Time{}
		for i, p := range r.cfg.Periodic {
			if !next[i].After(now) {
				if leads {
					r.enqueuePeriodic(ctx, p.Kind)
				}
				next[i] = now.Add(p.Interval)
			}
			if soonest.IsZero() || next[i].Before(soonest) {
				soonest = next[i]
			}
		}
		timer.Reset(soonest.Sub(now))
	}
}

// lead reports whether r leads, taking the lead when no runner has it.
func (r *runner) lead() bool {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.queue.leader == nil {
		r.s.queue.leader = r
	}
	return r.s.queue.leader == r
}

func (r *runner) resign() {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.queue.leader == r {
		r.s.queue.leader = nil
	}
}

// enqueuePeriodic enqueues one job of kind; a failure waits for the next
// interval, as a periodic job may.
func (r *runner) enqueuePeriodic(ctx context.Context, kind string) {
	_ = r.s.queueUnit(ctx, func(u *unit) error {
		_, _, err := (*jobs)(u).Enqueue(ctx, ports.NewJob{Kind: kind, Args: []byte("{}")})
		return err
	})
}
