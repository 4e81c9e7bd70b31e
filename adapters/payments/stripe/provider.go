package stripeprovider

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/chatlens/chatlens/ports"
)

// Name is the provider's name in URLs and storage.
const Name = "stripe"

// APIVersion is the Stripe API version this adapter speaks, sent with every
// request; webhook events must be on its release train (the part after the
// dot), so the webhook endpoint is created with this version.
const APIVersion = stripe.APIVersion

// Defaults for the zero values of Config.
const (
	DefaultTimeout          = 20 * time.Second
	DefaultWebhookTolerance = webhook.DefaultTolerance // 5 minutes
	DefaultCheckoutTTL      = time.Hour
	DefaultNetworkRetries   = 2
)

// Stripe accepts a session expiry from 30 minutes to 24 hours after the
// session is created. The lower bound here leaves 5 minutes for the
// payment's creation and the call itself, since the expiry counts from the
// payment's creation.
const (
	minCheckoutTTL = 35 * time.Minute
	maxCheckoutTTL = 24 * time.Hour
)

// Config is everything the adapter needs; it reads no environment.
type Config struct {
	// SecretKey is the API key: "sk_test_…" or "sk_live_…" (or a restricted
	// "rk_…" key allowed to write Checkout Sessions).
	SecretKey string
	// WebhookSecret is the webhook endpoint's signing secret, "whsec_…".
	// Without it every webhook is rejected.
	WebhookSecret string
	// APIBase is the API's base URL; empty means Stripe
	// (https://api.stripe.com). Tests point it at stripe-mock.
	APIBase string
	// HTTPClient makes the API requests; nil means a client of this
	// package's own (the call is bounded by Timeout either way). Tests pass
	// one that records the requests.
	HTTPClient *http.Client
	// Timeout bounds one CreateCheckout, retries included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// NetworkRetries is how many times a request that failed on the network
	// or with an answer that invites a retry is sent again, with the same
	// idempotency key; 0 means DefaultNetworkRetries, a negative value none.
	NetworkRetries int
	// WebhookTolerance is how far a webhook signature's timestamp may be
	// from now, either way; 0 means DefaultWebhookTolerance.
	WebhookTolerance time.Duration
	// CheckoutTTL is how long a checkout session stays open, counted from
	// the payment's creation; 0 means DefaultCheckoutTTL. It is kept within
	// what Stripe accepts (35 minutes to 24 hours here).
	CheckoutTTL time.Duration
	// Now is the clock used for the session's expiry when the payment id
	// carries no time (not a UUIDv7); nil means time.Now.
	Now func() time.Time
}

// Validate reports a configuration that cannot work: a missing or
// malformed key or secret, an API base that is not an http(s) URL, a
// negative duration. Its messages never contain the secrets.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.SecretKey == "":
		errs = append(errs, errors.New("stripe: the secret key is empty"))
	case !strings.HasPrefix(c.SecretKey, "sk_") && !strings.HasPrefix(c.SecretKey, "rk_"):
		errs = append(errs, errors.New(`stripe: the secret key does not start with "sk_" or "rk_" (is it the publishable key?)`))
	}
	switch {
	case c.WebhookSecret == "":
		errs = append(errs, errors.New("stripe: the webhook signing secret is empty"))
	case !strings.HasPrefix(c.WebhookSecret, "whsec_"):
		errs = append(errs, errors.New(`stripe: the webhook signing secret does not start with "whsec_"`))
	}
	if c.APIBase != "" {
		u, err := url.Parse(c.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("stripe: the API base is not an http(s) URL"))
		}
	}
	for name, d := range map[string]time.Duration{"timeout": c.Timeout, "webhook tolerance": c.WebhookTolerance, "checkout TTL": c.CheckoutTTL} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("stripe: the %s is negative", name))
		}
	}
	return errors.Join(errs...)
}

// Provider is the Stripe payment provider. It is safe for concurrent use.
type Provider struct {
	client        *stripe.Client
	hasKey        bool
	webhookSecret string
	timeout       time.Duration
	tolerance     time.Duration
	ttl           time.Duration
	now           func() time.Time
}

var _ ports.PaymentProvider = (*Provider)(nil)

// New returns the provider. It never fails: a missing key makes
// CreateCheckout fail with core.ErrUnavailable and a missing webhook secret
// makes every webhook a bad one; call Config.Validate at start-up to refuse
// such a configuration early.
func New(cfg Config) *Provider {
	p := &Provider{
		hasKey:        cfg.SecretKey != "",
		webhookSecret: cfg.WebhookSecret,
		timeout:       orDefault(cfg.Timeout, DefaultTimeout),
		tolerance:     orDefault(cfg.WebhookTolerance, DefaultWebhookTolerance),
		ttl:           min(max(orDefault(cfg.CheckoutTTL, DefaultCheckoutTTL), minCheckoutTTL), maxCheckoutTTL),
		now:           cfg.Now,
	}
	if p.now == nil {
		p.now = time.Now
	}
	retries := int64(cfg.NetworkRetries)
	switch {
	case retries == 0:
		retries = DefaultNetworkRetries
	case retries < 0:
		retries = 0
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		// No client timeout: the context of each call carries the deadline.
		httpClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	backend := &stripe.BackendConfig{
		HTTPClient:        httpClient,
		MaxNetworkRetries: stripe.Int64(retries),
		// stripe-go's default logger writes error answers, which may quote
		// what was sent (an email address), to standard error.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.APIBase != "" {
		backend.URL = stripe.String(cfg.APIBase)
	}
	p.client = stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(backend)))
	return p
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Name returns "stripe".
func (p *Provider) Name() string { return Name }

// SignatureHeader returns "Stripe-Signature".
func (p *Provider) SignatureHeader() string { return "Stripe-Signature" }
