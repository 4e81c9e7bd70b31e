package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

// TestJobsDashboardOnInternalListener: on PostgreSQL, River UI is served on
// the internal listener, read-only, and never on the API's.
func TestJobsDashboardOnInternalListener(t *testing.T) {
	dsn := pgtest.NewDatabase(t, "empty", nil)
	r := start(t, testConfig(t, dsn, "--internal-addr", "127.0.0.1:0"))
	m := listeningInternal.FindStringSubmatch(r.logs.String())
	if m == nil {
		t.Fatalf("no internal listening line:\n%s", r.logs)
	}
	internal := "http://" + m[1]
	for path, want := range map[string]string{"/riverui/": "<title>River</title>", "/riverui/api/jobs?state=available": `"data":`} {
		if code, body := get(t, internal+path, ""); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("internal %s: %d %.200s", path, code, body)
		}
		if code, _ := r.get(t, path, ""); code != http.StatusNotFound {
			t.Errorf("API listener %s: %d, want 404", path, code)
		}
	}
	resp, err := http.Post(internal+"/riverui/api/jobs/cancel", "application/json", strings.NewReader(`{"ids":["1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("internal POST cancel: %d, want 405", resp.StatusCode)
	}
	r.app.RequireStop()
}

// TestNoJobsDashboardInMemory: the memory adapter has no River, so no
// dashboard.
func TestNoJobsDashboardInMemory(t *testing.T) {
	r := start(t, testConfig(t, "", "--internal-addr", "127.0.0.1:0"))
	m := listeningInternal.FindStringSubmatch(r.logs.String())
	if m == nil {
		t.Fatalf("no internal listening line:\n%s", r.logs)
	}
	if code, _ := get(t, "http://"+m[1]+"/riverui/", ""); code != http.StatusNotFound {
		t.Errorf("internal /riverui/ in memory: %d, want 404", code)
	}
	r.app.RequireStop()
}
