package chatparse

import (
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// The line reader must split any text as a plain reading does, whatever the
// sizes of the reads: random texts of short and long lines ended by LF, CR
// or CRLF (mixed), read in random chunks.
func TestLineReaderMatchesPlainSplit(t *testing.T) {
	pieces := []string{"a", "bc", "\r", "\n", "\r\n", "\n\r", strings.Repeat("x", 9), strings.Repeat("y", 30)}
	rng := rand.New(rand.NewPCG(5, 6))
	const maxLine = 10
	for range 20_000 {
		var b strings.Builder
		for range rng.IntN(16) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		in := b.String()
		lr := newLineReader(&chunks{s: in, rng: rng}, maxLine)
		want := plainLines(in)
		for n := 0; ; n++ {
			line, cut, ok := lr.next()
			if !ok {
				if n != len(want) {
					t.Fatalf("%q: %d lines, want %d: %q", in, n, len(want), want)
				}
				break
			}
			if n >= len(want) {
				t.Fatalf("%q: more than the %d lines %q", in, len(want), want)
			}
			w := want[n]
			wantCut := len(w) > maxLine
			if wantCut {
				w = w[:maxLine]
			}
			// A line of exactly maxLine bytes whose ending has not been
			// read yet is taken for a cut one.
			if string(line) != w || (cut != wantCut && len(want[n]) != maxLine) || lr.lineNo != n+1 {
				t.Fatalf("%q: line %d = %q (cut %v, number %d), want %q (cut %v)", in, n+1, line, cut, lr.lineNo, w, wantCut)
			}
		}
	}
}

// plainLines splits s at CRLF, CR and LF.
func plainLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		if strings.HasPrefix(s[i:], "\r\n") {
			i++
		}
		s = s[i+1:]
	}
	return out
}

// chunks reads s in pieces of random sizes.
type chunks struct {
	s   string
	rng *rand.Rand
}

func (c *chunks) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+c.rng.IntN(12))], c.s)
	c.s = c.s[n:]
	return n, nil
}
