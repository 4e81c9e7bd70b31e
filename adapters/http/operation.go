package httpapi

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
)

// operation is one API operation as a resource registers it: huma's
// description plus what this API adds to it. register is the one way to
// add an operation; see docs/MODULES.md ("HTTP operations").
type operation struct {
	huma.Operation
	// Answers are the error statuses the operation itself may answer (404,
	// 409, …); register adds those every operation of its kind answers
	// (401/403/429 behind a key, 400/413/415/422 with a body, 500, 503).
	Answers []int
	// Echo names the inputs whose values a problem may repeat in errors[]
	// ("query.limit", "body.amount"): numbers the client chose, never text
	// a person wrote. Every other input's value is dropped, so an operation
	// that forgets to declare one redacts it.
	Echo []string
	// Deadline bounds the operation's work when it needs more or less than
	// Options.RequestTimeout (an upload); zero keeps that default.
	Deadline time.Duration
	// MaxBody bounds the body when it is not one of ours (a provider's
	// webhook); zero is maxJSONBody.
	MaxBody int64
}

// Where an operation's Echo list and Deadline are kept in its metadata.
const (
	echoKey     = "chatlens.echo"
	deadlineKey = "chatlens.deadline"
)

// register completes op (declare) and registers h for it. Every error h
// returns becomes, here and now, the problem it means, with its status and
// the request id: nothing relies on a later hook to turn a 500 into the
// right status.
func register[I, O any](api huma.API, op operation, h func(context.Context, *I) (*O, error)) {
	declared := declare(op)
	huma.Register(api, declared, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, problemFor(ctx, &declared, err)
		}
		return out, nil
	})
}

// authed is the auth prelude, written once: it hands h the caller that the
// authenticate middleware resolved. register plus authed is how every
// operation behind a key is written. Handlers behind needsKey always have
// a caller; reaching one without is a wiring bug, reported as 401.
func authed[I, O any](h func(ctx context.Context, caller principal, in *I) (*O, error)) func(context.Context, *I) (*O, error) {
	return func(ctx context.Context, in *I) (*O, error) {
		p, ok := ctx.Value(principalKey{}).(principal)
		if !ok {
			return nil, core.ErrUnauthenticated
		}
		return h(ctx, p, in)
	}
}

// declare completes an operation before registration: its security, the
// errors it may answer with, its body limit and what its problems may echo.
// Auth itself never reads what is declared here (see needsKey); the auth
// test checks that the two agree for every operation in the document.
func declare(o operation) huma.Operation {
	op := o.Operation
	errs := slices.Clone(o.Answers)
	switch {
	case needsKey(&op):
		op.Security = []map[string][]string{{securityName: {}}}
		errs = append(errs, http.StatusUnauthorized, http.StatusTooManyRequests)
		if needsAdmin(&op) {
			errs = append(errs, http.StatusForbidden)
		}
	default:
		op.Security = []map[string][]string{{}} // explicitly anonymous
	}
	if op.Method != http.MethodGet && op.Method != http.MethodDelete {
		errs = append(errs, http.StatusBadRequest, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
	}
	errs = append(errs, http.StatusInternalServerError, http.StatusServiceUnavailable)
	slices.Sort(errs)
	op.Errors = slices.Compact(errs)
	op.MaxBodyBytes = cmp.Or(o.MaxBody, maxJSONBody)
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	echo := map[string]bool{}
	for _, loc := range o.Echo {
		echo[loc] = true
	}
	op.Metadata[echoKey] = echo
	if o.Deadline > 0 {
		op.Metadata[deadlineKey] = o.Deadline
	}
	return op
}

// echoes reports whether op lets a problem repeat the value at location.
func echoes(op *huma.Operation, location string) bool {
	if op == nil {
		return false
	}
	echo, _ := op.Metadata[echoKey].(map[string]bool)
	return echo[location]
}

// pageInput is the query of every listing: a cursor and a page size.
// Operations that take it echo query.limit (a number the client chose).
type pageInput struct {
	Cursor string `query:"cursor" maxLength:"200" pattern:"^[A-Za-z0-9_-]*$" doc:"next_cursor of the previous page; empty for the first page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page."`
}
