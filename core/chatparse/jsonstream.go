package chatparse

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jsonStream reads a JSON document token by token with limits: encoding/json
// holds a whole token in memory and tracks nesting without bound, so a
// hostile file with a gigabyte string or a million "[" would otherwise take
// the process's memory with it.
type jsonStream struct {
	dec      *json.Decoder
	maxDepth int
	depth    int
}

func newJSONStream(r io.Reader, lim Limits) *jsonStream {
	g := &tokenGuard{r: skipBOM(r), max: int64(lim.MaxJSONTokenBytes)}
	js := &jsonStream{maxDepth: lim.MaxJSONDepth}
	js.dec = json.NewDecoder(g)
	js.dec.UseNumber() // ids stay exact
	g.dec = js.dec
	return js
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

// tokenGuard fails the read when the decoder has buffered more than max bytes
// beyond the last token it returned: the token being read is too long.
type tokenGuard struct {
	r    io.Reader
	dec  *json.Decoder
	read int64
	max  int64
}

func (g *tokenGuard) Read(p []byte) (int, error) {
	if g.read-g.dec.InputOffset() > g.max {
		return 0, fmt.Errorf("a string or number longer than %d bytes: %w", g.max, ErrJSONLimit)
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

// token returns the next token, keeping count of the nesting depth.
func (js *jsonStream) token() (json.Token, error) {
	tok, err := js.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if d, ok := tok.(json.Delim); ok {
		switch d {
		case '{', '[':
			if js.depth++; js.depth > js.maxDepth {
				return nil, fmt.Errorf("nested deeper than %d: %w", js.maxDepth, ErrJSONLimit)
			}
		default:
			js.depth--
		}
	}
	return tok, nil
}

// more reports whether the current array or object has another element.
func (js *jsonStream) more() bool { return js.dec.More() }

// open reads the start of an object or array; any other value is skipped and
// reported as false, so that a field of an unexpected shape is passed over.
func (js *jsonStream) open(want json.Delim) (bool, error) {
	tok, err := js.token()
	if err != nil {
		return false, err
	}
	d, ok := tok.(json.Delim)
	if ok && d == want {
		return true, nil
	}
	if ok {
		return false, js.skipRest()
	}
	return false, nil
}

// close reads the end of the current object or array, skipping what remains.
func (js *jsonStream) close() error {
	return js.skipRest()
}

// skipRest skips to the end of the container whose start was just read.
func (js *jsonStream) skipRest() error {
	for target := js.depth - 1; js.depth > target; {
		if _, err := js.token(); err != nil {
			return err
		}
	}
	return nil
}

// key reads an object key.
func (js *jsonStream) key() (string, error) {
	tok, err := js.token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected an object key, got %v", tok)
	}
	return k, nil
}

// skip skips the next value, whatever its shape.
func (js *jsonStream) skip() error {
	tok, err := js.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		return js.skipRest()
	}
	return nil
}

// scalar reads the next value as text when it is a string, number or bool;
// null and containers (skipped) give "".
func (js *jsonStream) scalar() (string, error) {
	tok, err := js.token()
	if err != nil {
		return "", err
	}
	switch t := tok.(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		if t {
			return "true", nil
		}
		return "false", nil
	case json.Delim:
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
