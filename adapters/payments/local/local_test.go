package local

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func newProvider(t *testing.T, now func() time.Time) *Provider {
	t.Helper()
	p, err := New(Config{Secret: testSecret, BaseURL: "http://127.0.0.1:8080/", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var request = ports.CheckoutRequest{
	PaymentID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d40",
	Pack:      core.CreditPack{Slug: "starter", Name: "Starter <b>", Credits: 100, PriceMinor: 505},
	Currency:  "usd", SuccessURL: "http://127.0.0.1:8080/checkout/success?payment=x", CancelURL: "http://127.0.0.1:8080/checkout/cancel?payment=x",
}

func TestNewRefusesShortSecretsAndBadURLs(t *testing.T) {
	if _, err := New(Config{Secret: []byte("short"), BaseURL: "http://x"}); err == nil {
		t.Error("a short secret was accepted")
	}
	if _, err := New(Config{Secret: testSecret, BaseURL: "x.example"}); err == nil {
		t.Error("a relative base URL was accepted")
	}
}

func TestCheckoutIsIdempotentPerPayment(t *testing.T) {
	p := newProvider(t, nil)
	a, err := p.CreateCheckout(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.CreateCheckout(context.Background(), request)
	if a != b || !strings.HasPrefix(a.URL, "http://127.0.0.1:8080"+PagePath) {
		t.Fatalf("sessions %+v, %+v; want one, at a capability URL", a, b)
	}
	// Made again after a restart (another provider, the same secret): the
	// same session.
	if c, _ := newProvider(t, nil).CreateCheckout(context.Background(), request); c.ID != a.ID {
		t.Fatalf("the session after a restart is %s, not %s", c.ID, a.ID)
	}
	other := request
	other.PaymentID = "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d41"
	if c, _ := p.CreateCheckout(context.Background(), other); c.ID == a.ID || c.URL == a.URL {
		t.Fatal("two payments share a session")
	}
}

func TestSignatures(t *testing.T) {
	now := time.Now()
	p := newProvider(t, nil)
	body := []byte(`{"id":"evt_1","type":"session.completed","created":1,"data":{"session":"cs_1","payment":"p","paid":true,"amount_total":505,"currency":"usd"}}`)
	ev, err := p.ParseWebhook(body, p.Sign(body, now), now)
	if err != nil || ev.ID != "evt_1" || ev.Kind != core.EventCompleted || !ev.Paid || ev.AmountTotal != 505 || ev.PaymentID != "p" || ev.SessionID != "cs_1" || ev.Provider != Name {
		t.Fatalf("ParseWebhook = %+v, %v", ev, err)
	}
	other, _ := New(Config{Secret: []byte("ffffffffffffffffffffffffffffffff"), BaseURL: "http://x"})
	good := p.Sign(body, now)
	// A rotated secret: any one v1 that verifies is enough.
	if _, err := p.ParseWebhook(body, good+",v1="+strings.Repeat("0", 64), now); err != nil {
		t.Errorf("a second v1: %v", err)
	}
	for name, sig := range map[string]string{
		"empty": "", "other secret": other.Sign(body, now), "old": p.Sign(body, now.Add(-5*time.Minute-time.Second)),
		"future": p.Sign(body, now.Add(5*time.Minute+time.Second)), "no t": strings.Split(good, ",")[1],
		"no v1": strings.Split(good, ",")[0], "two t": good + ",t=1", "hex case": strings.ToUpper(good),
		"short hex": good[:len(good)-2], "not hex": strings.Split(good, ",")[0] + ",v1=" + strings.Repeat("z", 64),
		"junk": "garbage", "huge": good + strings.Repeat(",x=1", 300), "t sign": "t=-1,v1=" + strings.Repeat("0", 64),
	} {
		if _, err := p.ParseWebhook(body, sig, now); !errors.Is(err, ports.ErrBadWebhook) {
			t.Errorf("%s: %v; want ErrBadWebhook", name, err)
		}
	}
	for name, b := range map[string]string{
		"not json": "nope", "two values": `{"id":"a","type":"x"} {}`, "unknown member": `{"id":"a","type":"x","extra":1}`,
		"no id": `{"type":"x"}`, "no type": `{"id":"a"}`,
	} {
		if _, err := p.ParseWebhook([]byte(b), p.Sign([]byte(b), now), now); !errors.Is(err, ports.ErrBadWebhook) {
			t.Errorf("%s: %v; want ErrBadWebhook", name, err)
		}
	}
	unknown := []byte(`{"id":"a","type":"customer.created","created":1,"data":{"session":""}}`)
	if ev, err := p.ParseWebhook(unknown, p.Sign(unknown, now), now); err != nil || ev.Kind != core.EventIgnored {
		t.Errorf("unknown type = %+v, %v; want ignored", ev, err)
	}
}

// webhookSink stands in for the API: it verifies each delivery with the
// provider, as the webhook endpoint does, and answers status.
type webhookSink struct {
	p      *Provider
	mu     sync.Mutex
	events []core.PaymentEvent
	status int
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ev, err := s.p.ParseWebhook(body, r.Header.Get(SignatureHeader), time.Now())
	if err != nil || r.URL.Path != WebhookPath || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	w.WriteHeader(s.status)
}

func TestCheckoutPage(t *testing.T) {
	p := newProvider(t, nil)
	sink := &webhookSink{p: p, status: http.StatusOK}
	h := p.Handler(sink)
	sess, _ := p.CreateCheckout(context.Background(), request)
	path := strings.TrimPrefix(sess.URL, "http://127.0.0.1:8080")

	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, path, nil))
	body := get.Body.String()
	csp := get.Header().Get("Content-Security-Policy")
	if get.Code != 200 || !strings.Contains(body, "100 credits for <strong>5.05 USD</strong>") || !strings.Contains(body, "Starter &lt;b&gt;") ||
		!strings.Contains(body, `value="pay"`) || !strings.Contains(body, `value="cancel"`) || strings.Contains(strings.ToLower(body), "<script") {
		t.Fatalf("page %d:\n%s", get.Code, body)
	}
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "unsafe") ||
		get.Header().Get("Referrer-Policy") != "no-referrer" || get.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", get.Header())
	}

	post := func(form url.Values) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h.ServeHTTP(rec, req)
		return rec
	}
	// The API refuses: nothing changes here, and pay can be tried again.
	sink.status = http.StatusServiceUnavailable
	if rec := post(url.Values{"action": {"pay"}}); rec.Code != http.StatusBadGateway {
		t.Fatalf("pay with the API down: %d", rec.Code)
	}
	sink.status = http.StatusOK
	rec := post(url.Values{"action": {"pay"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != request.SuccessURL {
		t.Fatalf("pay: %d %v", rec.Code, rec.Header())
	}
	if rec := post(url.Values{"action": {"cancel"}}); rec.Code != http.StatusConflict {
		t.Fatalf("cancel after pay: %d", rec.Code)
	}
	if rec := post(url.Values{"action": {"refund"}, "amount": {"600"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refund beyond the amount: %d", rec.Code)
	}
	if rec := post(url.Values{"action": {"refund"}, "amount": {"100"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("refund: %d", rec.Code)
	}
	if rec := post(url.Values{"action": {"refund"}, "amount": {"405"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("refund the rest: %d", rec.Code)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.events) != 4 {
		t.Fatalf("%d deliveries; want 4 (pay refused, pay, two refunds)", len(sink.events))
	}
	first, paid, r1, r2 := sink.events[0], sink.events[1], sink.events[2], sink.events[3]
	if first.ID != paid.ID || paid.Kind != core.EventCompleted || !paid.Paid || paid.AmountTotal != 505 || paid.PaymentID != request.PaymentID {
		t.Fatalf("pay deliveries %+v, %+v; want the same completed event twice", first, paid)
	}
	if r1.Kind != core.EventRefunded || r1.AmountRefunded != 100 || r2.AmountRefunded != 505 || r1.ID == r2.ID {
		t.Fatalf("refunds %+v, %+v; want running totals 100 and 505", r1, r2)
	}

	missing := httptest.NewRecorder()
	h.ServeHTTP(missing, httptest.NewRequest(http.MethodGet, PagePath+"nope", nil))
	if missing.Code != http.StatusNotFound {
		t.Fatalf("unknown token: %d", missing.Code)
	}
}

// TestCheckoutPageSurvivesARestart: a page's token is its session, signed:
// a process with the same secret serves and acts on it; one with another
// secret, or a token altered by a byte, finds no checkout.
func TestCheckoutPageSurvivesARestart(t *testing.T) {
	sess, err := newProvider(t, nil).CreateCheckout(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(sess.URL, "http://127.0.0.1:8080")
	restarted := newProvider(t, nil)
	sink := &webhookSink{p: restarted, status: http.StatusOK}
	h := restarted.Handler(sink)
	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, path, nil))
	if get.Code != http.StatusOK || !strings.Contains(get.Body.String(), "100 credits for <strong>5.05 USD</strong>") || !strings.Contains(get.Body.String(), `value="pay"`) {
		t.Fatalf("the page after a restart: %d\n%s", get.Code, get.Body.String())
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("action=pay"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != request.SuccessURL || len(sink.events) != 1 ||
		sink.events[0].SessionID != sess.ID || sink.events[0].PaymentID != request.PaymentID || sink.events[0].AmountTotal != 505 {
		t.Fatalf("pay after a restart: %d %v, events %+v", rec.Code, rec.Header(), sink.events)
	}

	other, err := New(Config{Secret: []byte("ffffffffffffffffffffffffffffffff"), BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	claims, mac, _ := strings.Cut(strings.TrimPrefix(path, PagePath), ".")
	flipped := []byte(claims)
	flipped[10] ^= 1
	for name, c := range map[string]struct {
		h    http.Handler
		path string
	}{
		"another secret": {other.Handler(sink), path},
		"altered claims": {h, PagePath + string(flipped) + "." + mac},
		"no signature":   {h, PagePath + claims},
	} {
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d; want 404", name, rec.Code)
		}
	}
}

func TestExpiredCheckoutCannotBePaid(t *testing.T) {
	at := time.Now()
	p := newProvider(t, func() time.Time { return at })
	sink := &webhookSink{p: p, status: http.StatusOK}
	sess, _ := p.CreateCheckout(context.Background(), request)
	at = at.Add(DefaultSessionTTL + time.Second)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, strings.TrimPrefix(sess.URL, "http://127.0.0.1:8080"), strings.NewReader("action=pay"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// The sink checks signatures against the real clock; the provider's
	// clock is an hour ahead, so compare with its tolerance off.
	p.cfg.Tolerance = 2 * DefaultSessionTTL
	p.Handler(sink).ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != request.CancelURL || len(sink.events) != 1 || sink.events[0].Kind != core.EventExpired {
		t.Fatalf("paying an expired checkout: %d %v, events %+v; want the expiry sent and the cancel page", rec.Code, rec.Header(), sink.events)
	}
}

func TestMoney(t *testing.T) {
	for minor, want := range map[int64]string{0: "0.00 USD", 5: "0.05 USD", 505: "5.05 USD", 123456: "1234.56 USD"} {
		if got := money(minor, "usd"); got != want {
			t.Errorf("money(%d) = %q; want %q", minor, got, want)
		}
	}
	if got := money(500, "jpy"); got != "500 JPY" {
		t.Errorf("money(jpy) = %q", got)
	}
}
