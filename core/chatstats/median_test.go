package chatstats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestMedianResponseErrorBound compares the histogram's median with the
// exact lower median on random data of several shapes and sizes.
func TestMedianResponseErrorBound(t *testing.T) {
	buckets := responseBuckets(24 * time.Hour)
	shapes := map[string]func(*rand.Rand) int64{
		// chat replies: seconds to hours, heavy tailed
		"lognormal": func(r *rand.Rand) int64 { return int64(math.Exp(r.NormFloat64()*2+4) * 1000) },
		// WhatsApp: whole minutes, many zeros
		"minutes": func(r *rand.Rand) int64 { return int64(r.IntN(30)) * 60_000 },
		// Discord: milliseconds, mostly sub-second to a minute
		"millis": func(r *rand.Rand) int64 { return int64(r.ExpFloat64() * 4000) },
	}
	worst := 0.0
	for name, gen := range shapes {
		for seed := range uint64(50) {
			rng := rand.New(rand.NewPCG(seed, 7))
			n := 1 + rng.IntN(5000)
			var h responseTimes
			exact := make([]int64, n)
			for i := range exact {
				exact[i] = min(gen(rng), (24 * time.Hour).Milliseconds())
				h.add(exact[i], buckets)
			}
			slices.Sort(exact)
			want := time.Duration(exact[(n+1)/2-1]) * time.Millisecond
			got, ok := h.median()
			if !ok {
				t.Fatalf("%s seed %d: no median", name, seed)
			}
			if want < time.Second {
				if got != 0 {
					t.Errorf("%s seed %d: median %v, want 0 for a true median of %v", name, seed, got, want)
				}
				continue
			}
			rel := math.Abs(float64(got-want)) / float64(want)
			worst = max(worst, rel)
			if rel > ResponseTimeRelativeError+1e-9 {
				t.Errorf("%s seed %d (n=%d): median %v, exact %v: relative error %.4f > %.4f", name, seed, n, got, want, rel, ResponseTimeRelativeError)
			}
		}
	}
	t.Logf("worst relative error %.4f%% (bound %.4f%%)", worst*100, ResponseTimeRelativeError*100)
}

func TestMedianEdgeCases(t *testing.T) {
	buckets := responseBuckets(24 * time.Hour)
	var h responseTimes
	if _, ok := h.median(); ok {
		t.Error("empty histogram has a median")
	}
	h.add(60_000, buckets)
	if got, _ := h.median(); math.Abs(got.Seconds()-60) > 60*ResponseTimeRelativeError {
		t.Errorf("one minute: %v", got)
	}
	h.add(24*3600_000, buckets) // the largest gap that counts
	h.add(24*3600_000, buckets)
	if got, _ := h.median(); math.Abs(got.Hours()-24) > 24*ResponseTimeRelativeError {
		t.Errorf("a day: %v", got)
	}
}

// TestResponseBucketIsLogBucket checks the bucket table against the
// logarithm it replaces: every millisecond from one second to six hours,
// every bucket's start and its neighbours up to the longest time.Duration,
// and random durations over the whole range.
func TestResponseBucketIsLogBucket(t *testing.T) {
	check := func(ms int64) {
		if got, want := responseBucket(ms), logBucket(ms); got != want {
			t.Fatalf("%d ms: bucket %d, math.Log gives %d", ms, got, want)
		}
	}
	limit := int64(6 * time.Hour / time.Millisecond)
	if testing.Short() {
		limit = int64(10 * time.Minute / time.Millisecond)
	}
	for ms := int64(1000); ms <= limit; ms++ {
		check(ms)
	}
	longest := int64(math.MaxInt64) / int64(time.Millisecond)
	for _, first := range responseTable().bucketFirst {
		for ms := max(first-3, 1000); ms <= first+3 && ms <= longest; ms++ {
			check(ms)
		}
	}
	for n := 10; n <= responseCellBits; n++ { // cell edges
		for cell := range int64(64) {
			edge := int64(1)<<(n-1) | cell<<(n-7)
			for ms := max(edge-2, 1000); ms <= edge+2 && ms <= longest; ms++ {
				check(ms)
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1_000_000 {
		check(1000 + rng.Int64N(longest-1000))
	}
	if got := responseBucket(longest); got >= len(responseTable().bucketFirst)-1 {
		t.Fatalf("the longest duration falls past the table: bucket %d", got)
	}
}
