package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2/humatest"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core/catalog"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/ports"
)

// fixture is the API on the memory adapter, driven through humatest (whose
// requests pass through the same middleware as a real client's).
type fixture struct {
	t        *testing.T
	srv      *Server
	api      humatest.TestAPI
	users    *users.Service
	credits  *credits.Service
	chats    *chats.Service
	store    *memory.Store
	spoolDir string // the chats service's
	logs     *syncBuffer
	svc      Services
	opts     Options

	catalog    *catalog.Service
	insights   *insights.Service
	generators *insights.Registry // the insights service's and the catalog's
}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t *testing.T, configure ...func(*Options)) *fixture {
	t.Helper()
	store := memory.New(ports.DefaultStoreOptions())
	f := &fixture{t: t, logs: &syncBuffer{}, store: store, spoolDir: t.TempDir()}
	f.users = users.NewService(store, system.Clock{}, &system.UUIDv7{})
	f.credits = credits.NewService(store, system.Clock{}, &system.UUIDv7{}, credits.DefaultOptions())
	f.chats = chats.NewService(store, system.Clock{}, &system.UUIDv7{}, chats.Config{SpoolDir: f.spoolDir})
	f.generators = insights.NewRegistry()
	f.catalog = catalog.NewService(store, system.Clock{}, f.generators)
	f.insights = insights.NewService(store, system.Clock{}, &system.UUIDv7{}, f.generators, f.chats, insights.Config{})
	f.chats.OnDelete(f.insights.CancelChat)
	opts := Options{Logger: slog.New(slog.NewJSONHandler(f.logs, nil))}
	for _, c := range configure {
		c(&opts)
	}
	f.svc, f.opts = Services{Users: f.users, Credits: f.credits, Chats: f.chats,
		Catalog: f.catalog, Insights: f.insights, Storage: okStorage{}}, opts
	f.build()
	return f
}

// build (re)makes the API from the fixture's services and options.
func (f *fixture) build() {
	f.srv = New(f.svc, f.opts)
	f.api = humatest.Wrap(f.t, f.srv.API())
}

// with rebuilds the API with some services replaced (on the same store):
// operations take their services when they are registered.
func (f *fixture) with(edit func(*Services)) {
	edit(&f.svc)
	f.build()
}

type okStorage struct{}

func (okStorage) Ping(context.Context) error { return nil }
func (okStorage) PoolStats() PoolStats       { return PoolStats{Backend: "memory"} }

func bearer(secret string) string { return "Authorization: Bearer " + secret }

// signUp creates a user through the API and returns its id and key.
func (f *fixture) signUp(email string) (id, secret string) {
	f.t.Helper()
	resp := f.api.Post("/v1/users", map[string]any{"email": email, "display_name": "Someone"})
	if resp.Code != 201 {
		f.t.Fatalf("sign-up: %d %s", resp.Code, resp.Body)
	}
	var out NewAccount
	decode(f.t, resp, &out)
	return out.User.ID, out.APIKey.Secret
}

// admin creates an admin through the service (as the bootstrap does).
func (f *fixture) admin() string {
	f.t.Helper()
	_, key, _, err := f.users.EnsureAdmin(context.Background(), "admin@example.com")
	if err != nil {
		f.t.Fatal(err)
	}
	return key.Secret
}

func decode(t *testing.T, resp *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(resp.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %q: %v", resp.Body.String(), err)
	}
}

// problem decodes a problem response and checks what every problem has.
func problem(t *testing.T, resp *httptest.ResponseRecorder, status int, slug string) Problem {
	t.Helper()
	if resp.Code != status {
		t.Fatalf("status %d, want %d: %s", resp.Code, status, resp.Body)
	}
	if ct := resp.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q", ct)
	}
	var p Problem
	decode(t, resp, &p)
	if p.Type != ProblemTypeBase+slug || p.Status != status || p.Title == "" {
		t.Errorf("problem %+v, want type %s", p, slug)
	}
	if p.RequestID == "" || p.RequestID != resp.Header().Get(RequestIDHeader) {
		t.Errorf("request_id %q, header %q", p.RequestID, resp.Header().Get(RequestIDHeader))
	}
	return p
}

// mustNotContain fails when the body echoes any of the given inputs.
func mustNotContain(t *testing.T, body string, inputs ...string) {
	t.Helper()
	for _, in := range inputs {
		if in != "" && strings.Contains(body, in) {
			t.Errorf("response echoes %q: %s", in, body)
		}
	}
}
