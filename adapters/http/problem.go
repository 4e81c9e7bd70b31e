package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
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
var kindsByStatus = map[int]kind{}

func init() {
	for _, k := range []kind{kindBadRequest, kindUnauth, kindCredits, kindForbidden, kindNotFound, kindMethod,
		kindNotAcceptable, kindTimeout, kindConflict, kindTooLarge, kindMediaType, kindValidation,
		kindRateLimited, kindInternal, kindUnavailable} {
		kindsByStatus[k.status] = k
	}
}

// Retry-After values, in seconds: contention clears in milliseconds, a lost
// database takes longer to come back.
const (
	retryAfterBusy        = "1"
	retryAfterUnavailable = "5"
)

// mapped is what one error means for a client.
type mapped struct {
	kind    kind
	detail  string
	errors  []*huma.ErrorDetail
	headers http.Header
}

// mapError is the one place where domain errors become HTTP statuses. The
// detail it returns is written here, never copied from the error chain,
// which may carry storage text; a *core.ValidationError is the exception,
// since its problem text never contains the offending value.
func mapError(err error) mapped {
	var (
		ve *core.ValidationError
		rl *RateLimitedError
		be *bodyReadError
	)
	switch {
	case errors.As(err, &be):
		// The client sent less than it announced, or its connection broke
		// mid-body: its fault, whatever error the read carried.
		return mapped{kind: kindBadRequest, detail: "the request body ended before its declared length or could not be read"}
	case errors.Is(err, context.Canceled):
		return mapped{kind: kindClientClosed, detail: "the client went away before the answer"}
	case errors.As(err, &rl):
		return mapped{kind: kindRateLimited, detail: "too many requests from this address; retry after the delay in Retry-After",
			headers: http.Header{"Retry-After": {retryAfter(rl.retryAfterSeconds())}}}
	case errors.As(err, &ve):
		return mapped{kind: kindValidation, detail: ve.Error(), errors: []*huma.ErrorDetail{{
			Location: fieldLocation(ve.Field), Message: ve.Problem,
		}}}
	case errors.Is(err, core.ErrInvalid):
		return mapped{kind: kindValidation, detail: "the request is not valid"}
	case errors.Is(err, core.ErrUnauthenticated):
		return mapped{kind: kindUnauth, detail: "send a valid API key as 'Authorization: Bearer cl_…'",
			headers: http.Header{"Www-Authenticate": {`Bearer realm="chatlens"`}}}
	case errors.Is(err, core.ErrForbidden):
		return mapped{kind: kindForbidden, detail: "your account may not do this"}
	case errors.Is(err, core.ErrNotFound):
		return mapped{kind: kindNotFound, detail: "no such resource"}
	case errors.Is(err, core.ErrInsufficientCredits):
		return mapped{kind: kindCredits, detail: "the balance is too low for this operation; buy or be granted credits"}
	case errors.Is(err, core.ErrConflict):
		return mapped{kind: kindConflict, detail: "the request conflicts with what is stored"}
	case errors.Is(err, core.ErrBusy):
		return mapped{kind: kindBusy, detail: "the service met contention; retry after the delay in Retry-After",
			headers: http.Header{"Retry-After": {retryAfterBusy}}}
	case errors.Is(err, core.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return mapped{kind: kindUnavailable, detail: "storage is unavailable; retry after the delay in Retry-After",
			headers: http.Header{"Retry-After": {retryAfterUnavailable}}}
	}
	return mapped{kind: kindInternal, detail: "an unexpected error occurred"}
}

// queryFields are the core validation fields that arrive in the query.
var queryFields = map[string]bool{"cursor": true, "limit": true}

// fieldLocation turns a core field name into huma's location syntax.
func fieldLocation(field string) string {
	if queryFields[field] {
		return "query." + field
	}
	return "body." + field
}

// withDetail replaces the generic detail of a mapped error with one the
// handler knows to be true (e.g. "an account with that email exists").
type withDetail struct {
	error
	detail string
}

func (w withDetail) Unwrap() error { return w.error }

// explain wraps err, when it matches target, with a more precise detail.
func explain(err, target error, detail string) error {
	if err != nil && errors.Is(err, target) {
		return withDetail{err, detail}
	}
	return err
}

// safeValueLocations are inputs whose values may be echoed in errors[]:
// numbers the client chose, never text a person wrote. Even there only a
// JSON number is echoed (a client may send an object or a string where the
// number belongs). Every other value is dropped (huma would echo emails,
// names and whole bodies).
var safeValueLocations = map[string]bool{"body.amount": true, "query.limit": true}

// safeValue returns v when it may be echoed at location, else nil.
func safeValue(location string, v any) any {
	if !safeValueLocations[location] {
		return nil
	}
	switch v.(type) {
	case float64, float32, int, int64, int32, uint, uint64, uint32, json.Number:
		return v
	}
	return nil
}

// safeName is a property name that may appear in a location: shaped like
// this API's own field names. A client's unknown property names are its
// content too (an email used as a key, say).
var safeName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)

// safeLocation keeps huma's location ("body.display_name", "query.limit")
// up to the first segment that is not a safe name: an unexpected property
// "Ada@example.com" is reported at "body".
func safeLocation(location string) string {
	segments := strings.Split(location, ".")
	for i, seg := range segments[1:] {
		if !safeName.MatchString(seg) {
			return strings.Join(segments[:i+1], ".")
		}
	}
	return location
}

// newProblem builds the body of every error response. huma calls it (as
// huma.NewErrorWithContext) for its own errors and for errors handlers
// return; a domain error among errs decides the status.
func newProblem(ctx context.Context, status int, msg string, errs ...error) *Problem {
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
			return p
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
		m = mapped{kind: k, detail: humaDetail(status, msg), errors: safeDetails(status, errs)}
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
		Detail: m.detail, RequestID: info.id, Errors: m.errors,
	}
}

// unsupportedMediaType is the whole text of a 415: huma's own names the
// Content-Type the client sent.
const unsupportedMediaType = "send the body as application/json"

// humaDetail rewrites huma's own messages where they would mislead or echo.
func humaDetail(status int, msg string) string {
	switch status {
	case http.StatusBadRequest:
		if msg == "validation failed" {
			return "the request body is not valid JSON"
		}
	case http.StatusRequestEntityTooLarge:
		return "the request body is larger than this operation accepts"
	case http.StatusUnsupportedMediaType:
		return unsupportedMediaType
	case http.StatusUnprocessableEntity:
		if msg == "validation failed" {
			return "the request is not valid; errors says where"
		}
	}
	return msg
}

// safeDetails keeps where each error is and what is wrong, and drops the
// offending value unless its location is known to be harmless. Messages of
// a body that does not parse are replaced: they quote the body.
func safeDetails(status int, errs []error) []*huma.ErrorDetail {
	var out []*huma.ErrorDetail
	for _, err := range errs {
		var d huma.ErrorDetailer
		if !errors.As(err, &d) {
			continue
		}
		src := d.ErrorDetail()
		det := &huma.ErrorDetail{Location: safeLocation(src.Location), Message: src.Message}
		if det.Location == src.Location {
			det.Value = safeValue(src.Location, src.Value)
		}
		switch {
		case status == http.StatusBadRequest && src.Location == "body":
			det.Message = "not valid JSON"
		case status == http.StatusUnsupportedMediaType:
			det.Message = unsupportedMediaType
		}
		out = append(out, det)
	}
	return out
}

// retryAfter formats seconds for a Retry-After header.
func retryAfter(seconds int) string { return strconv.Itoa(max(seconds, 1)) }
