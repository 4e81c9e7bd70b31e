package core

import "time"

// PackSlug names a credit pack ("starter", "pro").
type PackSlug string

// CreditPack is what a person can buy: Credits for PriceMinor, in the one
// currency the deployment is configured for, in its minor unit (cents).
type CreditPack struct {
	Slug       PackSlug
	Name       string
	Credits    int64
	PriceMinor int64
	Active     bool // inactive packs are not sold; payments for them stay valid
	UpdatedAt  time.Time
}

// PaymentID identifies a payment; it is also the idempotency key sent to
// the provider and the reference of the ledger entry that grants it.
type PaymentID string

// PaymentStatus is where a payment stands. It only moves forward:
// pending -> paid | expired | failed; paid -> refunded (fully or partly).
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending  PaymentStatus = "pending"
	PaymentPaid     PaymentStatus = "paid"
	PaymentExpired  PaymentStatus = "expired"
	PaymentFailed   PaymentStatus = "failed"
	PaymentRefunded PaymentStatus = "refunded"
)

// PaymentEventKind is what a provider's webhook says happened to a
// checkout session.
type PaymentEventKind string

// Payment event kinds, whatever the provider.
const (
	// EventCompleted: the session completed; Paid says whether the money
	// arrived or an asynchronous payment (a bank debit) is still on its way.
	EventCompleted PaymentEventKind = "completed"
	// EventAsyncSucceeded and EventAsyncFailed: an asynchronous payment
	// settled.
	EventAsyncSucceeded PaymentEventKind = "async_succeeded"
	EventAsyncFailed    PaymentEventKind = "async_failed"
	// EventExpired: the session expired unpaid.
	EventExpired PaymentEventKind = "expired"
	// EventRefunded: money was refunded; AmountRefunded is the total
	// refunded so far, not this refund alone.
	EventRefunded PaymentEventKind = "refunded"
	// EventDisputeLost: a dispute (chargeback) was lost: the whole amount
	// is gone.
	EventDisputeLost PaymentEventKind = "dispute_lost"
	// EventIgnored: a well-signed event this service does not act on; it is
	// acknowledged so the provider stops sending it.
	EventIgnored PaymentEventKind = "ignored"
)

// PaymentEvent is one verified webhook event, in the provider-neutral
// shape the payments module acts on. Amounts are in minor units.
type PaymentEvent struct {
	ID        string // the provider's event id: events are applied once by it
	Provider  string
	Kind      PaymentEventKind
	SessionID string    // the provider's checkout session
	PaymentID PaymentID // from the session's metadata; empty when absent
	// ProviderPaymentID is the provider's own id of the money movement
	// behind the session (Stripe: the PaymentIntent, "pi_…"), when the event
	// names one. A refund or dispute is about that, not the session, and a
	// dispute never carries the session's metadata (its PaymentID is
	// empty): the module keeps ProviderPaymentID from the completed event
	// and finds such a payment by it.
	ProviderPaymentID string
	Paid              bool // EventCompleted: the money arrived
	// AmountTotal and Currency are what the session charged (completed
	// events); a payment whose amount or currency differs from its pack's
	// is flagged and grants nothing.
	AmountTotal int64
	Currency    string
	// AmountRefunded is the total refunded so far (EventRefunded).
	AmountRefunded int64
	Created        time.Time
}
