package main

import (
	"context"
	"errors"
	"fmt"
	"os"
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
	// procs is how many OS processes share the workers (procs.go); 1 runs
	// them all in the benchmark's own process.
	procs int
}

func (c contender) String() string {
	s := fmt.Sprintf("%s (%s, backoff %v..%v", c.name, c.isolation, c.base, c.max)
	if c.procs > 1 {
		s += fmt.Sprintf(", %d processes", c.procs)
	}
	return s + ")"
}

// runOurs spends 1 credit per operation through credits.Service from
// workers goroutines for d, each picking an account with pick.
func runOurs(ctx context.Context, dsn string, c contender, workers int, d time.Duration, pick func(worker, i int) int, lockTimeout time.Duration, attempts int) (result, error) {
	sp, err := openSpender(ctx, dsn, c, workers, lockTimeout, attempts)
	if err != nil {
		return result{}, err
	}
	defer sp.close()
	s, err := sp.spend(ctx, workers, time.Now(), d, pick)
	if err != nil {
		return result{}, err
	}
	return s.result(), nil
}

// spender is one process's side of a contender: its own store (connection
// pool and row gates) and credits service, as one API process has.
type spender struct {
	store   *postgres.Store
	svc     *credits.Service
	retries atomic.Int64 // replays of a unit of work since the store opened
}

// openSpender opens c's store with a pool of workers connections and opens
// them all, so that the run's clock starts on a warm pool.
func openSpender(ctx context.Context, dsn string, c contender, workers int, lockTimeout time.Duration, attempts int) (*spender, error) {
	sp := &spender{}
	cfg := postgres.DefaultConfig(dsn)
	cfg.MaxOpenConns, cfg.MaxIdleConns = workers, workers
	cfg.Store = ports.StoreOptions{
		Retry: ports.RetryPolicy{
			Attempts: attempts, BaseDelay: c.base, MaxDelay: c.max,
			OnRetry: func(string) { sp.retries.Add(1) },
		},
		Lock: c.lock, LockTimeout: lockTimeout,
	}
	store, err := postgres.Open(cfg)
	if err != nil {
		return nil, err
	}
	if err := warm(ctx, store, workers); err != nil {
		store.Close()
		return nil, err
	}
	sp.store = store
	sp.svc = credits.NewService(store, system.Clock{}, &system.UUIDv7{}, credits.Options{Isolation: c.isolation, Lock: c.lock})
	return sp, nil
}

func (sp *spender) close() error { return sp.store.Close() }

// spend waits until start, then spends from workers goroutines until
// start+d. A start in the future lets several processes share one window.
func (sp *spender) spend(ctx context.Context, workers int, start time.Time, d time.Duration, pick func(worker, i int) int) (sample, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []time.Duration
		ops      atomic.Int64
		busy     atomic.Int64
		firstErr error
	)
	retried := sp.retries.Load()
	deadline := start.Add(d)
	// The pid keeps references unique when several processes spend at once.
	pid := os.Getpid()
	time.Sleep(time.Until(start))
	for w := range workers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 1<<14)
			for i := 0; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				_, err := sp.svc.Spend(ctx, accountID(pick(w, i)), 1, fmt.Sprintf("p%d-w%d-%d-%d", pid, w, t0.UnixNano(), i))
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
		return sample{}, firstErr
	}
	return sample{Ops: ops.Load(), Busy: busy.Load(), Retries: sp.retries.Load() - retried, Elapsed: elapsed, Lat: all}, nil
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
