// Package local is a payment provider for development: it implements
// ports.PaymentProvider without any money moving. Its checkout URL is a
// capability URL (an unguessable token) to a small page this service
// serves itself (Handler), whose "pay" and "cancel" send the provider's own
// HMAC-SHA256 signed webhook through the API's webhook endpoint, so that
// development and the README's walk-through take the real path: signature,
// event dedupe, state machine, ledger.
//
// It must never run where credits are worth money: anyone who can reach
// the page can pay with it. app enables it in development mode, or when it
// is enabled explicitly.
//
// Webhooks carry the header
//
//	Chatlens-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
//
// and are refused when t is further than the tolerance from now, as
// Stripe's are.
package local

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Name is the provider's name in URLs (/v1/payments/webhooks/local) and
// storage.
const Name = "local"

// SignatureHeader carries a webhook's signature.
const SignatureHeader = "Chatlens-Signature"

// Defaults.
const (
	// DefaultTolerance is how far a signature's time may be from now.
	DefaultTolerance = 5 * time.Minute
	// DefaultSessionTTL is how long a checkout page can be paid.
	DefaultSessionTTL = time.Hour
	// MinSecretLength is the shortest signing secret accepted (bytes).
	MinSecretLength = 32
)

// Event types of the provider's webhooks, and the core event each means.
const (
	TypeCompleted      = "session.completed"
	TypeAsyncSucceeded = "session.async_payment_succeeded"
	TypeAsyncFailed    = "session.async_payment_failed"
	TypeExpired        = "session.expired"
	TypeRefunded       = "payment.refunded"
	TypeDisputeLost    = "payment.dispute_lost"
)

var kinds = map[string]core.PaymentEventKind{
	TypeCompleted: core.EventCompleted, TypeAsyncSucceeded: core.EventAsyncSucceeded,
	TypeAsyncFailed: core.EventAsyncFailed, TypeExpired: core.EventExpired,
	TypeRefunded: core.EventRefunded, TypeDisputeLost: core.EventDisputeLost,
}

// Event is the body of a webhook, as signed.
type Event struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Created int64     `json:"created"`
	Data    EventData `json:"data"`
}

// EventData is what an event says about its session.
type EventData struct {
	Session string `json:"session"`
	Payment string `json:"payment,omitempty"` // the session's metadata: the payment id
	// ProviderPayment is the provider's id of the money ("pi_local_…"),
	// named from the completed event on; a dispute names nothing else.
	ProviderPayment string `json:"provider_payment,omitempty"`
	Paid            bool   `json:"paid,omitempty"`
	AmountTotal     int64  `json:"amount_total,omitempty"`
	Currency        string `json:"currency,omitempty"`
	AmountRefunded  int64  `json:"amount_refunded,omitempty"` // the total refunded so far
}

// Config configures the provider.
type Config struct {
	// Secret signs and verifies webhooks: at least MinSecretLength bytes.
	Secret []byte
	// BaseURL is where this service is reached; checkout pages are at
	// BaseURL/checkout/local/<token>.
	BaseURL string
	// Tolerance bounds the age of a signature; zero is DefaultTolerance.
	Tolerance time.Duration
	// SessionTTL is how long a checkout can be paid; zero is
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Provider is the development payment provider. A session's identity is
// its page's token, signed with the provider's secret (sessionToken), so
// its page works in any process that has the same secret, a restarted one
// included; what the page did (paid, cancelled, refunded so far) is kept
// in this process's memory, and a restarted page starts as open again,
// which is harmless: its webhooks' event ids are fixed by the session, so
// paying twice is a duplicate the API ignores.
type Provider struct {
	cfg     Config
	mu      sync.Mutex
	byToken map[string]*session
	byPay   map[core.PaymentID]*session
}

// session is one checkout.
type session struct {
	id, token string
	req       ports.CheckoutRequest
	expiresAt time.Time
	state     string // open, paid, cancelled, expired
	refunded  int64
}

// Session states.
const (
	stateOpen      = "open"
	statePaid      = "paid"
	stateCancelled = "cancelled"
	stateExpired   = "expired"
)

// New returns a provider.
func New(cfg Config) (*Provider, error) {
	if len(cfg.Secret) < MinSecretLength {
		return nil, fmt.Errorf("local payments: the signing secret must be at least %d bytes", MinSecretLength)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("local payments: the base URL must be an absolute http or https URL")
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Secret = bytes.Clone(cfg.Secret)
	return &Provider{cfg: cfg, byToken: map[string]*session{}, byPay: map[core.PaymentID]*session{}}, nil
}

// Name is "local".
func (p *Provider) Name() string { return Name }

// SignatureHeader is "Chatlens-Signature".
func (p *Provider) SignatureHeader() string { return SignatureHeader }

// CreateCheckout opens a session, or returns the one opened for the same
// payment (the payment id is the idempotency key).
func (p *Provider) CreateCheckout(_ context.Context, req ports.CheckoutRequest) (ports.CheckoutSession, error) {
	if req.PaymentID == "" || req.Pack.PriceMinor <= 0 || req.Currency == "" {
		return ports.CheckoutSession{}, errors.New("local payments: a checkout needs a payment id, a price and a currency")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.byPay[req.PaymentID]
	if !ok {
		s = &session{
			id: p.sessionID(req.PaymentID), req: req,
			expiresAt: p.cfg.Now().Add(p.cfg.SessionTTL).UTC().Truncate(time.Second), state: stateOpen,
		}
		token, err := p.sessionToken(s)
		if err != nil {
			return ports.CheckoutSession{}, err
		}
		s.token = token
		p.byToken[token], p.byPay[req.PaymentID] = s, s
	}
	return ports.CheckoutSession{ID: s.id, URL: p.cfg.BaseURL + PagePath + s.token, ExpiresAt: s.expiresAt}, nil
}

// sessionID is a payment's session id, the same in every process with
// the secret: a checkout created again for the payment is the same one.
func (p *Provider) sessionID(id core.PaymentID) string {
	m := hmac.New(sha256.New, p.cfg.Secret)
	m.Write([]byte("chatlens-local-session\x00" + string(id)))
	return "cs_local_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:24]
}

// pageClaims is what a checkout page's token says: everything the page
// shows and needs to act.
type pageClaims struct {
	Session    string `json:"s"`
	Payment    string `json:"p"`
	PackName   string `json:"n"`
	Credits    int64  `json:"c"`
	PriceMinor int64  `json:"m"`
	Currency   string `json:"u"`
	SuccessURL string `json:"ok"`
	CancelURL  string `json:"no"`
	Expires    int64  `json:"x"`
}

// sessionToken is the capability of a session's page: its claims,
// base64url, a dot, and their HMAC-SHA256 under the secret (its own
// domain, apart from the webhooks' signatures). Unguessable without the
// secret, and checked without a lookup (restore).
func (p *Provider) sessionToken(s *session) (string, error) {
	b, err := json.Marshal(pageClaims{
		Session: s.id, Payment: string(s.req.PaymentID), PackName: s.req.Pack.Name, Credits: s.req.Pack.Credits,
		PriceMinor: s.req.Pack.PriceMinor, Currency: s.req.Currency, SuccessURL: s.req.SuccessURL, CancelURL: s.req.CancelURL,
		Expires: s.expiresAt.Unix(),
	})
	if err != nil {
		return "", fmt.Errorf("local payments: encoding a checkout token: %w", err)
	}
	claims := base64.RawURLEncoding.EncodeToString(b)
	return claims + "." + base64.RawURLEncoding.EncodeToString(p.pageMAC(claims)), nil
}

func (p *Provider) pageMAC(claims string) []byte {
	m := hmac.New(sha256.New, p.cfg.Secret)
	m.Write([]byte("chatlens-local-page\x00" + claims))
	return m.Sum(nil)
}

// restore is the session of a token this process has not seen (made
// before a restart, or by another process with the same secret), open
// until it expires; false for a token the secret did not sign.
func (p *Provider) restore(token string) (*session, bool) {
	claims, mac, ok := strings.Cut(token, ".")
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if !ok || err != nil || !hmac.Equal(got, p.pageMAC(claims)) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(claims)
	var c pageClaims
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return nil, false
	}
	return &session{
		id: c.Session, token: token, state: stateOpen, expiresAt: time.Unix(c.Expires, 0).UTC(),
		req: ports.CheckoutRequest{
			PaymentID: core.PaymentID(c.Payment), Pack: core.CreditPack{Name: c.PackName, Credits: c.Credits, PriceMinor: c.PriceMinor},
			Currency: c.Currency, SuccessURL: c.SuccessURL, CancelURL: c.CancelURL,
		},
	}, true
}

// Sign returns the signature header of payload signed at t.
func (p *Provider) Sign(payload []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(p.mac(ts, payload))
}

func (p *Provider) mac(ts string, payload []byte) []byte {
	m := hmac.New(sha256.New, p.cfg.Secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(payload)
	return m.Sum(nil)
}

// bad is a webhook that cannot be trusted.
func bad(why string) error { return fmt.Errorf("%w: %s", ports.ErrBadWebhook, why) }

// ParseWebhook verifies the signature over payload, exactly as sent, then
// reads the event.
func (p *Provider) ParseWebhook(payload []byte, signature string, now time.Time) (core.PaymentEvent, error) {
	ts, sigs, ok := parseSignature(signature)
	if !ok {
		return core.PaymentEvent{}, bad("the signature header is not t=<unix seconds>,v1=<64 hex digits>")
	}
	at, _ := strconv.ParseInt(ts, 10, 64)
	if d := now.Sub(time.Unix(at, 0)); d > p.cfg.Tolerance || d < -p.cfg.Tolerance {
		return core.PaymentEvent{}, bad("the signature's time is outside the tolerance")
	}
	want := p.mac(ts, payload)
	verified := false
	for _, s := range sigs {
		verified = verified || hmac.Equal(s, want)
	}
	if !verified {
		return core.PaymentEvent{}, bad("the signature does not match")
	}
	var e Event
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || dec.Decode(new(json.RawMessage)) != io.EOF || e.ID == "" || e.Type == "" {
		return core.PaymentEvent{}, bad("the body is not an event")
	}
	kind, known := kinds[e.Type]
	if !known {
		kind = core.EventIgnored
	}
	return core.PaymentEvent{
		ID: e.ID, Provider: Name, Kind: kind, SessionID: e.Data.Session, PaymentID: core.PaymentID(e.Data.Payment),
		ProviderPaymentID: e.Data.ProviderPayment,
		Paid:              e.Data.Paid, AmountTotal: e.Data.AmountTotal, Currency: e.Data.Currency,
		AmountRefunded: e.Data.AmountRefunded, Created: time.Unix(e.Created, 0).UTC(),
	}, nil
}

// parseSignature reads "t=<digits>,v1=<hex>[,v1=<hex>…]"; other keys are
// skipped (a later scheme), as Stripe's header allows.
func parseSignature(h string) (ts string, sigs [][]byte, ok bool) {
	if len(h) > 1024 {
		return "", nil, false
	}
	for part := range strings.SplitSeq(h, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return "", nil, false
		}
		switch k {
		case "t":
			if ts != "" || v == "" || len(v) > 12 || strings.Trim(v, "0123456789") != "" {
				return "", nil, false
			}
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return "", nil, false
			}
			sigs = append(sigs, b)
		}
	}
	return ts, sigs, ts != "" && len(sigs) > 0
}
