package httpapi

import (
	"math"
	"sync"
	"time"
)

// Rate is a budget of events per client address: Burst at once, refilled
// at PerMinute. A zero PerMinute turns the limit off.
type Rate struct {
	PerMinute int
	Burst     int
}

// limiter holds one token bucket per key (a client address). Only take
// creates a bucket, and it drops those that have refilled completely once a
// minute, so memory follows the clients active in the last minute.
type limiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(r Rate, now func() time.Time) *limiter {
	if r.Burst < 1 {
		r.Burst = max(r.PerMinute, 1)
	}
	return &limiter{rate: r, now: now, buckets: map[string]*bucket{}}
}

func (l *limiter) enabled() bool { return l != nil && l.rate.PerMinute > 0 }

// refill brings key's bucket up to date and returns it; callers hold mu.
func (l *limiter) refill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.buckets[key] = b
	}
	perSecond := float64(l.rate.PerMinute) / 60
	b.tokens = math.Min(float64(l.rate.Burst), b.tokens+now.Sub(b.at).Seconds()*perSecond)
	b.at = now
	return b
}

// take spends a token of key's budget and reports how long to wait when
// there was none.
func (l *limiter) take(key string) time.Duration {
	if !l.enabled() {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b := l.refill(key, now)
	if b.tokens < 1 {
		return l.until(b)
	}
	b.tokens--
	return 0
}

// wait reports how long key must wait for a token, spending nothing and,
// for a key with no bucket (a full budget), storing nothing.
func (l *limiter) wait(key string) time.Duration {
	if !l.enabled() {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.buckets[key]; !ok {
		return 0
	}
	if b := l.refill(key, l.now()); b.tokens < 1 {
		return l.until(b)
	}
	return 0
}

// until is how long b needs to hold a whole token; callers hold mu.
func (l *limiter) until(b *bucket) time.Duration {
	return time.Duration((1 - b.tokens) / (float64(l.rate.PerMinute) / 60) * float64(time.Second))
}

// sweep drops full buckets once a minute; callers hold mu.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for key := range l.buckets {
		if l.refill(key, now).tokens >= float64(l.rate.Burst) {
			delete(l.buckets, key)
		}
	}
}
