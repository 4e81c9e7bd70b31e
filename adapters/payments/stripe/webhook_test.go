package stripeprovider

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

const (
	testSecret = "whsec_test_0123456789abcdef"
	testPID    = "0193a9c4-3c00-7abc-8def-0123456789ab"
	// Personal data in the payloads: no error may repeat it.
	testEmail = "ada.lovelace@example.com"
	testName  = "Ada Lovelace"
)

// t0 is when the test webhooks are signed; ParseWebhook is given a now near
// it, years away from the wall clock, which proves the tolerance is checked
// against the given now.
var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func webhookProvider() *Provider {
	return New(Config{SecretKey: "sk_test_x", WebhookSecret: testSecret})
}

// event is a Stripe event of type typ around obj, as Stripe sends it.
func event(typ string, obj map[string]any) map[string]any {
	return map[string]any{
		"id": "evt_1PgZ", "object": "event", "api_version": APIVersion,
		"created": t0.Unix() - 2, "livemode": false, "pending_webhooks": 1,
		"request": map[string]any{"id": "req_x", "idempotency_key": nil},
		"type":    typ, "data": map[string]any{"object": obj},
	}
}

func session(paymentStatus string, amount int64, currency string) map[string]any {
	return map[string]any{
		"id": "cs_test_a1b2", "object": "checkout.session", "mode": "payment",
		"status": "complete", "payment_status": paymentStatus,
		"amount_total": amount, "amount_subtotal": amount, "currency": currency,
		"client_reference_id": testPID,
		"metadata":            map[string]any{"payment_id": testPID, "pack": "starter"},
		"payment_intent":      "pi_3PgZ",
		"customer_details":    map[string]any{"email": testEmail, "name": testName},
		"customer_email":      testEmail,
		"expires_at":          t0.Add(time.Hour).Unix(),
	}
}

func charge(amount, refunded int64) map[string]any {
	return map[string]any{
		"id": "ch_3PgZ", "object": "charge", "amount": amount, "amount_captured": amount,
		"amount_refunded": refunded, "refunded": refunded == amount, "currency": "eur",
		"paid": true, "status": "succeeded", "payment_intent": "pi_3PgZ",
		// Copied by Stripe from the PaymentIntent when it was confirmed.
		"metadata":        map[string]any{"payment_id": testPID, "pack": "starter"},
		"billing_details": map[string]any{"email": testEmail, "name": testName},
		"receipt_email":   testEmail,
	}
}

func dispute(status string) map[string]any {
	return map[string]any{
		"id": "dp_1PgZ", "object": "dispute", "amount": 499, "currency": "eur",
		"charge": "ch_3PgZ", "payment_intent": "pi_3PgZ", "status": status,
		"reason": "fraudulent", "metadata": map[string]any{},
		"evidence": map[string]any{"customer_email_address": testEmail, "customer_name": testName},
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func payload(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign returns the Stripe-Signature header of payload, signed with secret
// at time at.
func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func TestParseWebhookEvents(t *testing.T) {
	created := time.Unix(t0.Unix()-2, 0).UTC()
	base := core.PaymentEvent{ID: "evt_1PgZ", Provider: "stripe", Created: created}
	sessionEvent := func(kind core.PaymentEventKind, paid bool, amount int64, currency string) core.PaymentEvent {
		e := base
		e.Kind, e.Paid, e.AmountTotal, e.Currency = kind, paid, amount, currency
		e.SessionID, e.PaymentID, e.ProviderPaymentID = "cs_test_a1b2", testPID, "pi_3PgZ"
		return e
	}
	refund := func(amount, refunded int64) core.PaymentEvent {
		e := base
		e.Kind, e.PaymentID, e.ProviderPaymentID = core.EventRefunded, testPID, "pi_3PgZ"
		e.AmountTotal, e.Currency, e.AmountRefunded = amount, "eur", refunded
		return e
	}
	ignored := base
	ignored.Kind = core.EventIgnored
	lost := base
	lost.Kind, lost.ProviderPaymentID = core.EventDisputeLost, "pi_3PgZ"

	noMetadata := with(session("paid", 499, "eur"), "metadata", map[string]any{})
	refundNoMetadata := refund(499, 499)
	refundNoMetadata.PaymentID = ""
	asyncPending := sessionEvent(core.EventCompleted, false, 499, "eur")
	asyncPending.ProviderPaymentID = "pi_3PgZ"

	tests := []struct {
		name  string
		event map[string]any
		want  core.PaymentEvent
	}{
		{"completed and paid", event("checkout.session.completed", session("paid", 499, "eur")),
			sessionEvent(core.EventCompleted, true, 499, "eur")},
		{"completed, asynchronous payment on its way", event("checkout.session.completed", session("unpaid", 499, "eur")),
			asyncPending},
		{"completed with another amount and currency: passed through for the module to flag",
			event("checkout.session.completed", session("paid", 1, "USD")),
			sessionEvent(core.EventCompleted, true, 1, "usd")},
		{"completed, payment id from client_reference_id when metadata lacks it",
			event("checkout.session.completed", noMetadata), sessionEvent(core.EventCompleted, true, 499, "eur")},
		{"async payment succeeded", event("checkout.session.async_payment_succeeded", session("paid", 499, "eur")),
			sessionEvent(core.EventAsyncSucceeded, true, 499, "eur")},
		{"async payment failed", event("checkout.session.async_payment_failed", session("unpaid", 499, "eur")),
			sessionEvent(core.EventAsyncFailed, false, 499, "eur")},
		{"expired", event("checkout.session.expired", with(session("unpaid", 499, "eur"), "status", "expired", "payment_intent", nil)),
			func() core.PaymentEvent {
				e := sessionEvent(core.EventExpired, false, 499, "eur")
				e.ProviderPaymentID = ""
				return e
			}()},
		{"full refund", event("charge.refunded", charge(499, 499)), refund(499, 499)},
		{"partial refund: the total refunded so far", event("charge.refunded", charge(499, 200)), refund(499, 200)},
		{"refund of a charge without our metadata", event("charge.refunded", with(charge(499, 499), "metadata", map[string]any{})),
			refundNoMetadata},
		{"dispute lost", event("charge.dispute.closed", dispute("lost")), lost},
		{"dispute won", event("charge.dispute.closed", dispute("won")), ignored},
		{"dispute closed with a warning", event("charge.dispute.closed", dispute("warning_closed")), ignored},
		{"dispute opened", event("charge.dispute.created", dispute("needs_response")), ignored},
		{"payment_intent.succeeded", event("payment_intent.succeeded", map[string]any{"id": "pi_3PgZ", "object": "payment_intent"}), ignored},
		{"an event of a type stripe-go does not know", event("v9.brand_new.thing", map[string]any{"id": "x_1", "object": "thing"}), ignored},
	}
	p := webhookProvider()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := payload(t, tc.event)
			got, err := p.ParseWebhook(body, sign(body, testSecret, t0), t0.Add(30*time.Second))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if got != tc.want {
				t.Errorf("event\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	good := payload(t, event("checkout.session.completed", session("paid", 499, "eur")))
	goodSig := sign(good, testSecret, t0)
	now := t0.Add(10 * time.Second)
	altered := []byte(strings.Replace(string(good), `"amount_total":499`, `"amount_total":1`, 1))
	if string(altered) == string(good) {
		t.Fatal("the alteration changed nothing")
	}
	withVersion := func(v string) []byte {
		return payload(t, with(event("checkout.session.completed", session("paid", 499, "eur")), "api_version", v))
	}
	signed := func(b []byte) (string, []byte) { return sign(b, testSecret, t0), b }
	forgedHex := "t=" + strconv.FormatInt(t0.Unix(), 10) + ",v1=" + strings.Repeat("ab", 32)

	tests := []struct {
		name      string
		body      []byte
		header    string
		now       time.Time
		provider  *Provider
		wantError error
	}{
		{name: "forged signature", body: good, header: forgedHex, wantError: errSignature},
		{name: "body altered after signing", body: altered, header: goodSig, wantError: errSignature},
		{name: "signed with another secret", body: good, header: sign(good, "whsec_another", t0), wantError: errSignature},
		{name: "signed with the empty secret", body: good, header: sign(good, "", t0), wantError: errSignature},
		{name: "expired timestamp", body: good, header: goodSig, now: t0.Add(DefaultWebhookTolerance + time.Second), wantError: errTimestamp},
		{name: "timestamp from the future", body: good, header: goodSig, now: t0.Add(-DefaultWebhookTolerance - time.Second), wantError: errTimestamp},
		{name: "a tighter tolerance", body: good, header: goodSig, now: t0.Add(2 * time.Minute),
			provider: New(Config{WebhookSecret: testSecret, WebhookTolerance: time.Minute}), wantError: errTimestamp},
		{name: "no secret configured", body: good, header: sign(good, "", t0), provider: New(Config{SecretKey: "sk_test_x"}), wantError: errNoSecret},
		{name: "no header", body: good, header: "", wantError: errNotSigned},
		{name: "header without a timestamp", body: good, header: "v1=" + strings.Repeat("ab", 32), wantError: errHeader},
		{name: "header with a timestamp that is no number", body: good, header: "t=yesterday,v1=" + strings.Repeat("ab", 32), wantError: errHeader},
		{name: "header that is not key=value pairs", body: good, header: "sha256=abc,def", wantError: errHeader},
		{name: "header with two timestamps", body: good, header: goodSig + ",t=" + strconv.FormatInt(t0.Unix(), 10), wantError: errHeader},
		{name: "header with only a v0 signature", body: good, header: "t=" + strconv.FormatInt(t0.Unix(), 10) + ",v0=" + strings.Repeat("ab", 32), wantError: errSignature},
		{name: "header from another provider", body: good, header: "sha256=" + strings.Repeat("ab", 32), wantError: errHeader},
		{name: "api_version of an older release train", body: withVersion("2025-03-31.acacia"), wantError: errAPIVersion},
		{name: "api_version of a newer release train", body: withVersion("2025-09-30.clover"), wantError: errAPIVersion},
		{name: "api_version from before release trains", body: withVersion("2024-06-20"), wantError: errAPIVersion},
		{name: "no api_version", body: withVersion(""), wantError: errAPIVersion},
		{name: "malformed JSON", body: []byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"customer_email":"` + testEmail + `"`), wantError: errNotEvent},
		{name: "JSON that is not an event", body: []byte(`["` + testEmail + `"]`), wantError: errNotEvent},
		{name: "an event without an id", body: payload(t, with(event("checkout.session.completed", session("paid", 499, "eur")), "id", "")), wantError: errNotEvent},
		{name: "an event that is not an event object", body: payload(t, with(event("checkout.session.completed", session("paid", 499, "eur")), "object", "charge")), wantError: errNotEvent},
		{name: "a field of the wrong type", body: payload(t, with(event("checkout.session.completed", session("paid", 499, "eur")), "created", testEmail)), wantError: errNotEvent},
		{name: "session event with a charge inside", body: payload(t, event("checkout.session.completed", charge(499, 0))), wantError: errObjectMissing},
		{name: "refund event with a session inside", body: payload(t, event("charge.refunded", session("paid", 499, "eur"))), wantError: errObjectMissing},
		{name: "dispute event with a null object", body: payload(t, event("charge.dispute.closed", nil)), wantError: errObjectMissing},
		{name: "event whose data has no object", body: payload(t, with(event("charge.dispute.closed", nil), "data", map[string]any{})), wantError: errNotEvent},
		{name: "session object of the wrong shape", body: payload(t, event("checkout.session.completed",
			with(session("paid", 499, "eur"), "amount_total", testEmail))), wantError: errObjectMissing},
		{name: "session object without an id", body: payload(t, event("checkout.session.expired", with(session("unpaid", 499, "eur"), "id", ""))), wantError: errObjectMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			header := tc.header
			if header == "" && tc.wantError != errNotSigned {
				header, _ = signed(tc.body)
			}
			p := tc.provider
			if p == nil {
				p = webhookProvider()
			}
			at := tc.now
			if at.IsZero() {
				at = now
			}
			got, err := p.ParseWebhook(tc.body, header, at)
			if !errors.Is(err, ports.ErrBadWebhook) {
				t.Fatalf("ParseWebhook = %+v, %v; want an error wrapping ports.ErrBadWebhook", got, err)
			}
			if !errors.Is(err, tc.wantError) {
				t.Errorf("error %q; want %q", err, tc.wantError)
			}
			if got != (core.PaymentEvent{}) {
				t.Errorf("a bad webhook returned an event: %+v", got)
			}
			for _, secret := range []string{testEmail, testName, testSecret, "payment_id", testPID} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error %q repeats %q from the body or the configuration", err, secret)
				}
			}
		})
	}
}

// TestParseWebhookAPIVersionTrain: any version of stripe-go's release
// train is accepted (an account or endpoint may be pinned to an earlier
// day of it); stripe-go's own check agrees with ours on every case.
func TestParseWebhookAPIVersionTrain(t *testing.T) {
	train := APIVersion[strings.Index(APIVersion, "."):]
	p := webhookProvider()
	for _, v := range []string{APIVersion, "2025-03-31" + train, "2025-07-30" + train, "2025-03-31.acacia", "2024-06-20"} {
		body := payload(t, with(event("checkout.session.completed", session("paid", 499, "eur")), "api_version", v))
		header := sign(body, testSecret, time.Now())
		_, ours := p.ParseWebhook(body, header, time.Now())
		_, theirs := webhook.ConstructEvent(body, header, testSecret)
		if (ours == nil) != (theirs == nil) {
			t.Errorf("api_version %q: ParseWebhook says %v, webhook.ConstructEvent %v", v, ours, theirs)
		}
		if wantOK := strings.HasSuffix(v, train); (ours == nil) != wantOK {
			t.Errorf("api_version %q: ParseWebhook error %v; want accepted=%v", v, ours, wantOK)
		}
	}
}

func TestParseWebhookToleranceEdges(t *testing.T) {
	body := payload(t, event("checkout.session.expired", session("unpaid", 499, "eur")))
	header := sign(body, testSecret, t0)
	p := webhookProvider()
	for _, d := range []time.Duration{0, DefaultWebhookTolerance, -DefaultWebhookTolerance} {
		if _, err := p.ParseWebhook(body, header, t0.Add(d)); err != nil {
			t.Errorf("now = signed %+v: %v", d, err)
		}
	}
	// A zero now is the wall clock: a webhook signed years ago is stale.
	if _, err := p.ParseWebhook(body, header, time.Time{}); !errors.Is(err, errTimestamp) {
		t.Errorf("zero now: %v; want errTimestamp", err)
	}
	// A rolled secret: Stripe sends a v1 signature per secret; one match is enough.
	two := header + ",v1=" + strings.Repeat("cd", 32)
	if _, err := p.ParseWebhook(body, two, t0); err != nil {
		t.Errorf("two signatures, one good: %v", err)
	}
}
