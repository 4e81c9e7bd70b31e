package chatparse

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonStream reads a JSON document token by token with limits: a string or
// number longer than Limits.MaxJSONTokenBytes and nesting deeper than
// Limits.MaxJSONDepth are errors, so that a hostile file with a gigabyte
// string or a million "[" cannot take the process's memory with it.
//
// It reads the grammar encoding/json's Decoder.Token reads, and decodes
// strings as it does (an invalid UTF-8 byte or a lone surrogate escape
// becomes U+FFFD), without its cost: Decoder.Token decodes each string and
// number through Decoder.Decode, which allocates some 140 objects and 2.8
// KiB per Telegram message (a discarded syntax error at the end of every
// value among them). Run for a million messages, that rate is a garbage
// collection every few milliseconds, and every one that ends late (on one
// CPU, at the next preemption) lets the heap overshoot its goal by megabytes
// and the next goal double: peak RSS then grew with the length of the chat.
// Here keys are interned, skipped values are never made into strings, and a
// message costs a few allocations, those of the values it keeps.
type jsonStream struct {
	r        io.Reader
	buf      []byte // read from r: buf[pos:end] is unread
	pos, end int
	base     int64 // offset in the input of buf[0]
	rerr     error // the error of the last read, returned once buf is used up

	raw   []byte // the string (escapes undecoded) or number being read
	dec   []byte // a string with escapes or invalid UTF-8, decoded
	val   []byte // the last string or number read: raw or dec
	keys  map[string]string
	state jsonState
	stack []jsonState

	maxTok   int
	maxDepth int
	depth    int
}

// jsonState is where the reader is in the grammar, as encoding/json's
// Decoder.Token tracks it.
type jsonState uint8

const (
	jsTopValue jsonState = iota
	jsArrayStart
	jsArrayValue
	jsArrayComma
	jsObjectStart
	jsObjectKey
	jsObjectColon
	jsObjectValue
	jsObjectComma
)

// jsonKind is the kind of a token read by next.
type jsonKind uint8

const (
	jkDelim jsonKind = iota
	jkString
	jkNumber
	jkTrue
	jkFalse
	jkNull
)

// maxInternedKeys bounds the distinct object keys kept for reuse.
const maxInternedKeys = 256

func newJSONStream(r io.Reader, lim Limits) *jsonStream {
	return &jsonStream{r: skipBOM(r), buf: make([]byte, 32<<10), keys: map[string]string{},
		maxTok: lim.MaxJSONTokenBytes, maxDepth: lim.MaxJSONDepth}
}

// skipBOM drops a leading U+FEFF, which Windows tools write before JSON and
// encoding/json refuses; detection already looks past it, and an explicit
// format must read the same file.
func skipBOM(r io.Reader) io.Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	if b, _ := br.Peek(3); string(b) == "\uFEFF" {
		_, _ = br.Discard(3) // what Peek returned is there to discard
	}
	return br
}

// fill reads more input into an empty buffer; at the end of the input it
// returns io.ErrUnexpectedEOF, as every caller is inside the document.
func (js *jsonStream) fill() error {
	for js.pos == js.end {
		if js.rerr != nil {
			if errors.Is(js.rerr, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return js.rerr
		}
		js.base += int64(js.end)
		js.pos, js.end = 0, 0
		n, err := js.r.Read(js.buf)
		js.end, js.rerr = n, err
		if n == 0 && err == nil {
			js.rerr = io.ErrNoProgress
		}
	}
	return nil
}

// peek returns the next byte that is not white space, without reading it.
func (js *jsonStream) peek() (byte, error) {
	for {
		for js.pos < js.end {
			switch c := js.buf[js.pos]; c {
			case ' ', '\t', '\n', '\r':
				js.pos++
			default:
				return c, nil
			}
		}
		if err := js.fill(); err != nil {
			return 0, err
		}
	}
}

// peekRaw returns the next byte, white space or not, without reading it.
func (js *jsonStream) peekRaw() (byte, error) {
	if js.pos == js.end {
		if err := js.fill(); err != nil {
			return 0, err
		}
	}
	return js.buf[js.pos], nil
}

func (js *jsonStream) syntaxError(c byte, context string) error {
	return fmt.Errorf("invalid character %s %s at offset %d", quoteJSONChar(c), context, js.base+int64(js.pos))
}

func quoteJSONChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// valueAllowed reports whether a value may come next.
func (js *jsonStream) valueAllowed() bool {
	switch js.state {
	case jsTopValue, jsArrayStart, jsArrayValue, jsObjectValue:
		return true
	}
	return false
}

// valueEnd moves past a value just read.
func (js *jsonStream) valueEnd() {
	switch js.state {
	case jsArrayStart, jsArrayValue:
		js.state = jsArrayComma
	case jsObjectValue:
		js.state = jsObjectComma
	}
}

// next reads the next token, keeping count of the nesting depth: a
// delimiter (returned), or a string or number (then in js.val until the next
// call), or a literal.
func (js *jsonStream) next() (jsonKind, byte, error) {
	for {
		c, err := js.peek()
		if err != nil {
			return 0, 0, err
		}
		switch c {
		case '[', '{':
			if !js.valueAllowed() {
				return 0, 0, js.syntaxError(c, "where a value may not come")
			}
			if js.depth++; js.depth > js.maxDepth {
				return 0, 0, fmt.Errorf("nested deeper than %d: %w", js.maxDepth, ErrJSONLimit)
			}
			js.pos++
			js.stack = append(js.stack, js.state)
			js.state = jsArrayStart
			if c == '{' {
				js.state = jsObjectStart
			}
			return jkDelim, c, nil
		case ']', '}':
			if c == ']' && js.state != jsArrayStart && js.state != jsArrayComma ||
				c == '}' && js.state != jsObjectStart && js.state != jsObjectComma {
				return 0, 0, js.syntaxError(c, "where the container may not end")
			}
			js.pos++
			js.depth--
			js.state = js.stack[len(js.stack)-1]
			js.stack = js.stack[:len(js.stack)-1]
			js.valueEnd()
			return jkDelim, c, nil
		case ':':
			if js.state != jsObjectColon {
				return 0, 0, js.syntaxError(c, "where no colon may come")
			}
			js.pos++
			js.state = jsObjectValue
			continue
		case ',':
			switch js.state {
			case jsArrayComma:
				js.state = jsArrayValue
			case jsObjectComma:
				js.state = jsObjectKey
			default:
				return 0, 0, js.syntaxError(c, "where no comma may come")
			}
			js.pos++
			continue
		case '"':
			if js.state == jsObjectStart || js.state == jsObjectKey {
				js.pos++
				if err := js.readString(); err != nil {
					return 0, 0, err
				}
				js.state = jsObjectColon
				return jkString, 0, nil
			}
		}
		if !js.valueAllowed() {
			return 0, 0, js.syntaxError(c, "where a value may not come")
		}
		kind, err := js.readScalar(c)
		if err != nil {
			return 0, 0, err
		}
		js.valueEnd()
		return kind, 0, nil
	}
}

// readScalar reads the string, number or literal starting with c.
func (js *jsonStream) readScalar(c byte) (jsonKind, error) {
	switch {
	case c == '"':
		js.pos++
		return jkString, js.readString()
	case c == '-' || c >= '0' && c <= '9':
		return jkNumber, js.readNumber()
	case c == 't':
		return jkTrue, js.readLiteral("true")
	case c == 'f':
		return jkFalse, js.readLiteral("false")
	case c == 'n':
		return jkNull, js.readLiteral("null")
	}
	return 0, js.syntaxError(c, "looking for beginning of value")
}

func (js *jsonStream) readLiteral(lit string) error {
	for i := 0; i < len(lit); i++ {
		c, err := js.peekRaw()
		if err != nil {
			return err
		}
		if c != lit[i] {
			return js.syntaxError(c, "in literal "+lit)
		}
		js.pos++
	}
	return nil
}

// readNumber reads a number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (js *jsonStream) readNumber() error {
	js.raw = js.raw[:0]
	const (
		sign = iota
		intStart
		intDigits
		zero
		fracStart
		fracDigits
		expSign
		expStart
		expDigits
	)
	st := sign
	for {
		c, err := js.peekRaw()
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				switch st {
				case intDigits, zero, fracDigits, expDigits:
					err = nil // the number is whole; what follows reports the end
				}
			}
			if err == nil {
				break
			}
			return err
		}
		digit := c >= '0' && c <= '9'
		ok := true
		switch st {
		case sign:
			switch {
			case c == '-':
				st = intStart
			case c == '0':
				st = zero
			default: // a digit 1-9: next called readNumber on '-' or a digit
				st = intDigits
			}
		case intStart:
			switch {
			case c == '0':
				st = zero
			case digit:
				st = intDigits
			default:
				return js.syntaxError(c, "in numeric literal")
			}
		case intDigits, zero:
			switch {
			case digit && st == intDigits:
			case c == '.':
				st = fracStart
			case c == 'e' || c == 'E':
				st = expSign
			default:
				ok = false
			}
		case fracStart:
			if !digit {
				return js.syntaxError(c, "after decimal point in numeric literal")
			}
			st = fracDigits
		case fracDigits:
			switch {
			case digit:
			case c == 'e' || c == 'E':
				st = expSign
			default:
				ok = false
			}
		case expSign:
			switch {
			case c == '+' || c == '-':
				st = expStart
			case digit:
				st = expDigits
			default:
				return js.syntaxError(c, "in exponent of numeric literal")
			}
		case expStart:
			if !digit {
				return js.syntaxError(c, "in exponent of numeric literal")
			}
			st = expDigits
		case expDigits:
			ok = digit
		}
		if !ok {
			break
		}
		if len(js.raw) >= js.maxTok {
			return fmt.Errorf("a string or number longer than %d bytes: %w", js.maxTok, ErrJSONLimit)
		}
		js.raw = append(js.raw, c)
		js.pos++
	}
	js.val = js.raw
	return nil
}

// readString reads a string after its opening quote into js.val, decoded as
// encoding/json decodes it.
func (js *jsonStream) readString() error {
	js.raw = js.raw[:0]
	plain := true // no escape
	for {
		if js.pos == js.end {
			if err := js.fill(); err != nil {
				return err
			}
		}
		chunk := js.buf[js.pos:js.end]
		i := 0
		for i < len(chunk) {
			if c := chunk[i]; c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		if len(js.raw)+i > js.maxTok {
			return fmt.Errorf("a string or number longer than %d bytes: %w", js.maxTok, ErrJSONLimit)
		}
		js.raw = append(js.raw, chunk[:i]...)
		js.pos += i
		if i == len(chunk) {
			continue
		}
		switch c := chunk[i]; {
		case c == '"':
			js.pos++
			if plain && utf8.Valid(js.raw) {
				js.val = js.raw
			} else {
				js.dec = unquoteJSON(js.dec[:0], js.raw)
				js.val = js.dec
			}
			return nil
		case c < 0x20:
			return js.syntaxError(c, "in string literal")
		}
		// An escape: \ and one of "\/bfnrt, or u and four hex digits.
		plain = false
		js.pos++
		e, err := js.peekRaw()
		if err != nil {
			return err
		}
		switch e {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			js.raw = append(js.raw, '\\', 'u')
			js.pos++
			for range 4 {
				h, err := js.peekRaw()
				if err != nil {
					return err
				}
				if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
					return js.syntaxError(h, "in \\u hexadecimal character escape")
				}
				js.raw = append(js.raw, h)
				js.pos++
			}
			continue
		default:
			return js.syntaxError(e, "in string escape code")
		}
		js.raw = append(js.raw, '\\', e)
		js.pos++
	}
}

// unquoteJSON appends the string s (between its quotes, escapes checked) to
// dst decoded as encoding/json decodes it: an invalid UTF-8 byte, and a
// surrogate escape that is not half of a pair, become U+FFFD.
func unquoteJSON(dst, s []byte) []byte {
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch e := s[r+1]; e {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				rr := getu4(s[r:])
				r += 6
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						r += 6
						dst = utf8.AppendRune(dst, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, rr)
				continue
			default: // " \ /
				dst = append(dst, e)
			}
			r += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			dst = utf8.AppendRune(dst, rr) // an invalid byte is RuneError, U+FFFD
		}
	}
	return dst
}

// getu4 decodes \uXXXX from the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// token returns the next token as encoding/json's Decoder.Token does (with
// UseNumber: ids stay exact), keeping count of the nesting depth.
func (js *jsonStream) token() (json.Token, error) {
	kind, d, err := js.next()
	if err != nil {
		return nil, err
	}
	switch kind {
	case jkDelim:
		return json.Delim(d), nil
	case jkString:
		return string(js.val), nil
	case jkNumber:
		return json.Number(string(js.val)), nil
	case jkTrue:
		return true, nil
	case jkFalse:
		return false, nil
	}
	return nil, nil
}

// more reports whether the current array or object has another element.
func (js *jsonStream) more() bool {
	c, err := js.peek()
	return err == nil && c != ']' && c != '}'
}

// open reads the start of an object or array; any other value is skipped and
// reported as false, so that a field of an unexpected shape is passed over.
func (js *jsonStream) open(want byte) (bool, error) {
	kind, d, err := js.next()
	if err != nil || kind != jkDelim {
		return false, err
	}
	if d == want {
		return true, nil
	}
	return false, js.skipRest()
}

// close reads the end of the current object or array, skipping what remains.
func (js *jsonStream) close() error {
	return js.skipRest()
}

// skipRest skips to the end of the container whose start was just read.
func (js *jsonStream) skipRest() error {
	for target := js.depth - 1; js.depth > target; {
		if _, _, err := js.next(); err != nil {
			return err
		}
	}
	return nil
}

// key reads an object key.
func (js *jsonStream) key() (string, error) {
	kind, d, err := js.next()
	if err != nil {
		return "", err
	}
	if kind != jkString || js.state != jsObjectColon { // a key leaves the colon to come
		return "", fmt.Errorf("expected an object key, got %v", js.describe(kind, d))
	}
	if k, ok := js.keys[string(js.val)]; ok {
		return k, nil
	}
	k := string(js.val)
	if len(js.keys) < maxInternedKeys {
		js.keys[k] = k
	}
	return k, nil
}

// describe names a token read by next, for an error.
func (js *jsonStream) describe(kind jsonKind, d byte) string {
	switch kind {
	case jkDelim:
		return string(d)
	case jkString, jkNumber:
		return string(js.val)
	case jkTrue:
		return "true"
	case jkFalse:
		return "false"
	}
	return "<nil>"
}

// skip skips the next value, whatever its shape.
func (js *jsonStream) skip() error {
	kind, d, err := js.next()
	if err != nil {
		return err
	}
	if kind == jkDelim && (d == '{' || d == '[') {
		return js.skipRest()
	}
	return nil
}

// scalar reads the next value as text when it is a string, number or bool;
// null and containers (skipped) give "".
func (js *jsonStream) scalar() (string, error) {
	kind, _, err := js.next()
	if err != nil {
		return "", err
	}
	switch kind {
	case jkString, jkNumber:
		return string(js.val), nil
	case jkTrue:
		return "true", nil
	case jkFalse:
		return "false", nil
	case jkDelim:
		return "", js.skipRest()
	}
	return "", nil
}

// object calls field for each key of the object that comes next; field must
// consume the key's value. A value of another shape is skipped.
func (js *jsonStream) object(field func(key string) error) error {
	ok, err := js.open('{')
	if err != nil || !ok {
		return err
	}
	for js.more() {
		k, err := js.key()
		if err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
	}
	return js.close()
}

// array calls elem for each element of the array that comes next; elem must
// consume the element. A value of another shape is skipped.
func (js *jsonStream) array(elem func() error) error {
	ok, err := js.open('[')
	if err != nil || !ok {
		return err
	}
	for js.more() {
		if err := elem(); err != nil {
			return err
		}
	}
	return js.close()
}

// textBuilder joins text pieces up to a byte limit.
type textBuilder struct {
	b   strings.Builder
	max int
	cut bool
}

func (t *textBuilder) add(s string) {
	room := t.max - t.b.Len()
	if len(s) > room {
		s, t.cut = cutRunes(s, room), true
	}
	t.b.WriteString(s)
}
