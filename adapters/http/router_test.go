package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRouterMissesAreProblems: paths and methods the router does not know
// get problem+json like every other error, 405 with Allow.
func TestRouterMissesAreProblems(t *testing.T) {
	f := newFixture(t)
	problem(t, f.api.Get("/v1/nowhere"), http.StatusNotFound, "not-found")
	problem(t, f.api.Get("/"), http.StatusNotFound, "not-found")
	resp := f.api.Put("/v1/users/me", map[string]any{})
	problem(t, resp, http.StatusMethodNotAllowed, "method-not-allowed")
	if allow := resp.Header().Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "DELETE") {
		t.Fatalf("Allow %q", allow)
	}
	if !strings.Contains(f.logs.String(), `"route":"unmatched","status":404`) {
		t.Fatalf("logs:\n%s", f.logs)
	}
}

// TestUnknownMethodsShareOneLabel: a method outside HTTP's usual set is
// counted and logged as OTHER, so clients cannot mint metric series.
func TestUnknownMethodsShareOneLabel(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) { o.Metrics = m })
	for _, method := range []string{"PRIVATE1", "PRIVATE2", "get"} {
		f.api.Do(method, "/v1/users/me")
	}
	f.api.Get("/health")
	if got := testutil.ToFloat64(m.requests.WithLabelValues("unmatched", "OTHER", "405")); got != 3 {
		t.Errorf("OTHER 405s counted %v", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("GET /health", "GET", "200")); got != 1 {
		t.Errorf("GET /health counted %v", got)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var labels strings.Builder
	for _, fam := range families {
		for _, metric := range fam.GetMetric() {
			for _, l := range metric.GetLabel() {
				labels.WriteString(l.GetValue() + "\n")
			}
		}
	}
	mustNotContain(t, f.logs.String()+labels.String(), "PRIVATE", `"get"`)
	if !strings.Contains(f.logs.String(), `"method":"OTHER"`) {
		t.Fatalf("logs:\n%s", f.logs)
	}
}
