package insights

import (
	"errors"
	"math"
	"sync"
	"time"

	"github.com/chatlens/chatlens/core"
)

// ErrRateLimited matches a request refused by the per-user limit on AI
// insights; RateLimitError says when to retry.
var ErrRateLimited = errors.New("too many AI insight requests")

// RateLimitError is a request over the per-user limit on AI insights.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string        { return ErrRateLimited.Error() }
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// userLimiter is a token bucket per user: perHour requests an hour,
// all of them at once at most. It lives in the process, so N API
// processes let a user through up to N times the rate; it guards the AI
// provider's quota and cost, which the charge for each insight guards too.
// Buckets that have refilled are dropped, so memory follows the users
// active in the last hour.
type userLimiter struct {
	perHour int
	now     func() time.Time
	mu      sync.Mutex
	buckets map[core.UserID]*tokens
	swept   time.Time
}

type tokens struct {
	n  float64
	at time.Time
}

func newUserLimiter(perHour int, now func() time.Time) *userLimiter {
	return &userLimiter{perHour: perHour, now: now, buckets: map[core.UserID]*tokens{}}
}

// take spends one of user's tokens, or says how long until one is there.
func (l *userLimiter) take(user core.UserID) time.Duration {
	if l == nil || l.perHour <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b := l.refill(user, now)
	if b.n < 1 {
		perSecond := float64(l.perHour) / 3600
		return time.Duration(math.Ceil((1-b.n)/perSecond)) * time.Second
	}
	b.n--
	return 0
}

// refund gives back a token whose request did not start an insight after
// all (it failed, or found one on its way).
func (l *userLimiter) refund(user core.UserID) {
	if l == nil || l.perHour <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(user, l.now())
	b.n = math.Min(float64(l.perHour), b.n+1)
}

func (l *userLimiter) refill(user core.UserID, now time.Time) *tokens {
	b, ok := l.buckets[user]
	if !ok {
		b = &tokens{n: float64(l.perHour), at: now}
		l.buckets[user] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.n = math.Min(float64(l.perHour), b.n+d.Seconds()*float64(l.perHour)/3600)
		b.at = now
	}
	return b
}

// sweep drops full buckets, at most once a minute.
func (l *userLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for u := range l.buckets {
		if l.refill(u, now).n >= float64(l.perHour) {
			delete(l.buckets, u)
		}
	}
}
