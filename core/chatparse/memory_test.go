package chatparse

import (
	"runtime"
	"testing"
)

// TestParseMemoryStaysFlat parses 20,000 and 200,000 generated messages and
// compares the live heap, measured after a collection every few thousand
// messages: a parser that kept messages, lines or authors would grow ten
// times as much on the larger input.
func TestParseMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 220,000 messages")
	}
	for _, ios := range []bool{false, true} {
		checkMemoryStaysFlat(t, ios)
	}
}

func checkMemoryStaysFlat(t *testing.T, ios bool) {
	peak := func(n int) uint64 {
		var most uint64
		var ms runtime.MemStats
		s := Parse(&generatedChat{n: n, ios: ios}, Options{})
		i := 0
		for _, err := range s.Messages() {
			if err != nil {
				t.Fatal(err)
			}
			if i++; i%5000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				most = max(most, ms.HeapAlloc)
			}
		}
		if s.Report().Messages != n {
			t.Fatalf("parsed %d of %d messages", s.Report().Messages, n)
		}
		return most
	}
	small, large := peak(20_000), peak(200_000)
	t.Logf("iOS %v: live heap %d KiB for 20k messages, %d KiB for 200k", ios, small>>10, large>>10)
	if large > small+1<<20 {
		t.Errorf("live heap grew from %d KiB to %d KiB", small>>10, large>>10)
	}
}
