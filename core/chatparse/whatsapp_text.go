package chatparse

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// cleaner removes the invisible marks WhatsApp scatters through exports:
// U+200E and U+200F (direction marks), U+202A–U+202E and U+2066–U+2069
// (direction embeddings and isolates) and U+FEFF (a byte-order mark, also
// mid-file where exports were concatenated). marks receives the offsets in
// the cleaned line where a mark was removed (the first few), because on iOS
// a body starting with U+200E is a notice or a placeholder, not typed text.
type cleaner struct {
	buf   []byte
	marks markSet
}

// clean returns line itself when it holds no mark, else a cleaned copy valid
// until the next call.
func (c *cleaner) clean(line []byte) []byte {
	c.marks.n = 0
	first := firstInvisible(line)
	if first < 0 {
		return line
	}
	dst := append(c.buf[:0], line[:first]...)
	for i := first; i < len(line); {
		if n := invisibleAt(line, i); n > 0 {
			c.marks.add(len(dst))
			i += n
			continue
		}
		j := i + 1
		for j < len(line) && line[j] != 0xE2 && line[j] != 0xEF {
			j++
		}
		dst = append(dst, line[i:j]...)
		i = j
	}
	c.buf = dst
	return dst
}

// firstInvisible returns the offset of the first invisible mark in line, or
// -1. Marks start with E2 or EF, which many other characters start with too
// (emoji such as ❤ and ✨, full-width forms): each is searched for with
// bytes.IndexByte, and only where one occurs is it told apart from a mark.
func firstInvisible(line []byte) int {
	first := -1
	for _, lead := range [...]byte{0xE2, 0xEF} {
		end := len(line)
		if first >= 0 {
			end = first
		}
		for i := 0; i < end; {
			j := bytes.IndexByte(line[i:end], lead)
			if j < 0 {
				break
			}
			if j += i; invisibleAt(line, j) > 0 {
				first = j
				break
			}
			i = j + 1
		}
	}
	return first
}

// invisibleAt returns the length of the invisible mark at line[i], or 0.
func invisibleAt(line []byte, i int) int {
	if i+2 >= len(line) {
		return 0
	}
	b0, b1, b2 := line[i], line[i+1], line[i+2]
	switch {
	case b0 == 0xE2 && b1 == 0x80 && (b2 == 0x8E || b2 == 0x8F || (b2 >= 0xAA && b2 <= 0xAE)):
		return 3
	case b0 == 0xE2 && b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9:
		return 3
	case b0 == 0xEF && b1 == 0xBB && b2 == 0xBF:
		return 3
	}
	return 0
}

// markSet holds the first few offsets where clean removed a mark.
type markSet struct {
	at [4]int
	n  int
}

func (s *markSet) add(off int) {
	if s.n < len(s.at) {
		s.at[s.n] = off
		s.n++
	}
}

func (s *markSet) has(off int) bool {
	for _, a := range s.at[:s.n] {
		if a == off {
			return true
		}
	}
	return false
}

// splitAuthor finds the ": " that ends an author's name. A header without one
// is a system notice ("Ann left", and also the malformed "Ann:." of real
// exports, which no client wrote as a message). A ": " inside a quote that
// is still open is no end of a name: `Ann created group "Trip: 2024"` is a
// notice.
func splitAuthor(rest []byte) (author, body []byte, ok bool) {
	i := authorColon(rest)
	if i < 0 {
		if n := len(rest); n > 1 && rest[n-1] == ':' {
			return rest[:n-1], nil, true // body on the next lines
		}
		return nil, nil, false
	}
	return rest[:i], rest[i+2:], i > 0
}

// authorColon returns the offset of the first ": " outside quotes, or -1.
func authorColon(rest []byte) int {
	i := bytes.Index(rest, []byte(": "))
	if i < 0 || !holdsQuote(rest[:i]) {
		return i // no quote before it: the common case, decided without decoding
	}
	var open rune // the quote that opened, 0 outside quotes
	for j := 0; j < len(rest); {
		r, n := utf8.DecodeRune(rest[j:])
		switch {
		case open == 0 && r == ':' && j+1 < len(rest) && rest[j+1] == ' ':
			return j
		case open == 0 && waQuoteClosers[r] != nil:
			open = r
		case open != 0 && slices.Contains(waQuoteClosers[open], r):
			open = 0
		}
		j += n
	}
	return -1
}

// quoteTails holds, by first byte, the rest of each quote in waQuoteBytes.
var quoteTails = func() (tails [256][]string) {
	for _, q := range waQuoteBytes {
		s := string(q)
		tails[s[0]] = append(tails[s[0]], s[1:])
	}
	return tails
}()

// holdsQuote reports whether b holds one of waQuoteBytes' quotes. Most
// bytes start no quote, which a table tells cheaply; CJK text shares its
// lead byte with 「 and 『, so a quote's other bytes are compared where one
// may start.
func holdsQuote(b []byte) bool {
	for i, c := range b {
		for _, tail := range quoteTails[c] {
			if len(b)-i-1 >= len(tail) && string(b[i+1:i+1+len(tail)]) == tail {
				return true
			}
		}
	}
	return false
}

// The phrase tables, each searched as one set (see phraseSet).
var (
	systemPhrases     = newPhraseSet(waSystemPhrases)
	systemSubjects    = newPhraseSet(waSystemSubjects)
	encryptionPhrases = newPhraseSet(waEncryptionPhrases)
)
