package stripeprovider

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/payments/stripe/stripemock"
	"github.com/chatlens/chatlens/core"
)

// fixture fetches an object as stripe-mock serves it: every field of
// Stripe's OpenAPI document for the pinned version, so the webhook tests
// below decode whole objects, not just the fields written by hand.
func fixture(t *testing.T, path string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, stripemock.URL(t)+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+stripemock.Key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", path, res.Status, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseWebhookOnStripeMockObjects(t *testing.T) {
	t.Parallel()
	meta := map[string]any{"payment_id": testPID, "pack": "starter"}
	sess := with(fixture(t, "/v1/checkout/sessions/cs_test_fixture"),
		"metadata", meta, "payment_status", "paid", "amount_total", 499, "currency", "eur", "payment_intent", "pi_fixture")
	ch := with(fixture(t, "/v1/charges/ch_fixture"),
		"metadata", meta, "amount", 499, "amount_refunded", 250, "currency", "eur", "payment_intent", "pi_fixture")
	dp := with(fixture(t, "/v1/disputes/dp_fixture"), "status", "lost", "payment_intent", "pi_fixture")

	created := time.Unix(t0.Unix()-2, 0).UTC()
	sessionID, _ := sess["id"].(string)
	p := webhookProvider()
	for _, tc := range []struct {
		typ  string
		obj  map[string]any
		want core.PaymentEvent
	}{
		{"checkout.session.completed", sess, core.PaymentEvent{Kind: core.EventCompleted, SessionID: sessionID, PaymentID: testPID,
			ProviderPaymentID: "pi_fixture", Paid: true, AmountTotal: 499, Currency: "eur"}},
		{"charge.refunded", ch, core.PaymentEvent{Kind: core.EventRefunded, PaymentID: testPID, ProviderPaymentID: "pi_fixture",
			AmountTotal: 499, Currency: "eur", AmountRefunded: 250}},
		{"charge.dispute.closed", dp, core.PaymentEvent{Kind: core.EventDisputeLost, ProviderPaymentID: "pi_fixture"}},
	} {
		body := payload(t, event(tc.typ, tc.obj))
		got, err := p.ParseWebhook(body, sign(body, testSecret, t0), t0)
		if err != nil {
			t.Errorf("%s: %v", tc.typ, err)
			continue
		}
		tc.want.ID, tc.want.Provider, tc.want.Created = "evt_1PgZ", "stripe", created
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.typ, got, tc.want)
		}
	}
}
