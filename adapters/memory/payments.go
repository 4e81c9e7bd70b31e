package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The payments module's tables: packs by slug, payments by id (listed by
// their user), and handled webhook events by (provider, event id).

var paymentsSpec = tableSpec[core.Payment]{
	parent: func(v core.Payment) string { return string(v.UserID) },
	unique: map[string]uniqueKey[core.Payment]{
		// payments_idempotency: per user, among payments that have a key.
		"idempotency": func(v core.Payment) (string, bool) {
			return string(v.UserID) + "\x00" + v.IdempotencyKey, v.IdempotencyKey != ""
		},
		// payments_session: a provider's session belongs to one payment.
		"session": func(v core.Payment) (string, bool) {
			return v.Provider + "\x00" + v.SessionID, v.SessionID != ""
		},
		// payments_provider_payment: so is the money behind it.
		"provider_payment": func(v core.Payment) (string, bool) {
			return v.Provider + "\x00" + v.ProviderPaymentID, v.ProviderPaymentID != ""
		},
	},
}

// eventKey is a handled event's primary key.
func eventKey(provider, id string) string { return provider + "\x00" + id }

func newPaymentTables(d *data) {
	d.packs = newTable(d, "credit_packs", func(v core.CreditPack) core.PackSlug { return v.Slug }, tableSpec[core.CreditPack]{})
	d.payments = newTable(d, "payments", func(v core.Payment) core.PaymentID { return v.ID }, paymentsSpec)
	d.paymentEvents = newTable(d, "payment_events", func(v core.PaymentEventRecord) string { return eventKey(v.Provider, v.EventID) }, tableSpec[core.PaymentEventRecord]{})
	// The packs the migration seeds on PostgreSQL (20261215000001_payments).
	seeded := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	for _, p := range []core.CreditPack{
		{Slug: "starter", Name: "Starter", Credits: 100, PriceMinor: 500, Active: true, UpdatedAt: seeded},
		{Slug: "standard", Name: "Standard", Credits: 500, PriceMinor: 2000, Active: true, UpdatedAt: seeded},
		{Slug: "pro", Name: "Pro", Credits: 1500, PriceMinor: 5000, Active: true, UpdatedAt: seeded},
	} {
		d.packs.rows[p.Slug] = p
	}
}

func (u *unit) Packs() ports.Packs       { return (*packs)(u) }
func (u *unit) Payments() ports.Payments { return (*payments)(u) }

type packs unit

func (r *packs) u() *unit { return (*unit)(r) }

var errPackNotFound = fmt.Errorf("credit pack: %w", core.ErrNotFound)

func (r *packs) List(_ context.Context, inactiveToo bool) ([]core.CreditPack, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	out := r.u().s.packs.scan(r.u(), func(p core.CreditPack) bool { return inactiveToo || p.Active })
	slices.SortFunc(out, func(a, b core.CreditPack) int {
		return cmp.Or(cmp.Compare(a.PriceMinor, b.PriceMinor), cmp.Compare(a.Slug, b.Slug))
	})
	return out, nil
}

func (r *packs) Get(_ context.Context, slug core.PackSlug) (core.CreditPack, error) {
	if err := r.u().statement(); err != nil {
		return core.CreditPack{}, err
	}
	if p, ok := r.u().s.packs.get(r.u(), slug); ok {
		return p, nil
	}
	return core.CreditPack{}, errPackNotFound
}

// Put reserves the slug first, as INSERT … ON CONFLICT DO UPDATE waits for
// a unit writing the same row.
func (r *packs) Put(ctx context.Context, p core.CreditPack) (bool, error) {
	u, t := r.u(), r.u().s.packs
	if err := u.writable(); err != nil {
		return false, err
	}
	if err := u.reserve(ctx, t.lockKey(p.Slug)); err != nil {
		return false, err
	}
	p.UpdatedAt = micro(p.UpdatedAt)
	if _, exists := t.row(u, p.Slug); exists {
		return false, t.update(ctx, u, p)
	}
	return t.insert(ctx, u, p, false)
}

type payments unit

func (r *payments) u() *unit { return (*unit)(r) }

var errPaymentNotFound = fmt.Errorf("payment: %w", core.ErrNotFound)

func paymentTimes(p core.Payment) core.Payment {
	p.CreatedAt, p.UpdatedAt, p.SessionExpiresAt = micro(p.CreatedAt), micro(p.UpdatedAt), micro(p.SessionExpiresAt)
	return p
}

func (r *payments) Create(ctx context.Context, p core.Payment) error {
	if err := canonical(string(p.ID), string(p.UserID)); err != nil {
		return err
	}
	u := r.u()
	if err := u.writable(); err != nil {
		return err
	}
	if _, ok := u.s.packs.get(u, p.Pack); !ok { // the foreign key of the PostgreSQL schema
		return u.fail(fmt.Errorf("payment of an unknown pack: %w", core.ErrNotFound))
	}
	_, err := u.s.payments.insert(ctx, u, paymentTimes(p), false)
	if errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: a payment with that idempotency key exists", core.ErrConflict)
	}
	return err
}

func (r *payments) Get(_ context.Context, id core.PaymentID) (core.Payment, error) {
	if err := r.u().statement(); err != nil {
		return core.Payment{}, err
	}
	if p, ok := r.u().s.payments.get(r.u(), id); ok {
		return p, nil
	}
	return core.Payment{}, errPaymentNotFound
}

func (r *payments) Lock(ctx context.Context, id core.PaymentID) (core.Payment, error) {
	if err := r.u().lock(ctx, r.u().s.payments.lockKey(id)); err != nil {
		return core.Payment{}, err
	}
	return r.Get(ctx, id)
}

func (r *payments) ByIdempotencyKey(_ context.Context, user core.UserID, key string) (core.Payment, error) {
	return r.byUnique("idempotency", string(user), key)
}

func (r *payments) BySession(_ context.Context, provider, session string) (core.Payment, error) {
	return r.byUnique("session", provider, session)
}

func (r *payments) ByProviderPayment(_ context.Context, provider, id string) (core.Payment, error) {
	return r.byUnique("provider_payment", provider, id)
}

// byUnique reads the payment holding (scope, value) in the unique key
// named index (paymentsSpec); an empty value is in no index.
func (r *payments) byUnique(index, scope, value string) (core.Payment, error) {
	if err := r.u().statement(); err != nil {
		return core.Payment{}, err
	}
	if value != "" {
		if p, ok := r.u().s.payments.byUnique(r.u(), index, scope+"\x00"+value); ok {
			return p, nil
		}
	}
	return core.Payment{}, errPaymentNotFound
}

// Update writes the mutable columns only, as the PostgreSQL UPDATE does.
func (r *payments) Update(ctx context.Context, p core.Payment) error {
	u, t := r.u(), r.u().s.payments
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(p.ID)); err != nil {
		return err
	}
	old, ok := t.get(u, p.ID)
	if !ok {
		return errPaymentNotFound
	}
	if err := checkPaymentRow(p); err != nil {
		return u.fail(err)
	}
	p = paymentTimes(p)
	next := old
	next.Status, next.SessionID, next.CheckoutURL, next.SessionExpiresAt = p.Status, p.SessionID, p.CheckoutURL, p.SessionExpiresAt
	next.RefundedMinor, next.CreditsGranted, next.CreditsRevoked, next.Shortfall = p.RefundedMinor, p.CreditsGranted, p.CreditsRevoked, p.Shortfall
	next.Flag, next.UpdatedAt, next.ProviderPaymentID = p.Flag, p.UpdatedAt, p.ProviderPaymentID
	err := t.update(ctx, u, next)
	if errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: that checkout session or provider payment belongs to another payment", core.ErrConflict)
	}
	return err
}

// checkPaymentRow holds the CHECK constraints of the PostgreSQL schema.
func checkPaymentRow(p core.Payment) error {
	if !p.Status.Valid() || p.RefundedMinor < 0 || p.CreditsGranted < 0 || p.CreditsRevoked < 0 || p.Shortfall < 0 ||
		p.CreditsRevoked+p.Shortfall > p.CreditsGranted {
		return fmt.Errorf("%w: payment row breaks a constraint", core.ErrInvalid)
	}
	return nil
}

func (r *payments) List(_ context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.Payment, error) {
	return listPage(r.u().s.payments, r.u(), string(user), before, newestFirst, limit)
}

func (r *payments) ListAll(_ context.Context, filter core.PaymentFilter, before *core.PageKey, limit int) ([]core.Payment, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	if before != nil {
		if err := before.Check(); err != nil {
			return nil, err
		}
	}
	rows := r.u().s.payments.scan(r.u(), func(p core.Payment) bool {
		return !(filter.Shortfall && p.Shortfall == 0 || filter.Flagged && p.Flag == "")
	})
	slices.SortFunc(rows, byPageKey[core.Payment](newestFirst))
	return pageAfter(rows, before, core.Payment.PageKey, newestFirst, limit), nil
}

// RecordEvent inserts unless the event is stored: reserving its key waits
// for a unit recording the same event, then finds its row, as ON CONFLICT
// DO NOTHING does.
func (r *payments) RecordEvent(ctx context.Context, e core.PaymentEventRecord) (bool, error) {
	u := r.u()
	if err := u.writable(); err != nil {
		return false, err
	}
	if e.Provider == "" || e.EventID == "" || len(e.EventID) > core.MaxEventIDLength {
		return false, fmt.Errorf("%w: payment event without a provider or id", core.ErrInvalid)
	}
	e.ReceivedAt = micro(e.ReceivedAt)
	t, k := u.s.paymentEvents, eventKey(e.Provider, e.EventID)
	if err := u.reserve(ctx, t.lockKey(k)); err != nil {
		return false, err
	}
	if _, taken := t.row(u, k); taken {
		return false, nil
	}
	return t.insert(ctx, u, e, true)
}

func (r *payments) Orphans(_ context.Context, provider, providerPaymentID string) ([]core.PaymentEventRecord, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	rows := r.u().s.paymentEvents.scan(r.u(), func(e core.PaymentEventRecord) bool {
		return e.Provider == provider && e.ProviderPaymentID == providerPaymentID && e.Orphaned()
	})
	slices.SortFunc(rows, func(a, b core.PaymentEventRecord) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), strings.Compare(a.EventID, b.EventID))
	})
	return rows, nil
}

func (r *payments) Adopt(ctx context.Context, provider, eventID string, payment core.PaymentID, outcome core.EventOutcome) error {
	u := r.u()
	if err := u.writable(); err != nil {
		return err
	}
	t := u.s.paymentEvents
	e, ok := t.get(u, eventKey(provider, eventID))
	if !ok {
		return fmt.Errorf("payment event: %w", core.ErrNotFound)
	}
	e.PaymentID, e.Outcome = payment, outcome
	return t.update(ctx, u, e)
}

func (r *payments) Event(_ context.Context, provider, eventID string) (core.PaymentEventRecord, error) {
	if err := r.u().statement(); err != nil {
		return core.PaymentEventRecord{}, err
	}
	if e, ok := r.u().s.paymentEvents.get(r.u(), eventKey(provider, eventID)); ok {
		return e, nil
	}
	return core.PaymentEventRecord{}, fmt.Errorf("payment event: %w", core.ErrNotFound)
}
