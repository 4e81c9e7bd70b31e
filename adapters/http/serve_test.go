package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestHealth(t *testing.T) {
	f := newFixture(t)
	if resp := f.api.Get("/health"); resp.Code != 200 {
		t.Fatalf("health %d", resp.Code)
	}
	if resp := f.api.Get("/health/ready"); resp.Code != 200 {
		t.Fatalf("ready %d", resp.Code)
	}
	var pool map[string]any
	decode(t, f.api.Get("/health/db-pool"), &pool)
	for _, k := range []string{"backend", "open", "in_use", "idle", "wait_count", "wait_duration_ms", "max_open"} {
		if _, ok := pool[k]; !ok {
			t.Errorf("db-pool lacks %s: %v", k, pool)
		}
	}
	f.with(func(s *Services) { s.Storage = downStorage{} })
	resp := f.api.Get("/health/ready")
	problem(t, resp, http.StatusServiceUnavailable, "unavailable")
	if resp.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

type downStorage struct{ okStorage }

func (downStorage) Ping(context.Context) error { return errors.New("connection refused") }

// TestDocsWorkOffline: the page loads its script from this server only, and
// the script is served.
func TestDocsWorkOffline(t *testing.T) {
	f := newFixture(t)
	page := f.api.Get("/docs")
	if page.Code != 200 || !strings.Contains(page.Body.String(), `src="/docs/redoc.standalone.js"`) {
		t.Fatalf("docs page %d %s", page.Code, page.Body)
	}
	for _, remote := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr"} {
		if strings.Contains(page.Body.String(), remote) {
			t.Errorf("docs page refers to %s", remote)
		}
	}
	script := f.api.Get("/docs/redoc.standalone.js")
	if script.Code != 200 || script.Body.Len() < 500_000 || !strings.HasPrefix(script.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("script %d, %d bytes, %s", script.Code, script.Body.Len(), script.Header().Get("Content-Type"))
	}
}

func TestServedDocumentsAreTheGeneratedOnes(t *testing.T) {
	f := newFixture(t)
	want, err := OpenAPI().YAML()
	if err != nil {
		t.Fatal(err)
	}
	if got := f.api.Get("/openapi.yaml"); got.Code != 200 || !bytes.Equal(got.Body.Bytes(), want) {
		t.Fatalf("/openapi.yaml differs from OpenAPI().YAML()")
	}
	var doc map[string]any
	if err := json.Unmarshal(f.api.Get("/openapi.json").Body.Bytes(), &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Fatalf("/openapi.json: %v %v", err, doc["openapi"])
	}
}

func TestRequestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) { o.Metrics = m })
	f.signUp("a@example.com")
	f.api.Get("/v1/users/me")
	f.api.Get("/v1/users/me/keys/../../x")
	if got := testutil.ToFloat64(m.requests.WithLabelValues("POST /v1/users", "POST", "201")); got != 1 {
		t.Errorf("sign-ups counted %v", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("GET /v1/users/me", "GET", "401")); got != 1 {
		t.Errorf("401s counted %v", got)
	}
	// The mux redirects the dotted path to /v1/x, which matches nothing:
	// counted as unmatched, never under the raw path.
	if got := testutil.ToFloat64(m.requests.WithLabelValues(unmatched, "GET", "307")); got != 1 {
		t.Errorf("unmatched redirect counted %v", got)
	}
	if n := testutil.CollectAndCount(m.duration); n != 3 {
		t.Errorf("%d duration series", n)
	}
}
