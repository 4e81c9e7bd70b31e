package chatparse

import (
	"bytes"
	"errors"
	"io"
)

// lineReader splits text into lines ended by LF, CRLF or a lone CR, with a
// cap on line length, reusing one buffer: memory is bounded by the cap, not by
// the input. bufio.Scanner would stop at the first over-long line; a chat
// export must not be lost because one message holds a pasted novel.
type lineReader struct {
	r      io.Reader
	buf    []byte
	start  int // first unread byte in buf
	end    int // end of valid data in buf
	max    int
	eof    bool
	err    error // a read error other than io.EOF
	lineNo int   // 1-based number of the line last returned
	skipCR bool  // the last line ended in CR at the end of buf: drop a leading LF
	tail   bool  // dropping the rest of a line returned cut

	lf        int // absolute index of the next LF in buf, when >= start
	lfScanned int // buf[:lfScanned] holds no LF at or after start
}

func newLineReader(r io.Reader, maxLine int) *lineReader {
	size := 64 << 10
	if maxLine+1 > size {
		size = maxLine + 1
	}
	return &lineReader{r: r, buf: make([]byte, size), max: maxLine, lf: -1}
}

// next returns the next line without its ending, valid until the following
// call; cut reports that the line was longer than the cap and truncated.
func (lr *lineReader) next() (line []byte, cut bool, ok bool) {
	for {
		if lr.skipCR && lr.start < lr.end {
			lr.skipCR = false
			if lr.buf[lr.start] == '\n' {
				lr.start++
			}
		}
		data := lr.buf[lr.start:lr.end]
		i := lr.lineEnd()
		switch {
		case lr.tail && i >= 0: // the end of a cut line: resume after it
			lr.consumeEnding(i)
			lr.tail = false
		case lr.tail || (i < 0 && len(data) < lr.max && !lr.eof):
			if lr.tail {
				lr.start = lr.end
			}
			if lr.eof {
				return nil, false, false
			}
			lr.fill()
		case i >= 0:
			line = cutRunes(data[:i], lr.max)
			lr.consumeEnding(i)
			lr.lineNo++
			return line, i > lr.max, true
		case len(data) >= lr.max: // no ending within the cap
			lr.start = lr.end
			lr.tail = true
			lr.lineNo++
			line = cutRunes(data, lr.max)
			return line[:len(line):len(line)], true, true
		case len(data) == 0:
			return nil, false, false
		default: // the last line, without an ending
			lr.start = lr.end
			lr.lineNo++
			return data, false, true
		}
	}
}

// consumeEnding moves past a line that ends at lr.start+i and its CR, LF or
// CRLF.
func (lr *lineReader) consumeEnding(i int) {
	at := lr.start + i
	lr.start = at + 1
	if lr.buf[at] != '\r' {
		return
	}
	if lr.start < lr.end {
		if lr.buf[lr.start] == '\n' {
			lr.start++
		}
		return
	}
	lr.skipCR = true
}

// fill moves unread data to the front of buf and reads more.
func (lr *lineReader) fill() {
	if lr.start > 0 {
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.lf -= lr.start
		lr.lfScanned -= lr.start
		lr.start = 0
	}
	n, err := lr.r.Read(lr.buf[lr.end:])
	lr.end += n
	if err != nil {
		lr.eof = true
		if !errors.Is(err, io.EOF) {
			lr.err = err
		}
	}
}

// lineEnd returns the offset from lr.start of the first CR or LF, or -1.
// The position of the next LF is cached: in a CR-only file there is none, and
// searching the whole buffer for it on every line would be quadratic.
func (lr *lineReader) lineEnd() int {
	if lr.lf < lr.start {
		from := max(lr.start, lr.lfScanned)
		if i := bytes.IndexByte(lr.buf[from:lr.end], '\n'); i >= 0 {
			lr.lf = from + i
		} else {
			lr.lfScanned = lr.end
		}
	}
	limit := lr.end
	if lr.lf >= lr.start {
		limit = lr.lf
	}
	if j := bytes.IndexByte(lr.buf[lr.start:limit], '\r'); j >= 0 {
		return j
	}
	if lr.lf >= lr.start {
		return lr.lf - lr.start
	}
	return -1
}
