package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// ProblemTypeBase starts every problem type URI. A type names one kind of
// error and never changes, so clients may switch on it.
const ProblemTypeBase = "https://chatlens.dev/problems/"

// Problem is an RFC 9457 problem detail, served as application/problem+json.
// RequestID is also in the X-Request-ID header and in the request's log line.
type Problem struct {
	Type      string              `json:"type" format:"uri" doc:"Stable URI naming the kind of error; switch on this, not on title or detail." example:"https://chatlens.dev/problems/insufficient-credits"`
	Title     string              `json:"title" doc:"Short summary of the kind of error." example:"Insufficient credits"`
	Status    int                 `json:"status" doc:"HTTP status code." example:"402"`
	Detail    string              `json:"detail,omitempty" doc:"What went wrong this time. Never echoes request content." example:"the balance is too low for this operation"`
	RequestID string              `json:"request_id" doc:"Identifies the request in the service's logs; quote it when reporting a problem." example:"b7c1e0a4d2f3e6a9c8b5d4e1"`
	Errors    []*huma.ErrorDetail `json:"errors,omitempty" doc:"Each invalid input, when the request was invalid."`
	// Report is what the parser found in an upload it could not import
	// (422), without the names the file holds.
	Report *ImportReport `json:"report,omitempty"`
}

// Error satisfies error.
func (p *Problem) Error() string { return p.Detail }

// GetStatus satisfies huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma serve problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// kind is one kind of problem: its status, type slug and title.
type kind struct {
	status int
	slug   string
	title  string
}

// The kinds of problem this API reports; the slugs are part of the API.
var (
	kindBadRequest    = kind{http.StatusBadRequest, "bad-request", "Bad request"}
	kindUnauth        = kind{http.StatusUnauthorized, "unauthenticated", "Unauthenticated"}
	kindCredits       = kind{http.StatusPaymentRequired, "insufficient-credits", "Insufficient credits"}
	kindForbidden     = kind{http.StatusForbidden, "forbidden", "Forbidden"}
	kindNotFound      = kind{http.StatusNotFound, "not-found", "Not found"}
	kindMethod        = kind{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"}
	kindNotAcceptable = kind{http.StatusNotAcceptable, "not-acceptable", "Not acceptable"}
	kindTimeout       = kind{http.StatusRequestTimeout, "request-timeout", "Request timeout"}
	kindConflict      = kind{http.StatusConflict, "conflict", "Conflict"}
	kindPrecondition  = kind{http.StatusPreconditionFailed, "precondition-failed", "Precondition failed"}
	kindNeedsIfMatch  = kind{http.StatusPreconditionRequired, "precondition-required", "Precondition required"}
	kindTooLarge      = kind{http.StatusRequestEntityTooLarge, "too-large", "Request body too large"}
	kindMediaType     = kind{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"}
	kindValidation    = kind{http.StatusUnprocessableEntity, "validation", "Invalid input"}
	kindRateLimited   = kind{http.StatusTooManyRequests, "rate-limited", "Too many requests"}
	kindInternal      = kind{http.StatusInternalServerError, "internal", "Internal error"}
	kindBusy          = kind{http.StatusServiceUnavailable, "busy", "Busy, try again"}
	kindUnavailable   = kind{http.StatusServiceUnavailable, "unavailable", "Service unavailable"}
	// kindClientClosed records work abandoned because the client went
	// away; nobody reads the body, but the log line and metrics say 499
	// (nginx's code) rather than a 500 the service did not cause.
	kindClientClosed = kind{statusClientClosedRequest, "client-closed-request", "Client closed request"}
)

// statusClientClosedRequest is nginx's non-standard "client closed request".
const statusClientClosedRequest = 499

// kindsByStatus names the problems huma itself raises (body parsing,
// schema validation, content negotiation) by their status.
var kindsByStatus = func() map[int]kind {
	m := map[int]kind{}
	for _, k := range []kind{kindBadRequest, kindUnauth, kindCredits, kindForbidden, kindNotFound, kindMethod,
		kindNotAcceptable, kindTimeout, kindConflict, kindTooLarge, kindMediaType, kindValidation,
		kindRateLimited, kindInternal, kindUnavailable} {
		m[k.status] = k
	}
	return m
}()

// newProblem builds the body of every error response. huma calls it (as
// huma.NewErrorWithContext) for its own errors and for errors handlers
// return; a domain error among errs decides the status.
func newProblem(ctx context.Context, op *huma.Operation, status int, msg string, errs ...error) *Problem {
	info := infoFrom(ctx)
	m, found := mapped{}, false
	for _, err := range errs {
		if err == nil {
			continue
		}
		if _, isDetail := err.(huma.ErrorDetailer); isDetail {
			continue
		}
		if p := (*Problem)(nil); errors.As(err, &p) {
			return withRequestID(ctx, p)
		}
		m, found = mapError(err), true
		var wd withDetail
		if errors.As(err, &wd) {
			m.detail = wd.detail
		}
		info.fail(err)
		break
	}
	if !found {
		k, ok := kindsByStatus[status]
		if !ok {
			k = kind{status, strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "-")), http.StatusText(status)}
		}
		m = mapped{kind: k, detail: humaDetail(status, msg), errors: safeDetails(op, status, errs)}
	}
	if m.kind == kindInternal {
		// Only the request id leads to the cause, in the logs; development
		// mode shows it, to save a trip there.
		m.detail, m.errors = "an unexpected error occurred; quote the request id when reporting it", nil
		if info.development && info.err != nil {
			m.detail = info.err.Error()
		}
	}
	for name, values := range m.headers {
		info.header.Set(name, values[0])
	}
	return &Problem{
		Type: ProblemTypeBase + m.kind.slug, Title: m.kind.title, Status: m.kind.status,
		Detail: m.detail, RequestID: info.id, Errors: m.errors, Report: m.report,
	}
}

// problemFor is the problem err means for the operation op serving ctx.
func problemFor(ctx context.Context, op *huma.Operation, err error) *Problem {
	return newProblem(ctx, op, 0, "", err)
}

// withRequestID returns p carrying the request's id. A problem made
// without the request at hand (one of huma's ErrorNNN helpers, which a
// handler may return) has none yet.
func withRequestID(ctx context.Context, p *Problem) *Problem {
	if p.RequestID != "" {
		return p
	}
	q := *p
	q.RequestID = infoFrom(ctx).id
	return &q
}

// installProblems makes huma build every error body as a *Problem: its own
// errors (400, 413, 415, 422 …, whose statuses stay) and those handlers
// return. huma keeps these hooks in package variables, so they are set once
// per process, by the first New, not at import.
func installProblems() {
	problemHooks.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return newProblem(context.Background(), nil, status, msg, errs...)
		}
		huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			if ctx == nil {
				return newProblem(context.Background(), nil, status, msg, errs...)
			}
			return newProblem(ctx.Context(), ctx.Operation(), status, msg, errs...)
		}
	})
}

var problemHooks sync.Once
