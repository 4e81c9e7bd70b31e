package httpapi

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chats"
)

// What finishDocument adds to the document huma generates: the responses
// every operation shares, the headers every response carries, and the rules
// that keep request schemas strict and response schemas open.

// success is one success status of an operation, with its example body
// (nil when the response has none, as a 204).
type success struct {
	status      int
	description string
	example     any
}

// successes documents an operation's success statuses, each with its own
// example (huma.Operation.Responses). huma fills in the schema of the
// default status; finishDocument that of the others, from the example's type.
func successes(ss ...success) map[string]*huma.Response {
	out := map[string]*huma.Response{}
	for _, s := range ss {
		r := &huma.Response{Description: s.description}
		if s.example != nil {
			r.Content = map[string]*huma.MediaType{"application/json": {Example: s.example}}
		}
		out[strconv.Itoa(s.status)] = r
	}
	return out
}

// Shared headers, by their name in components/headers.
const (
	headerRequestID       = "X-Request-ID"
	headerRetryAfter      = "Retry-After"
	headerWWWAuthenticate = "WWW-Authenticate"
)

func sharedHeaders() map[string]*huma.Header {
	return map[string]*huma.Header{
		headerRequestID: {
			Description: "Identifies the request in the service's logs, and is the request_id of a problem. " +
				"It is the request's own X-Request-ID when that is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'; otherwise a new one.",
			Required: true,
			Schema:   &huma.Schema{Type: huma.TypeString, Pattern: requestIDPattern.String()},
			Example:  exampleRequestID,
		},
		headerRetryAfter: {
			Description: "Seconds to wait before retrying.",
			Required:    true,
			Schema:      &huma.Schema{Type: huma.TypeInteger, Minimum: ptr(1.0)},
			Example:     1,
		},
		headerWWWAuthenticate: {
			Description: "The scheme to authenticate with: a bearer API key.",
			Required:    true,
			Schema:      &huma.Schema{Type: huma.TypeString},
			Example:     wwwAuthenticate,
		},
	}
}

// wwwAuthenticate is the WWW-Authenticate of every 401 (errmap.go).
var wwwAuthenticate = mapError(core.ErrUnauthenticated).headers.Get("Www-Authenticate")

const exampleRequestID = "b7c1e0a4d2f3e6a9c8b5d4e1"

// problemResponse is the shared response of one error status.
type problemResponse struct {
	name        string // in components/responses
	description string
	headers     []string // besides X-Request-ID
	example     *Problem
}

// problemResponses are the error statuses operations may answer, each a
// component with its own example. An operation declaring a status missing
// here fails at start (finishDocument).
var problemResponses = map[int]problemResponse{
	http.StatusBadRequest: {name: "BadRequest",
		description: "The body is not JSON the decoder accepts (a syntax error, invalid UTF-8, an escaped lone surrogate, a member named twice in one object, anything after the value), or it ended before its Content-Length; errors says which. For an upload: the body is not well-formed multipart/form-data.",
		example: exampleProblem(kindBadRequest, humaDetail(http.StatusBadRequest, "validation failed"),
			&huma.ErrorDetail{Location: "body", Message: "not valid JSON"})},
	http.StatusUnauthorized: {name: "Unauthenticated",
		description: "No API key, or one that is wrong, revoked or of a deleted account.",
		headers:     []string{headerWWWAuthenticate},
		example:     mappedProblem(core.ErrUnauthenticated)},
	http.StatusPaymentRequired: {name: "InsufficientCredits",
		description: "The balance is too low; nothing changed.",
		example:     mappedProblem(core.ErrInsufficientCredits)},
	http.StatusForbidden: {name: "Forbidden",
		description: "The key is valid, but its account may not do this (an admin operation).",
		example:     mappedProblem(core.ErrForbidden)},
	http.StatusNotFound: {name: "NotFound",
		description: "Absent, deleted, or someone else's: never told apart.",
		example:     mappedProblem(core.ErrNotFound)},
	http.StatusRequestTimeout: {name: "RequestTimeout",
		description: "The body did not arrive in time (5 seconds for a JSON body; an upload's timeout is the deployment's, 10 minutes by default).",
		example:     exampleProblem(kindTimeout, "request body read timeout")},
	http.StatusConflict: {name: "Conflict",
		description: "The request conflicts with what is stored; detail says how.",
		example:     mappedProblem(core.ErrConflict)},
	http.StatusPreconditionFailed: {name: "PreconditionFailed",
		description: "If-Match names another version than the stored one (the resource changed since it was read), or a catalog entry that does not exist; nothing changed now.",
		example:     mappedProblem(chats.ErrVersionMismatch)},
	http.StatusPreconditionRequired: {name: "PreconditionRequired",
		description: "The change needs If-Match, the ETag of the resource as last read.",
		example:     mappedProblem(errPreconditionRequired)},
	http.StatusRequestEntityTooLarge: {name: "TooLarge",
		description: "The body is larger than the operation accepts: " + strconv.Itoa(maxJSONBody>>10) + " KiB for a JSON body; for an upload, a file over the deployment's limit, or one that would take the account's chats over the bytes an account may keep.",
		example:     exampleProblem(kindTooLarge, humaDetail(http.StatusRequestEntityTooLarge, ""))},
	http.StatusUnsupportedMediaType: {name: "UnsupportedMediaType",
		description: "The body has no Content-Type, two, or one the operation does not declare (JSON: application/json in any letter case, parameters allowed, charset only utf-8).",
		example: exampleProblem(kindMediaType, unsupportedMediaType,
			&huma.ErrorDetail{Location: "header.Content-Type", Message: unsupportedMediaType})},
	http.StatusUnprocessableEntity: {name: "Invalid",
		description: "An input breaks the schema (an unknown member, a member name in another letter case, a value out of range or of the wrong shape) or a rule the schema's descriptions state; errors says which and where.",
		example: exampleProblem(kindValidation, humaDetail(http.StatusUnprocessableEntity, "validation failed"),
			&huma.ErrorDetail{Location: "body.amount", Message: "expected number >= 1", Value: 0})},
	http.StatusTooManyRequests: {name: "RateLimited",
		description: "Too many requests: from this address (sign-ups, or failed authentications), or uploads by this account in the last hour; retry after Retry-After.",
		headers:     []string{headerRetryAfter},
		example:     mappedProblem(&RateLimitedError{Wait: time.Second})},
	http.StatusInternalServerError: {name: "Internal",
		description: "An unexpected error; quote the request id when reporting it.",
		example:     exampleProblem(kindInternal, "an unexpected error occurred; quote the request id when reporting it")},
	http.StatusServiceUnavailable: {name: "Unavailable",
		description: "The service met contention (type busy) or cannot reach its storage (type unavailable); retry after Retry-After.",
		headers:     []string{headerRetryAfter},
		example:     mappedProblem(core.ErrBusy)},
}

func exampleProblem(k kind, detail string, errs ...*huma.ErrorDetail) *Problem {
	return &Problem{Type: ProblemTypeBase + k.slug, Title: k.title, Status: k.status, Detail: detail,
		RequestID: exampleRequestID, Errors: errs}
}

// mappedProblem is the problem the service answers for err (errmap.go).
func mappedProblem(err error) *Problem {
	m := mapError(err)
	return exampleProblem(m.kind, m.detail, m.errors...)
}

// components returns the shared response of status.
func (p problemResponse) component() *huma.Response {
	headers := map[string]*huma.Header{headerRequestID: headerRef(headerRequestID)}
	for _, h := range p.headers {
		headers[h] = headerRef(h)
	}
	return &huma.Response{
		Description: p.description,
		Headers:     headers,
		Content: map[string]*huma.MediaType{"application/problem+json": {
			Schema:  &huma.Schema{Ref: schemaRef + "Problem"},
			Example: p.example,
		}},
	}
}

func headerRef(name string) *huma.Header {
	return &huma.Header{Ref: "#/components/headers/" + name}
}

// documentOperations returns every operation of the document.
func documentOperations(oapi *huma.OpenAPI) []*huma.Operation {
	var ops []*huma.Operation
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace} {
			if op != nil {
				ops = append(ops, op)
			}
		}
	}
	return ops
}

// finishDocument completes the document once every operation is
// registered:
//   - each error status refers to its shared response (problemResponses),
//     which carries its headers and example;
//   - each success response declares X-Request-ID, and gets its schema
//     from its example when huma did not give it one (a status other than
//     the default);
//   - response schemas are open to extension members (a client must
//     ignore members it does not know), request schemas stay closed;
//   - text patterns take their ECMA-262 spelling (text.go);
//   - an optional query parameter allows an empty value, which huma
//     takes as absent (its default applies), as the description says.
func finishDocument(oapi *huma.OpenAPI) {
	oapi.Components.Headers = sharedHeaders()
	oapi.Components.Responses = map[string]*huma.Response{}
	for _, op := range documentOperations(oapi) {
		for _, p := range op.Parameters {
			if p.In == "query" && !p.Required {
				p.AllowEmptyValue = true
			}
		}
		for code, r := range op.Responses {
			status, err := strconv.Atoi(code)
			if err != nil {
				panic(fmt.Sprintf("%s: response %q is not a status", op.OperationID, code))
			}
			if status >= 400 {
				p, ok := problemResponses[status]
				if !ok {
					panic(fmt.Sprintf("%s: status %d has no shared response (problemResponses)", op.OperationID, status))
				}
				oapi.Components.Responses[p.name] = p.component()
				op.Responses[code] = &huma.Response{Ref: "#/components/responses/" + p.name}
				continue
			}
			if r.Headers == nil {
				r.Headers = map[string]*huma.Header{}
			}
			r.Headers[headerRequestID] = headerRef(headerRequestID)
			for _, mt := range r.Content {
				if mt.Schema == nil && mt.Example != nil {
					t := reflect.TypeOf(mt.Example)
					mt.Schema = oapi.Components.Schemas.Schema(t, true, t.Name())
				}
			}
		}
	}
	requests, responses := schemaUses(oapi)
	for s := range responses {
		if requests[s] {
			panic(fmt.Sprintf("schema %s is both a request's and a response's: give each its own type", schemaName(oapi, s)))
		}
		if s.Type == huma.TypeObject && s.AdditionalProperties == false {
			s.AdditionalProperties = nil
		}
	}
	for s := range requests {
		if p, ok := textPatterns[s.Pattern]; ok {
			s.Pattern = p.ecma
		}
		s.PatternDescription = "" // its message is made; the keyword is not OpenAPI's
	}
}

// schemaUses returns the schemas reachable from request bodies and
// parameters, and those reachable from responses, references followed.
func schemaUses(oapi *huma.OpenAPI) (requests, responses map[*huma.Schema]bool) {
	requests, responses = map[*huma.Schema]bool{}, map[*huma.Schema]bool{}
	for _, op := range documentOperations(oapi) {
		if op.RequestBody != nil {
			for _, mt := range op.RequestBody.Content {
				reach(oapi, mt.Schema, requests)
			}
		}
		for _, p := range op.Parameters {
			reach(oapi, p.Schema, requests)
		}
		for _, r := range op.Responses {
			for _, mt := range r.Content {
				reach(oapi, mt.Schema, responses)
			}
		}
	}
	for _, r := range oapi.Components.Responses {
		for _, mt := range r.Content {
			reach(oapi, mt.Schema, responses)
		}
	}
	return requests, responses
}

func reach(oapi *huma.OpenAPI, s *huma.Schema, seen map[*huma.Schema]bool) {
	if s == nil {
		return
	}
	if s.Ref != "" {
		s = oapi.Components.Schemas.Map()[strings.TrimPrefix(s.Ref, schemaRef)]
		if s == nil {
			return
		}
	}
	if seen[s] {
		return
	}
	seen[s] = true
	reach(oapi, s.Items, seen)
	if extra, ok := s.AdditionalProperties.(*huma.Schema); ok {
		reach(oapi, extra, seen)
	}
	for _, prop := range s.Properties {
		reach(oapi, prop, seen)
	}
	for _, list := range [][]*huma.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range list {
			reach(oapi, sub, seen)
		}
	}
	reach(oapi, s.Not, seen)
}

// schemaName names s for a message: its component name, or "inline".
func schemaName(oapi *huma.OpenAPI, s *huma.Schema) string {
	for name, c := range oapi.Components.Schemas.Map() {
		if c == s {
			return name
		}
	}
	return "inline"
}
