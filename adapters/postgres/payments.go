package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The payments module's tables (migrations/20261215000001_payments).

type packRow struct {
	bun.BaseModel `bun:"table:credit_packs,alias:cp"`

	Slug       string    `bun:"slug,pk"`
	Name       string    `bun:"name,notnull"`
	Credits    int64     `bun:"credits,notnull"`
	PriceMinor int64     `bun:"price_minor,notnull"`
	Active     bool      `bun:"active,notnull"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
}

func fromPack(p core.CreditPack) *packRow {
	return &packRow{Slug: string(p.Slug), Name: p.Name, Credits: p.Credits, PriceMinor: p.PriceMinor,
		Active: p.Active, UpdatedAt: micro(p.UpdatedAt)}
}

func (r *packRow) toPack() core.CreditPack {
	return core.CreditPack{Slug: core.PackSlug(r.Slug), Name: r.Name, Credits: r.Credits, PriceMinor: r.PriceMinor,
		Active: r.Active, UpdatedAt: utc(r.UpdatedAt)}
}

type paymentRow struct {
	bun.BaseModel `bun:"table:payments,alias:p"`

	ID               string    `bun:"id,pk,type:uuid"`
	UserID           string    `bun:"user_id,notnull,type:uuid"`
	Provider         string    `bun:"provider,notnull"`
	PackSlug         string    `bun:"pack_slug,notnull"`
	Credits          int64     `bun:"credits,notnull"`
	AmountMinor      int64     `bun:"amount_minor,notnull"`
	Currency         string    `bun:"currency,notnull"`
	Status           string    `bun:"status,notnull"`
	IdempotencyKey   string    `bun:"idempotency_key,nullzero"`
	SessionID        string    `bun:"session_id,nullzero"`
	CheckoutURL      string    `bun:"checkout_url,nullzero"`
	SessionExpiresAt time.Time `bun:"session_expires_at,nullzero"`
	ProviderPayment  string    `bun:"provider_payment_id,nullzero"`
	RefundedMinor    int64     `bun:"refunded_minor,notnull"`
	CreditsGranted   int64     `bun:"credits_granted,notnull"`
	CreditsRevoked   int64     `bun:"credits_revoked,notnull"`
	Shortfall        int64     `bun:"shortfall,notnull"`
	Flag             string    `bun:"flag,nullzero"`
	CreatedAt        time.Time `bun:"created_at,notnull"`
	UpdatedAt        time.Time `bun:"updated_at,notnull"`
}

func fromPayment(p core.Payment) *paymentRow {
	return &paymentRow{
		ID: string(p.ID), UserID: string(p.UserID), Provider: p.Provider, PackSlug: string(p.Pack),
		Credits: p.Credits, AmountMinor: p.AmountMinor, Currency: p.Currency, Status: string(p.Status),
		IdempotencyKey: p.IdempotencyKey, SessionID: p.SessionID, CheckoutURL: p.CheckoutURL,
		SessionExpiresAt: micro(p.SessionExpiresAt), ProviderPayment: p.ProviderPaymentID, RefundedMinor: p.RefundedMinor,
		CreditsGranted: p.CreditsGranted, CreditsRevoked: p.CreditsRevoked, Shortfall: p.Shortfall,
		Flag: string(p.Flag), CreatedAt: micro(p.CreatedAt), UpdatedAt: micro(p.UpdatedAt),
	}
}

func (r *paymentRow) toPayment() core.Payment {
	return core.Payment{
		ID: core.PaymentID(r.ID), UserID: core.UserID(r.UserID), Provider: r.Provider, Pack: core.PackSlug(r.PackSlug),
		Credits: r.Credits, AmountMinor: r.AmountMinor, Currency: r.Currency, Status: core.PaymentStatus(r.Status),
		IdempotencyKey: r.IdempotencyKey, SessionID: r.SessionID, CheckoutURL: r.CheckoutURL,
		SessionExpiresAt: utc(r.SessionExpiresAt), ProviderPaymentID: r.ProviderPayment, RefundedMinor: r.RefundedMinor,
		CreditsGranted: r.CreditsGranted, CreditsRevoked: r.CreditsRevoked, Shortfall: r.Shortfall,
		Flag: core.PaymentFlag(r.Flag), CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
}

type paymentEventRow struct {
	bun.BaseModel `bun:"table:payment_events,alias:pe"`

	Provider   string    `bun:"provider,pk"`
	EventID    string    `bun:"event_id,pk"`
	Kind       string    `bun:"kind,notnull"`
	PaymentID  string    `bun:"payment_id,nullzero"`
	SessionID  string    `bun:"session_id,nullzero"`
	Outcome    string    `bun:"outcome,notnull"`
	ReceivedAt time.Time `bun:"received_at,notnull"`
	// ProviderPaymentID and AmountRefunded: migration 20261218000002.
	ProviderPaymentID string `bun:"provider_payment_id,nullzero"`
	AmountRefunded    int64  `bun:"amount_refunded,notnull"`
}

func (r *paymentEventRow) toRecord() core.PaymentEventRecord {
	return core.PaymentEventRecord{
		Provider: r.Provider, EventID: r.EventID, Kind: core.PaymentEventKind(r.Kind), PaymentID: core.PaymentID(r.PaymentID),
		SessionID: r.SessionID, Outcome: core.EventOutcome(r.Outcome), ReceivedAt: utc(r.ReceivedAt),
		ProviderPaymentID: r.ProviderPaymentID, AmountRefunded: r.AmountRefunded,
	}
}

func (u *unit) Packs() ports.Packs       { return (*packs)(u) }
func (u *unit) Payments() ports.Payments { return (*payments)(u) }

type packs unit

func (r *packs) u() *unit { return (*unit)(r) }

var errPackNotFound = fmt.Errorf("credit pack: %w", core.ErrNotFound)

func (r *packs) List(ctx context.Context, inactiveToo bool) ([]core.CreditPack, error) {
	var rows []packRow
	q := r.u().tx.NewSelect().Model(&rows).OrderExpr("price_minor ASC, slug ASC")
	if !inactiveToo {
		q = q.Where("active")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, r.u().check(err)
	}
	return all(rows, (*packRow).toPack), nil
}

func (r *packs) Get(ctx context.Context, slug core.PackSlug) (core.CreditPack, error) {
	var row packRow
	if err := r.u().one(ctx, r.u().tx.NewSelect().Model(&row).Where("slug = ?", string(slug)), errPackNotFound); err != nil {
		return core.CreditPack{}, err
	}
	return row.toPack(), nil
}

// Put upserts; xmax = 0 tells a row this statement inserted from one it
// updated.
func (r *packs) Put(ctx context.Context, p core.CreditPack) (bool, error) {
	var created bool
	err := r.u().tx.NewInsert().Model(fromPack(p)).
		On("CONFLICT (slug) DO UPDATE").
		Set("name = EXCLUDED.name, credits = EXCLUDED.credits, price_minor = EXCLUDED.price_minor").
		Set("active = EXCLUDED.active, updated_at = EXCLUDED.updated_at").
		Returning("(xmax = 0)").Scan(ctx, &created)
	if err := r.u().check(err); err != nil {
		return false, err
	}
	return created, nil
}

type payments unit

func (r *payments) u() *unit { return (*unit)(r) }

var errPaymentNotFound = fmt.Errorf("payment: %w", core.ErrNotFound)

func (r *payments) Create(ctx context.Context, p core.Payment) error {
	if err := canonical(string(p.ID), string(p.UserID)); err != nil {
		return err
	}
	_, err := r.u().tx.NewInsert().Model(fromPayment(p)).Exec(ctx)
	err = r.u().check(err)
	switch {
	case errors.Is(err, core.ErrConflict) && constraint(err) == "payments_idempotency":
		return fmt.Errorf("%w: a payment with that idempotency key exists", core.ErrConflict)
	case constraint(err) == "payments_pack_slug_fkey":
		return fmt.Errorf("payment of an unknown pack: %w: %w", core.ErrNotFound, err)
	}
	return err
}

func (r *payments) Get(ctx context.Context, id core.PaymentID) (core.Payment, error) {
	if !validUUID(string(id)) {
		return core.Payment{}, errPaymentNotFound
	}
	return r.one(ctx, "id = ?", string(id))
}

// Lock takes the payment's row lock under the unit's policy.
func (r *payments) Lock(ctx context.Context, id core.PaymentID) (core.Payment, error) {
	if !validUUID(string(id)) {
		return core.Payment{}, errPaymentNotFound
	}
	var row paymentRow
	err := r.u().lockRow(ctx, rowKey("payments", string(id)), func(clause lockClause) error {
		q := r.u().tx.NewSelect().Model(&row).Where("id = ?", string(id)).For(string(clause))
		return r.u().one(ctx, q, errPaymentNotFound)
	})
	if err != nil {
		return core.Payment{}, err
	}
	return row.toPayment(), nil
}

func (r *payments) ByIdempotencyKey(ctx context.Context, user core.UserID, key string) (core.Payment, error) {
	if !validUUID(string(user)) || key == "" {
		return core.Payment{}, errPaymentNotFound
	}
	return r.one(ctx, "user_id = ? AND idempotency_key = ?", string(user), key)
}

func (r *payments) BySession(ctx context.Context, provider, session string) (core.Payment, error) {
	if session == "" {
		return core.Payment{}, errPaymentNotFound
	}
	return r.one(ctx, "provider = ? AND session_id = ?", provider, session)
}

func (r *payments) ByProviderPayment(ctx context.Context, provider, id string) (core.Payment, error) {
	if id == "" {
		return core.Payment{}, errPaymentNotFound
	}
	return r.one(ctx, "provider = ? AND provider_payment_id = ?", provider, id)
}

// one reads the payment where holds (a unique key), or errPaymentNotFound.
func (r *payments) one(ctx context.Context, where string, args ...any) (core.Payment, error) {
	var row paymentRow
	if err := r.u().one(ctx, r.u().tx.NewSelect().Model(&row).Where(where, args...), errPaymentNotFound); err != nil {
		return core.Payment{}, err
	}
	return row.toPayment(), nil
}

// Update writes the columns that change; the rest never do.
func (r *payments) Update(ctx context.Context, p core.Payment) error {
	if !validUUID(string(p.ID)) {
		return errPaymentNotFound
	}
	res, err := r.u().tx.NewUpdate().Model(fromPayment(p)).
		Column("status", "session_id", "checkout_url", "session_expires_at", "provider_payment_id", "refunded_minor",
			"credits_granted", "credits_revoked", "shortfall", "flag", "updated_at").
		WherePK().Exec(ctx)
	if err = r.u().check(err); errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: that checkout session or provider payment belongs to another payment", core.ErrConflict)
	} else if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errPaymentNotFound
	}
	return nil
}

func (r *payments) List(ctx context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.Payment, error) {
	return userPage(ctx, r.u(), string(user), before, newestFirst, limit, (*paymentRow).toPayment)
}

func (r *payments) ListAll(ctx context.Context, filter core.PaymentFilter, before *core.PageKey, limit int) ([]core.Payment, error) {
	from, err := pageFrom(before)
	if err != nil {
		return nil, err
	}
	var rows []paymentRow
	q := r.u().tx.NewSelect().Model(&rows)
	if filter.Shortfall {
		q = q.Where("shortfall > 0")
	}
	if filter.Flagged {
		q = q.Where("flag IS NOT NULL")
	}
	if err := page(q, "created_at, id", from, newestFirst, limit).Scan(ctx); err != nil {
		return nil, r.u().check(err)
	}
	return all(rows, (*paymentRow).toPayment), nil
}

// RecordEvent inserts unless the event is stored. ON CONFLICT DO NOTHING
// waits for a concurrent insert of the same event and then skips it.
func (r *payments) RecordEvent(ctx context.Context, e core.PaymentEventRecord) (bool, error) {
	row := &paymentEventRow{
		Provider: e.Provider, EventID: e.EventID, Kind: string(e.Kind), PaymentID: string(e.PaymentID),
		SessionID: e.SessionID, Outcome: string(e.Outcome), ReceivedAt: micro(e.ReceivedAt),
		ProviderPaymentID: e.ProviderPaymentID, AmountRefunded: e.AmountRefunded,
	}
	if row.Provider == "" || row.EventID == "" || len(row.EventID) > core.MaxEventIDLength {
		return false, fmt.Errorf("%w: payment event without a provider or id", core.ErrInvalid)
	}
	res, err := r.u().tx.NewInsert().Model(row).On("CONFLICT (provider, event_id) DO NOTHING").Exec(ctx)
	if err := r.u().check(err); err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Orphans reads the partial index payment_events_orphans: its WHERE is
// core.PaymentEventRecord.Orphaned.
func (r *payments) Orphans(ctx context.Context, provider, providerPaymentID string) ([]core.PaymentEventRecord, error) {
	var rows []paymentEventRow
	err := r.u().tx.NewSelect().Model(&rows).
		Where("provider = ? AND provider_payment_id = ?", provider, providerPaymentID).
		Where("outcome = ? AND kind IN (?, ?)", string(core.OutcomeUnknownPayment), string(core.EventRefunded), string(core.EventDisputeLost)).
		Order("received_at", "event_id").Scan(ctx)
	if err := r.u().check(err); err != nil {
		return nil, err
	}
	return all(rows, (*paymentEventRow).toRecord), nil
}

func (r *payments) Adopt(ctx context.Context, provider, eventID string, payment core.PaymentID, outcome core.EventOutcome) error {
	res, err := r.u().tx.NewUpdate().Model((*paymentEventRow)(nil)).
		Set("payment_id = ?, outcome = ?", string(payment), string(outcome)).
		Where("provider = ? AND event_id = ?", provider, eventID).Exec(ctx)
	if err := r.u().check(err); err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, fmt.Errorf("payment event: %w", core.ErrNotFound))
	}
	return nil
}

func (r *payments) Event(ctx context.Context, provider, eventID string) (core.PaymentEventRecord, error) {
	var row paymentEventRow
	q := r.u().tx.NewSelect().Model(&row).Where("provider = ? AND event_id = ?", provider, eventID)
	if err := r.u().one(ctx, q, fmt.Errorf("payment event: %w", core.ErrNotFound)); err != nil {
		return core.PaymentEventRecord{}, err
	}
	return row.toRecord(), nil
}
