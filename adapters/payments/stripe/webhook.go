package stripeprovider

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Why a webhook is bad; each wraps ports.ErrBadWebhook. None quotes the
// body.
var (
	errNoSecret      = badWebhook("no webhook signing secret is configured")
	errNotSigned     = badWebhook("no Stripe-Signature header")
	errHeader        = badWebhook("the Stripe-Signature header is not t=<unix time>,v1=<hex>")
	errSignature     = badWebhook("no v1 signature matches (forged, altered, or signed with another secret)")
	errTimestamp     = badWebhook("the signature's timestamp is outside the tolerance")
	errNotEvent      = badWebhook("the body is not a Stripe event")
	errAPIVersion    = badWebhook("the event's api_version is not on stripe-go's release train " + APIVersion)
	errObjectMissing = badWebhook("the event's object is not the one its type names")
)

func badWebhook(why string) error {
	return fmt.Errorf("stripe webhook: %s: %w", why, ports.ErrBadWebhook)
}

// ParseWebhook verifies a webhook and maps its event (see the package
// documentation). now is the time the webhook arrived; the signature's
// timestamp must be within the tolerance of it.
func (p *Provider) ParseWebhook(payload []byte, signature string, now time.Time) (core.PaymentEvent, error) {
	if p.webhookSecret == "" {
		// An empty secret is a key too: anyone could sign with it.
		return core.PaymentEvent{}, errNoSecret
	}
	signedAt, err := signatureTime(signature)
	if err != nil {
		return core.PaymentEvent{}, err
	}
	if now.IsZero() {
		now = time.Now()
	}
	if d := now.Sub(signedAt); d > p.tolerance || -d > p.tolerance {
		return core.PaymentEvent{}, fmt.Errorf("%w (%s)", errTimestamp, p.tolerance)
	}
	// The timestamp was checked above against the given now; stripe-go
	// would check it against the wall clock.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, p.webhookSecret,
		webhook.ConstructEventOptions{IgnoreTolerance: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return core.PaymentEvent{}, errNotSigned
	case errors.Is(err, webhook.ErrInvalidHeader):
		return core.PaymentEvent{}, errHeader
	case errors.Is(err, webhook.ErrNoValidSignature):
		return core.PaymentEvent{}, errSignature
	case err != nil:
		// The signature is good, so the body is Stripe's: either it is not
		// an event, or stripe-go refused its api_version.
		return core.PaymentEvent{}, notEventOrVersion(payload)
	}
	return mapEvent(&ev)
}

// signatureTime reads the t= part of a Stripe-Signature header, so the
// tolerance can be checked against the given now.
func signatureTime(header string) (time.Time, error) {
	if header == "" {
		return time.Time{}, errNotSigned
	}
	var (
		t     time.Time
		found bool
	)
	for pair := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return time.Time{}, errHeader
		}
		if k == "t" {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil || found {
				return time.Time{}, errHeader
			}
			t, found = time.Unix(sec, 0), true
		}
	}
	if !found {
		return time.Time{}, errHeader
	}
	return t, nil
}

// notEventOrVersion explains why stripe-go refused a well-signed body.
func notEventOrVersion(payload []byte) error {
	var ev stripe.Event
	if err := json.Unmarshal(payload, &ev); err != nil || ev.ID == "" {
		return errNotEvent
	}
	// Quoted with %q and cut short: it is Stripe's text, but text all the same.
	v := ev.APIVersion
	if len(v) > 40 {
		v = v[:40]
	}
	return fmt.Errorf("%w (it is %q; create the webhook endpoint with %s)", errAPIVersion, v, APIVersion)
}

// mapEvent turns a verified event into the module's shape.
func mapEvent(ev *stripe.Event) (core.PaymentEvent, error) {
	if ev.ID == "" || ev.Type == "" || (ev.Object != "" && ev.Object != "event") {
		return core.PaymentEvent{}, errNotEvent
	}
	out := core.PaymentEvent{ID: ev.ID, Provider: Name, Kind: core.EventIgnored}
	if ev.Created > 0 {
		out.Created = time.Unix(ev.Created, 0).UTC()
	}
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted:
		return sessionEvent(ev, out, core.EventCompleted)
	case stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded:
		return sessionEvent(ev, out, core.EventAsyncSucceeded)
	case stripe.EventTypeCheckoutSessionAsyncPaymentFailed:
		return sessionEvent(ev, out, core.EventAsyncFailed)
	case stripe.EventTypeCheckoutSessionExpired:
		return sessionEvent(ev, out, core.EventExpired)
	case stripe.EventTypeChargeRefunded:
		var c stripe.Charge
		if err := object(ev, "charge", &c); err != nil {
			return core.PaymentEvent{}, err
		}
		out.Kind = core.EventRefunded
		out.PaymentID = core.PaymentID(c.Metadata[metaPaymentID])
		out.ProviderPaymentID = paymentIntentID(c.PaymentIntent)
		out.AmountTotal = c.Amount
		out.Currency = strings.ToLower(string(c.Currency))
		out.AmountRefunded = c.AmountRefunded
		return out, nil
	case stripe.EventTypeChargeDisputeClosed:
		var d stripe.Dispute
		if err := object(ev, "dispute", &d); err != nil {
			return core.PaymentEvent{}, err
		}
		if d.Status != stripe.DisputeStatusLost {
			return out, nil // won, or closed with a warning: nothing to take back
		}
		out.Kind = core.EventDisputeLost
		out.PaymentID = core.PaymentID(d.Metadata[metaPaymentID]) // normally empty: Stripe copies nothing onto a dispute
		out.ProviderPaymentID = paymentIntentID(d.PaymentIntent)
		return out, nil
	}
	return out, nil
}

func sessionEvent(ev *stripe.Event, out core.PaymentEvent, kind core.PaymentEventKind) (core.PaymentEvent, error) {
	var s stripe.CheckoutSession
	if err := object(ev, "checkout.session", &s); err != nil {
		return core.PaymentEvent{}, err
	}
	out.Kind = kind
	out.SessionID = s.ID
	out.PaymentID = core.PaymentID(s.Metadata[metaPaymentID])
	if out.PaymentID == "" {
		out.PaymentID = core.PaymentID(s.ClientReferenceID)
	}
	out.ProviderPaymentID = paymentIntentID(s.PaymentIntent)
	out.Paid = s.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid
	out.AmountTotal = s.AmountTotal
	out.Currency = strings.ToLower(string(s.Currency))
	return out, nil
}

// object decodes the event's object into v, which must be a kind object
// with an id.
func object(ev *stripe.Event, kind string, v any) error {
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return errObjectMissing
	}
	var head struct {
		Object string `json:"object"`
		ID     string `json:"id"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &head); err != nil || head.Object != kind || head.ID == "" {
		return errObjectMissing
	}
	if err := json.Unmarshal(ev.Data.Raw, v); err != nil {
		return errObjectMissing
	}
	return nil
}

// paymentIntentID is the id of an expandable PaymentIntent field: a webhook
// carries the id alone.
func paymentIntentID(pi *stripe.PaymentIntent) string {
	if pi == nil {
		return ""
	}
	return pi.ID
}
