// Package stripeprovider is the Stripe payment provider (ports.PaymentProvider)
// on github.com/stripe/stripe-go/v82: it opens Checkout Sessions and turns
// Stripe's signed webhooks into core.PaymentEvents. It reads no environment
// and logs nothing; New takes everything it needs in Config.
//
// # Checkout
//
// CreateCheckout opens a Checkout Session in payment mode selling one line
// item, priced inline (price_data: the request's currency, the pack's price
// in minor units, the pack's name), quantity 1. The payment id is the
// Idempotency-Key header, the client_reference_id, and metadata payment_id
// (with the pack's slug as metadata pack) on both the session and its
// PaymentIntent (payment_intent_data.metadata): Stripe copies a
// PaymentIntent's metadata onto the charge it makes, which is how a
// charge.refunded event finds its payment again.
//
// The session expires Config.CheckoutTTL (one hour unless set) after the
// payment was created, read from the payment id when it is a UUIDv7 (ids
// made by adapters/system are), else after now. Stripe answers an idempotent
// retry with the first response only when every parameter is the same, so
// expires_at must not move between a call and its retry: an expiry computed
// from the clock at call time would turn a retry seconds later into an
// idempotency_error.
//
// Errors: a Stripe answer that says try again (5xx, 429, 409: lock or
// idempotency-key contention) and any failure to get an answer (network,
// deadline, a body that is not Stripe's) is an *Error wrapping
// core.ErrUnavailable; any other 4xx (a bad key, a parameter Stripe refuses)
// is an *Error wrapping ErrRejected. Neither carries Stripe's message text,
// which may quote what was sent (an email address).
//
// # Webhooks
//
// ParseWebhook verifies the Stripe-Signature header over the raw body with
// the endpoint's signing secret (webhook.ConstructEventWithOptions), checks
// the signature's timestamp against the now it is given (within
// Config.WebhookTolerance, five minutes unless set, either way), and maps the
// event:
//
//	Stripe event                               core.PaymentEvent
//	checkout.session.completed                 EventCompleted; Paid = payment_status "paid"
//	checkout.session.async_payment_succeeded   EventAsyncSucceeded; Paid = payment_status "paid"
//	checkout.session.async_payment_failed      EventAsyncFailed
//	checkout.session.expired                   EventExpired
//	charge.refunded                            EventRefunded; AmountRefunded = amount_refunded (all refunds so far)
//	charge.dispute.closed, status "lost"       EventDisputeLost
//	charge.dispute.closed, another status      EventIgnored
//	anything else                              EventIgnored (acknowledged, never acted on)
//
// Session events carry SessionID, PaymentID (metadata payment_id, else
// client_reference_id), ProviderPaymentID (the session's PaymentIntent, once
// there is one), AmountTotal and Currency as Stripe reports them: comparing
// them with the pack is the module's job. charge.refunded carries PaymentID
// from the charge's metadata (copied from the PaymentIntent), the
// PaymentIntent as ProviderPaymentID, the charge's amount and currency as
// AmountTotal and Currency, and no SessionID. A dispute carries only its
// PaymentIntent as ProviderPaymentID: Stripe puts no metadata of ours on it.
//
// Every failure (no secret configured, no or malformed header, no matching
// signature, a timestamp outside the tolerance, a body that is not an event,
// an event whose object is not the one its type names) wraps
// ports.ErrBadWebhook, and its text never quotes the body.
//
// # API version
//
// stripe-go reads an event only if its api_version is on the library's own
// release train (APIVersion, "2025-08-27.basil" for v82.5.1: any
// "….basil" version); others are rejected as bad webhooks. The webhook
// endpoint must therefore be created with that version (Dashboard, or the
// API's webhook_endpoints create with api_version 2025-08-27.basil). The
// Stripe CLI's "stripe listen" sends events in the account's default version
// (it prints it: "You are using Stripe API Version [….basil]"), or with
// --latest in the newest one, which may be a later train: use it only when
// the account's default is a basil version, and without --latest.
package stripeprovider
