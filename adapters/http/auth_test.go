package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
)

// operations lists every operation of the generated document.
func operations(oapi *huma.OpenAPI) []*huma.Operation {
	var ops []*huma.Operation
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch, item.Head, item.Options} {
			if op != nil {
				ops = append(ops, op)
			}
		}
	}
	return ops
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

func call(f *fixture, op *huma.Operation, headers ...any) int {
	path := pathParam.ReplaceAllString(op.Path, "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e")
	args := append(headers, map[string]any{})
	if op.Method == http.MethodGet || op.Method == http.MethodDelete {
		args = headers
	}
	return f.api.Do(op.Method, path, args...).Code
}

// TestEveryOperationIsGuarded walks every operation in the generated
// document: each non-public /v1 operation answers 401 without a key, with
// a malformed key, with an unknown key and with a revoked one; each admin
// operation answers 403 to a plain user; and the document's security
// declaration agrees with what the middleware enforces.
func TestEveryOperationIsGuarded(t *testing.T) {
	f := newFixture(t)
	_, revoked := f.signUp("revoked@example.com")
	_, plain := f.signUp("plain@example.com")
	revokeOwnKey(t, f, revoked)
	unknown := "cl_" + strings.Repeat("A", 43)

	ops := operations(f.srv.API().OpenAPI())
	if len(ops) < 12 {
		t.Fatalf("found %d operations; the walk would prove little", len(ops))
	}
	var guarded, admin int
	for _, op := range ops {
		t.Run(op.OperationID, func(t *testing.T) {
			keyed := len(op.Security) == 1 && len(op.Security[0][securityName]) == 0 && op.Security[0][securityName] != nil
			if keyed != needsKey(op) {
				t.Fatalf("documented security %v disagrees with the middleware (needs key: %v)", op.Security, needsKey(op))
			}
			if !needsKey(op) {
				if strings.HasPrefix(op.Path, "/v1/") && !publicOperations[op.OperationID] {
					t.Fatal("an anonymous /v1 operation that is not on the public list")
				}
				return
			}
			guarded++
			for name, h := range map[string][]any{
				"no key": nil, "not bearer": {"Authorization: Basic " + plain}, "malformed": {bearer("nope")},
				"unknown": {bearer(unknown)}, "revoked": {bearer(revoked)},
			} {
				if code := call(f, op, h...); code != http.StatusUnauthorized {
					t.Errorf("%s: %d, want 401", name, code)
				}
			}
			if needsAdmin(op) {
				admin++
				if code := call(f, op, bearer(plain)); code != http.StatusForbidden {
					t.Errorf("plain user: %d, want 403", code)
				}
			}
		})
	}
	if guarded < 8 || admin < 1 {
		t.Fatalf("guarded %d, admin %d: the document lost operations", guarded, admin)
	}
}

func revokeOwnKey(t *testing.T, f *fixture, secret string) {
	t.Helper()
	var list KeyList
	decode(t, f.api.Get("/v1/users/me/keys", bearer(secret)), &list)
	if resp := f.api.Delete("/v1/users/me/keys/"+list.Items[0].ID, bearer(secret)); resp.Code != 204 {
		t.Fatalf("revoke: %d %s", resp.Code, resp.Body)
	}
}

// TestUndeclaredOperationIsClosed proves deny by default: an operation
// registered with no security declaration and no place on the public list
// still needs a key.
func TestUndeclaredOperationIsClosed(t *testing.T) {
	f := newFixture(t)
	reached := false
	huma.Register(f.srv.API(), huma.Operation{OperationID: "forgotten", Method: http.MethodGet, Path: "/v1/forgotten"},
		func(context.Context, *noInput) (*noContent, error) { reached = true; return nil, nil })
	problem(t, f.api.Get("/v1/forgotten"), http.StatusUnauthorized, "unauthenticated")
	if reached {
		t.Fatal("the handler ran without a key")
	}
	_, key := f.signUp("a@example.com")
	if resp := f.api.Get("/v1/forgotten", bearer(key)); resp.Code != http.StatusNoContent || !reached {
		t.Fatalf("with a key: %d, reached %v", resp.Code, reached)
	}
}

func TestAuthFailuresAreRateLimited(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AuthFailureRate = Rate{PerMinute: 3} })
	slow := &slowUsers{Users: f.users}
	f.with(func(s *Services) { s.Users = slow })
	_, known := f.signUp("a@example.com")
	// A valid key this address has not used: the API never saw it.
	_, stranger, err := f.users.SignUp(context.Background(), "b@example.com", "B")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		problem(t, f.api.Get("/v1/users/me", bearer("wrong")), http.StatusUnauthorized, "unauthenticated")
	}
	// The budget is spent: a key unknown here waits, without a lookup...
	before := slow.calls.Load()
	resp := f.api.Get("/v1/users/me", bearer(stranger.Secret))
	problem(t, resp, http.StatusTooManyRequests, "rate-limited")
	if ra := resp.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
	if slow.calls.Load() != before {
		t.Fatal("a key at a spent budget was looked up")
	}
	// ...while the key that signed up from here keeps working.
	if resp := f.api.Get("/v1/users/me", bearer(known)); resp.Code != http.StatusOK {
		t.Fatalf("a key that authenticated from this address: %d", resp.Code)
	}
}

// TestConcurrentFailuresCannotOvershoot: wrong keys in flight together
// each hold a token during their lookup, so no more of them reach storage
// than the budget allows.
func TestConcurrentFailuresCannotOvershoot(t *testing.T) {
	now := time.Now()
	f := newFixture(t, func(o *Options) {
		o.AuthFailureRate = Rate{PerMinute: 3}
		o.Now = func() time.Time { return now }
	})
	slow := &slowUsers{Users: f.users}
	f.with(func(s *Services) { s.Users = slow })
	refused, limited := guessTogether(t, f, 20, func(int) string { return core.NewAPIKeySecret() })
	if slow.calls.Load() != 3 || refused != 3 || limited != 17 {
		t.Fatalf("%d lookups, %d refused, %d limited; want 3, 3, 17", slow.calls.Load(), refused, limited)
	}
}

func TestSignUpsAreRateLimited(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.SignUpRate = Rate{PerMinute: 2} })
	f.signUp("a@example.com")
	f.signUp("b@example.com")
	resp := f.api.Post("/v1/users", map[string]any{"email": "c@example.com", "display_name": "C"})
	problem(t, resp, http.StatusTooManyRequests, "rate-limited")
	if resp.Header().Get("Retry-After") != "30" {
		t.Fatalf("Retry-After %q, want 30 (one token at 2/min)", resp.Header().Get("Retry-After"))
	}
}

// TestAnonymousRequestsSpendNoAuthBudget: only a key presented and refused
// counts as a failure, so anonymous traffic from a shared address (a NAT)
// cannot lock out the valid keys behind it, and leaves no bucket behind.
func TestAnonymousRequestsSpendNoAuthBudget(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AuthFailureRate = Rate{PerMinute: 3} })
	_, good := f.signUp("a@example.com")
	for range 10 {
		problem(t, f.api.Get("/v1/users/me"), http.StatusUnauthorized, "unauthenticated")
		problem(t, f.api.Get("/v1/users/me", "Authorization: Basic eDp5"), http.StatusUnauthorized, "unauthenticated")
	}
	if resp := f.api.Get("/v1/users/me", bearer(good)); resp.Code != http.StatusOK {
		t.Fatalf("a valid key after anonymous requests: %d %s", resp.Code, resp.Body)
	}
	for i := range 100 {
		req := httptest.NewRequest(http.MethodGet, "/v1/users/me", nil)
		req.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", i)
		f.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	f.srv.authFailures.mu.Lock()
	defer f.srv.authFailures.mu.Unlock()
	for addr := range f.srv.authFailures.buckets {
		if strings.HasPrefix(addr, "198.51.100.") {
			t.Fatalf("an anonymous request left a bucket for %s", addr)
		}
	}
}

// slowUsers makes Authenticate slow, so that concurrent guesses overlap.
type slowUsers struct {
	Users
	calls atomic.Int32
}

func (s *slowUsers) Authenticate(ctx context.Context, secret string) (core.User, core.APIKey, error) {
	s.calls.Add(1)
	time.Sleep(20 * time.Millisecond)
	return s.Users.Authenticate(ctx, secret)
}

// guessTogether sends n requests with the keys key(i) at once and counts
// the 401s and 429s; any other status fails the test.
func guessTogether(t *testing.T, f *fixture, n int, key func(i int) string) (refused, limited int32) {
	var wg sync.WaitGroup
	var r, l atomic.Int32
	for i := range n {
		wg.Go(func() {
			switch code := f.api.Get("/v1/users/me", bearer(key(i))).Code; code {
			case http.StatusUnauthorized:
				r.Add(1)
			case http.StatusTooManyRequests:
				l.Add(1)
			default:
				t.Errorf("status %d", code)
			}
		})
	}
	wg.Wait()
	return r.Load(), l.Load()
}

// TestMalformedGuessesAreCountedWithoutALookup: a key not shaped like
// ours spends the budget at once, so guesses sent together cannot all pass
// a check none has spent, and none of them reaches storage.
func TestMalformedGuessesAreCountedWithoutALookup(t *testing.T) {
	now := time.Now()
	f := newFixture(t, func(o *Options) {
		o.AuthFailureRate = Rate{PerMinute: 3}
		o.Now = func() time.Time { return now }
	})
	slow := &slowUsers{Users: f.users}
	f.with(func(s *Services) { s.Users = slow })
	refused, limited := guessTogether(t, f, 20, func(i int) string { return fmt.Sprintf("cl_guess%d", i) })
	if slow.calls.Load() != 0 || refused != 3 || limited != 17 {
		t.Fatalf("%d lookups, %d refused, %d limited; want 0, 3, 17", slow.calls.Load(), refused, limited)
	}
}

// TestValidKeysSpendNothing: valid keys never count against the failure
// budget, also when many are in flight at once behind a slow store, and
// wrong well-formed keys still run it out.
func TestValidKeysSpendNothing(t *testing.T) {
	now := time.Now()
	f := newFixture(t, func(o *Options) {
		o.AuthFailureRate = Rate{PerMinute: 2}
		o.Now = func() time.Time { return now }
	})
	f.with(func(s *Services) { s.Users = &slowUsers{Users: f.users} })
	_, good := f.signUp("a@example.com")
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if resp := f.api.Get("/v1/users/me", bearer(good)); resp.Code != http.StatusOK {
				t.Errorf("valid key among many in flight: %d", resp.Code)
			}
		})
	}
	wg.Wait()
	wrong := core.NewAPIKeySecret()
	for range 2 {
		problem(t, f.api.Get("/v1/users/me", bearer(wrong)), http.StatusUnauthorized, "unauthenticated")
	}
	problem(t, f.api.Get("/v1/users/me", bearer(wrong)), http.StatusTooManyRequests, "rate-limited")
}

// TestLimiterForgetsIdleAddresses: buckets of addresses gone quiet are
// swept, so memory follows active clients.
func TestLimiterForgetsIdleAddresses(t *testing.T) {
	now := time.Now()
	l := newLimiter(Rate{PerMinute: 60}, func() time.Time { return now })
	for i := range 1000 {
		l.take(fmt.Sprint(i))
	}
	now = now.Add(2 * time.Minute)
	l.take("new")
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after the sweep, want 1", len(l.buckets))
	}
}
