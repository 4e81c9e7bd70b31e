package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/payments/local"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/payments"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/ports"
)

var paySecret = []byte("http-test-secret-http-test-secret-0123")

// payFixture is the API with the payments module on the local provider,
// its checkout pages mounted as app mounts them.
type payFixture struct {
	*fixture
	local *local.Provider
	svc   *payments.Service
}

func newPayFixture(t *testing.T, providers ...ports.PaymentProvider) *payFixture {
	t.Helper()
	store := memory.New(ports.DefaultStoreOptions())
	ids := &system.UUIDv7{}
	f := &fixture{t: t, logs: &syncBuffer{}}
	f.users = users.NewService(store, system.Clock{}, ids)
	f.credits = credits.NewService(store, system.Clock{}, ids, credits.DefaultOptions())
	lp, err := local.New(local.Config{Secret: paySecret, BaseURL: "http://chatlens.test"})
	if err != nil {
		t.Fatal(err)
	}
	if providers == nil {
		providers = []ports.PaymentProvider{lp}
	}
	svc, err := payments.NewService(store, system.Clock{}, ids, payments.Config{Currency: "eur", PublicBaseURL: "http://chatlens.test", Providers: providers})
	if err != nil {
		t.Fatal(err)
	}
	f.opts = Options{Logger: slog.New(slog.NewJSONHandler(f.logs, nil))}
	f.svc = Services{Users: f.users, Credits: f.credits, Payments: svc, Storage: okStorage{}}
	f.build()
	h := lp.Handler(f.srv.Handler())
	f.srv.Mount("GET "+local.PagePath+"{token}", h)
	f.srv.Mount("POST "+local.PagePath+"{token}", h)
	return &payFixture{fixture: f, local: lp, svc: svc}
}

// raw sends a request straight to the server's handler.
func (f *payFixture) raw(method, path string, body []byte, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// webhook delivers a local provider's event body, signed as given.
func (f *payFixture) webhook(body []byte, signature string) *httptest.ResponseRecorder {
	return f.raw(http.MethodPost, local.WebhookPath, body, "Content-Type", "application/json", local.SignatureHeader, signature)
}

func (f *payFixture) signed(body []byte) *httptest.ResponseRecorder {
	return f.webhook(body, f.local.Sign(body, time.Now()))
}

func (f *payFixture) buy(key, pack string, headers ...any) Payment {
	f.t.Helper()
	resp := f.api.Post("/v1/payments", append([]any{bearer(key)}, append(headers, map[string]any{"pack": pack})...)...)
	if resp.Code != http.StatusCreated {
		f.t.Fatalf("create payment: %d %s", resp.Code, resp.Body)
	}
	var p Payment
	decode(f.t, resp, &p)
	return p
}

func completed(p Payment, id string) []byte {
	b, _ := json.Marshal(local.Event{ID: id, Type: local.TypeCompleted, Created: time.Now().Unix(), Data: local.EventData{
		Payment: p.ID, Paid: true, AmountTotal: p.AmountMinor, Currency: p.Currency}})
	return b
}

func (f *payFixture) balance(key string) int64 {
	f.t.Helper()
	var b Balance
	decode(f.t, f.api.Get("/v1/credits", bearer(key)), &b)
	return b.Balance
}

func TestPacksArePublicAndAdminsEditThem(t *testing.T) {
	f := newPayFixture(t)
	resp := f.api.Get("/v1/packs")
	var list PackList
	decode(t, resp, &list)
	if resp.Code != 200 || list.Currency != "eur" || len(list.Items) != 3 || list.Items[0].Slug != "starter" || list.Items[0].Currency != "eur" {
		t.Fatalf("price list %d %s", resp.Code, resp.Body)
	}
	admin := f.admin()
	_, plain := f.signUp("plain@example.com")
	body := map[string]any{"name": "Mega", "credits": 10000, "price_minor": 25000, "active": true}
	if resp := f.api.Put("/v1/admin/packs/mega", bearer(plain), body); resp.Code != http.StatusForbidden {
		t.Fatalf("plain user edits a pack: %d", resp.Code)
	}
	if resp := f.api.Put("/v1/admin/packs/mega", bearer(admin), body); resp.Code != http.StatusCreated {
		t.Fatalf("new pack: %d %s", resp.Code, resp.Body)
	}
	body["active"] = false
	resp = f.api.Put("/v1/admin/packs/mega", bearer(admin), body)
	var put AdminPack
	decode(t, resp, &put)
	if resp.Code != http.StatusOK || put.Active || put.Credits != 10000 {
		t.Fatalf("replaced pack: %d %s", resp.Code, resp.Body)
	}
	problem(t, f.api.Put("/v1/admin/packs/Mega", bearer(admin), body), http.StatusUnprocessableEntity, "validation")
	problem(t, f.api.Put("/v1/admin/packs/mega", bearer(admin), map[string]any{"name": "x", "credits": 0, "price_minor": 1, "active": true}),
		http.StatusUnprocessableEntity, "validation")
	var all AdminPackList
	decode(t, f.api.Get("/v1/admin/packs", bearer(admin)), &all)
	decode(t, f.api.Get("/v1/packs"), &list)
	if len(all.Items) != 4 || len(list.Items) != 3 {
		t.Fatalf("%d packs for admins, %d on sale; want 4, 3", len(all.Items), len(list.Items))
	}
}

func TestBuyAPackOnTheLocalProvider(t *testing.T) {
	f := newPayFixture(t)
	_, key := f.signUp("buyer@example.com")
	_, other := f.signUp("other@example.com")
	p := f.buy(key, "starter", "Idempotency-Key: order-1")
	if p.Status != "pending" || p.Credits != 100 || p.AmountMinor != 500 || p.Currency != "eur" ||
		!strings.HasPrefix(p.CheckoutURL, "http://chatlens.test"+local.PagePath) {
		t.Fatalf("payment %+v", p)
	}
	again := f.api.Post("/v1/payments", bearer(key), "Idempotency-Key: order-1", map[string]any{"pack": "starter"})
	var same Payment
	decode(t, again, &same)
	if again.Code != http.StatusOK || same.ID != p.ID {
		t.Fatalf("repeat: %d %s", again.Code, again.Body)
	}
	pr := problem(t, f.api.Post("/v1/payments", bearer(key), "Idempotency-Key: order-1", map[string]any{"pack": "pro"}), http.StatusUnprocessableEntity, "validation")
	if len(pr.Errors) != 1 || pr.Errors[0].Location != "header.Idempotency-Key" {
		t.Fatalf("key reused: %+v", pr)
	}
	pr = problem(t, f.api.Post("/v1/payments", bearer(key), map[string]any{"pack": "platinum"}), http.StatusUnprocessableEntity, "validation")
	if len(pr.Errors) != 1 || pr.Errors[0].Location != "body.pack" {
		t.Fatalf("unknown pack: %+v", pr)
	}

	// The checkout page, at its capability URL, pays through the webhook.
	page := strings.TrimPrefix(p.CheckoutURL, "http://chatlens.test")
	get := f.raw(http.MethodGet, page, nil)
	if get.Code != 200 || !strings.Contains(get.Body.String(), "5.00 EUR") || strings.Contains(get.Body.String(), "<script") {
		t.Fatalf("checkout page %d: %s", get.Code, get.Body)
	}
	pay := f.raw(http.MethodPost, page, []byte("action=pay"), "Content-Type", "application/x-www-form-urlencoded")
	if pay.Code != http.StatusSeeOther || pay.Header().Get("Location") != "http://chatlens.test/checkout/success?payment="+p.ID {
		t.Fatalf("pay: %d %v", pay.Code, pay.Header())
	}
	if b := f.balance(key); b != 100 {
		t.Fatalf("balance %d after paying; want 100", b)
	}
	var got Payment
	decode(t, f.api.Get("/v1/payments/"+strings.ToUpper(p.ID), bearer(key)), &got)
	if got.Status != "paid" || got.Granted != 100 || got.CheckoutURL != "" {
		t.Fatalf("paid payment %+v", got)
	}
	problem(t, f.api.Get("/v1/payments/"+p.ID, bearer(other)), http.StatusNotFound, "not-found")
	problem(t, f.api.Get("/v1/payments/0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d99", bearer(key)), http.StatusNotFound, "not-found")
	var list PaymentList
	decode(t, f.api.Get("/v1/payments?limit=1", bearer(key)), &list)
	if len(list.Items) != 1 || list.Items[0].ID != p.ID {
		t.Fatalf("list %+v", list)
	}
	// The success page it sends the buyer to is plain HTML.
	done := f.raw(http.MethodGet, "/checkout/success?payment="+p.ID, nil)
	if done.Code != 200 || !strings.Contains(done.Header().Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(done.Body.String(), "<script") {
		t.Fatalf("success page %d %v", done.Code, done.Header())
	}
	// A refund from the page after some credits were spent: the rest is
	// the shortfall admins list.
	if _, err := f.credits.Spend(context.Background(), core.UserID(idOf(t, f, key)), 80, "spent"); err != nil {
		t.Fatal(err)
	}
	refund := f.raw(http.MethodPost, page, []byte("action=refund&amount=500"), "Content-Type", "application/x-www-form-urlencoded")
	if refund.Code != http.StatusSeeOther {
		t.Fatalf("refund: %d %s", refund.Code, refund.Body)
	}
	var short AdminPaymentList
	admin := f.admin()
	decode(t, f.api.Get("/v1/admin/payments?shortfall=true", bearer(admin)), &short)
	if len(short.Items) != 1 || short.Items[0].Shortfall != 80 || short.Items[0].TakenBack != 20 || short.Items[0].Status != "refunded" || f.balance(key) != 0 {
		t.Fatalf("shortfall list %+v, balance %d", short, f.balance(key))
	}
	// The admin listing pages like every other (its limit is read).
	problem(t, f.api.Get("/v1/admin/payments?limit=0", bearer(admin)), http.StatusUnprocessableEntity, "validation")
	var first AdminPaymentList
	decode(t, f.api.Get("/v1/admin/payments?limit=1", bearer(admin)), &first)
	if len(first.Items) != 1 {
		t.Fatalf("admin listing, limit 1: %+v", first)
	}
	if strings.Contains(f.logs.String(), page) || strings.Contains(f.logs.String(), string(paySecret)) {
		t.Fatalf("the logs hold the capability URL or the secret:\n%s", f.logs)
	}
}

func idOf(t *testing.T, f *payFixture, key string) string {
	var me Me
	decode(t, f.api.Get("/v1/users/me", bearer(key)), &me)
	return me.ID
}

func TestWebhookRefusesBadDeliveries(t *testing.T) {
	f := newPayFixture(t)
	_, key := f.signUp("bad@example.com")
	p := f.buy(key, "starter")
	body := completed(p, "evt_1")
	other, _ := local.New(local.Config{Secret: []byte("another-secret-another-secret-another"), BaseURL: "http://x.test"})
	good := f.local.Sign(body, time.Now())
	for name, resp := range map[string]*httptest.ResponseRecorder{
		"forged":        f.webhook(bytes.Replace(body, []byte(`"paid":true`), []byte(`"paid":true `), 1), good),
		"expired":       f.webhook(body, f.local.Sign(body, time.Now().Add(-10*time.Minute))),
		"other secret":  f.webhook(body, other.Sign(body, time.Now())),
		"header format": f.webhook(body, "v1="+strings.Split(good, "v1=")[1]),
		"no signature":  f.webhook(body, ""),
		"not an event":  f.signed([]byte(`{"hello":"world"}`)),
		"not JSON":      f.signed([]byte(`{"id":`)),
	} {
		pr := problem(t, resp, http.StatusBadRequest, "bad-request")
		if !strings.Contains(pr.Detail, "signature or body") {
			t.Errorf("%s: %+v", name, pr)
		}
		mustNotContain(t, resp.Body.String(), "evt_1", p.ID)
	}
	huge := bytes.Repeat([]byte(" "), maxWebhookBody)
	problem(t, f.webhook(append(huge, body...), good), http.StatusRequestEntityTooLarge, "too-large")
	// Past our own JSON bodies' 64 KiB but within a provider's bound: read
	// whole, and refused for its signature (signed over the short body), not
	// for its size.
	big := bytes.Repeat([]byte(" "), 200<<10)
	problem(t, f.webhook(append(big, body...), good), http.StatusBadRequest, "bad-request")
	problem(t, f.raw(http.MethodPost, local.WebhookPath, body, "Content-Type", "text/plain", local.SignatureHeader, good), http.StatusUnsupportedMediaType, "unsupported-media-type")
	problem(t, f.raw(http.MethodPost, "/v1/payments/webhooks/paypal", body, "Content-Type", "application/json"), http.StatusNotFound, "not-found")
	problem(t, f.raw(http.MethodPost, local.WebhookPath, nil, "Content-Type", "application/json"), http.StatusBadRequest, "bad-request")
	if b := f.balance(key); b != 0 {
		t.Fatalf("balance %d after bad deliveries", b)
	}
	var got Payment
	decode(t, f.api.Get("/v1/payments/"+p.ID, bearer(key)), &got)
	if got.Status != "pending" {
		t.Fatalf("payment %s after bad deliveries", got.Status)
	}
	// Nothing was recorded: the genuine delivery applies.
	var ack WebhookAck
	resp := f.signed(body)
	decode(t, resp, &ack)
	if resp.Code != 200 || ack.Outcome != "applied" || f.balance(key) != 100 {
		t.Fatalf("genuine delivery: %d %s", resp.Code, resp.Body)
	}
	if strings.Contains(f.logs.String(), good) {
		t.Fatal("the logs hold a signature")
	}
}

func TestWebhookDeliveredHundredTimesOverHTTP(t *testing.T) {
	f := newPayFixture(t)
	_, key := f.signUp("hundred@example.com")
	p := f.buy(key, "starter")
	body := completed(p, "evt_hundred")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		outcomes = map[string]int{}
	)
	slots := make(chan struct{}, 20)
	for range 100 {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for {
				resp := f.signed(body)
				if resp.Code == http.StatusServiceUnavailable {
					continue // the provider delivers again
				}
				var ack WebhookAck
				_ = json.Unmarshal(resp.Body.Bytes(), &ack)
				mu.Lock()
				outcomes[fmt.Sprint(resp.Code, " ", ack.Outcome)]++
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	if outcomes["200 applied"] != 1 || outcomes["200 duplicate"] != 99 || f.balance(key) != 100 {
		t.Fatalf("outcomes %v, balance %d; want one applied, 99 duplicates, 100", outcomes, f.balance(key))
	}
}

func TestWebhookForUnknownPaymentIsAcknowledged(t *testing.T) {
	f := newPayFixture(t)
	body := completed(Payment{ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d99", AmountMinor: 500, Currency: "eur"}, "evt_ghost")
	for i, want := range []string{"unknown_payment", "duplicate"} {
		resp := f.signed(body)
		var ack WebhookAck
		decode(t, resp, &ack)
		if resp.Code != 200 || !ack.Received || ack.Outcome != want {
			t.Fatalf("delivery %d: %d %s; want 200 %s", i+1, resp.Code, resp.Body, want)
		}
	}
}

// TestAnswerDroppedAfterCommit: the provider never reads the first answer
// (the connection drops after the unit committed) and delivers again.
func TestAnswerDroppedAfterCommit(t *testing.T) {
	f := newPayFixture(t)
	_, key := f.signUp("drop@example.com")
	p := f.buy(key, "starter")
	body := completed(p, "evt_drop")
	_ = f.signed(body) // answered, and the answer lost
	resp := f.signed(body)
	var ack WebhookAck
	decode(t, resp, &ack)
	if resp.Code != 200 || ack.Outcome != "duplicate" || f.balance(key) != 100 {
		t.Fatalf("redelivery: %d %s, balance %d; want 200 duplicate, 100", resp.Code, resp.Body, f.balance(key))
	}
}

func TestNoPaymentProviderIs503(t *testing.T) {
	f := newPayFixture(t)
	f.with(func(s *Services) {
		svc, err := payments.NewService(memory.New(ports.DefaultStoreOptions()), system.Clock{}, &system.UUIDv7{},
			payments.Config{Currency: "eur", PublicBaseURL: "http://chatlens.test"})
		if err != nil {
			t.Fatal(err)
		}
		s.Payments = svc
	})
	_, key := f.signUp("nobody@example.com")
	resp := f.api.Post("/v1/payments", bearer(key), map[string]any{"pack": "starter"})
	pr := problem(t, resp, http.StatusServiceUnavailable, "unavailable")
	if !strings.Contains(pr.Detail, "no payment provider") || resp.Header().Get("Retry-After") == "" {
		t.Fatalf("no provider: %+v %v", pr, resp.Header())
	}
	problem(t, f.raw(http.MethodPost, local.WebhookPath, []byte(`{}`), "Content-Type", "application/json"), http.StatusNotFound, "not-found")
}

// TestIdempotencyKeyAsTheSchemaSays: both operations that take an
// Idempotency-Key state the server's rule (core.ValidToken: 1 to 200
// printable ASCII characters, no space) as schema, and a key the schema
// refuses is a 422 at the header that does not repeat it.
func TestIdempotencyKeyAsTheSchemaSays(t *testing.T) {
	re := regexp.MustCompile(idempotencyKeyPattern)
	for b := 0; b < 256; b++ {
		s := "k" + string(rune(b))
		if b >= 0x80 {
			s = "k" + string([]byte{byte(b)})
		}
		if re.MatchString(s) != core.ValidToken(s, core.MaxIdempotencyKeyLength) {
			t.Errorf("byte %#x: the pattern says %v, the server %v", b, re.MatchString(s), !re.MatchString(s))
		}
	}
	f := newFixture(t)
	n := 0
	for _, op := range documentOperations(f.srv.API().OpenAPI()) {
		for _, p := range op.Parameters {
			if p.Name != "Idempotency-Key" {
				continue
			}
			n++
			s := p.Schema
			if s.MinLength == nil || *s.MinLength != 1 || s.MaxLength == nil || *s.MaxLength != core.MaxIdempotencyKeyLength ||
				s.Pattern != idempotencyKeyPattern {
				t.Errorf("%s: Idempotency-Key says minLength %v, maxLength %v, pattern %q", op.OperationID, s.MinLength, s.MaxLength, s.Pattern)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d operations take an Idempotency-Key; want request-insight and create-payment", n)
	}

	pf := newPayFixture(t)
	_, key := pf.signUp("ada@example.com")
	for _, k := range []string{"secret key", "secret\tkey", "secret\x7fkey", "secret\xc3\xa9", strings.Repeat("secret", 34)} {
		resp := pf.api.Post("/v1/payments", bearer(key), "Idempotency-Key: "+k, map[string]any{"pack": "starter"})
		p := problem(t, resp, http.StatusUnprocessableEntity, "validation")
		if len(p.Errors) == 0 || p.Errors[0].Location != "header.Idempotency-Key" {
			t.Errorf("key %q: %+v", k, p.Errors)
		}
		mustNotContain(t, resp.Body.String(), "secret")
	}
}
