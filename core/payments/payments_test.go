package payments_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/payments/local"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/payments"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/internal/storetest"
	"github.com/chatlens/chatlens/ports"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var secret = []byte("0123456789abcdef0123456789abcdef-test")

// forEachBackend runs test on every storage adapter (internal/storetest),
// as parallel subtests.
func forEachBackend(t *testing.T, test func(t *testing.T, uow ports.UnitOfWork)) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) { test(t, s) })
}

// fixture is the payments service on the local provider.
type fixture struct {
	t       *testing.T
	uow     ports.UnitOfWork
	svc     *payments.Service
	users   *users.Service
	credits *credits.Service
	local   *local.Provider
}

func newFixture(t *testing.T, uow ports.UnitOfWork, providers ...ports.PaymentProvider) *fixture {
	t.Helper()
	lp, err := local.New(local.Config{Secret: secret, BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if providers == nil {
		providers = []ports.PaymentProvider{lp}
	}
	ids := &system.UUIDv7{}
	svc, err := payments.NewService(uow, system.Clock{}, ids, payments.Config{Currency: "USD", PublicBaseURL: "http://127.0.0.1:8080/", Providers: providers})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, uow: uow, svc: svc, users: users.NewService(uow, system.Clock{}, ids),
		credits: credits.NewService(uow, system.Clock{}, ids, credits.DefaultOptions()), local: lp}
}

func (f *fixture) user(email string) core.User {
	f.t.Helper()
	u, _, err := f.users.SignUp(context.Background(), email, "Buyer")
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// buy creates a payment of the starter pack (100 credits for 500).
func (f *fixture) buy(u core.User) core.Payment {
	f.t.Helper()
	p, created, err := f.svc.Create(context.Background(), u.ID, "starter", "")
	if err != nil || !created || p.Status != core.PaymentPending || p.CheckoutURL == "" || p.SessionID == "" {
		f.t.Fatalf("Create = %+v, %v, %v", p, created, err)
	}
	return p
}

// event is a local provider's webhook body about p.
func event(id, typ string, p core.Payment, edit ...func(*local.EventData)) []byte {
	d := local.EventData{Session: p.SessionID, Payment: string(p.ID), Paid: true, AmountTotal: p.AmountMinor, Currency: p.Currency,
		ProviderPayment: "pi_" + string(p.ID)}
	for _, e := range edit {
		e(&d)
	}
	b, err := json.Marshal(local.Event{ID: id, Type: typ, Created: time.Now().Unix(), Data: d})
	if err != nil {
		panic(err)
	}
	return b
}

// deliver sends a body signed now by the fixture's provider.
func (f *fixture) deliver(body []byte) (core.EventOutcome, error) {
	return f.deliverSigned(body, f.local.Sign(body, time.Now()))
}

func (f *fixture) deliverSigned(body []byte, signature string) (core.EventOutcome, error) {
	return f.svc.Webhook(context.Background(), local.Name, body, func(name string) string {
		if http.CanonicalHeaderKey(name) == local.SignatureHeader {
			return signature
		}
		return ""
	})
}

func (f *fixture) must(body []byte, want core.EventOutcome) {
	f.t.Helper()
	if got, err := f.deliver(body); err != nil || got != want {
		f.t.Fatalf("delivery = %v, %v; want %v", got, err, want)
	}
}

func (f *fixture) payment(u core.User, id core.PaymentID) core.Payment {
	f.t.Helper()
	p, err := f.svc.Get(context.Background(), u.ID, string(id))
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) balance(u core.User) (int64, []core.LedgerEntry) {
	f.t.Helper()
	acc, err := f.credits.Balance(context.Background(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	page, err := f.credits.Ledger(context.Background(), u.ID, "", 200)
	if err != nil {
		f.t.Fatal(err)
	}
	return acc.Balance, page.Items
}

// TestOneWebhookDeliveredHundredTimesGrantsOnce: the same signed event,
// delivered 100 times with 20 in flight at once, grants the pack once.
func TestOneWebhookDeliveredHundredTimesGrantsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		f := newFixture(t, uow)
		u := f.user("hundred@example.com")
		p := f.buy(u)
		body := event("evt_hundred", local.TypeCompleted, p)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			outcomes = map[core.EventOutcome]int{}
			errs     []error
			busy     atomic.Int64
		)
		slots := make(chan struct{}, 20)
		for range 100 {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots }()
				var got core.EventOutcome
				var err error
				for { // a 503 (busy) is answered to the provider, which delivers again
					if got, err = f.deliver(body); !errors.Is(err, core.ErrBusy) {
						break
					}
					busy.Add(1)
				}
				mu.Lock()
				defer mu.Unlock()
				outcomes[got]++
				if err != nil {
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("errors: %v", errs)
		}
		t.Logf("outcomes %v, busy answers %d", outcomes, busy.Load())
		if outcomes[core.OutcomeApplied] != 1 || outcomes[core.OutcomeDuplicate] != 99 {
			t.Fatalf("outcomes %v; want 1 applied, 99 duplicates", outcomes)
		}
		bal, entries := f.balance(u)
		if got := f.payment(u, p.ID); got.Status != core.PaymentPaid || got.CreditsGranted != 100 || bal != 100 || len(entries) != 1 ||
			entries[0].Reference != core.PaymentReference(p.ID) || entries[0].Kind != core.KindPurchase {
			t.Fatalf("payment %+v, balance %d, ledger %+v; want paid, 100, one purchase entry", got, bal, entries)
		}
	})
}

// TestEventsOutOfOrder: a refund before the payment is paid, and the paid
// event after the expiry, end in the right state.
func TestEventsOutOfOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		f := newFixture(t, uow)
		u := f.user("order@example.com")

		// Refunded in full before paid: refunded, nothing kept, no entry.
		p := f.buy(u)
		f.must(event("evt_r1", local.TypeRefunded, p, func(d *local.EventData) { d.AmountRefunded = 500 }), core.OutcomeApplied)
		if got := f.payment(u, p.ID); got.Status != core.PaymentPending || got.RefundedMinor != 500 {
			t.Fatalf("after the early refund: %+v; want pending with the refund recorded", got)
		}
		f.must(event("evt_p1", local.TypeCompleted, p), core.OutcomeApplied)
		got := f.payment(u, p.ID)
		if bal, entries := f.balance(u); got.Status != core.PaymentRefunded || got.CreditsGranted != 100 || got.CreditsRevoked != 100 || bal != 0 || len(entries) != 0 {
			t.Fatalf("refund then paid: %+v, balance %d, %d entries; want refunded, granted and taken back, 0, none", got, bal, len(entries))
		}

		// Partly refunded before paid: only what the refund leaves.
		q := f.buy(u)
		f.must(event("evt_r2", local.TypeRefunded, q, func(d *local.EventData) { d.AmountRefunded = 125 }), core.OutcomeApplied)
		f.must(event("evt_p2", local.TypeCompleted, q), core.OutcomeApplied)
		if bal, _ := f.balance(u); bal != 75 || f.payment(u, q.ID).Status != core.PaymentRefunded {
			t.Fatalf("partial refund then paid: balance %d, %+v; want 75, refunded", bal, f.payment(u, q.ID))
		}

		// Paid after expired: the money arrived, so it is paid and granted.
		r := f.buy(u)
		f.must(event("evt_e3", local.TypeExpired, r), core.OutcomeApplied)
		f.must(event("evt_p3", local.TypeCompleted, r), core.OutcomeApplied)
		// Expired after paid would move it backwards: recorded, ignored.
		f.must(event("evt_e3b", local.TypeExpired, r), core.OutcomeIgnored)
		f.must(event("evt_f3", local.TypeAsyncFailed, r), core.OutcomeIgnored)
		if got := f.payment(u, r.ID); got.Status != core.PaymentPaid || got.CreditsGranted != 100 {
			t.Fatalf("paid after expired: %+v; want paid and granted", got)
		}
		if bal, _ := f.balance(u); bal != 175 {
			t.Fatalf("balance %d; want 175", bal)
		}
	})
}

// TestDisputeBeforeCompletion: a lost dispute or a refund that names only
// the money (no session, no metadata), delivered before the completion that
// makes that money known, is acknowledged as for no payment; the
// completion then adopts and applies it, once, as if it had come in order.
func TestDisputeBeforeCompletion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		f := newFixture(t, uow)
		u := f.user("early@example.com")
		moneyOnly := func(d *local.EventData) { d.Session, d.Payment = "", "" }

		p := f.buy(u)
		f.must(event("evt_d1", local.TypeDisputeLost, p, moneyOnly), core.OutcomeUnknownPayment)
		f.must(event("evt_d1", local.TypeDisputeLost, p, moneyOnly), core.OutcomeDuplicate)
		f.must(event("evt_c1", local.TypeCompleted, p), core.OutcomeApplied)
		got := f.payment(u, p.ID)
		if bal, _ := f.balance(u); got.Status != core.PaymentRefunded || got.CreditsGranted != 100 || got.CreditsRevoked != 100 || bal != 0 {
			t.Fatalf("dispute then paid: %+v, balance %d; want refunded, everything taken back, 0", got, bal)
		}
		rec, err := recorded(uow, "evt_d1")
		if err != nil || rec.Outcome != core.OutcomeApplied || rec.PaymentID != p.ID {
			t.Fatalf("the adopted dispute's record: %+v, %v", rec, err)
		}
		// Delivered again after its adoption: a duplicate, nothing more.
		f.must(event("evt_d1", local.TypeDisputeLost, p, moneyOnly), core.OutcomeDuplicate)
		f.must(event("evt_c1", local.TypeCompleted, p), core.OutcomeDuplicate)
		if bal, _ := f.balance(u); bal != 0 {
			t.Fatalf("balance %d after the repeats; want 0", bal)
		}

		// A partial refund that came first: only what it leaves is granted.
		q := f.buy(u)
		f.must(event("evt_r2", local.TypeRefunded, q, moneyOnly, func(d *local.EventData) { d.AmountRefunded = 250 }), core.OutcomeUnknownPayment)
		f.must(event("evt_c2", local.TypeCompleted, q), core.OutcomeApplied)
		if bal, _ := f.balance(u); bal != 50 || f.payment(u, q.ID).RefundedMinor != 250 {
			t.Fatalf("half refunded before paid: balance %d, %+v; want 50", bal, f.payment(u, q.ID))
		}
	})
}

// recorded reads a webhook event's record.
func recorded(uow ports.UnitOfWork, id string) (core.PaymentEventRecord, error) {
	var rec core.PaymentEventRecord
	err := uow.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		rec, err = tx.Payments().Event(ctx, local.Name, id)
		return err
	}, ports.ReadOnly())
	return rec, err
}

// TestRefundsTakeBackInProportion: credits are taken back rounded up; when
// some were spent the balance goes to zero and the rest is the shortfall,
// which admins list.
func TestRefundsTakeBackInProportion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		f := newFixture(t, uow)
		ctx := context.Background()
		u := f.user("refund@example.com")
		p := f.buy(u)
		f.must(event("evt_paid", local.TypeCompleted, p), core.OutcomeApplied)
		f.must(event("evt_ref1", local.TypeRefunded, p, func(d *local.EventData) { d.AmountRefunded = 101 }), core.OutcomeApplied)
		if bal, _ := f.balance(u); bal != 79 { // ceil(100 × 101 / 500) = 21 taken back
			t.Fatalf("after refunding 101 of 500: balance %d; want 79", bal)
		}
		if _, err := f.credits.Spend(ctx, u.ID, 70, "an insight"); err != nil {
			t.Fatal(err)
		}
		// A dispute names only the money (Stripe puts no metadata on it).
		f.must(event("evt_lost", local.TypeDisputeLost, p, func(d *local.EventData) { d.Session, d.Payment = "", "" }), core.OutcomeApplied)
		got := f.payment(u, p.ID)
		bal, entries := f.balance(u)
		if got.Status != core.PaymentRefunded || got.RefundedMinor != 500 || got.CreditsRevoked != 30 || got.Shortfall != 70 || bal != 0 || len(entries) != 4 {
			t.Fatalf("after the dispute: %+v, balance %d, %d entries; want refunded, 30 taken back, 70 short, 0", got, bal, len(entries))
		}
		page, err := f.svc.ListAll(ctx, core.PaymentFilter{Shortfall: true}, "", 50)
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != p.ID {
			t.Fatalf("ListAll(shortfall) = %+v, %v; want the payment", page, err)
		}
	})
}

// TestBadWebhooksChangeNothing: forged, expired, other-secret and malformed
// deliveries are refused (400) and change and record nothing.
func TestBadWebhooksChangeNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		f := newFixture(t, uow)
		u := f.user("bad@example.com")
		p := f.buy(u)
		body := event("evt_bad", local.TypeCompleted, p)
		other, err := local.New(local.Config{Secret: []byte("another-secret-another-secret-another"), BaseURL: "http://x.example"})
		if err != nil {
			t.Fatal(err)
		}
		forged := []byte(string(body[:len(body)-1]) + ` `) // one byte differs from what was signed
		forged = append(forged, '}')
		for name, try := range map[string]func() (core.EventOutcome, error){
			"forged body": func() (core.EventOutcome, error) { return f.deliverSigned(forged, f.local.Sign(body, time.Now())) },
			"expired": func() (core.EventOutcome, error) {
				return f.deliverSigned(body, f.local.Sign(body, time.Now().Add(-6*time.Minute)))
			},
			"from the future": func() (core.EventOutcome, error) {
				return f.deliverSigned(body, f.local.Sign(body, time.Now().Add(6*time.Minute)))
			},
			"other secret": func() (core.EventOutcome, error) { return f.deliverSigned(body, other.Sign(body, time.Now())) },
			"no signature": func() (core.EventOutcome, error) { return f.deliverSigned(body, "") },
			"header format": func() (core.EventOutcome, error) {
				return f.deliverSigned(body, "sha256="+f.local.Sign(body, time.Now()))
			},
			"truncated hex": func() (core.EventOutcome, error) {
				s := f.local.Sign(body, time.Now())
				return f.deliverSigned(body, s[:len(s)-2])
			},
			"signed non-JSON": func() (core.EventOutcome, error) { return f.deliver([]byte("not json")) },
			"signed, no id":   func() (core.EventOutcome, error) { return f.deliver(event("", local.TypeCompleted, p)) },
			"signed, extra key": func() (core.EventOutcome, error) {
				return f.deliver([]byte(`{"id":"e","type":"x","created":1,"data":{},"more":1}`))
			},
			"unknown provider": func() (core.EventOutcome, error) {
				return f.svc.Webhook(context.Background(), "paypal", body, func(string) string { return "" })
			},
		} {
			got, err := try()
			want := core.ErrBadWebhook
			if name == "unknown provider" {
				want = core.ErrNotFound
			}
			if !errors.Is(err, want) || got != "" {
				t.Errorf("%s: %v, %v; want %v", name, got, err, want)
			}
		}
		bal, entries := f.balance(u)
		if got := f.payment(u, p.ID); got.Status != core.PaymentPending || bal != 0 || len(entries) != 0 {
			t.Fatalf("after bad deliveries: %+v, balance %d; want pending, 0", got, bal)
		}
		// Nothing was recorded: the genuine delivery is still applied.
		f.must(body, core.OutcomeApplied)
	})
}

// TestUnknownPaymentAcknowledgedAndRecorded: a well-signed event for no
// payment of ours is answered (so the provider stops) and recorded once.
func TestUnknownPaymentAcknowledgedAndRecorded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		f := newFixture(t, uow)
		ghost := core.Payment{ID: core.PaymentID("0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d99"), SessionID: "cs_ghost", AmountMinor: 500, Currency: "usd"}
		body := event("evt_ghost", local.TypeCompleted, ghost)
		f.must(body, core.OutcomeUnknownPayment)
		f.must(body, core.OutcomeDuplicate)
		f.must(event("evt_junk_id", local.TypeCompleted, core.Payment{ID: "not-a-uuid"}), core.OutcomeUnknownPayment)
		f.must(event("evt_session_only", local.TypeCompleted, core.Payment{SessionID: "cs_nobody"}), core.OutcomeUnknownPayment)
		f.must([]byte(`{"id":"evt_other","type":"customer.created","created":1,"data":{"session":""}}`), core.OutcomeIgnored)
		err := f.uow.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			rec, err := tx.Payments().Event(ctx, local.Name, "evt_ghost")
			if err != nil || rec.Outcome != core.OutcomeUnknownPayment || rec.PaymentID != ghost.ID || rec.Kind != core.EventCompleted {
				return fmt.Errorf("recorded %+v, %v", rec, err)
			}
			return nil
		}, ports.ReadOnly())
		if err != nil {
			t.Fatal(err)
		}
	})
}

// lossy is a unit of work whose next unit commits and then reports a lost
// connection: the answer to the provider is lost after the commit.
type lossy struct {
	ports.UnitOfWork
	drop atomic.Bool
}

func (l *lossy) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) error {
	err := l.UnitOfWork.Do(ctx, fn, opts...)
	if err == nil && l.drop.CompareAndSwap(true, false) {
		return fmt.Errorf("%w: connection lost during COMMIT (simulated; it committed)", core.ErrUnavailable)
	}
	return err
}

// TestAnswerLostAfterCommitCompletedOnceByRetry: the unit commits, the
// answer never reaches the provider, and its retry completes the delivery
// exactly once.
func TestAnswerLostAfterCommitCompletedOnceByRetry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		l := &lossy{UnitOfWork: uow}
		f := newFixture(t, l)
		u := f.user("lost@example.com")
		p := f.buy(u)
		body := event("evt_lost_answer", local.TypeCompleted, p)
		l.drop.Store(true)
		if _, err := f.deliver(body); !errors.Is(err, core.ErrUnavailable) {
			t.Fatalf("first delivery = %v; want the lost answer (503 to the provider)", err)
		}
		f.must(body, core.OutcomeDuplicate) // the provider's retry
		f.must(body, core.OutcomeDuplicate)
		bal, entries := f.balance(u)
		if got := f.payment(u, p.ID); got.Status != core.PaymentPaid || bal != 100 || len(entries) != 1 {
			t.Fatalf("after the retries: %+v, balance %d, %d entries; want paid, 100, 1", got, bal, len(entries))
		}
	})
}

// TestFlaggedPaymentsGrantNothing: another amount or currency, or an owner
// deleted before the payment completed.
func TestFlaggedPaymentsGrantNothing(t *testing.T) {
	f := newFixture(t, memory.New(ports.DefaultStoreOptions()))
	ctx := context.Background()
	u := f.user("flag@example.com")
	p := f.buy(u)
	f.must(event("evt_cheap", local.TypeCompleted, p, func(d *local.EventData) { d.AmountTotal = 50 }), core.OutcomeFlagged)
	q := f.buy(u)
	f.must(event("evt_eur", local.TypeCompleted, q, func(d *local.EventData) { d.Currency = "eur" }), core.OutcomeFlagged)
	gone := f.user("gone@example.com")
	r := f.buy(gone)
	if err := f.users.Delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	f.must(event("evt_gone", local.TypeCompleted, r), core.OutcomeFlagged)
	if bal, _ := f.balance(u); bal != 0 {
		t.Fatalf("balance %d after mismatched payments; want 0", bal)
	}
	page, err := f.svc.ListAll(ctx, core.PaymentFilter{Flagged: true}, "", 50)
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("ListAll(flagged) = %d, %v; want 3", len(page.Items), err)
	}
	flags := map[core.PaymentID]core.PaymentFlag{}
	for _, x := range page.Items {
		flags[x.ID] = x.Flag
		if x.Status != core.PaymentPaid || x.CreditsGranted != 0 {
			t.Errorf("flagged payment %+v; want paid with nothing granted", x)
		}
	}
	if flags[p.ID] != core.FlagAmountMismatch || flags[q.ID] != core.FlagAmountMismatch || flags[r.ID] != core.FlagOwnerDeleted {
		t.Fatalf("flags %v", flags)
	}
}

// fakeProvider opens sessions, failing while fail is set, and checks it is
// never called inside a unit of work.
type fakeProvider struct {
	units *tracking
	fail  atomic.Bool
	calls atomic.Int64
	seen  sync.Map // payment id -> request
}

func (p *fakeProvider) Name() string            { return "fake" }
func (p *fakeProvider) SignatureHeader() string { return "Fake-Signature" }
func (p *fakeProvider) ParseWebhook([]byte, string, time.Time) (core.PaymentEvent, error) {
	return core.PaymentEvent{}, ports.ErrBadWebhook
}

func (p *fakeProvider) CreateCheckout(_ context.Context, req ports.CheckoutRequest) (ports.CheckoutSession, error) {
	p.calls.Add(1)
	if p.units.depth.Load() > 0 {
		panic("the provider was called inside a unit of work")
	}
	p.seen.Store(req.PaymentID, req)
	if p.fail.Load() {
		return ports.CheckoutSession{}, errors.New("provider timed out")
	}
	return ports.CheckoutSession{ID: "cs_" + string(req.PaymentID), URL: "https://pay.example/" + string(req.PaymentID), ExpiresAt: time.Now().Add(time.Hour)}, nil
}

// tracking counts the units of work in progress.
type tracking struct {
	ports.UnitOfWork
	depth atomic.Int64
}

func (t *tracking) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) error {
	t.depth.Add(1)
	defer t.depth.Add(-1)
	return t.UnitOfWork.Do(ctx, fn, opts...)
}

func TestCreatePayment(t *testing.T) {
	ctx := context.Background()
	units := &tracking{UnitOfWork: memory.New(ports.DefaultStoreOptions())}
	fake := &fakeProvider{units: units}
	f := newFixture(t, units, fake)
	u, other := f.user("create@example.com"), f.user("other@example.com")

	p, created, err := f.svc.Create(ctx, u.ID, "starter", "order-1")
	if err != nil || !created || p.Provider != "fake" || p.Credits != 100 || p.AmountMinor != 500 || p.Currency != "usd" || p.CheckoutURL == "" {
		t.Fatalf("Create = %+v, %v, %v", p, created, err)
	}
	v, _ := fake.seen.Load(p.ID)
	req := v.(ports.CheckoutRequest)
	if req.CustomerEmail != u.Email || req.SuccessURL != "http://127.0.0.1:8080/checkout/success?payment="+string(p.ID) ||
		req.CancelURL != "http://127.0.0.1:8080/checkout/cancel?payment="+string(p.ID) || req.Currency != "usd" || req.Pack.Name != "Starter" {
		t.Fatalf("checkout request %+v", req)
	}
	again, created, err := f.svc.Create(ctx, u.ID, "starter", "order-1")
	if err != nil || created || again.ID != p.ID || fake.calls.Load() != 1 {
		t.Fatalf("repeat = %+v, %v, %v (%d provider calls); want the same payment, no call", again, created, err, fake.calls.Load())
	}
	var ve *core.ValidationError
	if _, _, err := f.svc.Create(ctx, u.ID, "pro", "order-1"); !errors.As(err, &ve) || ve.Field != "Idempotency-Key" {
		t.Fatalf("the key with another pack = %v; want invalid Idempotency-Key", err)
	}
	if q, created, err := f.svc.Create(ctx, other.ID, "pro", "order-1"); err != nil || !created || q.ID == p.ID {
		t.Fatalf("another user's same key = %+v, %v, %v; want a new payment", q, created, err)
	}
	for _, pack := range []string{"nope", "", "Starter", "a/b"} {
		if _, _, err := f.svc.Create(ctx, u.ID, pack, ""); !errors.As(err, &ve) || ve.Field != "pack" {
			t.Errorf("pack %q = %v; want invalid pack", pack, err)
		}
	}
	if _, _, err := f.svc.PutPack(ctx, core.CreditPack{Slug: "retired", Name: "Retired", Credits: 5, PriceMinor: 100}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Create(ctx, u.ID, "retired", ""); !errors.As(err, &ve) || ve.Field != "pack" {
		t.Errorf("an inactive pack = %v; want invalid pack", err)
	}
	if _, _, err := f.svc.Create(ctx, u.ID, "starter", "bad key"); !errors.As(err, &ve) {
		t.Errorf("a key with a space = %v; want invalid", err)
	}

	// The provider fails: the payment stays pending without a session, and
	// the same key finishes it.
	fake.fail.Store(true)
	if _, _, err := f.svc.Create(ctx, u.ID, "standard", "order-2"); !errors.Is(err, core.ErrPaymentProvider) {
		t.Fatalf("provider failure = %v; want ErrPaymentProvider", err)
	}
	fake.fail.Store(false)
	done, created, err := f.svc.Create(ctx, u.ID, "standard", "order-2")
	if err != nil || created || done.SessionID == "" || done.Pack != "standard" {
		t.Fatalf("retry after the failure = %+v, %v, %v; want the payment finished", done, created, err)
	}

	// Another user's payment is not found; listing pages newest first.
	if _, err := f.svc.Get(ctx, other.ID, string(p.ID)); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("another user's payment = %v; want ErrNotFound", err)
	}
	page, err := f.svc.List(ctx, u.ID, "", 1)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != done.ID || page.Next == "" {
		t.Fatalf("List = %+v, %v", page, err)
	}
	next, err := f.svc.List(ctx, u.ID, page.Next, 1)
	if err != nil || len(next.Items) != 1 || next.Items[0].ID != p.ID {
		t.Fatalf("List(next) = %+v, %v", next, err)
	}

	// Without a provider nothing is sold.
	none, err := payments.NewService(units, system.Clock{}, &system.UUIDv7{}, payments.Config{Currency: "usd", PublicBaseURL: "https://x.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := none.Create(ctx, u.ID, "starter", ""); !errors.Is(err, core.ErrNoPaymentProvider) {
		t.Fatalf("no provider = %v; want ErrNoPaymentProvider", err)
	}
}

// TestConcurrentCreatesWithOneKey: one payment per key however many
// requests race.
func TestConcurrentCreatesWithOneKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, uow ports.UnitOfWork) {
		f := newFixture(t, uow)
		u := f.user("race@example.com")
		var wg sync.WaitGroup
		ids := make([]core.PaymentID, 10)
		errs := make([]error, 10)
		for i := range ids {
			wg.Go(func() {
				p, _, err := f.svc.Create(context.Background(), u.ID, "pro", "the-key")
				ids[i], errs[i] = p.ID, err
			})
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("request %d: %v, %v; want the one payment %v", i, ids[i], errs[i], ids[0])
			}
		}
		page, err := f.svc.List(context.Background(), u.ID, "", 50)
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("%d payments, %v; want 1", len(page.Items), err)
		}
	})
}

func TestPacks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, memory.New(ports.DefaultStoreOptions()))
	on, err := f.svc.Packs(ctx)
	if err != nil || len(on) != 3 || f.svc.Currency() != "usd" {
		t.Fatalf("Packs = %+v, %v", on, err)
	}
	p, created, err := f.svc.PutPack(ctx, core.CreditPack{Slug: "starter", Name: "  Starter+ ", Credits: 120, PriceMinor: 500, Active: true})
	if err != nil || created || p.Name != "Starter+" {
		t.Fatalf("PutPack = %+v, %v, %v", p, created, err)
	}
	for i, bad := range []core.CreditPack{
		{Slug: "Bad", Name: "x", Credits: 1, PriceMinor: 1}, {Slug: "-x", Name: "x", Credits: 1, PriceMinor: 1},
		{Slug: "x", Name: " ", Credits: 1, PriceMinor: 1}, {Slug: "x", Name: "x", Credits: 0, PriceMinor: 1},
		{Slug: "x", Name: "x", Credits: 1, PriceMinor: 0}, {Slug: "x", Name: "x\u202e", Credits: 1, PriceMinor: 1},
		{Slug: "x", Name: "x", Credits: 1, PriceMinor: core.MaxPackPriceMinor + 1},
	} {
		if _, _, err := f.svc.PutPack(ctx, bad); !errors.Is(err, core.ErrInvalid) {
			t.Errorf("bad pack %d = %v; want invalid", i, err)
		}
	}
	// A payment keeps the price it was made with.
	u := f.user("price@example.com")
	pay := f.buy(u)
	if _, _, err := f.svc.PutPack(ctx, core.CreditPack{Slug: "starter", Name: "Starter", Credits: 1, PriceMinor: 9999, Active: true}); err != nil {
		t.Fatal(err)
	}
	f.must(event("evt_price", local.TypeCompleted, pay), core.OutcomeApplied)
	if bal, _ := f.balance(u); bal != 120 {
		t.Fatalf("balance %d; want the 120 credits the payment was made with", bal)
	}
	all, err := f.svc.AllPacks(ctx)
	if err != nil || len(all) != 3 || all[0].PriceMinor != 2000 {
		t.Fatalf("AllPacks = %+v, %v", all, err)
	}
}
