package httpapi

import (
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
	// The price list, and the payment providers' webhooks, which their
	// signature authenticates (payments.go).
	"list-packs":      true,
	"payment-webhook": true,
	// The price list of insights (catalog.go).
	"list-categories":  true,
	"get-category":     true,
	"get-insight-type": true,
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

// principalKey keeps the principal in the request's context, for authed.
type principalKey struct{}

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
// The failure budget of a client address (authFailures) is spent by wrong
// keys only, and never overshot:
//   - a request with no bearer key costs nothing, so anonymous traffic from
//     a shared address (a NAT) cannot lock out the valid keys behind it;
//   - a key that authenticated from this address lately (recentKeys, which
//     sign-up and key creation also fill) is looked up without the budget,
//     so it keeps working while strangers behind the address spend it;
//   - any other key reserves a token before its lookup and gets it back
//     when the key is valid (or storage failed): guesses in flight together
//     hold one token each, so no more lookups run than the budget allows,
//     and at a spent budget an unknown key gets 429 without a lookup;
//   - a key not even shaped like ours spends its token with no lookup.
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
	hash := core.HashAPIKey(secret)
	known := core.WellFormedAPIKey(secret) && s.recentKeys.known(info.clientAddr, hash)
	if !known {
		if wait := s.authFailures.take(info.clientAddr); wait > 0 {
			s.refuse(ctx, &RateLimitedError{Wait: wait})
			return
		}
		if !core.WellFormedAPIKey(secret) {
			s.refuse(ctx, core.ErrUnauthenticated)
			return
		}
	}
	user, key, err := s.users.Authenticate(ctx.Context(), secret)
	if !known && !errors.Is(err, core.ErrUnauthenticated) {
		s.authFailures.refund(info.clientAddr)
	}
	if err != nil {
		s.refuse(ctx, err)
		return
	}
	s.recentKeys.remember(info.clientAddr, hash)
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
