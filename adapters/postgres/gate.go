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
// Only lockRow (lock.go) uses them, always together with the row's locking
// query.
//
// Why: PostgreSQL does not grant a contended row lock in arrival order.
// When the holder commits, every waiter wakes and races for the row, and
// an unlucky one can lose many races in a row. bench-credits measured a
// p99 of about half a second on one hot account with 32 waiters, for
// pgbench as much as for us. A gate is a FIFO, so a waiter's delay is its
// place in the queue times the time a charge holds the row: the tail
// shrinks to about the mean.
//
// What the FIFO rests on: Go's channel wake-up order, an implementation
// property of the runtime (runtime/chan.go), not a promise of the language
// spec. Goroutines blocked receiving on a channel wait in a queue in
// arrival order, and a send to a channel with queued receivers hands the
// value straight to the longest-waiting one instead of buffering it. So a
// released token goes to the oldest waiter, and a newcomer's non-blocking
// try finds the slot empty and queues behind it (no barging). A waiter
// whose timer or context fires first leaves the queue without the token.
//
// What a wait can cost: at most the unit's lock timeout here (the store's
// LockTimeout, or the unit's own under ports.WithTimeout), and then at most
// lock_timeout at PostgreSQL (lock.go). Across processes PostgreSQL
// still arbitrates; each process sends it at most one contender per row.
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
