package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/chatlens/chatlens/ports"
)

// gates queue, inside this process, the units of work that want the same
// row lock, so that at most one of them at a time asks PostgreSQL for it.
//
// Why: PostgreSQL does not grant a contended row lock in arrival order.
// When the holder commits, every waiter wakes and races for the row, and
// an unlucky one can lose many races in a row. bench-credits measured a
// p99 of about half a second on one hot account with 32 waiters, for
// pgbench as much as for us. A gate is a FIFO (Go queues goroutines blocked
// on a channel in arrival order), so a waiter's delay is its place in the
// queue times the time a charge holds the row: the tail shrinks to about
// the mean. Across processes PostgreSQL still arbitrates; each process
// then sends at most one contender per row.
type gates struct {
	mu sync.Mutex
	m  map[string]*gate
}

type gate struct {
	slot  chan struct{} // holds a token while the gate is free
	users int           // holders and waiters, to drop idle gates
}

var errGateTimeout = errors.New("row is held by another unit of work in this process")

// acquire waits for key's gate: not at all under NOWAIT, else at most
// wait. The returned release must be called once the row lock is gone,
// that is after COMMIT or ROLLBACK.
func (g *gates) acquire(ctx context.Context, key string, policy ports.LockPolicy, wait time.Duration) (release func(), err error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*gate{}
	}
	gt := g.m[key]
	if gt == nil {
		gt = &gate{slot: make(chan struct{}, 1)}
		gt.slot <- struct{}{}
		g.m[key] = gt
	}
	gt.users++
	g.mu.Unlock()

	leave := func() {
		g.mu.Lock()
		if gt.users--; gt.users == 0 {
			delete(g.m, key)
		}
		g.mu.Unlock()
	}
	release = func() { gt.slot <- struct{}{}; leave() }

	select {
	case <-gt.slot:
		return release, nil
	default:
	}
	if policy == ports.LockNoWait {
		leave()
		return nil, &ports.RetryableError{Reason: "lock_not_available", Err: errGateTimeout}
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-gt.slot:
		return release, nil
	case <-timer.C:
		leave()
		return nil, &ports.RetryableError{Reason: "lock_not_available", Err: errGateTimeout}
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}
