package postgres_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/ports"
)

// TestJobsDashboard: River UI serves its page and assets from the binary,
// lists the queue's jobs, and refuses what would change them.
func TestJobsDashboard(t *testing.T) {
	s := openStore(t, ports.DefaultStoreOptions())
	id, _ := enqueue(t, s, ports.NewJob{Kind: "dashboard.test", Args: []byte(`{"chat":"c1"}`)})

	h, stop, err := s.JobsDashboard("/riverui")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/riverui/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); stop() })
	do := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{"ids":["`+id+`"]}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	code, page := do(http.MethodGet, "/riverui/")
	if code != http.StatusOK || !strings.Contains(page, "<title>River</title>") {
		t.Fatalf("GET /riverui/: %d\n%s", code, page)
	}
	// Every script, stylesheet and icon comes from under the prefix.
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(refs) == 0 {
		t.Fatalf("the page loads nothing:\n%s", page)
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref[1], "/riverui/") {
			t.Errorf("the page loads %s, from outside the dashboard", ref[1])
			continue
		}
		if code, _ := do(http.MethodGet, ref[1]); code != http.StatusOK {
			t.Errorf("GET %s: %d", ref[1], code)
		}
	}

	code, body := do(http.MethodGet, "/riverui/api/jobs?state=available")
	var list struct {
		Data []struct {
			ID   int64  `json:"id"`
			Kind string `json:"kind"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &list); code != http.StatusOK || err != nil {
		t.Fatalf("GET jobs: %d %v\n%s", code, err, body)
	}
	if len(list.Data) != 1 || strconv.FormatInt(list.Data[0].ID, 10) != id || list.Data[0].Kind != "dashboard.test" {
		t.Fatalf("available jobs: %+v, want job %s of kind dashboard.test", list.Data, id)
	}

	for _, req := range [][2]string{
		{http.MethodPost, "/riverui/api/jobs/cancel"},
		{http.MethodPost, "/riverui/api/jobs/delete"},
		{http.MethodPost, "/riverui/api/jobs/retry"},
		{http.MethodPut, "/riverui/api/queues/default/pause"},
		{http.MethodPatch, "/riverui/api/queues/default"},
	} {
		if code, body := do(req[0], req[1]); code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d %s, want 405", req[0], req[1], code, body)
		}
	}
	if job, err := getJob(t, s, id); err != nil || job.State != ports.JobAvailable {
		t.Fatalf("after the refused changes: %+v %v, want it available", job, err)
	}
}

// A store without a DSN has none to open the dashboard's pool from.
func TestJobsDashboardNeedsDSN(t *testing.T) {
	s := postgres.New(openStore(t, ports.DefaultStoreOptions()).DB(), ports.DefaultStoreOptions())
	if _, _, err := s.JobsDashboard("/riverui"); err == nil {
		t.Fatal("a dashboard on a store made by New")
	}
}
