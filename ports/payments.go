package ports

import (
	"context"
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
// not an event. It is core.ErrBadWebhook, the one error the HTTP adapter
// answers 400 for, and nothing changes.
var ErrBadWebhook = core.ErrBadWebhook

// Packs stores the credit packs on sale.
type Packs interface {
	// List returns the packs, cheapest first (then by slug); inactive
	// ones only when inactiveToo is true.
	List(ctx context.Context, inactiveToo bool) ([]core.CreditPack, error)
	// Get returns a pack, active or not, or core.ErrNotFound.
	Get(ctx context.Context, slug core.PackSlug) (core.CreditPack, error)
	// Put creates the pack or replaces the one with its slug, and reports
	// whether it was created.
	Put(ctx context.Context, p core.CreditPack) (created bool, err error)
}

// Payments stores payments and the webhook events handled for them.
type Payments interface {
	// Create stores a new payment. Another payment of the same user with
	// the same (non-empty) idempotency key is core.ErrConflict.
	Create(ctx context.Context, p core.Payment) error
	// Get returns a payment or core.ErrNotFound.
	Get(ctx context.Context, id core.PaymentID) (core.Payment, error)
	// Lock loads a payment for change, taking its row lock first under the
	// unit's lock policy; core.ErrNotFound when there is none.
	Lock(ctx context.Context, id core.PaymentID) (core.Payment, error)
	// ByIdempotencyKey returns the user's payment made with key, or
	// core.ErrNotFound.
	ByIdempotencyKey(ctx context.Context, user core.UserID, key string) (core.Payment, error)
	// BySession returns the payment of a provider's checkout session, or
	// core.ErrNotFound.
	BySession(ctx context.Context, provider, session string) (core.Payment, error)
	// ByProviderPayment returns the payment whose ProviderPaymentID (the
	// provider's id of the money, Stripe's PaymentIntent) is id, or
	// core.ErrNotFound.
	ByProviderPayment(ctx context.Context, provider, id string) (core.Payment, error)
	// Update writes a locked payment's new state (everything but its id,
	// user, provider, pack, price and idempotency key, which never change).
	Update(ctx context.Context, p core.Payment) error
	// List returns a user's payments newest first, strictly before the key
	// when one is given, at most limit.
	List(ctx context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.Payment, error)
	// ListAll returns every user's payments that pass filter, newest
	// first, strictly before the key when one is given, at most limit.
	ListAll(ctx context.Context, filter core.PaymentFilter, before *core.PageKey, limit int) ([]core.Payment, error)
	// RecordEvent stores a handled webhook event unless one with its
	// (provider, event id) is stored (then it writes nothing and returns
	// false): an event is handled once, however often it is delivered.
	RecordEvent(ctx context.Context, e core.PaymentEventRecord) (bool, error)
	// Event returns a recorded event, or core.ErrNotFound.
	Event(ctx context.Context, provider, eventID string) (core.PaymentEventRecord, error)
	// Orphans returns the provider's recorded events that are Orphaned
	// and name the money id providerPaymentID, oldest first.
	Orphans(ctx context.Context, provider, providerPaymentID string) ([]core.PaymentEventRecord, error)
	// Adopt records that an orphaned event was applied to a payment after
	// all: its payment and outcome change; core.ErrNotFound when no such
	// event is recorded.
	Adopt(ctx context.Context, provider, eventID string, payment core.PaymentID, outcome core.EventOutcome) error
}
