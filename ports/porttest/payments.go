package porttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Payments", runPayments) }

func runPayments(t *testing.T, newDatabase NewDatabase) {
	for _, c := range []struct {
		name     string
		lock     ports.LockPolicy
		attempts int
		run      func(*testing.T, ports.UnitOfWork)
	}{
		{"PacksSeededListedAndPut", ports.LockNoWait, 3, testPacks},
		{"PaymentStoredReadAndKeyed", ports.LockNoWait, 3, testPaymentRows},
		{"PaymentListsNewestFirstAndFiltered", ports.LockNoWait, 3, testPaymentLists},
		{"EventRecordedOncePerProviderAndID", ports.LockNoWait, 3, testEventRecords},
		{"OrphanedEventsFoundByMoneyAndAdopted", ports.LockNoWait, 3, testOrphanedEvents},
		{"StateMachineMovesForwardOnly", ports.LockWait, 5, testStateMachine},
		{"ReadOnlyUnitRefusesPaymentWrites", ports.LockNoWait, 3, testPaymentsReadOnly},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, store(t, newDatabase, options(c.lock, c.attempts)))
		})
	}
	for _, tp := range topologies {
		for _, p := range policies {
			name := p.String() + "/" + tp.name
			t.Run("ConcurrentDeliveriesGrantOnce/"+name, func(t *testing.T) {
				t.Parallel()
				testConcurrentDeliveries(t, tp.open(t, newDatabase, options(p, 30)))
			})
			t.Run("ConcurrentEventsOnePaymentNoLostUpdate/"+name, func(t *testing.T) {
				t.Parallel()
				testConcurrentEvents(t, tp.open(t, newDatabase, options(p, 30)))
			})
		}
	}
}

// webhookUnit is how the payments service runs a webhook's unit
// (docs/BENCHMARKS.md): READ COMMITTED, the bounded wait.
var webhookUnit = []ports.UnitOption{ports.WithIsolation(ports.ReadCommitted), ports.WithLock(ports.LockWait)}

func testPacks(t *testing.T, s ports.UnitOfWork) {
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		on, err := tx.Packs().List(ctx, false)
		if err != nil {
			return err
		}
		if len(on) < 3 || on[0].Slug != "starter" || on[0].Credits != 100 || on[0].PriceMinor != 500 || !on[0].Active {
			return fmt.Errorf("seeded packs = %+v; want starter (100 credits, 500) first of at least 3", on)
		}
		for i := 1; i < len(on); i++ {
			if on[i-1].PriceMinor > on[i].PriceMinor {
				return fmt.Errorf("packs not cheapest first: %+v", on)
			}
		}
		at := now()
		created, err := tx.Packs().Put(ctx, core.CreditPack{Slug: "aaa-trial", Name: "Trial", Credits: 10, PriceMinor: 100, Active: true, UpdatedAt: at})
		if err != nil || !created {
			return fmt.Errorf("Put(new) = %v, %v; want created", created, err)
		}
		created, err = tx.Packs().Put(ctx, core.CreditPack{Slug: "aaa-trial", Name: "Trial 2", Credits: 20, PriceMinor: 5000, Active: false, UpdatedAt: at})
		if err != nil || created {
			return fmt.Errorf("Put(existing) = %v, %v; want replaced", created, err)
		}
		got, err := tx.Packs().Get(ctx, "aaa-trial")
		want := core.CreditPack{Slug: "aaa-trial", Name: "Trial 2", Credits: 20, PriceMinor: 5000, Active: false, UpdatedAt: core.StorageTime(at)}
		if err != nil || got != want {
			return fmt.Errorf("Get(slug) = %+v, %v; want %+v", got, err, want)
		}
		if _, err := tx.Packs().Get(ctx, "nope"); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Get(unknown) = %v; want ErrNotFound", err)
		}
		on2, err := tx.Packs().List(ctx, false)
		if err != nil || len(on2) != len(on) {
			return fmt.Errorf("List(on sale) after adding an inactive pack = %d, %v; want %d", len(on2), err, len(on))
		}
		every, err := tx.Packs().List(ctx, true)
		if err != nil || len(every) != len(on)+1 {
			return fmt.Errorf("List(all) = %d, %v; want %d", len(every), err, len(on)+1)
		}
		return nil
	})
}

// newPayment stores a pending payment of the starter pack (100 credits for
// 500) for user.
func newPayment(t *testing.T, s ports.UnitOfWork, user core.UserID, key string) core.Payment {
	t.Helper()
	at := now()
	p := core.Payment{
		ID: core.PaymentID(newID()), UserID: user, Provider: "test", Pack: "starter", Credits: 100, AmountMinor: 500,
		Currency: "usd", Status: core.PaymentPending, IdempotencyKey: key, CreatedAt: at, UpdatedAt: at,
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Payments().Create(ctx, p) })
	p.CreatedAt, p.UpdatedAt = core.StorageTime(p.CreatedAt), core.StorageTime(p.UpdatedAt)
	return p
}

func testPaymentRows(t *testing.T, s ports.UnitOfWork) {
	a, b := newUser(t, s, "a@example.com", 0), newUser(t, s, "b@example.com", 0)
	p := newPayment(t, s, a.ID, "order-1")
	newPayment(t, s, b.ID, "order-1") // keys are per user
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		q := p
		q.ID = core.PaymentID(newID())
		return tx.Payments().Create(ctx, q)
	})
	if !errors.Is(err, core.ErrConflict) {
		t.Fatalf("a second payment with the user's key: %v; want ErrConflict", err)
	}
	noKey := newPayment(t, s, a.ID, "")
	newPayment(t, s, a.ID, "") // any number without a key
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Payments().Get(ctx, p.ID)
		if err != nil || got != p {
			return fmt.Errorf("Get(p.ID) = %+v, %v; want %+v", got, err, p)
		}
		got, err = tx.Payments().ByIdempotencyKey(ctx, a.ID, "order-1")
		if err != nil || got.ID != p.ID {
			return fmt.Errorf("ByIdempotencyKey = %v, %v; want %v", got.ID, err, p.ID)
		}
		for name, err := range map[string]error{
			"Get(unknown)":           second(tx.Payments().Get(ctx, core.PaymentID(newID()))),
			"Get(not an id)":         second(tx.Payments().Get(ctx, "{"+core.PaymentID(newID())+"}")),
			"ByIdempotencyKey(\"\")": second(tx.Payments().ByIdempotencyKey(ctx, a.ID, "")),
			"ByIdempotencyKey(b's)":  second(tx.Payments().ByIdempotencyKey(ctx, a.ID, "order-2")),
			"BySession(none yet)":    second(tx.Payments().BySession(ctx, "test", "cs_1")),
		} {
			if !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("%s = %v; want ErrNotFound", name, err)
			}
		}
		return nil
	})
	// Update writes the state and the session; what was sold never changes.
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Payments().Lock(ctx, p.ID)
		if err != nil {
			return err
		}
		cur.SessionID, cur.CheckoutURL, cur.SessionExpiresAt, cur.ProviderPaymentID = "cs_1", "https://pay.example/cs_1", now(), "pi_1"
		cur.Credits, cur.AmountMinor, cur.Pack = 1, 1, "pro"
		cur.UpdatedAt = now()
		return tx.Payments().Update(ctx, cur)
	}, webhookUnit...)
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Payments().BySession(ctx, "test", "cs_1")
		if err != nil || got.ID != p.ID || got.CheckoutURL != "https://pay.example/cs_1" || got.Credits != 100 || got.AmountMinor != 500 || got.Pack != "starter" {
			return fmt.Errorf("after Update, BySession = %+v, %v; want the session stored and the sale unchanged", got, err)
		}
		if got.SessionExpiresAt.Nanosecond()%1000 != 0 || got.UpdatedAt.Nanosecond()%1000 != 0 {
			return fmt.Errorf("times kept finer than microseconds: %v, %v", got.SessionExpiresAt, got.UpdatedAt)
		}
		if _, err := tx.Payments().BySession(ctx, "other", "cs_1"); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("BySession(another provider) = %v; want ErrNotFound", err)
		}
		byMoney, err := tx.Payments().ByProviderPayment(ctx, "test", "pi_1")
		if err != nil || byMoney.ID != p.ID || byMoney.ProviderPaymentID != "pi_1" {
			return fmt.Errorf("ByProviderPayment = %+v, %v; want the payment", byMoney, err)
		}
		for _, id := range []string{"", "pi_2"} {
			if _, err := tx.Payments().ByProviderPayment(ctx, "test", id); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("ByProviderPayment(%q) = %v; want ErrNotFound", id, err)
			}
		}
		return nil
	})
	// A session, and the money behind it, is one payment's.
	for name, edit := range map[string]func(*core.Payment){
		"session":          func(p *core.Payment) { p.SessionID = "cs_1" },
		"provider payment": func(p *core.Payment) { p.ProviderPaymentID = "pi_1" },
	} {
		err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			cur, err := tx.Payments().Lock(ctx, noKey.ID)
			if err != nil {
				return err
			}
			edit(&cur)
			return tx.Payments().Update(ctx, cur)
		}, webhookUnit...)
		if !errors.Is(err, core.ErrConflict) {
			t.Fatalf("a second payment with the %s: %v; want ErrConflict", name, err)
		}
	}
	// Storage refuses taking back more than was granted.
	err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Payments().Lock(ctx, noKey.ID)
		if err != nil {
			return err
		}
		cur.CreditsGranted, cur.CreditsRevoked, cur.Shortfall = 100, 60, 50
		return tx.Payments().Update(ctx, cur)
	}, webhookUnit...)
	if err == nil {
		t.Fatal("storage accepted a payment that took back more credits than it granted")
	}
	if _, err := lockMissing(s); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Lock(unknown) = %v; want ErrNotFound", err)
	}
}

func lockMissing(s ports.UnitOfWork) (core.Payment, error) {
	var p core.Payment
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		p, err = tx.Payments().Lock(ctx, core.PaymentID(newID()))
		return err
	}, webhookUnit...)
	return p, err
}

func second[T any](_ T, err error) error { return err }

func testPaymentLists(t *testing.T, s ports.UnitOfWork) {
	a, b := newUser(t, s, "a@example.com", 0), newUser(t, s, "b@example.com", 0)
	var mine []core.Payment
	for range 5 {
		mine = append(mine, newPayment(t, s, a.ID, ""))
		newPayment(t, s, b.ID, "")
	}
	short := mine[1]
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Payments().Lock(ctx, short.ID)
		if err != nil {
			return err
		}
		cur.Status, cur.CreditsGranted, cur.CreditsRevoked, cur.Shortfall, cur.RefundedMinor = core.PaymentRefunded, 100, 40, 60, 500
		return tx.Payments().Update(ctx, cur)
	}, webhookUnit...)
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Payments().Lock(ctx, mine[3].ID)
		if err != nil {
			return err
		}
		cur.Status, cur.Flag = core.PaymentPaid, core.FlagAmountMismatch
		return tx.Payments().Update(ctx, cur)
	}, webhookUnit...)
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var got []core.Payment
		var before *core.PageKey
		for {
			page, err := tx.Payments().List(ctx, a.ID, before, 2)
			if err != nil {
				return err
			}
			got = append(got, page...)
			if len(page) < 2 {
				break
			}
			k := page[len(page)-1].PageKey()
			before = &k
		}
		if len(got) != 5 {
			return fmt.Errorf("paged %d of the user's payments; want 5", len(got))
		}
		for i, p := range got {
			if p.ID != mine[4-i].ID {
				return fmt.Errorf("payment %d is %v; want %v (newest first)", i, p.ID, mine[4-i].ID)
			}
		}
		every, err := tx.Payments().ListAll(ctx, core.PaymentFilter{}, nil, 100)
		if err != nil || len(every) != 10 {
			return fmt.Errorf("ListAll = %d, %v; want 10", len(every), err)
		}
		shortOnes, err := tx.Payments().ListAll(ctx, core.PaymentFilter{Shortfall: true}, nil, 100)
		if err != nil || len(shortOnes) != 1 || shortOnes[0].ID != short.ID || shortOnes[0].Shortfall != 60 {
			return fmt.Errorf("ListAll(shortfall) = %+v, %v; want the one payment short of 60", shortOnes, err)
		}
		flagged, err := tx.Payments().ListAll(ctx, core.PaymentFilter{Flagged: true}, nil, 100)
		if err != nil || len(flagged) != 1 || flagged[0].ID != mine[3].ID {
			return fmt.Errorf("ListAll(flagged) = %+v, %v; want the one flagged payment", flagged, err)
		}
		bad := core.PageKey{Time: now(), ID: "not-an-id"}
		if _, err := tx.Payments().List(ctx, a.ID, &bad, 2); !errors.Is(err, core.ErrInvalid) {
			return fmt.Errorf("List(bad key) = %v; want a validation error", err)
		}
		if _, err := tx.Payments().ListAll(ctx, core.PaymentFilter{}, &bad, 2); !errors.Is(err, core.ErrInvalid) {
			return fmt.Errorf("ListAll(bad key) = %v; want a validation error", err)
		}
		return nil
	}, ports.ReadOnly())
}

func testEventRecords(t *testing.T, s ports.UnitOfWork) {
	at := now()
	e := core.PaymentEventRecord{Provider: "test", EventID: "evt_1", Kind: core.EventCompleted, PaymentID: core.PaymentID(newID()),
		SessionID: "cs_1", Outcome: core.OutcomeApplied, ReceivedAt: at}
	for i, want := range []bool{true, false} {
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			again := e
			again.Outcome = core.OutcomeIgnored
			inserted, err := tx.Payments().RecordEvent(ctx, again)
			if err != nil || inserted != want {
				return fmt.Errorf("delivery %d: RecordEvent = %v, %v; want %v", i+1, inserted, err, want)
			}
			return nil
		})
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		other := e
		other.Provider = "other"
		if inserted, err := tx.Payments().RecordEvent(ctx, other); err != nil || !inserted {
			return fmt.Errorf("the same id from another provider: %v, %v; want recorded", inserted, err)
		}
		got, err := tx.Payments().Event(ctx, "test", "evt_1")
		want := e
		want.Outcome, want.ReceivedAt = core.OutcomeIgnored, core.StorageTime(at)
		if err != nil || got != want {
			return fmt.Errorf("Event(evt_1) = %+v, %v; want %+v (the first recording)", got, err, want)
		}
		bare := core.PaymentEventRecord{Provider: "test", EventID: "evt_bare", Kind: core.EventIgnored, Outcome: core.OutcomeUnknownPayment, ReceivedAt: at}
		if inserted, err := tx.Payments().RecordEvent(ctx, bare); err != nil || !inserted {
			return fmt.Errorf("an event naming no payment: %v, %v; want recorded", inserted, err)
		}
		if _, err := tx.Payments().Event(ctx, "test", "evt_2"); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Event(unknown) = %v; want ErrNotFound", err)
		}
		return nil
	})
	// Rolled back with its unit: a later delivery records it.
	_ = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Payments().RecordEvent(ctx, core.PaymentEventRecord{Provider: "test", EventID: "evt_3", Kind: core.EventExpired, Outcome: core.OutcomeApplied, ReceivedAt: at}); err != nil {
			return err
		}
		return errors.New("the unit fails after recording")
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		inserted, err := tx.Payments().RecordEvent(ctx, core.PaymentEventRecord{Provider: "test", EventID: "evt_3", Kind: core.EventExpired, Outcome: core.OutcomeApplied, ReceivedAt: at})
		if err != nil || !inserted {
			return fmt.Errorf("recording an event whose first unit rolled back: %v, %v; want recorded", inserted, err)
		}
		return nil
	})
}

// testOrphanedEvents: refunds and lost disputes recorded for no payment,
// with the money's id, are what Orphans finds by that id, oldest first,
// and only until Adopt gives them their payment and outcome; other
// events, other providers and other money are never found.
func testOrphanedEvents(t *testing.T, s ports.UnitOfWork) {
	at := now()
	rec := func(id string, kind core.PaymentEventKind, provider, money string, outcome core.EventOutcome, after time.Duration) core.PaymentEventRecord {
		return core.PaymentEventRecord{Provider: provider, EventID: id, Kind: kind, Outcome: outcome,
			ProviderPaymentID: money, AmountRefunded: 120, ReceivedAt: at.Add(after)}
	}
	records := []core.PaymentEventRecord{
		rec("evt_d", core.EventDisputeLost, "test", "pi_1", core.OutcomeUnknownPayment, 2*time.Second),
		rec("evt_r", core.EventRefunded, "test", "pi_1", core.OutcomeUnknownPayment, time.Second),
		rec("evt_x", core.EventExpired, "test", "pi_1", core.OutcomeUnknownPayment, 0),   // not money taken back
		rec("evt_a", core.EventRefunded, "test", "pi_1", core.OutcomeApplied, 0),         // applied already
		rec("evt_o", core.EventRefunded, "other", "pi_1", core.OutcomeUnknownPayment, 0), // another provider
		rec("evt_2", core.EventRefunded, "test", "pi_2", core.OutcomeUnknownPayment, 0),  // other money
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for _, r := range records {
			if ok, err := tx.Payments().RecordEvent(ctx, r); err != nil || !ok {
				return fmt.Errorf("RecordEvent(%s) = %v, %v", r.EventID, ok, err)
			}
		}
		return nil
	})
	ids := func(rs []core.PaymentEventRecord) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.EventID)
		}
		return out
	}
	paid := core.PaymentID(newID())
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Payments().Orphans(ctx, "test", "pi_1")
		if err != nil || !slices.Equal(ids(got), []string{"evt_r", "evt_d"}) {
			return fmt.Errorf("Orphans(pi_1) = %v, %v; want [evt_r evt_d]", ids(got), err)
		}
		if got[0].AmountRefunded != 120 || got[0].ProviderPaymentID != "pi_1" || got[0].Kind != core.EventRefunded {
			return fmt.Errorf("an orphan read back as %+v", got[0])
		}
		if err := tx.Payments().Adopt(ctx, "test", "evt_r", paid, core.OutcomeApplied); err != nil {
			return err
		}
		if err := tx.Payments().Adopt(ctx, "test", "evt_none", paid, core.OutcomeApplied); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Adopt(unknown event) = %v; want ErrNotFound", err)
		}
		return nil
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Payments().Orphans(ctx, "test", "pi_1")
		if err != nil || !slices.Equal(ids(got), []string{"evt_d"}) {
			return fmt.Errorf("Orphans(pi_1) after an adoption = %v, %v; want [evt_d]", ids(got), err)
		}
		adopted, err := tx.Payments().Event(ctx, "test", "evt_r")
		if err != nil || adopted.PaymentID != paid || adopted.Outcome != core.OutcomeApplied {
			return fmt.Errorf("the adopted event reads %+v, %v", adopted, err)
		}
		return nil
	}, ports.ReadOnly())
	// A read-only unit adopts nothing.
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		return tx.Payments().Adopt(ctx, "test", "evt_d", paid, core.OutcomeApplied)
	}, ports.ReadOnly())
	if !errors.Is(err, ports.ErrReadOnly) {
		t.Fatalf("Adopt in a read-only unit = %v; want ErrReadOnly", err)
	}
}

func testPaymentsReadOnly(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "ro@example.com", 0)
	p := newPayment(t, s, u.ID, "")
	for name, write := range map[string]func(ctx context.Context, tx ports.Tx) error{
		"Lock":   func(ctx context.Context, tx ports.Tx) error { return second(tx.Payments().Lock(ctx, p.ID)) },
		"Update": func(ctx context.Context, tx ports.Tx) error { return tx.Payments().Update(ctx, p) },
		"RecordEvent": func(ctx context.Context, tx ports.Tx) error {
			return second(tx.Payments().RecordEvent(ctx, core.PaymentEventRecord{Provider: "test", EventID: "evt_ro", Kind: core.EventIgnored, Outcome: core.OutcomeIgnored, ReceivedAt: now()}))
		},
		"Put pack": func(ctx context.Context, tx ports.Tx) error {
			return second(tx.Packs().Put(ctx, core.CreditPack{Slug: "ro", Name: "RO", Credits: 1, PriceMinor: 1, Active: true, UpdatedAt: now()}))
		},
	} {
		err := s.Do(context.Background(), write, ports.ReadOnly())
		if !errors.Is(err, ports.ErrReadOnly) {
			t.Errorf("%s in a read-only unit: %v; want ErrReadOnly", name, err)
		}
	}
}

// errDuplicate rolls back a delivery whose event was recorded before.
var errDuplicate = errors.New("duplicate event")

// deliver handles ev the way the payments service does, in one unit: lock
// the payment first, decide (core.Payment.Handle), grant or take back
// credits (change locks the account), write the payment, record the event;
// a duplicate rolls it all back. It reports the outcome.
func deliver(s ports.UnitOfWork, ev core.PaymentEvent) (core.EventOutcome, error) {
	var outcome core.EventOutcome
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		p, err := tx.Payments().Lock(ctx, ev.PaymentID)
		if err != nil {
			return err
		}
		c := p.Handle(ev, true)
		if c.Grant > 0 {
			if _, err := change(ctx, tx, p.UserID, c.Grant, core.KindPurchase, core.PaymentReference(p.ID)); err != nil {
				return err
			}
		}
		if c.TakeBack > 0 {
			acc, err := tx.Credits().Get(ctx, p.UserID)
			if err != nil {
				return err
			}
			taken := min(c.TakeBack, acc.Balance)
			if taken > 0 {
				if _, err := change(ctx, tx, p.UserID, -taken, core.KindPurchase, core.RefundReference(p.ID, c.Next.RefundedMinor)); err != nil {
					return err
				}
			}
			c.Settle(taken)
		}
		if c.Next != p {
			c.Next.UpdatedAt = now()
			if err := tx.Payments().Update(ctx, c.Next); err != nil {
				return err
			}
		}
		inserted, err := tx.Payments().RecordEvent(ctx, core.PaymentEventRecord{
			Provider: ev.Provider, EventID: ev.ID, Kind: ev.Kind, PaymentID: p.ID, Outcome: c.Outcome, ReceivedAt: now(),
		})
		if err != nil {
			return err
		}
		if !inserted {
			return errDuplicate
		}
		outcome = c.Outcome
		return nil
	}, webhookUnit...)
	if errors.Is(err, errDuplicate) {
		return core.OutcomeDuplicate, nil
	}
	return outcome, err
}

func event(id string, p core.Payment, kind core.PaymentEventKind) core.PaymentEvent {
	return core.PaymentEvent{ID: id, Provider: "test", Kind: kind, PaymentID: p.ID, Paid: true, AmountTotal: p.AmountMinor, Currency: p.Currency}
}

func refund(id string, p core.Payment, total int64) core.PaymentEvent {
	return core.PaymentEvent{ID: id, Provider: "test", Kind: core.EventRefunded, PaymentID: p.ID, AmountRefunded: total}
}

func getPayment(t *testing.T, s ports.UnitOfWork, id core.PaymentID) core.Payment {
	t.Helper()
	var p core.Payment
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		p, err = tx.Payments().Get(ctx, id)
		return err
	}, ports.ReadOnly())
	return p
}

// testStateMachine drives payments through sequences of events, in and out
// of order, and checks where each ends: status, credits, ledger.
func testStateMachine(t *testing.T, s ports.UnitOfWork) {
	type step struct {
		ev   core.PaymentEvent
		want core.EventOutcome
	}
	type ends struct {
		status                       core.PaymentStatus
		granted, revoked, short, bal int64
		flag                         core.PaymentFlag
	}
	cases := []struct {
		name    string
		spend   int64 // spent between the first and the later events
		steps   func(p core.Payment) []step
		ends    ends
		entries int // ledger entries of the payment
	}{
		{"paid then duplicate", 0, func(p core.Payment) []step {
			return []step{{event("e1", p, core.EventCompleted), core.OutcomeApplied}, {event("e1", p, core.EventCompleted), core.OutcomeDuplicate},
				{event("e2", p, core.EventAsyncSucceeded), core.OutcomeIgnored}}
		}, ends{core.PaymentPaid, 100, 0, 0, 100, ""}, 1},
		{"awaiting then async succeeded", 0, func(p core.Payment) []step {
			awaiting := event("e1", p, core.EventCompleted)
			awaiting.Paid = false
			return []step{{awaiting, core.OutcomeIgnored}, {event("e2", p, core.EventAsyncSucceeded), core.OutcomeApplied}}
		}, ends{core.PaymentPaid, 100, 0, 0, 100, ""}, 1},
		{"paid after expired", 0, func(p core.Payment) []step {
			return []step{{event("e1", p, core.EventExpired), core.OutcomeApplied}, {event("e2", p, core.EventCompleted), core.OutcomeApplied}}
		}, ends{core.PaymentPaid, 100, 0, 0, 100, ""}, 1},
		{"expired and failed after paid", 0, func(p core.Payment) []step {
			return []step{{event("e1", p, core.EventCompleted), core.OutcomeApplied}, {event("e2", p, core.EventExpired), core.OutcomeIgnored},
				{event("e3", p, core.EventAsyncFailed), core.OutcomeIgnored}}
		}, ends{core.PaymentPaid, 100, 0, 0, 100, ""}, 1},
		{"failed stays failed", 0, func(p core.Payment) []step {
			return []step{{event("e1", p, core.EventAsyncFailed), core.OutcomeApplied}, {event("e2", p, core.EventExpired), core.OutcomeIgnored}}
		}, ends{core.PaymentFailed, 0, 0, 0, 0, ""}, 0},
		{"full refund before paid", 0, func(p core.Payment) []step {
			return []step{{refund("e1", p, 500), core.OutcomeApplied}, {event("e2", p, core.EventCompleted), core.OutcomeApplied}}
		}, ends{core.PaymentRefunded, 100, 100, 0, 0, ""}, 0},
		{"partial refund before paid", 0, func(p core.Payment) []step {
			return []step{{refund("e1", p, 100), core.OutcomeApplied}, {event("e2", p, core.EventCompleted), core.OutcomeApplied}}
		}, ends{core.PaymentRefunded, 100, 20, 0, 80, ""}, 1},
		{"partial refunds out of order, then dispute lost", 0, func(p core.Payment) []step {
			return []step{{event("e1", p, core.EventCompleted), core.OutcomeApplied}, {refund("e3", p, 300), core.OutcomeApplied},
				{refund("e2", p, 101), core.OutcomeIgnored}, {event("e4", p, core.EventDisputeLost), core.OutcomeApplied}}
		}, ends{core.PaymentRefunded, 100, 100, 0, 0, ""}, 3},
		{"refund rounds up", 0, func(p core.Payment) []step {
			return []step{{event("e1", p, core.EventCompleted), core.OutcomeApplied}, {refund("e2", p, 1), core.OutcomeApplied}}
		}, ends{core.PaymentRefunded, 100, 1, 0, 99, ""}, 2},
		{"refund after credits were spent", 70, func(p core.Payment) []step {
			return []step{{event("e1", p, core.EventCompleted), core.OutcomeApplied}, {refund("e2", p, 500), core.OutcomeApplied},
				{event("e3", p, core.EventDisputeLost), core.OutcomeIgnored}}
		}, ends{core.PaymentRefunded, 100, 30, 70, 0, ""}, 2},
		{"amount mismatch grants nothing", 0, func(p core.Payment) []step {
			cheap := event("e1", p, core.EventCompleted)
			cheap.AmountTotal = 1
			return []step{{cheap, core.OutcomeFlagged}, {event("e2", p, core.EventAsyncSucceeded), core.OutcomeIgnored}, {refund("e3", p, 500), core.OutcomeApplied}}
		}, ends{core.PaymentRefunded, 0, 0, 0, 0, core.FlagAmountMismatch}, 0},
		{"currency mismatch grants nothing", 0, func(p core.Payment) []step {
			eur := event("e1", p, core.EventCompleted)
			eur.Currency = "eur"
			return []step{{eur, core.OutcomeFlagged}}
		}, ends{core.PaymentPaid, 0, 0, 0, 0, core.FlagAmountMismatch}, 0},
	}
	for _, tc := range cases {
		u := newUser(t, s, "sm@example.com", 0)
		p := newPayment(t, s, u.ID, "")
		for i, st := range tc.steps(p) {
			if i == 1 && tc.spend > 0 {
				do(t, s, func(ctx context.Context, tx ports.Tx) error {
					_, err := change(ctx, tx, u.ID, -tc.spend, core.KindSpend, "spent")
					return err
				})
			}
			st.ev.ID = string(p.ID) + "-" + st.ev.ID
			got, err := deliver(s, st.ev)
			if err != nil || got != st.want {
				t.Fatalf("%s: event %d (%s) = %v, %v; want %v", tc.name, i+1, st.ev.Kind, got, err, st.want)
			}
		}
		got := getPayment(t, s, p.ID)
		bal, sum, entries := balance(t, s, u.ID)
		mine := 0
		for _, e := range entries {
			if e.Reference != "spent" {
				mine++
			}
		}
		end := ends{got.Status, got.CreditsGranted, got.CreditsRevoked, got.Shortfall, bal, got.Flag}
		if end != tc.ends || sum != bal || mine != tc.entries {
			t.Errorf("%s: ends %+v with ledger sum %d and %d payment entries; want %+v, %d entries", tc.name, end, sum, mine, tc.ends, tc.entries)
		}
		if got.Status == core.PaymentPending {
			t.Errorf("%s: still pending", tc.name)
		}
		// The user deletes the account; the user's own users module is
		// what cascades, and payments are never deleted with it.
		do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, u.ID, now()) })
		if after := getPayment(t, s, p.ID); after != got {
			t.Errorf("%s: deleting the user changed the payment", tc.name)
		}
	}
}

// testConcurrentDeliveries delivers one event 20 times at once (and its
// redeliveries after), spread over the stores: it is applied once.
func testConcurrentDeliveries(t *testing.T, stores []ports.UnitOfWork) {
	const n = 20
	s := stores[0]
	u := newUser(t, s, "buyer@example.com", 0)
	p := newPayment(t, s, u.ID, "")
	ev := event("evt_once", p, core.EventCompleted)
	outcomes, errs := map[core.EventOutcome]int{}, []error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got, err := deliver(stores[i%len(stores)], ev)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !errors.Is(err, core.ErrBusy) {
				errs = append(errs, err)
			}
			outcomes[got]++
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	if got, err := deliver(s, ev); err != nil || got != core.OutcomeDuplicate {
		t.Fatalf("a later redelivery = %v, %v; want duplicate", got, err)
	}
	t.Logf("outcomes %v", outcomes)
	if outcomes[core.OutcomeApplied] != 1 {
		t.Fatalf("applied %d times; want once (outcomes %v)", outcomes[core.OutcomeApplied], outcomes)
	}
	bal, sum, entries := balance(t, s, u.ID)
	if got := getPayment(t, s, p.ID); got.Status != core.PaymentPaid || got.CreditsGranted != 100 || bal != 100 || sum != 100 || len(entries) != 1 {
		t.Fatalf("payment %s granted %d; balance %d, sum %d, %d entries; want paid, 100, 100, 100, 1", got.Status, got.CreditsGranted, bal, sum, len(entries))
	}
}

// testConcurrentEvents races, on fresh payments, the event that pays one
// against the one that refunds it in full. Whichever wins, the payment ends
// refunded with nothing kept; without the payment's row lock, both would
// read it pending and one write would lose the other's.
func testConcurrentEvents(t *testing.T, stores []ports.UnitOfWork) {
	const rounds = 8
	s := stores[0]
	u := newUser(t, s, "racer@example.com", 0)
	for r := range rounds {
		p := newPayment(t, s, u.ID, "")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, ev := range []core.PaymentEvent{event(fmt.Sprint("pay-", r), p, core.EventCompleted), refund(fmt.Sprint("refund-", r), p, 500)} {
			wg.Go(func() {
				var err error
				for range 5 { // a busy answer is the provider's cue to deliver again
					if _, err = deliver(stores[(r+i)%len(stores)], ev); !errors.Is(err, core.ErrBusy) {
						break
					}
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		got := getPayment(t, s, p.ID)
		if got.Status != core.PaymentRefunded || got.RefundedMinor != 500 || got.CreditsGranted != 100 || got.CreditsRevoked+got.Shortfall != 100 {
			t.Fatalf("round %d: payment %+v; want refunded in full, 100 granted and 100 taken back", r, got)
		}
	}
	if bal, sum, _ := balance(t, s, u.ID); bal != 0 || sum != 0 {
		t.Fatalf("balance %d, ledger sum %d after paying and refunding every payment; want 0, 0", bal, sum)
	}
}
