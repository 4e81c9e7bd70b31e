package e2e

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

// TestBuyCredits drives the README's "Buying credits" with the local
// development provider, against the real binary on PostgreSQL: the public
// price list, a payment with an Idempotency-Key, its checkout page paid
// through the provider's own signed webhook, the credits granted once, and
// a second "pay" of the same checkout refused with nothing granted twice.
func TestBuyCredits(t *testing.T) {
	// The provider's return pages need the address the server will have,
	// so the port is chosen first (free now; nothing else takes it here).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	bin := startBinary(t, pgtest.NewDatabase(t, "e2e_pay", nil),
		"CHATLENS_ADDR="+addr, "CHATLENS_LOCAL_PAYMENTS=on", "CHATLENS_PUBLIC_BASE_URL=http://"+addr)
	c := client(t, bin.base)
	ctx := context.Background()

	packs := must(c.ListPacksWithResponse(ctx))(t) // public: no key
	if packs.JSON200 == nil || len(packs.JSON200.Items) == 0 {
		t.Fatalf("packs: %s", describe(packs, packs.Body))
	}
	pack := packs.JSON200.Items[0]

	signUp := must(c.SignUpWithResponse(ctx, SignUpJSONRequestBody{Email: "buyer@example.com", DisplayName: "Buyer"}))(t)
	if signUp.JSON201 == nil {
		t.Fatalf("sign up: %s", describe(signUp, signUp.Body))
	}
	key := as(signUp.JSON201.ApiKey.Secret)

	idem := &CreatePaymentParams{IdempotencyKey: ptr("order-1")}
	created := must(c.CreatePaymentWithResponse(ctx, idem, CreatePaymentJSONRequestBody{Pack: pack.Slug}, key))(t)
	if created.JSON201 == nil || created.JSON201.Status != PaymentStatusPending || created.JSON201.CheckoutUrl == nil {
		t.Fatalf("create payment: %s", describe(created, created.Body))
	}
	payment := created.JSON201
	again := must(c.CreatePaymentWithResponse(ctx, idem, CreatePaymentJSONRequestBody{Pack: pack.Slug}, key))(t)
	if again.JSON200 == nil || again.JSON200.Id != payment.Id {
		t.Fatalf("the same Idempotency-Key again: %s", describe(again, again.Body))
	}

	checkout := *payment.CheckoutUrl
	if !strings.HasPrefix(checkout, "http://"+addr+"/") {
		t.Fatalf("checkout URL %q is not on this server", checkout)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := browser.Get(checkout)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Fatalf("checkout page: %d", page.StatusCode)
	}
	pay := func() int {
		t.Helper()
		resp, err := browser.PostForm(checkout, url.Values{"action": {"pay"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := pay(); status != http.StatusSeeOther {
		t.Fatalf("pay: %d; want 303 to the success page", status)
	}

	paid := must(c.GetPaymentWithResponse(ctx, payment.Id, key))(t)
	if paid.JSON200 == nil || paid.JSON200.Status != PaymentStatusPaid || paid.JSON200.CreditsGranted != pack.Credits {
		t.Fatalf("after paying: %s", describe(paid, paid.Body))
	}
	balance := func() int64 {
		t.Helper()
		b := must(c.GetBalanceWithResponse(ctx, key))(t)
		if b.JSON200 == nil {
			t.Fatalf("balance: %s", describe(b, b.Body))
		}
		return b.JSON200.Balance
	}
	if got := balance(); got != pack.Credits {
		t.Fatalf("balance %d after buying %q; want %d", got, pack.Slug, pack.Credits)
	}
	// The same checkout cannot be paid twice, and nothing is granted twice.
	if status := pay(); status != http.StatusConflict {
		t.Errorf("paying a paid checkout again: %d; want 409", status)
	}
	if got := balance(); got != pack.Credits {
		t.Fatalf("balance %d after a second pay; want %d (granted once)", got, pack.Credits)
	}
	list := must(c.ListPaymentsWithResponse(ctx, nil, key))(t)
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Id != payment.Id {
		t.Fatalf("payments: %s", describe(list, list.Body))
	}
	t.Logf("bought %q (%d credits for %s %s)", pack.Slug, pack.Credits, strconv.FormatInt(pack.PriceMinor, 10), pack.Currency)
}
