package httpapi

import (
	"math"
	"slices"
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

// refund gives back a token take spent, when what it paid for turned out
// not to count (a key that was valid after all).
func (l *limiter) refund(key string) {
	if !l.enabled() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = math.Min(float64(l.rate.Burst), b.tokens+1)
	}
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

// recentKeys remembers, per client address, the keys (by hash) that
// authenticated from it lately, so that they keep working while strangers
// behind the same address (a NAT, an office) spend its failure budget.
// Entries live for ttl; the set is bounded, oldest dropped first.
type recentKeys struct {
	ttl  time.Duration
	max  int
	now  func() time.Time
	mu   sync.Mutex
	seen map[recentKey]time.Time
}

type recentKey struct {
	addr string
	hash [32]byte
}

// Bounds of the recent-keys set: long enough for a client's session of
// calls, small enough to hold in memory whatever the traffic.
const (
	recentKeyTTL  = 15 * time.Minute
	maxRecentKeys = 50_000
)

func newRecentKeys(now func() time.Time) *recentKeys {
	return &recentKeys{ttl: recentKeyTTL, max: maxRecentKeys, now: now, seen: map[recentKey]time.Time{}}
}

// remember records that the key with hash authenticated from addr.
func (r *recentKeys) remember(addr string, hash [32]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if len(r.seen) >= r.max {
		r.evict(now)
	}
	r.seen[recentKey{addr, hash}] = now
}

// known reports whether the key with hash authenticated from addr within
// the ttl.
func (r *recentKeys) known(addr string, hash [32]byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.seen[recentKey{addr, hash}]
	return ok && r.now().Sub(at) < r.ttl
}

// evict drops expired entries and, if the set is still full, the oldest
// tenth, so eviction runs once per tenth of the bound; callers hold mu.
func (r *recentKeys) evict(now time.Time) {
	for k, at := range r.seen {
		if now.Sub(at) >= r.ttl {
			delete(r.seen, k)
		}
	}
	if len(r.seen) < r.max {
		return
	}
	type entry struct {
		key recentKey
		at  time.Time
	}
	all := make([]entry, 0, len(r.seen))
	for k, at := range r.seen {
		all = append(all, entry{k, at})
	}
	slices.SortFunc(all, func(a, b entry) int { return a.at.Compare(b.at) })
	for _, e := range all[:max(len(all)/10, 1)] {
		delete(r.seen, e.key)
	}
}
