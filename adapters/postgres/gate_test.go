package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/ports"
)

func TestGateNoWaitFailsAtOnceAndWaitIsBounded(t *testing.T) {
	var g gates
	ctx := context.Background()
	release, err := g.acquire(ctx, "row", ports.LockWait, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.acquire(ctx, "row", ports.LockNoWait, time.Second); !ports.IsRetryable(err) {
		t.Fatalf("NOWAIT on a held gate = %v; want a retryable error at once", err)
	}
	t0 := time.Now()
	if _, err := g.acquire(ctx, "row", ports.LockWait, 30*time.Millisecond); !ports.IsRetryable(err) || time.Since(t0) < 30*time.Millisecond {
		t.Fatalf("bounded wait on a held gate = %v after %v; want a retryable error after the bound", err, time.Since(t0))
	}
	other, err := g.acquire(ctx, "other row", ports.LockNoWait, 0)
	if err != nil {
		t.Fatalf("a different row is gated too: %v", err)
	}
	other()
	release()
	again, err := g.acquire(ctx, "row", ports.LockNoWait, 0)
	if err != nil {
		t.Fatalf("gate not free after release: %v", err)
	}
	again()
	if len(g.m) != 0 {
		t.Fatalf("%d idle gates kept; want none", len(g.m))
	}
}

func TestGateServesWaitersInArrivalOrder(t *testing.T) {
	var g gates
	ctx := context.Background()
	release, _ := g.acquire(ctx, "row", ports.LockWait, time.Second)
	const n = 8
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := g.acquire(ctx, "row", ports.LockWait, 5*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			r()
		}()
		// Wait until this waiter is queued before starting the next.
		for queued := false; !queued; time.Sleep(time.Millisecond) {
			g.mu.Lock()
			queued = g.m["row"].users == i+2
			g.mu.Unlock()
		}
		time.Sleep(20 * time.Millisecond) // from counted to blocked on the channel
	}
	release()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("waiters served in order %v; want arrival order", order)
		}
	}
}
