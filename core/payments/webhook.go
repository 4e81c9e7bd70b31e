package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/ports"
)

// errDuplicate ends the unit of an event recorded before: everything it did
// is rolled back, and the delivery is acknowledged as a duplicate.
var errDuplicate = errors.New("payment event handled before")

// Webhook handles one webhook delivery of the named provider: payload is
// the request body exactly as sent, header reads the request's headers
// (the provider names the one carrying its signature). A delivery that does
// not verify is core.ErrBadWebhook and changes nothing; an unknown provider
// is core.ErrNotFound. Every verified event is answered with what it did,
// an event for no payment of ours included (recorded, so the provider
// stops sending it): only a failure to store it asks the provider to retry.
func (s *Service) Webhook(ctx context.Context, provider string, payload []byte, header func(name string) string) (core.EventOutcome, error) {
	prov, ok := s.providers[provider]
	if !ok {
		return "", fmt.Errorf("payment provider: %w", core.ErrNotFound)
	}
	ev, err := prov.ParseWebhook(payload, header(prov.SignatureHeader()), s.clock.Now())
	if err != nil {
		return "", fmt.Errorf("%w: %w", core.ErrBadWebhook, err)
	}
	if !core.ValidToken(ev.ID, core.MaxEventIDLength) {
		return "", fmt.Errorf("%w: the event has no usable id", core.ErrBadWebhook)
	}
	ev.Provider = prov.Name()
	if !knownKinds[ev.Kind] {
		ev.Kind = core.EventIgnored
	}
	var outcome core.EventOutcome
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		outcome, err = s.handle(ctx, tx, ev)
		return err
	}, s.change...)
	if errors.Is(err, errDuplicate) {
		return core.OutcomeDuplicate, nil
	}
	return outcome, err
}

var knownKinds = map[core.PaymentEventKind]bool{
	core.EventCompleted: true, core.EventAsyncSucceeded: true, core.EventAsyncFailed: true, core.EventExpired: true,
	core.EventRefunded: true, core.EventDisputeLost: true, core.EventIgnored: true,
}

// handle is the webhook's unit: lock the payment the event names, decide
// (core.Payment.Handle), grant or take back credits, write the payment,
// and record the event, which fails as a duplicate when it was recorded
// before and so rolls all of it back.
func (s *Service) handle(ctx context.Context, tx ports.Tx, ev core.PaymentEvent) (core.EventOutcome, error) {
	now := s.clock.Now()
	rec := core.PaymentEventRecord{Provider: ev.Provider, EventID: ev.ID, Kind: ev.Kind, ReceivedAt: now}
	if core.ValidToken(ev.SessionID, core.MaxProviderIDLength) {
		rec.SessionID = ev.SessionID
	}
	if id, ok := core.ParseID(string(ev.PaymentID)); ok {
		rec.PaymentID = core.PaymentID(id)
	}
	if core.ValidToken(ev.ProviderPaymentID, core.MaxProviderIDLength) {
		rec.ProviderPaymentID, rec.AmountRefunded = ev.ProviderPaymentID, max(ev.AmountRefunded, 0)
	}
	rec.Outcome = core.OutcomeIgnored
	if ev.Kind != core.EventIgnored {
		p, err := s.lockFor(ctx, tx, ev, rec.PaymentID, rec.SessionID)
		switch {
		case errors.Is(err, core.ErrNotFound) || err == nil && p.Provider != ev.Provider:
			rec.Outcome = core.OutcomeUnknownPayment
		case err != nil:
			return "", err
		default:
			rec.PaymentID = p.ID
			if rec.Outcome, err = s.apply(ctx, tx, p, ev, now); err != nil {
				return "", err
			}
			if p.ProviderPaymentID == "" {
				if err := s.adoptOrphans(ctx, tx, p.ID, now); err != nil {
					return "", err
				}
			}
		}
	}
	inserted, err := tx.Payments().RecordEvent(ctx, rec)
	if err != nil {
		return "", err
	}
	if !inserted {
		return "", errDuplicate
	}
	return rec.Outcome, nil
}

// adoptOrphans applies, in the unit that made a payment's money id known
// (its completion), the refunds and lost disputes that came for that money
// before it: recorded then as for no payment, they take back what they
// would have had they come in order.
func (s *Service) adoptOrphans(ctx context.Context, tx ports.Tx, id core.PaymentID, now time.Time) error {
	p, err := tx.Payments().Get(ctx, id)
	if err != nil || p.ProviderPaymentID == "" {
		return err
	}
	orphans, err := tx.Payments().Orphans(ctx, p.Provider, p.ProviderPaymentID)
	if err != nil {
		return err
	}
	for _, o := range orphans {
		if p, err = tx.Payments().Get(ctx, id); err != nil {
			return err
		}
		outcome, err := s.apply(ctx, tx, p, core.PaymentEvent{
			ID: o.EventID, Provider: o.Provider, Kind: o.Kind,
			ProviderPaymentID: o.ProviderPaymentID, AmountRefunded: o.AmountRefunded,
		}, now)
		if err != nil {
			return err
		}
		if err := tx.Payments().Adopt(ctx, o.Provider, o.EventID, id, outcome); err != nil {
			return err
		}
	}
	return nil
}

// lockFor locks the payment an event names: by the id in the session's
// metadata, else by the provider's session, else by the provider's id of
// the money (a dispute names only that).
func (s *Service) lockFor(ctx context.Context, tx ports.Tx, ev core.PaymentEvent, id core.PaymentID, session string) (core.Payment, error) {
	if id == "" {
		var p core.Payment
		var err error
		switch {
		case session != "":
			p, err = tx.Payments().BySession(ctx, ev.Provider, session)
		case core.ValidToken(ev.ProviderPaymentID, core.MaxProviderIDLength):
			p, err = tx.Payments().ByProviderPayment(ctx, ev.Provider, ev.ProviderPaymentID)
		default:
			err = fmt.Errorf("payment: %w", core.ErrNotFound)
		}
		if err != nil {
			return core.Payment{}, err
		}
		id = p.ID
	}
	return tx.Payments().Lock(ctx, id)
}

// apply carries out what ev does to the locked payment p: the grant and
// the take-back each through credits.Apply (which locks the account), so
// the ledger holds one entry per payment and one per refunded total.
func (s *Service) apply(ctx context.Context, tx ports.Tx, p core.Payment, ev core.PaymentEvent, now time.Time) (core.EventOutcome, error) {
	_, err := tx.Users().Get(ctx, p.UserID)
	if err != nil && !errors.Is(err, core.ErrNotFound) {
		return "", err
	}
	live := err == nil
	c := p.Handle(ev, live)
	if c.Grant > 0 {
		_, err := credits.Apply(ctx, tx, s.clock, s.ids, credits.Change{
			User: p.UserID, Amount: c.Grant, Kind: core.KindPurchase, Reference: core.PaymentReference(p.ID),
		})
		if err != nil {
			return "", replayIfRaced(err)
		}
	}
	if c.TakeBack > 0 {
		taken := int64(0)
		if live {
			acc, err := tx.Credits().Get(ctx, p.UserID)
			if err != nil {
				return "", err
			}
			taken = min(c.TakeBack, acc.Balance)
		}
		if taken > 0 {
			_, err := credits.Apply(ctx, tx, s.clock, s.ids, credits.Change{
				User: p.UserID, Amount: -taken, Kind: core.KindPurchase, Reference: core.RefundReference(p.ID, c.Next.RefundedMinor),
			})
			if err != nil {
				return "", replayIfRaced(err)
			}
		}
		c.Settle(taken)
	}
	if c.Next != p {
		c.Next.UpdatedAt = now
		if err := tx.Payments().Update(ctx, c.Next); err != nil {
			return "", err
		}
	}
	return c.Outcome, nil
}

// replayIfRaced turns what a concurrent change between this unit's reads
// and its account lock can cause (the owner deleted, the balance spent
// below what was read) into a retry, so the unit decides again on what is
// there now.
func replayIfRaced(err error) error {
	if errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrInsufficientCredits) {
		return &ports.RetryableError{Reason: "payment_raced", Err: err}
	}
	return err
}
