package chatparse

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// The cleaner must remove every invisible mark and note where each was,
// whatever else shares their lead bytes (emoji, full-width forms): it is
// checked against the plainest reading, byte by byte, on random lines made
// of such pieces.
func TestCleanerRemovesEveryMark(t *testing.T) {
	pieces := []string{"a", " ", ": ", "\u200e", "\u200f", "\u202a", "\u202c", "\u202e", "\u2066",
		"\u2069", "\ufeff", "❤️", "✨", "ＯＫ", "ｗ", "\u2026", "\u2060", "\u206a", "日本", "\xe2", "\xef\xbb", "\xe2\x80"}
	rng := rand.New(rand.NewPCG(3, 4))
	var c cleaner
	for range 100_000 {
		var line []byte
		for range rng.IntN(12) {
			line = append(line, pieces[rng.IntN(len(pieces))]...)
		}
		var want []byte
		var marks []int
		for i := 0; i < len(line); {
			if n := invisibleAt(line, i); n > 0 {
				marks = append(marks, len(want))
				i += n
				continue
			}
			want = append(want, line[i])
			i++
		}
		got := c.clean(slices.Clone(line))
		gotMarks := c.marks.at[:c.marks.n]
		if len(marks) > len(c.marks.at) {
			marks = marks[:len(c.marks.at)]
		}
		if !bytes.Equal(got, want) || !slices.Equal(gotMarks, marks) {
			t.Fatalf("clean(%q) = %q, marks %v; want %q, %v", line, got, gotMarks, want, marks)
		}
	}
}
