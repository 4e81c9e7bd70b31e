package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/insights"
)

// TestMapError has one case per domain error, bare and wrapped.
func TestMapError(t *testing.T) {
	cases := []struct {
		err        error
		status     int
		slug       string
		retryAfter string
	}{
		{core.ErrNotFound, 404, "not-found", ""},
		{core.ErrConflict, 409, "conflict", ""},
		{core.ErrInsufficientCredits, 402, "insufficient-credits", ""},
		{core.ErrUnauthenticated, 401, "unauthenticated", ""},
		{core.ErrForbidden, 403, "forbidden", ""},
		{core.ErrBusy, 503, "busy", "1"},
		{core.ErrUnavailable, 503, "unavailable", "5"},
		{core.ErrInvalid, 422, "validation", ""},
		{core.Invalid("limit", "must be between 1 and 200"), 422, "validation", ""},
		{&RateLimitedError{Wait: 1500 * time.Millisecond}, 429, "rate-limited", "2"},
		{context.DeadlineExceeded, 503, "unavailable", "5"},
		{errors.New("disk on fire"), 500, "internal", ""},
		// The chats module's.
		{chats.ErrTooLarge, 413, "too-large", ""},
		{&http.MaxBytesError{Limit: 10}, 413, "too-large", ""},
		{&bodyReadError{os.ErrDeadlineExceeded}, 408, "request-timeout", ""},
		{&bodyReadError{io.ErrUnexpectedEOF}, 400, "bad-request", ""},
		{&malformedMultipartError{errors.New("multipart: NextPart: EOF")}, 400, "bad-request", ""},
		{errNotMultipart, 415, "unsupported-media-type", ""},
		{&chats.UploadLimitError{RetryAfter: 90 * time.Second}, 429, "rate-limited", "90"},
		{&chats.UploadLimitError{Bytes: true}, 413, "too-large", ""},
		{&chats.ImportError{Reason: "not a recognised chat export"}, 422, "validation", ""},
		{errPreconditionRequired, 428, "precondition-required", ""},
		{chats.ErrVersionMismatch, 412, "precondition-failed", ""},
		// The insights module's.
		{&insights.RateLimitError{RetryAfter: 120 * time.Second}, 429, "rate-limited", "120"},
	}
	for _, tc := range cases {
		for _, err := range []error{tc.err, fmt.Errorf("doing it: %w", tc.err)} {
			m := mapError(err)
			if m.kind.status != tc.status || m.kind.slug != tc.slug {
				t.Errorf("%v: %d %s, want %d %s", err, m.kind.status, m.kind.slug, tc.status, tc.slug)
			}
			if got := m.headers.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("%v: Retry-After %q, want %q", err, got, tc.retryAfter)
			}
			if m.detail == "" || strings.Contains(m.detail, "doing it") {
				t.Errorf("%v: detail %q must be written by the mapping, not copied", err, m.detail)
			}
		}
	}
	m := mapError(core.Invalid("limit", "must be between 1 and 200"))
	if len(m.errors) != 1 || m.errors[0].Location != "query.limit" {
		t.Errorf("validation location %+v", m.errors)
	}
}

// failingCredits answers every call with err.
type failingCredits struct{ err error }

func (f failingCredits) Balance(context.Context, core.UserID) (core.CreditAccount, error) {
	return core.CreditAccount{}, f.err
}

func (f failingCredits) Grant(context.Context, core.UserID, int64, string) (credits.Result, error) {
	return credits.Result{}, f.err
}

func (f failingCredits) Spend(context.Context, core.UserID, int64, string) (credits.Result, error) {
	return credits.Result{}, f.err
}

func (f failingCredits) Ledger(context.Context, core.UserID, string, int) (core.Page[core.LedgerEntry], error) {
	return core.Page[core.LedgerEntry]{}, f.err
}

// TestHandlerErrorsBecomeProblems drives domain errors through a handler:
// status, type, Retry-After, and no storage text in the body.
func TestHandlerErrorsBecomeProblems(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		slug   string
	}{
		{core.ErrBusy, 503, "busy"},
		{core.ErrUnavailable, 503, "unavailable"},
		{core.ErrInsufficientCredits, 402, "insufficient-credits"},
		{core.ErrNotFound, 404, "not-found"},
		{errors.New("pq: relation secret_table does not exist"), 500, "internal"},
	} {
		f := newFixture(t)
		_, key := f.signUp("a@example.com")
		f.with(func(s *Services) { s.Credits = failingCredits{fmt.Errorf("storage said secret_table: %w", tc.err)} })
		resp := f.api.Get("/v1/credits", bearer(key))
		p := problem(t, resp, tc.status, tc.slug)
		mustNotContain(t, resp.Body.String(), "secret_table")
		if tc.status == 503 && resp.Header().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", tc.slug)
		}
		if tc.status == 500 && len(p.Errors) != 0 {
			t.Errorf("500 carries more than the request id: %+v", p)
		}
		if tc.status == 500 && !strings.Contains(f.logs.String(), "secret_table") {
			t.Errorf("the cause of a 500 must reach the log line: %s", f.logs)
		}
	}
}

func TestDevelopmentShowsTheCauseOf500(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Development = true })
	_, key := f.signUp("a@example.com")
	f.with(func(s *Services) { s.Credits = failingCredits{errors.New("the cause")} })
	p := problem(t, f.api.Get("/v1/credits", bearer(key)), 500, "internal")
	if !strings.Contains(p.Detail, "the cause") {
		t.Fatalf("detail %q", p.Detail)
	}
}

func TestPanicIsA500WithRequestID(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("a@example.com")
	f.with(func(s *Services) { s.Credits = panickingCredits{} })
	p := problem(t, f.api.Get("/v1/credits", bearer(key)), 500, "internal")
	if p.Detail == "" || strings.Contains(p.Detail, "boom") {
		t.Fatalf("detail %q", p.Detail)
	}
	if !strings.Contains(f.logs.String(), `"status":500`) {
		t.Fatalf("no log line for the panic: %s", f.logs)
	}
}

type panickingCredits struct{ failingCredits }

func (panickingCredits) Balance(context.Context, core.UserID) (core.CreditAccount, error) {
	panic("boom")
}

func TestRequestIDIsKeptOrMade(t *testing.T) {
	f := newFixture(t)
	resp := f.api.Get("/v1/users/me", RequestIDHeader+": client-chosen.id_1")
	if p := problem(t, resp, http.StatusUnauthorized, "unauthenticated"); p.RequestID != "client-chosen.id_1" {
		t.Fatalf("request id %q", p.RequestID)
	}
	resp = f.api.Get("/health", RequestIDHeader+": bad id with spaces")
	if id := resp.Header().Get(RequestIDHeader); len(id) != 24 {
		t.Fatalf("generated request id %q", id)
	}
}

// TestHumaErrorHelpersCarryTheRequestID: a handler may return one of huma's
// own ErrorNNN helpers, which are built without the request at hand; the
// problem still carries the request id of the header and the log line.
func TestHumaErrorHelpersCarryTheRequestID(t *testing.T) {
	f := newFixture(t)
	register(f.srv.API(), operation{Operation: huma.Operation{
		OperationID: "test-gone", Method: http.MethodGet, Path: "/test-gone",
	}}, func(context.Context, *noInput) (*statusOutput, error) {
		return nil, huma.Error404NotFound("no such thing")
	})
	resp := f.api.Get("/test-gone")
	p := problem(t, resp, http.StatusNotFound, "not-found")
	if p.RequestID == "" || p.RequestID != resp.Header().Get("X-Request-ID") {
		t.Fatalf("request_id %q, header %q; want the same, non-empty", p.RequestID, resp.Header().Get("X-Request-ID"))
	}
}
