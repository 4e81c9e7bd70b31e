package stripeprovider

import (
	"context"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Metadata keys set on the session and its PaymentIntent.
const (
	metaPaymentID = "payment_id"
	metaPack      = "pack"
)

// CreateCheckout opens a Checkout Session for req (see the package
// documentation for what is sent). A retried call with the same request
// returns the same session: the payment id is the idempotency key and every
// parameter, the expiry included, is a function of the request.
func (p *Provider) CreateCheckout(ctx context.Context, req ports.CheckoutRequest) (ports.CheckoutSession, error) {
	if !p.hasKey {
		return ports.CheckoutSession{}, &Error{class: core.ErrUnavailable, reason: "no secret key configured"}
	}
	if err := checkRequest(req); err != nil {
		return ports.CheckoutSession{}, err
	}
	id := string(req.PaymentID)
	meta := map[string]string{metaPaymentID: id, metaPack: string(req.Pack.Slug)}
	name := req.Pack.Name
	if strings.TrimSpace(name) == "" {
		name = string(req.Pack.Slug)
	}
	params := &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String(string(stripe.CheckoutSessionModePayment)),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(req.Currency)),
				UnitAmount:  stripe.Int64(req.Pack.PriceMinor),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)},
			},
			Quantity: stripe.Int64(1),
		}},
		ClientReferenceID: stripe.String(id),
		Metadata:          meta,
		// Stripe copies the PaymentIntent's metadata onto its charge, where
		// charge.refunded finds the payment id again.
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: meta},
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		ExpiresAt:         stripe.Int64(p.expiresAt(req.PaymentID).Unix()),
	}
	if req.CustomerEmail != "" {
		params.CustomerEmail = stripe.String(req.CustomerEmail)
	}
	params.SetIdempotencyKey(id)

	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	s, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return ports.CheckoutSession{}, classify(ctx, err)
	}
	if s.ID == "" || s.URL == "" {
		return ports.CheckoutSession{}, &Error{class: core.ErrUnavailable, reason: "the answer has no session id or url"}
	}
	out := ports.CheckoutSession{ID: s.ID, URL: s.URL}
	if s.ExpiresAt > 0 {
		out.ExpiresAt = time.Unix(s.ExpiresAt, 0).UTC()
	}
	return out, nil
}

// checkRequest refuses a request no correct caller makes. An empty payment
// id matters most: stripe-go would make up an idempotency key, and a retry
// would open a second session.
func checkRequest(req ports.CheckoutRequest) error {
	var problem string
	switch {
	case req.PaymentID == "":
		problem = "no payment id"
	case len(req.PaymentID) > 255:
		problem = "a payment id longer than an idempotency key may be"
	case req.Pack.PriceMinor <= 0:
		problem = "a price that is not positive"
	case len(req.Currency) != 3:
		problem = "a currency that is not an ISO 4217 code"
	case req.SuccessURL == "" || req.CancelURL == "":
		problem = "no success or cancel URL"
	default:
		return nil
	}
	return &Error{reason: "checkout request with " + problem}
}

// expiresAt is when the session for payment id closes: CheckoutTTL after
// the time in the id when it is a UUIDv7, else after now. It must be the
// same on every retry (see the package documentation).
func (p *Provider) expiresAt(id core.PaymentID) time.Time {
	start, ok := uuidV7Time(string(id))
	if !ok {
		start = p.now()
	}
	return start.Add(p.ttl).Truncate(time.Second)
}

// uuidV7Time returns the creation time (millisecond precision) in an RFC
// 9562 version 7 UUID in text form.
func uuidV7Time(s string) (time.Time, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return time.Time{}, false
	}
	b, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	if err != nil || b[6]>>4 != 7 || b[8]>>6 != 2 {
		return time.Time{}, false
	}
	var ms int64
	for _, c := range b[0:6] {
		ms = ms<<8 | int64(c)
	}
	return time.UnixMilli(ms), true
}

// ErrRejected is a request Stripe refused for good (a 4xx other than 409
// and 429): a bad key, a parameter it does not accept, an idempotency key
// reused with other parameters. Retrying does not help; the configuration
// or the code needs fixing.
var ErrRejected = errors.New("stripe rejected the request")

// Error is a failed Stripe call. It wraps core.ErrUnavailable when trying
// again later may work, ErrRejected when Stripe refused the request, and
// the underlying error (a *stripe.Error, a network error, a context error).
// Its text names the status, Stripe's error type, code, parameter and
// request id, never Stripe's message, which may quote what was sent.
type Error struct {
	Status    int    // the HTTP status, 0 without an answer
	Type      string // Stripe's error type, e.g. "invalid_request_error"
	Code      string // Stripe's error code, e.g. "parameter_invalid_integer"
	Param     string // the parameter Stripe names, e.g. "line_items[0][price_data][currency]"
	RequestID string // Stripe's request id, for its dashboard and support

	class  error  // core.ErrUnavailable, ErrRejected, or nil
	reason string // what went wrong, when there is no Stripe answer
	cause  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("stripe: ")
	b.WriteString(e.reason)
	if e.Status != 0 {
		for _, f := range [][2]string{{"status", strconv.Itoa(e.Status)}, {"type", e.Type}, {"code", e.Code}, {"param", e.Param}, {"request", e.RequestID}} {
			if f[1] != "" {
				b.WriteString(" " + f[0] + "=" + f[1])
			}
		}
	}
	return b.String()
}

// Unwrap returns the class (core.ErrUnavailable or ErrRejected) and the
// cause.
func (e *Error) Unwrap() []error {
	var out []error
	for _, err := range []error{e.class, e.cause} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// classify turns what stripe-go returned into an *Error. ctx is the call's
// own context: its end explains a failure without an answer.
func classify(ctx context.Context, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) {
		e := &Error{Status: se.HTTPStatusCode, Type: string(se.Type), Code: string(se.Code),
			Param: se.Param, RequestID: se.RequestID, cause: err}
		switch s := se.HTTPStatusCode; {
		case s >= 500:
			e.class, e.reason = core.ErrUnavailable, "Stripe failed"
		case s == 429:
			e.class, e.reason = core.ErrUnavailable, "Stripe asks to slow down (rate limit or lock timeout)"
		case s == 409:
			e.class, e.reason = core.ErrUnavailable, "a concurrent request holds the idempotency key"
		default:
			e.class, e.reason = ErrRejected, "Stripe rejected the request"
		}
		return e
	}
	switch cerr := ctx.Err(); {
	case errors.Is(cerr, context.Canceled):
		// The caller went away: neither Stripe's fault nor a rejection.
		return &Error{reason: "the call was canceled", cause: cerr}
	case cerr != nil:
		return &Error{class: core.ErrUnavailable, reason: "no answer before the deadline", cause: cerr}
	}
	// No answer at all: the network error says why, and names only the URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		return &Error{class: core.ErrUnavailable, reason: "no answer: " + ue.Error(), cause: err}
	}
	// An answer that is not a Stripe error (a proxy's page): stripe-go's
	// text for it quotes the body, so it is not repeated here.
	return &Error{class: core.ErrUnavailable, reason: "an answer that is not Stripe's", cause: err}
}
