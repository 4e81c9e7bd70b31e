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
}

func (g *generatedChat) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i < g.n {
		day := g.i / 500
		g.buf = fmt.Appendf(g.buf, "%d/%d/23, %d:%02d\u202fPM - Person %d: message number %d with some words\n",
			day/28%12+1, day%28+1, g.i/60%12+1, g.i%60, g.i%7, g.i)
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
