package stripeprovider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/chatlens/chatlens/adapters/payments/stripe/stripemock"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func TestMain(m *testing.M) { stripemock.Main(m) }

// recorder is an http.RoundTripper that keeps a copy of every request it
// passes on: stripe-mock echoes neither metadata nor amounts, so what was
// sent is asserted here.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []sent
}

type sent struct {
	method, path string
	header       http.Header
	form         url.Values
	body         string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("recorder: the body is not a form: %w", err)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{method: req.Method, path: req.URL.Path, header: req.Header.Clone(), form: form, body: string(body)})
	r.mu.Unlock()
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	return r.next.RoundTrip(out)
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// v7 is a UUIDv7 made at t, as adapters/system makes payment ids.
func v7(t time.Time) string {
	ms := uint64(t.UnixMilli())
	return fmt.Sprintf("%08x-%04x-7abc-8def-0123456789ab", ms>>16, ms&0xffff)
}

var created = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func checkoutRequest() ports.CheckoutRequest {
	return ports.CheckoutRequest{
		PaymentID:     core.PaymentID(v7(created)),
		Pack:          core.CreditPack{Slug: "starter", Name: "Starter pack", Credits: 100, PriceMinor: 499, Active: true},
		Currency:      "eur",
		CustomerEmail: testEmail,
		SuccessURL:    "https://chatlens.example/v1/payments/return?status=success",
		CancelURL:     "https://chatlens.example/v1/payments/return?status=cancel",
	}
}

// mockProvider is a provider on stripe-mock whose requests rec records.
func mockProvider(t *testing.T, cfg Config) (*Provider, *recorder) {
	t.Helper()
	rec := &recorder{next: http.DefaultTransport}
	cfg.SecretKey = stripemock.Key
	cfg.APIBase = stripemock.URL(t)
	cfg.HTTPClient = &http.Client{Transport: rec}
	return New(cfg), rec
}

func TestCreateCheckoutOnStripeMock(t *testing.T) {
	t.Parallel()
	p, rec := mockProvider(t, Config{})
	req := checkoutRequest()
	got, err := p.CreateCheckout(t.Context(), req)
	if err != nil {
		t.Fatalf("CreateCheckout: %v", err)
	}
	// stripe-mock checked the request against Stripe's OpenAPI document and
	// answered with its fixture: a session id and a URL to send the buyer to.
	if !strings.HasPrefix(got.ID, "cs_") || !strings.HasPrefix(got.URL, "https://") || got.ExpiresAt.IsZero() {
		t.Errorf("session %+v; want a cs_ id, an https URL and an expiry", got)
	}

	reqs := rec.sent()
	if len(reqs) != 1 {
		t.Fatalf("%d requests; want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/v1/checkout/sessions" {
		t.Errorf("request %s %s; want POST /v1/checkout/sessions", r.method, r.path)
	}
	id := string(req.PaymentID)
	for name, want := range map[string]string{
		"Idempotency-Key": id,
		"Authorization":   "Bearer " + stripemock.Key,
		"Stripe-Version":  APIVersion,
		"Content-Type":    "application/x-www-form-urlencoded",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("header %s = %q; want %q", name, got, want)
		}
	}
	want := url.Values{
		"mode":                                          {"payment"},
		"line_items[0][price_data][currency]":           {"eur"},
		"line_items[0][price_data][unit_amount]":        {"499"},
		"line_items[0][price_data][product_data][name]": {"Starter pack"},
		"line_items[0][quantity]":                       {"1"},
		"metadata[payment_id]":                          {id},
		"metadata[pack]":                                {"starter"},
		"payment_intent_data[metadata][payment_id]":     {id},
		"payment_intent_data[metadata][pack]":           {"starter"},
		"client_reference_id":                           {id},
		"success_url":                                   {req.SuccessURL},
		"cancel_url":                                    {req.CancelURL},
		"customer_email":                                {testEmail},
		"expires_at":                                    {fmt.Sprint(created.Add(DefaultCheckoutTTL).Unix())},
	}
	if !maps.EqualFunc(r.form, want, slices.Equal) {
		for _, k := range slices.Sorted(maps.Keys(r.form)) {
			t.Logf("sent %s = %q", k, r.form[k])
		}
		t.Errorf("the form sent differs from the one expected:\n got %v\nwant %v", r.form, want)
	}
}

func TestCreateCheckoutWithoutEmail(t *testing.T) {
	t.Parallel()
	p, rec := mockProvider(t, Config{})
	req := checkoutRequest()
	req.CustomerEmail = ""
	req.Pack.Name = "  "
	if _, err := p.CreateCheckout(t.Context(), req); err != nil {
		t.Fatalf("CreateCheckout: %v", err)
	}
	r := rec.sent()[0]
	if r.form.Has("customer_email") {
		t.Errorf("customer_email sent: %q", r.form.Get("customer_email"))
	}
	if got := r.form.Get("line_items[0][price_data][product_data][name]"); got != "starter" {
		t.Errorf("product name %q; want the slug when the pack has no name", got)
	}
}

// TestCreateCheckoutRetryIsIdentical: Stripe replays an idempotent request
// only when its parameters are the same; a retry minutes later (the
// module's, after a crash) must send the very same request.
func TestCreateCheckoutRetryIsIdentical(t *testing.T) {
	t.Parallel()
	clock := created.Add(time.Minute)
	p, rec := mockProvider(t, Config{Now: func() time.Time { return clock }})
	req := checkoutRequest()
	for range 2 {
		if _, err := p.CreateCheckout(t.Context(), req); err != nil {
			t.Fatalf("CreateCheckout: %v", err)
		}
		clock = clock.Add(7 * time.Minute)
	}
	reqs := rec.sent()
	if len(reqs) != 2 {
		t.Fatalf("%d requests; want 2", len(reqs))
	}
	if reqs[0].body != reqs[1].body || reqs[0].header.Get("Idempotency-Key") != reqs[1].header.Get("Idempotency-Key") {
		t.Errorf("the retry differs:\n%s\n%s", reqs[0].body, reqs[1].body)
	}
}

func TestCheckoutExpiry(t *testing.T) {
	now := time.Date(2026, 12, 24, 8, 30, 15, 0, time.UTC)
	clock := func() time.Time { return now }
	v7id := core.PaymentID(v7(created.Add(1500 * time.Millisecond)))
	for _, tc := range []struct {
		name string
		ttl  time.Duration
		id   core.PaymentID
		want time.Time
	}{
		{"default, from the id's time", 0, v7id, created.Add(time.Second + time.Hour)},
		{"set, from the id's time", 3 * time.Hour, v7id, created.Add(time.Second + 3*time.Hour)},
		{"below Stripe's minimum", 10 * time.Minute, v7id, created.Add(time.Second + 35*time.Minute)},
		{"above Stripe's maximum", 48 * time.Hour, v7id, created.Add(time.Second + 24*time.Hour)},
		{"an id that is not a UUIDv7: from now", 0, "0193a9c4-3c00-4abc-8def-0123456789ab", now.Add(time.Hour)},
		{"an id that is no UUID: from now", 0, "pay_1", now.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(Config{CheckoutTTL: tc.ttl, Now: clock})
			if got := p.expiresAt(tc.id); !got.Equal(tc.want) {
				t.Errorf("expiresAt = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestUUIDv7Time(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 0, 0, 123e6, time.UTC)
	if got, ok := uuidV7Time(v7(at)); !ok || !got.Equal(at) {
		t.Errorf("uuidV7Time(v7(%v)) = %v, %v", at, got, ok)
	}
	for _, bad := range []string{"", "0193a9c4-3c00-4abc-8def-0123456789ab", "0193a9c4-3c00-7abc-0def-0123456789ab",
		"0193a9c43c007abc8def0123456789ab", "0193a9c4-3c00-7abc-8def-0123456789zz", "{0193a9c4-3c00-7abc-8def-0123456789a}"} {
		if _, ok := uuidV7Time(bad); ok {
			t.Errorf("uuidV7Time(%q) ok", bad)
		}
	}
}

// stub answers every request with status and body, after counting it.
func stub(t *testing.T, handler http.HandlerFunc) (*Provider, *recorder) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	rec := &recorder{next: http.DefaultTransport}
	return New(Config{SecretKey: "sk_test_x", APIBase: srv.URL, HTTPClient: &http.Client{Transport: rec}, NetworkRetries: -1}), rec
}

func stripeError(status int, typ, code, param, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req_abc123")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"type":%q,"code":%q,"param":%q,"message":%q}}`, typ, code, param, message)
	}
}

func TestCreateCheckoutErrors(t *testing.T) {
	t.Parallel()
	// Stripe's messages may quote what was sent; no error may repeat them.
	leaky := "Invalid email address: " + testEmail
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		unavailable bool
		status      int
	}{
		{"invalid request", stripeError(400, "invalid_request_error", "email_invalid", "customer_email", leaky), false, 400},
		{"bad key", stripeError(401, "invalid_request_error", "", "", "Invalid API Key provided: sk_test_****_x "+testEmail), false, 401},
		{"card error", stripeError(402, "card_error", "card_declined", "", leaky), false, 402},
		{"permission", stripeError(403, "invalid_request_error", "", "", leaky), false, 403},
		{"idempotency key reused with other parameters", stripeError(400, "idempotency_error", "", "", leaky), false, 400},
		{"idempotency key in use by a concurrent request", stripeError(409, "idempotency_error", "idempotency_key_in_use", "", leaky), true, 409},
		{"rate limited", stripeError(429, "invalid_request_error", "rate_limit", "", leaky), true, 429},
		{"Stripe's own failure", stripeError(500, "api_error", "", "", leaky), true, 500},
		{"a proxy's page", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>bad gateway for "+testEmail+"</html>")
		}, true, 0},
		{"an answer without id or url", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"object":"checkout.session","id":""}`)
		}, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, _ := stub(t, tc.handler)
			_, err := p.CreateCheckout(t.Context(), checkoutRequest())
			if err == nil {
				t.Fatal("CreateCheckout succeeded")
			}
			t.Log(err)
			if got := errors.Is(err, core.ErrUnavailable); got != tc.unavailable {
				t.Errorf("errors.Is(%v, core.ErrUnavailable) = %v; want %v", err, got, tc.unavailable)
			}
			if got := errors.Is(err, ErrRejected); got == tc.unavailable {
				t.Errorf("errors.Is(%v, ErrRejected) = %v; want %v", err, got, !tc.unavailable)
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tc.status {
				t.Errorf("error %#v; want an *Error with status %d", err, tc.status)
			}
			if tc.status != 0 && (e.RequestID != "req_abc123" || !strings.Contains(err.Error(), "req_abc123")) {
				t.Errorf("error %q does not name Stripe's request id", err)
			}
			if strings.Contains(err.Error(), testEmail) {
				t.Errorf("error %q repeats the email address", err)
			}
		})
	}
}

func TestCreateCheckoutUnreachable(t *testing.T) {
	t.Parallel()
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	p := New(Config{SecretKey: "sk_test_x", APIBase: "http://" + addr, NetworkRetries: -1})
	_, err = p.CreateCheckout(t.Context(), checkoutRequest())
	if !errors.Is(err, core.ErrUnavailable) || errors.Is(err, ErrRejected) {
		t.Errorf("unreachable: %v; want core.ErrUnavailable", err)
	}
}

func TestCreateCheckoutTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hang := func(w http.ResponseWriter, r *http.Request) {
		// The server notices a closed connection only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(hang))
		t.Cleanup(srv.Close)
		p := New(Config{SecretKey: "sk_test_x", APIBase: srv.URL, Timeout: 100 * time.Millisecond})
		start := time.Now()
		_, err := p.CreateCheckout(t.Context(), checkoutRequest())
		if !errors.Is(err, core.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("hung server: %v; want core.ErrUnavailable and context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v; the timeout is 100ms, retries included", d)
		}
	})
	t.Run("caller gone", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(hang))
		t.Cleanup(srv.Close)
		p := New(Config{SecretKey: "sk_test_x", APIBase: srv.URL})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := p.CreateCheckout(ctx, checkoutRequest())
		if !errors.Is(err, context.Canceled) || errors.Is(err, core.ErrUnavailable) || errors.Is(err, ErrRejected) {
			t.Errorf("canceled: %v; want context.Canceled only", err)
		}
	})
}

// TestCreateCheckoutRetriesWithTheSameKey: stripe-go retries network
// failures and Stripe's lock timeouts; the retry carries the same
// idempotency key and body, so Stripe makes one session.
func TestCreateCheckoutRetriesWithTheSameKey(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		calls int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			// The one Stripe error stripe-go retries: a lock timeout.
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"try again"}}`)
			return
		}
		fmt.Fprintf(w, `{"object":"checkout.session","id":"cs_test_1","url":"https://checkout.stripe.com/c/pay/cs_test_1","expires_at":%d}`, created.Add(time.Hour).Unix())
	}))
	t.Cleanup(srv.Close)
	rec := &recorder{next: http.DefaultTransport}
	p := New(Config{SecretKey: "sk_test_x", APIBase: srv.URL, HTTPClient: &http.Client{Transport: rec}})
	got, err := p.CreateCheckout(t.Context(), checkoutRequest())
	if err != nil {
		t.Fatalf("CreateCheckout: %v", err)
	}
	want := ports.CheckoutSession{ID: "cs_test_1", URL: "https://checkout.stripe.com/c/pay/cs_test_1", ExpiresAt: created.Add(time.Hour)}
	if got != want {
		t.Errorf("session %+v; want %+v", got, want)
	}
	reqs := rec.sent()
	if len(reqs) != 2 || reqs[0].body != reqs[1].body ||
		reqs[0].header.Get("Idempotency-Key") != reqs[1].header.Get("Idempotency-Key") {
		t.Errorf("%d requests; want 2 alike", len(reqs))
	}
}

func TestCreateCheckoutRefusesBadRequests(t *testing.T) {
	t.Parallel()
	p, rec := stub(t, func(http.ResponseWriter, *http.Request) { t.Error("a bad request reached the server") })
	for name, edit := range map[string]func(*ports.CheckoutRequest){
		"no payment id":      func(r *ports.CheckoutRequest) { r.PaymentID = "" },
		"long payment id":    func(r *ports.CheckoutRequest) { r.PaymentID = core.PaymentID(strings.Repeat("x", 256)) },
		"free pack":          func(r *ports.CheckoutRequest) { r.Pack.PriceMinor = 0 },
		"no currency":        func(r *ports.CheckoutRequest) { r.Currency = "" },
		"no success URL":     func(r *ports.CheckoutRequest) { r.SuccessURL = "" },
		"no cancel URL":      func(r *ports.CheckoutRequest) { r.CancelURL = "" },
		"a currency in full": func(r *ports.CheckoutRequest) { r.Currency = "euro" },
	} {
		req := checkoutRequest()
		edit(&req)
		if _, err := p.CreateCheckout(t.Context(), req); err == nil || errors.Is(err, core.ErrUnavailable) {
			t.Errorf("%s: %v; want an error that is not ErrUnavailable", name, err)
		}
	}
	if n := len(rec.sent()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	noKey := New(Config{})
	if _, err := noKey.CreateCheckout(t.Context(), checkoutRequest()); !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("no key: %v; want core.ErrUnavailable", err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{SecretKey: "sk_test_abc", WebhookSecret: "whsec_abc"}
	if err := good.Validate(); err != nil {
		t.Errorf("good config: %v", err)
	}
	for name, c := range map[string]Config{
		"no key":            {WebhookSecret: "whsec_abc"},
		"publishable key":   {SecretKey: "pk_test_abc", WebhookSecret: "whsec_abc"},
		"no webhook secret": {SecretKey: "sk_test_abc"},
		"webhook secret":    {SecretKey: "sk_test_abc", WebhookSecret: "sk_test_abc"},
		"api base":          {SecretKey: "sk_test_abc", WebhookSecret: "whsec_abc", APIBase: "127.0.0.1:12111"},
		"negative timeout":  {SecretKey: "sk_test_abc", WebhookSecret: "whsec_abc", Timeout: -1},
	} {
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: valid", name)
			continue
		}
		for _, secret := range []string{"pk_test_abc", "sk_test_abc", "whsec_abc"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: %q repeats a secret", name, err)
			}
		}
	}
}

func TestProviderNames(t *testing.T) {
	p := New(Config{})
	if p.Name() != "stripe" || p.SignatureHeader() != "Stripe-Signature" {
		t.Errorf("Name %q, SignatureHeader %q", p.Name(), p.SignatureHeader())
	}
	if APIVersion != stripe.APIVersion || !strings.HasSuffix(APIVersion, ".basil") {
		t.Errorf("APIVersion %q: the README pins the basil train; update it with stripe-go", APIVersion)
	}
}
