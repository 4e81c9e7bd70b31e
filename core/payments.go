package core

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

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

// Errors of the payments module.
var (
	// ErrNoPaymentProvider: no payment provider is configured, so nothing
	// can be bought (never free credits: a deployment without Stripe and
	// without the development provider sells nothing). HTTP 503.
	ErrNoPaymentProvider = errors.New("no payment provider is configured")
	// ErrPaymentProvider: the payment provider failed or did not answer;
	// creating the payment again with the same idempotency key finishes it.
	ErrPaymentProvider = errors.New("the payment provider failed")
	// ErrBadWebhook: a webhook whose signature or body does not verify
	// (forged, expired, signed with another secret, malformed). Nothing is
	// done with it. HTTP 400.
	ErrBadWebhook = errors.New("webhook signature or body invalid")
)

// Limits of the payments module.
const (
	MaxPackSlugLength       = 40
	MaxPackNameLength       = 100 // runes
	MaxPackPriceMinor       = 99_999_999
	MaxIdempotencyKeyLength = 200
	MaxEventIDLength        = 255
	// MaxProviderIDLength bounds a provider's ids kept with a payment (its
	// checkout session, its id of the money).
	MaxProviderIDLength  = 255
	MaxCheckoutURLLength = 2048
)

// ParsePackSlug validates a pack's slug: 1 to 40 of a-z, 0-9 and '-',
// starting with a letter or digit.
func ParsePackSlug(s string) (PackSlug, error) {
	if s == "" || len(s) > MaxPackSlugLength {
		return "", Invalid("slug", "must be 1 to 40 characters")
	}
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		case r == '-' && i > 0:
		default:
			return "", Invalid("slug", "must be lower-case letters, digits and '-', starting with a letter or digit")
		}
	}
	return PackSlug(s), nil
}

// ParsePack validates a pack as an admin writes it; the name is trimmed.
func ParsePack(p CreditPack) (CreditPack, error) {
	slug, err := ParsePackSlug(string(p.Slug))
	if err != nil {
		return CreditPack{}, err
	}
	name, err := parseLabel("name", p.Name, MaxPackNameLength)
	if err != nil {
		return CreditPack{}, err
	}
	if p.Credits < 1 || p.Credits > MaxCreditAmount {
		return CreditPack{}, Invalid("credits", "must be between 1 and 1000000000")
	}
	if p.PriceMinor < 1 || p.PriceMinor > MaxPackPriceMinor {
		return CreditPack{}, Invalid("price_minor", "must be between 1 and 99999999")
	}
	p.Slug, p.Name = slug, name
	return p, nil
}

// ParseCurrency validates an ISO 4217 code and returns it in lower case,
// as providers spell it.
func ParseCurrency(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != 3 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "" {
		return "", Invalid("currency", "must be a three-letter ISO 4217 code")
	}
	return s, nil
}

// ParseIdempotencyKey validates a client's idempotency key: 1 to 200
// printable ASCII characters (RFC 9110 header text without spaces at
// either end). Empty means none.
func ParseIdempotencyKey(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if len(s) > MaxIdempotencyKeyLength {
		return "", Invalid("Idempotency-Key", "is longer than 200 characters")
	}
	if !ValidToken(s, MaxIdempotencyKeyLength) {
		return "", Invalid("Idempotency-Key", "must be printable ASCII without spaces")
	}
	return s, nil
}

// PaymentFlag marks a payment that needs a person's look: nothing was
// granted for it.
type PaymentFlag string

// Payment flags.
const (
	// FlagAmountMismatch: the provider charged another amount or currency
	// than the payment's pack price; nothing is granted.
	FlagAmountMismatch PaymentFlag = "amount_mismatch"
	// FlagOwnerDeleted: the payment completed after its owner's account
	// was deleted; nothing is granted.
	FlagOwnerDeleted PaymentFlag = "owner_deleted"
)

// Payment is one purchase of a pack. The pack's credits, price and the
// currency are copied when the payment is created, so an admin's later
// edit of the pack changes no payment under way.
type Payment struct {
	ID       PaymentID
	UserID   UserID
	Provider string // the provider's Name
	Pack     PackSlug
	Credits  int64 // granted when paid
	// AmountMinor and Currency are what the buyer is charged.
	AmountMinor int64
	Currency    string
	Status      PaymentStatus
	// IdempotencyKey is the client's, unique per user; empty when none.
	IdempotencyKey string
	// SessionID, CheckoutURL and SessionExpiresAt are the provider's
	// checkout session, stored once it is open; empty while the provider
	// has not answered.
	SessionID        string
	CheckoutURL      string
	SessionExpiresAt time.Time
	// ProviderPaymentID is the provider's id of the money behind the
	// session (Stripe's PaymentIntent), kept from the first event that
	// names it: a dispute finds its payment only by it.
	ProviderPaymentID string
	// RefundedMinor is the total refunded (or lost to a dispute) so far.
	// It may be recorded before the payment is paid (events out of order).
	RefundedMinor int64
	// CreditsGranted were granted when paid (0 when flagged); of them,
	// CreditsRevoked were taken back by refunds, and Shortfall could not be
	// taken back because they had been spent already.
	CreditsGranted int64
	CreditsRevoked int64
	Shortfall      int64
	Flag           PaymentFlag // empty when nothing is wrong
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// PageKey is the payment's position in listings, newest first.
func (p Payment) PageKey() PageKey { return PageKey{Time: p.CreatedAt, ID: string(p.ID)} }

// PaymentReference is the ledger reference of the entry that grants a
// payment's credits: a payment is granted once, whatever happens.
func PaymentReference(id PaymentID) string { return "payment:" + string(id) }

// RefundReference is the ledger reference of the entry that takes back
// credits when a payment's refunded total reaches refundedMinor.
func RefundReference(id PaymentID, refundedMinor int64) string {
	return "payment:" + string(id) + ":refunded:" + strconv.FormatInt(refundedMinor, 10)
}

// rank orders statuses: a payment only ever moves to a higher rank.
// Expired and failed share one: neither follows the other.
func (s PaymentStatus) rank() int {
	switch s {
	case PaymentPending:
		return 0
	case PaymentExpired, PaymentFailed:
		return 1
	case PaymentPaid:
		return 2
	case PaymentRefunded:
		return 3
	}
	return -1
}

// Valid reports whether s is a known status.
func (s PaymentStatus) Valid() bool { return s.rank() >= 0 }

// Forward reports whether a payment may move from s to next: only to a
// higher rank (pending -> expired | failed -> paid -> refunded). Expired and
// failed come before paid because a provider's word that the money arrived
// outranks its word that it had not: a completed event delivered after
// the expiry still grants. Nothing moves back to pending, and nothing paid
// becomes expired or failed.
func (s PaymentStatus) Forward(next PaymentStatus) bool { return next.rank() > s.rank() }

// EventOutcome is what handling a webhook event did.
type EventOutcome string

// Event outcomes.
const (
	// OutcomeApplied: the payment changed (status, credits or refunds).
	OutcomeApplied EventOutcome = "applied"
	// OutcomeFlagged: the payment was flagged (an amount or currency that
	// differs from its pack's, or a deleted owner): nothing granted.
	OutcomeFlagged EventOutcome = "flagged"
	// OutcomeIgnored: nothing to do: an event that would move the payment
	// backwards, repeats what is known, or is of a kind not acted on.
	OutcomeIgnored EventOutcome = "ignored"
	// OutcomeUnknownPayment: the event names no payment of this service
	// with that provider; it is recorded and acknowledged.
	OutcomeUnknownPayment EventOutcome = "unknown_payment"
	// OutcomeDuplicate: the event was handled before (by provider and
	// event id); nothing is done again. Never stored: the first outcome is.
	OutcomeDuplicate EventOutcome = "duplicate"
)

// PaymentEventRecord is a handled webhook event, stored once per
// (Provider, EventID): a redelivery finds it and does nothing.
type PaymentEventRecord struct {
	Provider   string
	EventID    string
	Kind       PaymentEventKind
	PaymentID  PaymentID // the payment it names, possibly unknown; empty when none
	SessionID  string
	Outcome    EventOutcome
	ReceivedAt time.Time
	// ProviderPaymentID and AmountRefunded are kept from the event: a
	// refund or a dispute that came before the payment's completion (an
	// orphan, OutcomeUnknownPayment) names the money only by
	// ProviderPaymentID, and is applied when the completion makes that
	// known (Payments.Orphans).
	ProviderPaymentID string
	AmountRefunded    int64
}

// Orphaned reports whether the record is an event for money no payment was
// known by when it came, which a later completion may adopt.
func (r PaymentEventRecord) Orphaned() bool {
	return r.Outcome == OutcomeUnknownPayment && r.ProviderPaymentID != "" &&
		(r.Kind == EventRefunded || r.Kind == EventDisputeLost)
}

// PaymentFilter selects payments in an admin's listing; the zero value
// selects all.
type PaymentFilter struct {
	Shortfall bool // only payments with credits that could not be taken back
	Flagged   bool // only flagged payments
}

// PaymentChange is what one event does to a payment (Payment.Handle):
// its next state, the credits to grant now (a ledger entry with reference
// PaymentReference) and the credits to take back now (with reference
// RefundReference). Whoever applies it takes back what the balance holds
// and records the rest as the payment's shortfall (Settle).
type PaymentChange struct {
	Next     Payment
	Grant    int64
	TakeBack int64
	Outcome  EventOutcome
}

// Handle decides what event e does to p, whose owner is live or not. It
// is the payment state machine, written once for every provider:
//
//   - completed (paid) and async succeeded move a payment to paid, and
//     grant its credits, unless the amount or currency charged differs
//     from the payment's (flagged, nothing granted) or its owner is gone
//     (flagged, nothing granted). A completed event that is not yet paid
//     (an asynchronous payment on its way) only checks the amount;
//   - async failed moves a pending payment to failed, expired to expired;
//   - refunded records the total refunded so far, and dispute lost the
//     whole amount: once the payment is paid it becomes refunded (fully or
//     partly), and ceil(granted × refunded / amount) credits in all are
//     taken back, so no credit outlives the money paid for it; a refund
//     that arrives before the payment is paid is kept and settled when it
//     is, by granting only what the refund leaves;
//   - nothing moves backwards (Forward): an event that would is ignored,
//     as are events that repeat what is known.
func (p Payment) Handle(e PaymentEvent, ownerLive bool) PaymentChange {
	c := PaymentChange{Next: p}
	next := &c.Next
	if next.ProviderPaymentID == "" && ValidToken(e.ProviderPaymentID, MaxProviderIDLength) {
		next.ProviderPaymentID = e.ProviderPaymentID
	}
	flagged := false
	checkAmount := func() {
		if next.Flag == "" && (e.AmountTotal != p.AmountMinor || !strings.EqualFold(e.Currency, p.Currency)) {
			next.Flag, flagged = FlagAmountMismatch, true
		}
	}
	var target PaymentStatus
	switch e.Kind {
	case EventCompleted:
		checkAmount()
		if e.Paid {
			target = PaymentPaid
		}
	case EventAsyncSucceeded:
		checkAmount()
		target = PaymentPaid
	case EventAsyncFailed:
		target = PaymentFailed
	case EventExpired:
		target = PaymentExpired
	case EventRefunded:
		next.RefundedMinor = max(next.RefundedMinor, e.AmountRefunded)
	case EventDisputeLost:
		next.RefundedMinor = max(next.RefundedMinor, p.AmountMinor)
	}
	if target != "" && next.Status.Forward(target) {
		next.Status = target
		if target == PaymentPaid {
			switch {
			case next.Flag != "":
			case !ownerLive:
				next.Flag, flagged = FlagOwnerDeleted, true
			default:
				next.CreditsGranted, c.Grant = p.Credits, p.Credits
			}
		}
	}
	if next.RefundedMinor > 0 && next.Status.rank() >= PaymentPaid.rank() {
		next.Status = PaymentRefunded
		refunded := min(next.RefundedMinor, next.AmountMinor)
		owed := ceilDiv(next.CreditsGranted*refunded, next.AmountMinor)
		if need := owed - next.CreditsRevoked - next.Shortfall; need > 0 {
			// Credits granted by this very event never reached the
			// balance: grant only what the refund leaves.
			kept := min(need, c.Grant)
			c.Grant -= kept
			next.CreditsRevoked += kept
			c.TakeBack = need - kept
		}
	}
	switch {
	case flagged:
		c.Outcome = OutcomeFlagged
	case c.Next != p:
		c.Outcome = OutcomeApplied
	default:
		c.Outcome = OutcomeIgnored
	}
	return c
}

// Settle records that taken of the credits to take back were taken (the
// balance held no more): the rest is the payment's shortfall.
func (c *PaymentChange) Settle(taken int64) {
	c.Next.CreditsRevoked += taken
	c.Next.Shortfall += c.TakeBack - taken
}

// ValidToken reports whether s is 1 to maxLen printable ASCII characters
// without spaces: what a provider's ids, a checkout URL and a client's
// idempotency key may be.
func ValidToken(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// ceilDiv is a / b rounded up, for a >= 0 and b > 0.
func ceilDiv(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
