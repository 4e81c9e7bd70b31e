package ports

import (
	"context"
	"errors"
	"time"

	"github.com/chatlens/chatlens/core"
)

// PaymentProvider is a payment service: Stripe, or the local one used in
// development. It opens checkout sessions and turns its own signed
// webhooks into core.PaymentEvents. It is called outside any unit of work
// (it is an outside system: a retried unit must never call it twice).
type PaymentProvider interface {
	// Name is the provider's name in URLs and storage ("stripe", "local").
	Name() string
	// CreateCheckout opens a checkout session. The request's PaymentID is
	// sent as the provider's idempotency key (a retried call returns the
	// same session) and stored in the session's metadata, where webhooks
	// find it again.
	CreateCheckout(ctx context.Context, req CheckoutRequest) (CheckoutSession, error)
	// SignatureHeader names the HTTP header that carries a webhook's
	// signature ("Stripe-Signature").
	SignatureHeader() string
	// ParseWebhook verifies signature over the raw body, exactly as sent,
	// and returns its event. A bad, expired or other-secret signature, or
	// a body that is not an event, is ErrBadWebhook: nothing may be done
	// with it.
	ParseWebhook(payload []byte, signature string, now time.Time) (core.PaymentEvent, error)
}

// CheckoutRequest is what a checkout session sells.
type CheckoutRequest struct {
	PaymentID     core.PaymentID
	Pack          core.CreditPack
	Currency      string // ISO 4217, lower case, the deployment's one currency
	CustomerEmail string
	SuccessURL    string
	CancelURL     string
}

// CheckoutSession is an opened checkout: where to send the buyer.
type CheckoutSession struct {
	ID        string
	URL       string
	ExpiresAt time.Time
}

// ErrBadWebhook is a webhook that cannot be trusted: its signature does
// not verify (forged, expired, signed with another secret) or its body is
// not an event. The HTTP adapter answers 400 and nothing changes.
var ErrBadWebhook = errors.New("webhook signature or body invalid")
