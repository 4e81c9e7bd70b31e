package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx/fxtest"
)

const (
	testStripeKey     = "sk_test_not-a-real-key-only-for-tests"
	testStripeWebhook = "whsec_not-a-real-secret-only-for-tests"
)

func providerNames(t *testing.T, cfg Config) ([]string, error) {
	t.Helper()
	lc := fxtest.NewLifecycle(t)
	p, err := newPaymentProviders(lc, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, x := range p.all {
		names = append(names, x.Name())
	}
	return names, nil
}

// TestPaymentProviderSet: Stripe when a key is set, local in development or
// when switched on, and nothing otherwise.
func TestPaymentProviderSet(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--env", "development"}, "local"},
		{[]string{"--env", "development", "--local-payments", "off"}, ""},
		{[]string{"--local-payments", "on", "--public-base-url", "https://pay.example"}, "local"},
		{[]string{"--stripe-secret-key", testStripeKey, "--stripe-webhook-secret", testStripeWebhook, "--public-base-url", "https://pay.example"}, "stripe"},
		{[]string{"--env", "development", "--stripe-secret-key", testStripeKey, "--stripe-webhook-secret", testStripeWebhook}, "stripe local"},
	} {
		names, err := providerNames(t, testConfig(t, "", tc.args...))
		if err != nil || strings.Join(names, " ") != tc.want {
			t.Errorf("%v: providers %v, %v; want %q", tc.args, names, err, tc.want)
		}
	}
}

func TestPaymentSettingsRejectNonsense(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--currency", "euro"}, "currency must be"},
		{[]string{"--local-payments", "maybe"}, "local-payments must be"},
		{[]string{"--local-payments", "on"}, "public-base-url is required with local-payments=on"},
		{[]string{"--local-payments-secret", "short"}, "at least 32 bytes"},
		{[]string{"--public-base-url", "ftp://x"}, "public-base-url must be"},
		{[]string{"--stripe-secret-key", testStripeKey, "--public-base-url", "https://x.example"}, "webhook signing secret is empty"},
		{[]string{"--stripe-secret-key", "pk_test_oops", "--stripe-webhook-secret", testStripeWebhook, "--public-base-url", "https://x.example"}, "publishable key"},
		{[]string{"--stripe-secret-key", testStripeKey, "--stripe-webhook-secret", testStripeWebhook}, "public-base-url is required with stripe-secret-key"},
	} {
		var stderr bytes.Buffer
		_, _, ok := parseServe(tc.args, &stderr)
		if ok || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: ok %v, stderr %q; want %q", tc.args, ok, stderr.String(), tc.want)
		}
		for _, secret := range []string{testStripeKey, testStripeWebhook, "short"} {
			if strings.Contains(stderr.String(), secret) && secret != "short" {
				t.Errorf("%v: the error shows a secret: %s", tc.args, stderr.String())
			}
		}
	}
}

// TestSecretsAreNeverShown: not by -h (even when the variables are set),
// not by formatting the configuration, not in the logs of a running
// service.
func TestSecretsAreNeverShown(t *testing.T) {
	t.Setenv("CHATLENS_STRIPE_SECRET_KEY", testStripeKey)
	t.Setenv("CHATLENS_STRIPE_WEBHOOK_SECRET", testStripeWebhook)
	t.Setenv("CHATLENS_LOCAL_PAYMENTS_SECRET", "local-secret-local-secret-local-secret")
	var help bytes.Buffer
	if code := Main([]string{"serve", "-h"}, &bytes.Buffer{}, &help); code != 0 {
		t.Fatalf("serve -h exit %d", code)
	}
	cfg := testConfig(t, "", "--env", "development", "--stripe-secret-key", testStripeKey, "--stripe-webhook-secret", testStripeWebhook)
	cfg.Payments.LocalSecret = "local-secret-local-secret-local-secret"
	asJSON, _ := json.Marshal(cfg)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "payments", cfg.Payments, "key", cfg.Payments.StripeSecretKey)
	shown := help.String() + fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.Payments.StripeSecretKey) + string(asJSON) + logged.String()
	for _, secret := range []string{testStripeKey, testStripeWebhook, "local-secret-local-secret-local-secret"} {
		if strings.Contains(shown, secret) {
			t.Errorf("a secret is shown: %s", secret)
		}
	}
	if cfg.Payments.StripeSecretKey.Reveal() != testStripeKey {
		t.Fatal("Reveal lost the key")
	}
	r := start(t, cfg)
	if strings.Contains(r.logs.String(), testStripeKey) || strings.Contains(r.logs.String(), testStripeWebhook) {
		t.Fatalf("the logs hold a secret:\n%s", r.logs)
	}
	if !strings.Contains(r.logs.String(), `"providers":["stripe","local"]`) {
		t.Fatalf("no providers line:\n%s", r.logs)
	}
}

// TestDevelopmentSellsThroughTheLocalProvider: the wired service, in
// development, sells a pack through the local provider's page and webhook;
// in production with no provider it answers 503.
func TestDevelopmentSellsThroughTheLocalProvider(t *testing.T) {
	prod := start(t, testConfig(t, ""))
	key := signUpKey(t, prod.base, "prod@example.com")
	if code, body := post(t, prod.base+"/v1/payments", key, `{"pack":"starter"}`); code != 503 || !strings.Contains(body, "no payment provider") {
		t.Fatalf("production without a provider: %d %s", code, body)
	}
	if !strings.Contains(prod.logs.String(), "no payment provider is configured") {
		t.Fatalf("no warning at start:\n%s", prod.logs)
	}

	dev := start(t, testConfig(t, "", "--env", "development"))
	key = signUpKey(t, dev.base, "dev@example.com")
	code, body := post(t, dev.base+"/v1/payments", key, `{"pack":"starter"}`)
	var p struct {
		ID          string `json:"id"`
		CheckoutURL string `json:"checkout_url"`
	}
	if err := json.Unmarshal([]byte(body), &p); code != 201 || err != nil || p.CheckoutURL == "" {
		t.Fatalf("create payment: %d %s", code, body)
	}
	u, _ := url.Parse(p.CheckoutURL) // on --addr 127.0.0.1:0 the base URL's port is 0: take the path
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(dev.base+u.Path, url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d", resp.StatusCode)
	}
	if code, body := dev.get(t, "/v1/credits", key); code != 200 || !strings.Contains(body, `"balance":100`) {
		t.Fatalf("balance after paying: %d %s", code, body)
	}
	if strings.Contains(dev.logs.String(), u.Path) {
		t.Fatal("the logs hold the checkout's capability URL")
	}
}

func signUpKey(t *testing.T, base, email string) string {
	t.Helper()
	code, body := post(t, base+"/v1/users", "", `{"email":"`+email+`","display_name":"Buyer"}`)
	var out struct {
		APIKey struct{ Secret string } `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(body), &out); code != 201 || err != nil {
		t.Fatalf("sign up: %d %s", code, body)
	}
	return out.APIKey.Secret
}

func post(t *testing.T, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
