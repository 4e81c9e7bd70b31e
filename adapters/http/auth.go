package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
)

// publicOperations is the explicit list of /v1 operations that need no key.
// Every other /v1 operation needs one: an operation added without thought
// is closed, not open.
var publicOperations = map[string]bool{
	"sign-up": true,
}

// adminPrefix starts every path that only admins may use.
const adminPrefix = "/v1/admin/"

// securityName is the bearer scheme's name in the document.
const securityName = "bearer"

// needsKey reports whether an operation needs an API key. Auth decides from
// the path and the public list, never from the operation's documented
// security, so a missing declaration cannot open an operation.
func needsKey(op *huma.Operation) bool {
	return strings.HasPrefix(op.Path, "/v1/") && !publicOperations[op.OperationID]
}

func needsAdmin(op *huma.Operation) bool { return strings.HasPrefix(op.Path, adminPrefix) }

// principal is the authenticated caller.
type principal struct {
	user core.User
	key  core.APIKey
}

type principalKey struct{}

// caller returns the authenticated user. Handlers behind needsKey always
// have one; reaching one without is a wiring bug, reported as 401.
func caller(ctx context.Context) (principal, error) {
	p, ok := ctx.Value(principalKey{}).(principal)
	if !ok {
		return principal{}, core.ErrUnauthenticated
	}
	return p, nil
}

// RateLimitedError is a request refused for exceeding a rate limit.
type RateLimitedError struct {
	Wait time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited; retry in %s", e.Wait)
}

// retryAfterSeconds rounds the wait up to whole seconds, at least one.
func (e *RateLimitedError) retryAfterSeconds() int {
	return max(int(math.Ceil(e.Wait.Seconds())), 1)
}

// authenticate is the huma middleware that enforces needsKey and
// needsAdmin. It runs before the body is read, so an anonymous caller
// learns nothing about what the operation would accept.
//
// Only a wrong key counts against the address's failure budget: a request
// with no bearer key costs nothing, so anonymous traffic from a shared
// address (a NAT) cannot lock out the valid keys behind it, and a valid key
// never spends anything, however many are in flight. A key that is not even
// shaped like ours is counted before anything else, with no lookup. A
// well-formed wrong key is counted once its lookup fails, so guesses in
// flight together can overshoot the budget by their number; guessing a
// 256-bit key is hopeless, and the limit is there to shed the load.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if !needsKey(op) {
		next(ctx)
		return
	}
	info := infoFrom(ctx.Context())
	secret, presented := bearerSecret(ctx.Header("Authorization"))
	if !presented {
		s.refuse(ctx, core.ErrUnauthenticated)
		return
	}
	if !core.WellFormedAPIKey(secret) {
		if wait := s.authFailures.take(info.clientAddr); wait > 0 {
			s.refuse(ctx, &RateLimitedError{Wait: wait})
			return
		}
		s.refuse(ctx, core.ErrUnauthenticated)
		return
	}
	if wait := s.authFailures.wait(info.clientAddr); wait > 0 {
		s.refuse(ctx, &RateLimitedError{Wait: wait})
		return
	}
	user, key, err := s.svc.Users.Authenticate(ctx.Context(), secret)
	if errors.Is(err, core.ErrUnauthenticated) {
		s.authFailures.take(info.clientAddr)
	}
	if err != nil {
		s.refuse(ctx, err)
		return
	}
	info.userID = string(user.ID)
	if needsAdmin(op) && !user.IsAdmin() {
		s.refuse(ctx, core.ErrForbidden)
		return
	}
	next(huma.WithValue(ctx, principalKey{}, principal{user: user, key: key}))
}

// bearerSecret returns the key of an "Authorization: Bearer <key>" header,
// and whether there was one.
func bearerSecret(header string) (string, bool) {
	scheme, secret, ok := strings.Cut(header, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return "", false
	}
	return secret, true
}

// refuse writes the problem err means, with its own status.
func (s *Server) refuse(ctx huma.Context, err error) {
	p := problemFor(ctx.Context(), ctx.Operation(), err)
	_ = huma.WriteErr(s.api, ctx, p.Status, "", p)
}
