package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/catalog"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/insights"
)

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
	report  *ImportReport // an upload's, when it could not be imported
}

// mapError is the one place where domain errors become HTTP statuses. The
// detail it returns is written here, never copied from the error chain,
// which may carry storage text; a *core.ValidationError is the exception,
// since its problem text never contains the offending value.
func mapError(err error) mapped {
	var (
		ve     *core.ValidationError
		rl     *RateLimitedError
		be     *bodyReadError
		tooBig *http.MaxBytesError
		ul     *chats.UploadLimitError
		ie     *chats.ImportError
		mm     *malformedMultipartError
		ai     *insights.RateLimitError
	)
	switch {
	case errors.As(err, &tooBig), errors.Is(err, chats.ErrTooLarge):
		// http.MaxBytesReader's error would otherwise read as a broken body.
		return mapped{kind: kindTooLarge, detail: "the file is larger than this service accepts"}
	case isTimeout(err):
		// The body did not arrive before the operation's read deadline.
		return mapped{kind: kindTimeout, detail: "the request body did not arrive in time"}
	case errors.As(err, &be):
		// The client sent less than it announced, or its connection broke
		// mid-body: its fault, whatever error the read carried.
		return mapped{kind: kindBadRequest, detail: "the request body ended before its declared length or could not be read"}
	case errors.Is(err, context.Canceled):
		return mapped{kind: kindClientClosed, detail: "the client went away before the answer"}
	case errors.As(err, &rl):
		return mapped{kind: kindRateLimited, detail: "too many requests from this address; retry after the delay in Retry-After",
			headers: http.Header{"Retry-After": {retryAfter(rl.retryAfterSeconds())}}}
	case errors.As(err, &ai):
		secs := int(ai.RetryAfter.Round(time.Second) / time.Second)
		return mapped{kind: kindRateLimited, detail: "you asked for as many AI-written insights as an hour allows; retry after the delay in Retry-After",
			headers: http.Header{"Retry-After": {retryAfter(secs)}}}
	case errors.As(err, &mm):
		return mapped{kind: kindBadRequest, detail: "the body is not multipart/form-data as RFC 7578 writes it"}
	case errors.Is(err, errNotMultipart):
		return mapped{kind: kindMediaType, detail: "send the body as multipart/form-data",
			errors: []*huma.ErrorDetail{{Location: "header.Content-Type", Message: "send the body as multipart/form-data"}}}
	case errors.As(err, &ul):
		return uploadLimitProblem(ul)
	case errors.As(err, &ie):
		return importProblem(ie)
	case errors.Is(err, errPreconditionRequired):
		return mapped{kind: kindNeedsIfMatch, detail: "send If-Match with the ETag of the chat as last read"}
	case errors.Is(err, chats.ErrVersionMismatch):
		return mapped{kind: kindPrecondition, detail: "the chat changed since it was read (If-Match names another version); read it again"}
	case errors.Is(err, catalog.ErrPreconditionRequired):
		return mapped{kind: kindNeedsIfMatch, detail: "the entry exists: send If-Match with its ETag as last read (or * to replace any version)"}
	case errors.Is(err, catalog.ErrVersionMismatch):
		return mapped{kind: kindPrecondition, detail: "the entry changed since it was read, or does not exist (If-Match names a version it does not have); read it again"}
	case errors.As(err, &ve):
		return mapped{kind: kindValidation, detail: ve.Error(), errors: []*huma.ErrorDetail{{
			Location: fieldLocation(ve.Field), Message: ve.Problem,
		}}}
	case errors.Is(err, core.ErrInvalid):
		return mapped{kind: kindValidation, detail: "the request is not valid"}
	case errors.Is(err, core.ErrBadWebhook):
		return mapped{kind: kindBadRequest, detail: "the webhook's signature or body does not verify; nothing was done with it"}
	case errors.Is(err, core.ErrNoPaymentProvider):
		return mapped{kind: kindUnavailable, detail: "no payment provider is configured, so nothing can be bought here",
			headers: http.Header{"Retry-After": {retryAfterUnavailable}}}
	case errors.Is(err, core.ErrPaymentProvider):
		return mapped{kind: kindUnavailable, detail: "the payment provider did not answer; retry after the delay in Retry-After",
			headers: http.Header{"Retry-After": {retryAfterUnavailable}}}
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
var queryFields = map[string]bool{"cursor": true, "limit": true, "q": true, "from": true, "to": true, "author": true}

// errPreconditionRequired is a change sent without If-Match where one is
// required (a chat's rename).
var errPreconditionRequired = errors.New("If-Match is required")

// headerFields are the core validation fields that arrive in a header.
var headerFields = map[string]bool{"Idempotency-Key": true}

// fieldLocation turns a core field name into huma's location syntax.
func fieldLocation(field string) string {
	if headerFields[field] {
		return "header." + field
	}
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

// retryAfter formats seconds for a Retry-After header.
func retryAfter(seconds int) string { return strconv.Itoa(max(seconds, 1)) }
