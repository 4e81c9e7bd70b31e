// Package payments holds the payment use cases: the credit packs on sale,
// buying one through a payment provider, and the provider's webhooks that
// move a payment through its states (core.Payment.Handle) and grant or take
// back its credits exactly once, however often and in whatever order they
// arrive.
//
// Creating a payment is two units of work around the provider call, never
// one holding it: the pending payment is stored first, so its id exists
// before the provider hears of it (the id is the provider's idempotency key
// and sits in the session's metadata); then the session is stored. A
// webhook is one unit at READ COMMITTED with the bounded wait
// (docs/BENCHMARKS.md): the payment row is locked first, then the credit
// account (by credits.Apply), and the event is recorded by (provider,
// event id) in the same unit, so a redelivery changes nothing.
package payments

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Config is what the payments module needs of the deployment.
type Config struct {
	// Currency is the deployment's one currency (ISO 4217), in which every
	// pack is priced.
	Currency string
	// PublicBaseURL is the address buyers reach this service at; the
	// provider sends them back to its /checkout/success and
	// /checkout/cancel pages.
	PublicBaseURL string
	// Providers are the configured payment providers: each accepts its
	// own webhooks, and the first opens new checkouts. With none, creating
	// a payment is core.ErrNoPaymentProvider: nothing is ever sold without
	// a provider, and nothing is granted without a provider's signed word.
	Providers []ports.PaymentProvider
}

// Service runs the payment use cases.
type Service struct {
	uow       ports.UnitOfWork
	clock     ports.Clock
	ids       ports.IDs
	currency  string
	base      string
	checkout  ports.PaymentProvider // nil: no provider
	providers map[string]ports.PaymentProvider
	// change are the options of a unit that changes a payment and may
	// change credits (docs/BENCHMARKS.md: "payment webhook granting a
	// pack": READ COMMITTED, bounded wait).
	change []ports.UnitOption
}

// NewService returns a payments service.
func NewService(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, cfg Config) (*Service, error) {
	currency, err := core.ParseCurrency(cfg.Currency)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.PublicBaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, errors.New("payments: the public base URL must be an absolute http or https URL")
	}
	s := &Service{
		uow: uow, clock: clock, ids: ids, currency: currency,
		base:      strings.TrimSuffix(cfg.PublicBaseURL, "/"),
		providers: map[string]ports.PaymentProvider{},
		change:    []ports.UnitOption{ports.WithIsolation(ports.ReadCommitted), ports.WithLock(ports.LockWait)},
	}
	for _, p := range cfg.Providers {
		if _, dup := s.providers[p.Name()]; dup {
			return nil, fmt.Errorf("payments: two providers named %q", p.Name())
		}
		s.providers[p.Name()] = p
		if s.checkout == nil {
			s.checkout = p
		}
	}
	return s, nil
}

// Currency is the currency every pack is priced in.
func (s *Service) Currency() string { return s.currency }

// Packs returns the packs on sale, cheapest first.
func (s *Service) Packs(ctx context.Context) ([]core.CreditPack, error) {
	return s.packs(ctx, false)
}

// AllPacks returns every pack, those no longer on sale included.
func (s *Service) AllPacks(ctx context.Context) ([]core.CreditPack, error) {
	return s.packs(ctx, true)
}

func (s *Service) packs(ctx context.Context, inactiveToo bool) ([]core.CreditPack, error) {
	var out []core.CreditPack
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		out, err = tx.Packs().List(ctx, inactiveToo)
		return err
	}, ports.ReadOnly())
	return out, err
}

// PutPack creates or replaces a pack (an admin's edit) and reports whether
// it was created. Payments already made keep the price and credits they
// were made with.
func (s *Service) PutPack(ctx context.Context, p core.CreditPack) (core.CreditPack, bool, error) {
	p, err := core.ParsePack(p)
	if err != nil {
		return core.CreditPack{}, false, err
	}
	var created bool
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		p.UpdatedAt = s.clock.Now()
		var err error
		created, err = tx.Packs().Put(ctx, p)
		return err
	})
	if err != nil {
		return core.CreditPack{}, false, err
	}
	return p, created, nil
}

// Create starts buying a pack: it stores a pending payment, opens the
// provider's checkout session and returns the payment with the session's
// URL. With an idempotency key, the user's earlier payment with that key
// is returned instead (created false), and finished when its provider
// call had failed; the same key for another pack is a validation error.
func (s *Service) Create(ctx context.Context, user core.UserID, pack, idempotencyKey string) (core.Payment, bool, error) {
	slug, err := core.ParsePackSlug(pack)
	if err != nil {
		return core.Payment{}, false, core.Invalid("pack", "is not a pack on sale")
	}
	key, err := core.ParseIdempotencyKey(idempotencyKey)
	if err != nil {
		return core.Payment{}, false, err
	}
	if s.checkout == nil {
		return core.Payment{}, false, core.ErrNoPaymentProvider
	}
	var (
		p       core.Payment
		created bool
		buyer   core.User
		name    string
	)
	open := func(ctx context.Context, tx ports.Tx) error {
		p, created = core.Payment{}, false
		var err error
		if buyer, err = tx.Users().Get(ctx, user); err != nil {
			return err
		}
		if key != "" {
			prior, err := tx.Payments().ByIdempotencyKey(ctx, user, key)
			switch {
			case err == nil && prior.Pack != slug:
				return core.Invalid("Idempotency-Key", "was used for another pack")
			case err == nil:
				p = prior
				pk, err := tx.Packs().Get(ctx, prior.Pack)
				name = pk.Name
				return err
			case !errors.Is(err, core.ErrNotFound):
				return err
			}
		}
		pk, err := tx.Packs().Get(ctx, slug)
		if errors.Is(err, core.ErrNotFound) || err == nil && !pk.Active {
			return core.Invalid("pack", "is not a pack on sale")
		} else if err != nil {
			return err
		}
		now := s.clock.Now()
		p = core.Payment{
			ID: core.PaymentID(s.ids.NewID()), UserID: user, Provider: s.checkout.Name(), Pack: pk.Slug,
			Credits: pk.Credits, AmountMinor: pk.PriceMinor, Currency: s.currency, Status: core.PaymentPending,
			IdempotencyKey: key, CreatedAt: now, UpdatedAt: now,
		}
		name, created = pk.Name, true
		return tx.Payments().Create(ctx, p)
	}
	err = s.uow.Do(ctx, open)
	if errors.Is(err, core.ErrConflict) && key != "" {
		// A request with the same key stored its payment first: read it.
		err = s.uow.Do(ctx, open)
	}
	if err != nil {
		return core.Payment{}, false, err
	}
	if p.SessionID != "" || p.Status != core.PaymentPending {
		return p, created, nil
	}
	p, err = s.openCheckout(ctx, p, name, buyer.Email)
	return p, created, err
}

// openCheckout calls the payment's provider, outside any unit of work, and
// stores the session it opened.
func (s *Service) openCheckout(ctx context.Context, p core.Payment, packName, email string) (core.Payment, error) {
	prov, ok := s.providers[p.Provider]
	if !ok {
		return core.Payment{}, core.ErrNoPaymentProvider
	}
	sess, err := prov.CreateCheckout(ctx, ports.CheckoutRequest{
		PaymentID: p.ID,
		Pack:      core.CreditPack{Slug: p.Pack, Name: packName, Credits: p.Credits, PriceMinor: p.AmountMinor, Active: true},
		Currency:  p.Currency, CustomerEmail: email,
		SuccessURL: s.base + "/checkout/success?payment=" + string(p.ID),
		CancelURL:  s.base + "/checkout/cancel?payment=" + string(p.ID),
	})
	if err != nil {
		return core.Payment{}, fmt.Errorf("%w: opening a checkout session: %w", core.ErrPaymentProvider, err)
	}
	if !core.ValidToken(sess.ID, core.MaxProviderIDLength) || !core.ValidToken(sess.URL, core.MaxCheckoutURLLength) {
		return core.Payment{}, fmt.Errorf("%w: the checkout session has no usable id or URL", core.ErrPaymentProvider)
	}
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Payments().Lock(ctx, p.ID)
		if err != nil {
			return err
		}
		if cur.SessionID == "" {
			cur.SessionID, cur.CheckoutURL, cur.SessionExpiresAt = sess.ID, sess.URL, core.StorageTime(sess.ExpiresAt)
			cur.UpdatedAt = s.clock.Now()
			if err := tx.Payments().Update(ctx, cur); err != nil {
				return err
			}
		}
		p = cur
		return nil
	}, s.change...)
	return p, err
}

// Get returns one of the user's payments; anyone else's is not found.
func (s *Service) Get(ctx context.Context, user core.UserID, id string) (core.Payment, error) {
	canonical, ok := core.ParseID(id)
	if !ok {
		return core.Payment{}, fmt.Errorf("payment: %w", core.ErrNotFound)
	}
	var p core.Payment
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		p, err = tx.Payments().Get(ctx, core.PaymentID(canonical))
		if err == nil && p.UserID != user {
			return fmt.Errorf("payment: %w", core.ErrNotFound)
		}
		return err
	}, ports.ReadOnly())
	return p, err
}

// List returns one page of the user's payments, newest first.
func (s *Service) List(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.Payment], error) {
	return s.page(ctx, cursor, limit, func(ctx context.Context, tx ports.Tx, before *core.PageKey, n int) ([]core.Payment, error) {
		if _, err := tx.Users().Get(ctx, user); err != nil {
			return nil, err
		}
		return tx.Payments().List(ctx, user, before, n)
	})
}

// ListAll returns one page of every user's payments that pass filter,
// newest first: an admin's view of the payments that need a look (a
// refund that found the credits spent, a flagged payment).
func (s *Service) ListAll(ctx context.Context, filter core.PaymentFilter, cursor string, limit int) (core.Page[core.Payment], error) {
	return s.page(ctx, cursor, limit, func(ctx context.Context, tx ports.Tx, before *core.PageKey, n int) ([]core.Payment, error) {
		return tx.Payments().ListAll(ctx, filter, before, n)
	})
}

func (s *Service) page(ctx context.Context, cursor string, limit int,
	list func(ctx context.Context, tx ports.Tx, before *core.PageKey, n int) ([]core.Payment, error)) (core.Page[core.Payment], error) {
	before, limit, err := core.PageQuery(cursor, limit)
	if err != nil {
		return core.Page[core.Payment]{}, err
	}
	var rows []core.Payment
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		rows, err = list(ctx, tx, before, limit+1)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return core.Page[core.Payment]{}, err
	}
	return core.NewPage(rows, limit, func(last core.Payment) string { return core.EncodeCursor(last.PageKey()) }), nil
}
