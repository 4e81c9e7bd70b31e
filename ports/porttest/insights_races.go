package porttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// insightJobKind is the kind of the jobs the request unit enqueues.
const insightJobKind = "porttest-insight"

// insightJobArgs are an insight job's arguments: the generation it works.
func insightJobArgs(in core.Insight) []byte {
	b, err := json.Marshal(struct {
		Insight    core.InsightID `json:"insight"`
		Generation int64          `json:"generation"`
	}{in.ID, in.Generation})
	if err != nil {
		panic(err)
	}
	return b
}

// insightRequest is a client's request for an insight.
type insightRequest struct {
	user core.UserID
	chat core.ChatID
	typ  core.InsightType
	key  string // its Idempotency-Key
}

// requestUnit is how the insights service runs a request (a READ
// COMMITTED unit that locks the credit account first, the bounded wait):
// a key already claimed answers with the insight it made; otherwise the
// request starts a generation, charges it, enqueues its job, records the
// job on the insight and claims the key, all in the one unit. It returns
// the insight's id and whether this request did the work.
func requestUnit(s ports.UnitOfWork, r insightRequest) (id core.InsightID, did bool, err error) {
	err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		did = false
		acc, err := tx.Credits().Lock(ctx, r.user)
		if err != nil {
			return err
		}
		at := now()
		rec, err := tx.Idempotency().Find(ctx, r.user, r.key, at)
		if err == nil {
			id = core.InsightID(rec.Resource)
			return nil
		}
		if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		in, err := tx.Insights().Start(ctx, insightOf(r.user, r.chat, r.typ.Slug, r.typ.Cost))
		if err != nil {
			return err
		}
		charge := core.LedgerEntry{
			ID: core.EntryID(newID()), UserID: r.user, Amount: -in.Cost, BalanceAfter: acc.Balance - in.Cost,
			Kind: core.KindSpend, Reference: in.ChargeReference(), CreatedAt: at,
		}
		if charge.BalanceAfter < 0 {
			return core.ErrInsufficientCredits
		}
		inserted, err := tx.Credits().Append(ctx, charge)
		if err != nil {
			return err
		}
		if !inserted {
			return fmt.Errorf("the charge %s was applied before, yet its key was not claimed", charge.Reference)
		}
		if err := tx.Credits().SetBalance(ctx, r.user, charge.BalanceAfter, at); err != nil {
			return err
		}
		job, dup, err := tx.Jobs().Enqueue(ctx, ports.NewJob{
			Kind: insightJobKind, Args: insightJobArgs(in), Unique: true, MaxAttempts: r.typ.MaxAttempts, Timeout: r.typ.Timeout,
		})
		if err != nil {
			return err
		}
		if dup {
			return fmt.Errorf("the job of generation %d existed before, yet its key was not claimed", in.Generation)
		}
		if in, err = tx.Insights().Lock(ctx, in.ID); err != nil {
			return err
		}
		in.JobID = job
		if err := tx.Insights().Update(ctx, in); err != nil {
			return err
		}
		key := keyOf(r.user, r.key, at)
		key.Resource = string(in.ID)
		_, created, err := tx.Idempotency().Claim(ctx, key, at)
		if err != nil {
			return err
		}
		if !created {
			return errors.New("another request claimed the key under the account's lock")
		}
		id, did = in.ID, true
		return nil
	}, ports.WithIsolation(ports.ReadCommitted), ports.WithLock(ports.LockWait))
	return id, did, err
}

// testConcurrentRequests: 50 requests with one idempotency key at once
// charge once, make one generation and enqueue one job; every request
// that succeeds answers with the same insight.
func testConcurrentRequests(t *testing.T, stores []ports.UnitOfWork) {
	const n = 50
	s := stores[0]
	u, c, typ := insightFixture(t, s, "requests@example.com")
	r := insightRequest{user: u.ID, chat: c.ID, typ: typ, key: "one-request"}
	ids, did, errs := make([]core.InsightID, n), make([]bool, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ids[i], did[i], errs[i] = requestUnit(stores[i%len(stores)], r) })
	}
	wg.Wait()
	var id core.InsightID
	worked, ok, busy := 0, 0, 0
	for i := range n {
		switch {
		case errs[i] == nil:
			ok++
			if did[i] {
				worked++
			}
			if id == "" {
				id = ids[i]
			}
			if ids[i] != id {
				t.Fatalf("requests with one key answered with insights %s and %s; want one", id, ids[i])
			}
		case errors.Is(errs[i], core.ErrBusy):
			busy++
		default:
			t.Fatalf("request %d: %v", i, errs[i])
		}
	}
	t.Logf("%d requests answered (%d busy)", ok, busy)
	if worked != 1 {
		t.Fatalf("%d of %d requests with one key did the work; want exactly 1", worked, ok)
	}
	in := getInsight(t, s, id)
	if in.Generation != 1 || in.Status != core.InsightPending || in.JobID == "" {
		t.Fatalf("the insight is generation %d, %s, job %q; want generation 1, pending, its job", in.Generation, in.Status, in.JobID)
	}
	bal, sum, entries := balance(t, s, u.ID)
	spends := 0
	for _, e := range entries {
		if e.Kind == core.KindSpend {
			spends++
			if e.Reference != in.ChargeReference() || e.Amount != -typ.Cost {
				t.Fatalf("the charge is %+v; want %d under %s", e, -typ.Cost, in.ChargeReference())
			}
		}
	}
	if want := 100 - typ.Cost; spends != 1 || bal != want || sum != want {
		t.Fatalf("%d charges, balance %d, ledger sum %d; want one charge, %d, %d", spends, bal, sum, want, want)
	}
	job, err := getJob(s, in.JobID)
	if err != nil || job.Kind != insightJobKind || job.State.Final() || !sameJSON(job.Args, insightJobArgs(in)) {
		t.Fatalf("the insight's job = %+v, %v; want a queued %s job of generation 1", job, err, insightJobKind)
	}
	if q, ok := s.(ports.JobQueue); ok {
		counts, err := q.Counts(context.Background())
		if err != nil {
			t.Fatalf("Counts: %v", err)
		}
		total := 0
		for _, k := range counts[insightJobKind] {
			total += k
		}
		if total != 1 {
			t.Fatalf("the queue holds %d %s jobs (%v); want one", total, insightJobKind, counts[insightJobKind])
		}
	}
}

// failUnit is how an insight's job ends a generation that failed for good,
// in a unit at READ COMMITTED: lock the insight first; if it is still
// pending, mark it failed and refund its charge (insert-if-absent under
// its refund reference). It reports whether this unit marked it.
func failUnit(s ports.UnitOfWork, id core.InsightID) (marked bool, err error) {
	err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		marked = false
		in, err := tx.Insights().Lock(ctx, id)
		if err != nil || in.Status != core.InsightPending {
			return err
		}
		time.Sleep(time.Millisecond) // hold the row a moment, so the units overlap
		at := now()
		in.Status, in.Attempts, in.ErrorClass, in.UpdatedAt, in.CompletedAt = core.InsightFailed, 3, core.ErrClassProvider, at, at
		if err := tx.Insights().Update(ctx, in); err != nil {
			return err
		}
		if _, err := change(ctx, tx, in.UserID, in.Cost, core.KindRefund, in.RefundReference()); err != nil {
			return err
		}
		marked = true
		return nil
	}, ports.WithIsolation(ports.ReadCommitted))
	return marked, err
}

// testConcurrentFailures: a generation's final failure reported by 20
// units at once is marked once and refunded once. Without the insight's
// row lock, several units would read it pending and mark it.
func testConcurrentFailures(t *testing.T, stores []ports.UnitOfWork) {
	const n = 20
	s := stores[0]
	u, c, typ := insightFixture(t, s, "refunds@example.com")
	id, _, err := requestUnit(s, insightRequest{user: u.ID, chat: c.ID, typ: typ, key: "refunded"})
	if err != nil {
		t.Fatalf("the request: %v", err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	marked, busy := 0, 0
	for i := range n {
		wg.Go(func() {
			m, err := failUnit(stores[i%len(stores)], id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && m:
				marked++
			case errors.Is(err, core.ErrBusy):
				busy++
			case err != nil:
				t.Errorf("a final failure's unit: %v", err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d busy", busy)
	in := getInsight(t, s, id)
	if marked != 1 || in.Status != core.InsightFailed {
		t.Fatalf("%d units marked the generation failed, which is %s; want exactly 1 and failed", marked, in.Status)
	}
	bal, sum, entries := balance(t, s, u.ID)
	refunds := 0
	for _, e := range entries {
		if e.Kind == core.KindRefund {
			refunds++
		}
	}
	if refunds != 1 || bal != 100 || sum != 100 {
		t.Fatalf("%d refunds, balance %d, ledger sum %d; want one refund and the 100 credits back", refunds, bal, sum)
	}
}
