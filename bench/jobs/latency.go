package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// latency is one closed-loop run of concurrent clients: each sends its
// next request when its last one was answered.
type latency struct {
	What     string  `json:"what"`
	Clients  int     `json:"clients"`
	Users    int     `json:"users"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	FirstErr string  `json:"first_error,omitempty"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"requests_per_second"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Cost     *cost   `json:"cost,omitempty"` // per request
	// Statements are the costliest statements per request (with
	// -statements).
	Statements []statement `json:"statements,omitempty"`
}

// summarize makes a latency of every answer's time (errors included).
func summarize(what string, clients, users int, lat []time.Duration, elapsed time.Duration, errors int) latency {
	s := slices.Clone(lat)
	slices.Sort(s)
	pct := func(p float64) float64 {
		if len(s) == 0 {
			return 0
		}
		return float64(s[int(p/100*float64(len(s)-1))]) / float64(time.Millisecond)
	}
	return latency{What: what, Clients: clients, Users: users, Requests: len(s), Errors: errors,
		Seconds: elapsed.Seconds(), PerSec: float64(len(s)) / elapsed.Seconds(), P50ms: pct(50), P99ms: pct(99)}
}

// closedLoop runs clients goroutines for d, each calling do(client, n) for
// its n-th request, and summarizes every answer.
func closedLoop(ctx context.Context, what string, clients, users int, d time.Duration, do func(client, n int) error) latency {
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	began := time.Now()
	end := began.Add(d)
	for c := range clients {
		wg.Go(func() {
			var mine []time.Duration
			var bad int
			var first error
			for n := 0; time.Now().Before(end) && ctx.Err() == nil; n++ {
				t0 := time.Now()
				err := do(c, n)
				mine = append(mine, time.Since(t0))
				if err != nil {
					bad++
					first = cmpErr(first, err)
				}
			}
			mu.Lock()
			all, errs, firstErr = append(all, mine...), errs+bad, cmpErr(firstErr, first)
			mu.Unlock()
		})
	}
	wg.Wait()
	l := summarize(what, clients, users, all, time.Since(began), errs)
	if firstErr != nil {
		l.FirstErr = firstErr.Error()
	}
	return l
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// latencies is the latency phase, API only (no worker runs: the requests'
// jobs wait in the queue): GET /health, the floor of any request; insight
// requests spread over the users, client c on user c; all on one user,
// whose credit account every request locks first; and requests of the AI
// types spread over the users.
func (b *bench) latencies(ctx context.Context) error {
	b.res.Env.load("latency: GET /health")
	floor := closedLoop(ctx, "GET /health (HTTP floor)", b.o.clients, 0, b.o.floorDuration, func(int, int) error {
		return b.http.health(ctx)
	})
	b.res.Latency = append(b.res.Latency, floor)
	floor.print()
	type run struct {
		what  string
		d     time.Duration
		users func(client int) user
		n     int
		types []string
		// profile: with -profile, the API is profiled during this run
		// (cpu-serve-request.prof: the statistical types over 32 users).
		profile bool
	}
	perClient := func(c int) user { return b.users[c%len(b.users)] }
	runs := []run{
		{"POST insight request, one user per client", b.o.duration, perClient, min(b.o.clients, len(b.users)), insightTypes, true},
		{"POST insight request, every client on one user", b.o.hotDuration, func(int) user { return b.users[0] }, 1, insightTypes, false},
	}
	if !b.o.skipAI {
		runs = append(runs, run{"POST insight request of an AI type, one user per client", b.o.duration, perClient, min(b.o.clients, len(b.users)), aiTypes, false})
	}
	for _, r := range runs {
		b.res.Env.load("latency: " + r.what)
		from, err := b.take(ctx, b.db, nil)
		if err != nil {
			return err
		}
		b.statementsReset(ctx)
		profiled := make(chan error, 1)
		if b.o.profile && r.profile {
			go func() {
				profiled <- b.api.profile(ctx, r.d-time.Second, filepath.Join(b.o.out, "cpu-serve-request.prof"))
			}()
		} else {
			profiled <- nil
		}
		l := closedLoop(ctx, r.what, b.o.clients, r.n, r.d, func(c, n int) error {
			u := r.users(c)
			k := c + n*b.o.clients // clients on one user walk its pairs apart
			chat := u.chats[k%len(u.chats)]
			_, err := b.http.requestInsight(ctx, pair{key: u.key, chat: chat, typ: r.types[(k/len(u.chats))%len(r.types)]})
			return err
		})
		to, err := b.take(ctx, b.db, nil)
		if err != nil {
			return err
		}
		if err := <-profiled; err != nil {
			return fmt.Errorf("profiling the API: %w", err)
		}
		c := costOf(from, to, l.Requests)
		l.Cost = &c
		if r.n > 1 {
			if l.Statements, err = b.statements(ctx, l.Requests); err != nil {
				return err
			}
		}
		b.res.Latency = append(b.res.Latency, l)
		l.print()
	}
	return nil
}

func (l latency) print() {
	fmt.Printf("    %s: %d clients, %d requests in %.1f s: %.0f/s, p50 %.1f ms, p99 %.1f ms, %d errors %s\n",
		l.What, l.Clients, l.Requests, l.Seconds, l.PerSec, l.P50ms, l.P99ms, l.Errors, l.FirstErr)
	if l.Cost != nil {
		c := l.Cost
		fmt.Printf("      per request: %.2f write transactions, %.0f WAL bytes; CPU ms: API %.2f, PostgreSQL %.2f, bench %.2f\n",
			c.WriteTxPerUnit, c.WALBytesUnit, c.CPUmsPerUnit.API, c.CPUmsPerUnit.Postgres, c.CPUmsPerUnit.Bench)
	}
	printStatements(l.Statements)
}
