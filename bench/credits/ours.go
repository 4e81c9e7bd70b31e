package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/ports"
)

// contender is one configuration of our credits service.
type contender struct {
	name      string
	isolation ports.Isolation
	lock      ports.LockPolicy
	base, max time.Duration // backoff
}

func (c contender) String() string {
	return fmt.Sprintf("%s (%s, backoff %v..%v)", c.name, c.isolation, c.base, c.max)
}

// runOurs spends 1 credit per operation through credits.Service from
// workers goroutines for d, each picking an account with pick.
func runOurs(ctx context.Context, dsn string, c contender, workers int, d time.Duration, pick func(worker, i int) int, lockTimeout time.Duration, attempts int) (result, error) {
	var retries, busy atomic.Int64
	cfg := postgres.DefaultConfig(dsn)
	cfg.MaxOpenConns, cfg.MaxIdleConns = workers, workers
	cfg.Store = ports.StoreOptions{
		Retry: ports.RetryPolicy{
			Attempts: attempts, BaseDelay: c.base, MaxDelay: c.max,
			OnRetry: func(string) { retries.Add(1) },
		},
		Lock: c.lock, LockTimeout: lockTimeout,
	}
	store, err := postgres.Open(cfg)
	if err != nil {
		return result{}, err
	}
	defer store.Close()
	svc := credits.NewService(store, system.Clock{}, &system.UUIDv7{}, credits.Options{Isolation: c.isolation, Lock: c.lock})
	if err := warm(ctx, store, workers); err != nil {
		return result{}, err
	}

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []time.Duration
		ops      atomic.Int64
		firstErr error
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 1<<14)
			for i := 0; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				_, err := svc.Spend(ctx, accountID(pick(w, i)), 1, fmt.Sprintf("w%d-%d-%d", w, t0.UnixNano(), i))
				switch {
				case err == nil:
					ops.Add(1)
					lat = append(lat, time.Since(t0))
				case errors.Is(err, core.ErrBusy):
					// A busy answer is a response too: its wait counts.
					busy.Add(1)
					lat = append(lat, time.Since(t0))
				default:
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return result{}, firstErr
	}
	p50, p99 := latencies(all)
	return result{ops: ops.Load(), busy: busy.Load(), retries: retries.Load(), elapsed: elapsed, p50: p50, p99: p99}, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// warm opens the pool's connections before the clock starts, as pgbench
// excludes its connection time.
func warm(ctx context.Context, store *postgres.Store, n int) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = store.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
				_, err := tx.Credits().Get(ctx, accountID(1))
				time.Sleep(10 * time.Millisecond) // hold the connection so all n open
				return err
			}, ports.ReadOnly())
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
