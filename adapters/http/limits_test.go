package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
)

// hungCredits is storage that never answers: Balance waits for its
// context, or gives up after a long while so a missing deadline fails the
// test instead of hanging it.
type hungCredits struct{ failingCredits }

var errNeverAnswered = errors.New("the request was never cut off")

func (hungCredits) Balance(ctx context.Context, _ core.UserID) (core.CreditAccount, error) {
	select {
	case <-ctx.Done():
		return core.CreditAccount{}, ctx.Err()
	case <-time.After(10 * time.Second):
		return core.CreditAccount{}, errNeverAnswered
	}
}

// TestHungStorageAnswers503AfterTheDeadline: when the database hangs, an
// ordinary request answers 503 with Retry-After once its deadline passes.
func TestHungStorageAnswers503AfterTheDeadline(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.RequestTimeout = 50 * time.Millisecond })
	_, key := f.signUp("a@example.com")
	f.with(func(s *Services) { s.Credits = hungCredits{} })
	resp := f.api.Get("/v1/credits", bearer(key))
	problem(t, resp, http.StatusServiceUnavailable, "unavailable")
	if resp.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// TestClientAddrHeader: with a trusted proxy's header configured, each
// client behind the proxy has its own budget; without it they share the
// proxy's; a header that holds no address is ignored.
func TestClientAddrHeader(t *testing.T) {
	n := 0
	signUps := func(f *fixture, addrs ...string) (created int) {
		for _, addr := range addrs {
			n++
			req := map[string]any{"email": fmt.Sprintf("user%d@example.com", n), "display_name": "X"}
			if f.api.Post("/v1/users", "X-Forwarded-For: 203.0.113.9, "+addr, req).Code == http.StatusCreated {
				created++
			}
		}
		return created
	}
	trusting := newFixture(t, func(o *Options) {
		o.SignUpRate = Rate{PerMinute: 1}
		o.ClientAddrHeader = "X-Forwarded-For"
	})
	if n := signUps(trusting, "198.51.100.1", "198.51.100.2", "198.51.100.3"); n != 3 {
		t.Errorf("three clients behind a trusted proxy: %d sign-ups; want 3", n)
	}
	if n := signUps(trusting, "not-an-address", "also-not"); n != 1 {
		t.Errorf("a header without an address: %d sign-ups; want 1 (the peer's budget)", n)
	}
	plain := newFixture(t, func(o *Options) { o.SignUpRate = Rate{PerMinute: 1} })
	if n := signUps(plain, "198.51.100.1", "198.51.100.2"); n != 1 {
		t.Errorf("no trusted header: %d sign-ups; want 1 (one shared budget)", n)
	}
}
