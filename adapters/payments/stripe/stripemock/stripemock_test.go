package stripemock

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

func TestDecide(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want plan
	}{
		{nil, plan{}},
		{map[string]string{"CI": "true"}, plan{fatal: true}},
		{map[string]string{"CI": "1"}, plan{fatal: true}},
		{map[string]string{"CI": "false"}, plan{}},
		{map[string]string{EnvURL: "http://127.0.0.1:12111", "CI": "true"}, plan{url: "http://127.0.0.1:12111", fatal: true}},
	} {
		if got := decide(env(tc.env)); got != tc.want {
			t.Errorf("decide(%v) = %+v; want %+v", tc.env, got, tc.want)
		}
	}
}

// TestVersionPinned: the tool the harness runs is the release Version
// names, and go.mod declares it as a tool.
func TestVersionPinned(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", Module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", Module, err)
	}
	if got := strings.TrimSpace(string(out)); got != Version {
		t.Errorf("go.mod requires %s %s; the harness says %s", Module, got, Version)
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(strings.TrimSpace(string(gomod)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\t"+Module+"\n") && !strings.Contains(string(b), "tool "+Module+"\n") {
		t.Errorf("go.mod has no tool line for %s", Module)
	}
}

func TestURLAnswers(t *testing.T) {
	res := get(t, URL(t)+"/v1/checkout/sessions/cs_test_1")
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET a session: %s", res.Status)
	}
}

// TestStartStop starts a second server, beside the shared one: each gets
// its own ports, and Stop ends it.
func TestStartStop(t *testing.T) {
	shared := URL(t)
	if os.Getenv(EnvURL) != "" {
		t.Skip("the shared server is " + EnvURL)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	bin, err := Binary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	if s.URL == shared || !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("second server at %s, the shared one at %s", s.URL, shared)
	}
	get(t, s.URL+"/v1/balance")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	client := &http.Client{Timeout: time.Second}
	if res, err := client.Get(s.URL + "/v1/balance"); err == nil {
		res.Body.Close()
		t.Errorf("the stopped server still answers: %s", res.Status)
	}
}

func TestStartFailsClearly(t *testing.T) {
	_, err := Start(t.Context(), "/bin/false")
	if err == nil || !strings.Contains(err.Error(), "exited before it listened") {
		t.Errorf("Start(/bin/false) = %v", err)
	}
}

func get(t *testing.T, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+Key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}
