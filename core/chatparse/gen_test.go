package chatparse

import (
	"fmt"
	"io"
)

// generatedChat is a WhatsApp export of n messages written on the fly, for
// tests that need large inputs without large files.
type generatedChat struct {
	n, i int
	buf  []byte
	// ios writes an iOS group export instead: bracketed headers with
	// seconds, notices signed by the group after U+200E (the encryption
	// notice first), placeholders after U+200E.
	ios bool
}

func (g *generatedChat) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i < g.n {
		day := g.i / 500
		switch {
		case !g.ios:
			g.buf = fmt.Appendf(g.buf, "%d/%d/23, %d:%02d\u202fPM - Person %d: message number %d with some words\n",
				day/28%12+1, day%28+1, g.i/60%12+1, g.i%60, g.i%7, g.i)
		case g.i == 0:
			g.buf = fmt.Appendf(g.buf, "[1/1/23, 9:00:00\u202fAM] Group: \u200eMessages and calls are end-to-end encrypted.\n")
		case g.i%97 == 0:
			g.buf = fmt.Appendf(g.buf, "[%d/%d/23, %d:%02d:07\u202fPM] Group: \u200ePerson %d added Person %d\n",
				day/28%12+1, day%28+1, g.i/60%12+1, g.i%60, g.i%7, g.i%11)
		case g.i%50 == 0:
			g.buf = fmt.Appendf(g.buf, "[%d/%d/23, %d:%02d:07\u202fPM] Person %d: \u200eimage omitted\n",
				day/28%12+1, day%28+1, g.i/60%12+1, g.i%60, g.i%7)
		default:
			g.buf = fmt.Appendf(g.buf, "[%d/%d/23, %d:%02d:07\u202fPM] Person %d: message number %d with some words\n",
				day/28%12+1, day%28+1, g.i/60%12+1, g.i%60, g.i%7, g.i)
		}
		if g.i%20 == 0 {
			g.buf = append(g.buf, "and a second line\n"...)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}
