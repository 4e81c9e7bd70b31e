package chatstats

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestTopCounterExactBelowSize(t *testing.T) {
	tc := topCounter{size: 10}
	for _, w := range []string{"a", "b", "a", "c", "a", "b"} {
		tc.add([]byte(w))
	}
	got := topOf(tc.counts(nil), 2)
	if len(got) != 2 || got[0] != (Count{"a", 3, 0}) || got[1] != (Count{"b", 2, 0}) {
		t.Errorf("top = %v", got)
	}
}

// TestTopCounterGuarantees checks Filtered Space-Saving's bounds on
// Zipf-distributed words against exact counts.
func TestTopCounterGuarantees(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		zipf := rand.NewZipf(rng, 1.1, 1, 20_000)
		size := 64 + rng.IntN(512)
		tc := topCounter{size: size}
		exact := map[string]int{}
		n := 50_000
		for range n {
			w := fmt.Sprintf("w%d", zipf.Uint64())
			exact[w]++
			tc.add([]byte(w))
		}
		held := map[string]Count{}
		for _, c := range tc.counts(nil) {
			held[c.Text] = c
			truth := exact[c.Text]
			if c.Count < truth || c.Count-c.MaxOvercount > truth {
				t.Fatalf("seed %d: %q counted %d (over %d), true %d", seed, c.Text, c.Count, c.MaxOvercount, truth)
			}
		}
		least := tc.minCount()
		for w, c := range exact {
			if _, ok := held[w]; !ok && int64(c) > least {
				t.Fatalf("seed %d: %q (%d, least held %d) lost", seed, w, c, least)
			}
		}
		// The head of a Zipf distribution stands far above n/size: the top
		// three are the true top three.
		for i, c := range topOf(tc.counts(nil), 3) {
			if want := fmt.Sprintf("w%d", i); c.Text != want {
				t.Errorf("seed %d: top %d is %q, want %q", seed, i+1, c.Text, want)
			}
		}
	}
}
