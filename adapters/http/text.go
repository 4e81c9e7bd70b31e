package httpapi

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The rules for text a person writes (names, references, emails), stated as
// JSON Schema patterns so that clients can check them before sending, and
// enforced by huma with the same patterns before the core sees the value.
//
// A pattern has two spellings of one regular expression. The document
// carries the ECMA-262 spelling that OpenAPI names (\uXXXX escapes, which
// kin-openapi also reads); Go's regexp, which huma compiles, spells the same
// characters \x{XXXX}. Both use only what the two dialects share: negated
// classes of characters in the Basic Multilingual Plane, so a character
// outside it (an emoji) is matched alike by both, whether ECMA-262 sees it as
// one code point or two code units. textPattern keeps the pairs, and
// finishDocument swaps each Go spelling for its ECMA-262 one once huma has
// compiled it.

// textPattern is one pattern in its two spellings, and what it says in words
// (the message of a 422 that breaks it).
type textPattern struct {
	goRE, ecma, says string
}

// textPatterns maps a Go spelling to its pattern, for finishDocument.
var textPatterns = map[string]textPattern{}

// pattern registers a pattern whose spellings differ only in how classes
// are written: build is called with a class writer for each dialect.
func pattern(says string, build func(class func(negate bool, sets ...runeSet) string) string) textPattern {
	p := textPattern{goRE: build(classFor(goEscape)), ecma: build(classFor(ecmaEscape)), says: says}
	regexp.MustCompile(p.goRE)
	textPatterns[p.goRE] = p
	return p
}

// runeSet is a set of characters as ranges, lo and hi included.
type runeSet []unicode.Range16

func (s runeSet) has(r rune) bool {
	for _, rg := range s {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return true
		}
	}
	return false
}

// rangesOf collects the BMP characters for which in is true, as ranges.
func rangesOf(in func(rune) bool) runeSet {
	var out runeSet
	for r := rune(0); r <= 0xFFFF; r++ {
		if !in(r) {
			continue
		}
		if n := len(out); n > 0 && rune(out[n-1].Hi) == r-1 {
			out[n-1].Hi = uint16(r)
			continue
		}
		out = append(out, unicode.Range16{Lo: uint16(r), Hi: uint16(r), Stride: 1})
	}
	return out
}

// The character sets of the rules, taken from the same definitions the
// core's checks use (core.unsafeText, strings.TrimSpace), so that a change
// of Unicode version moves both; TestTextPatternsMatchTheCore compares them
// character by character.
var (
	// forbidden: control characters and text-direction characters.
	forbidden = rangesOf(func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) })
	// space: what strings.TrimSpace trims, beyond the control characters.
	space = rangesOf(func(r rune) bool { return unicode.IsSpace(r) && !unicode.IsControl(r) })
	// invisible: characters that show nothing (format characters,
	// joiners, variation selectors, fillers) and that no address needs.
	invisible = rangesOf(func(r rune) bool {
		return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
			r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0 || r == 0x034F
	})
	// addressSpecial: ASCII that net/mail does not take in an atom
	// (RFC 5322 specials, the space and the dot, which separates atoms).
	addressSpecial = runeSet{{Lo: ' ', Hi: ' ', Stride: 1}, {Lo: '"', Hi: '"', Stride: 1},
		{Lo: '(', Hi: ')', Stride: 1}, {Lo: ',', Hi: ',', Stride: 1}, {Lo: '.', Hi: '.', Stride: 1},
		{Lo: ':', Hi: '<', Stride: 1}, {Lo: '>', Hi: '>', Stride: 1}, {Lo: '@', Hi: '@', Stride: 1},
		{Lo: '[', Hi: ']', Stride: 1}}
)

// union merges sets into the fewest ranges, sorted, adjacent ones joined:
// what rangesOf would make of their union, without visiting every
// character (the patterns are built at start-up).
func union(sets ...runeSet) runeSet {
	var all runeSet
	for _, s := range sets {
		all = append(all, s...)
	}
	slices.SortFunc(all, func(a, b unicode.Range16) int { return cmp.Compare(a.Lo, b.Lo) })
	var out runeSet
	for _, rg := range all {
		if n := len(out); n > 0 && rune(rg.Lo) <= rune(out[n-1].Hi)+1 {
			out[n-1].Hi = max(out[n-1].Hi, rg.Hi)
			continue
		}
		out = append(out, unicode.Range16{Lo: rg.Lo, Hi: rg.Hi, Stride: 1})
	}
	return out
}

func goEscape(r rune) string {
	if r <= 0xFF {
		return fmt.Sprintf(`\x%02X`, r)
	}
	return fmt.Sprintf(`\x{%04X}`, r)
}

func ecmaEscape(r rune) string {
	if r <= 0xFF {
		return fmt.Sprintf(`\x%02X`, r)
	}
	return fmt.Sprintf(`\u%04X`, r)
}

// classFor writes character classes with escape. Every character in a
// class is escaped, so none is read as syntax by either dialect.
func classFor(escape func(rune) string) func(negate bool, sets ...runeSet) string {
	return func(negate bool, sets ...runeSet) string {
		merged := union(sets...)
		var b strings.Builder
		b.WriteByte('[')
		if negate {
			b.WriteByte('^')
		}
		for _, rg := range merged {
			b.WriteString(escape(rune(rg.Lo)))
			switch {
			case rg.Hi == rg.Lo+1:
				b.WriteString(escape(rune(rg.Hi)))
			case rg.Hi > rg.Lo:
				b.WriteString("-" + escape(rune(rg.Hi)))
			}
		}
		b.WriteByte(']')
		return b.String()
	}
}

var (
	// labelPattern: a display name. No control or text-direction
	// character anywhere, and something besides spaces (which the core
	// trims from both ends).
	labelPattern = pattern("text with no control or text-direction characters, not only spaces",
		func(class func(bool, ...runeSet) string) string {
			ok := class(true, forbidden)
			return "^" + ok + "*" + class(true, forbidden, space) + ok + "*$"
		})
	// keyNamePattern: an optional label. No control or text-direction
	// character; blank means no name.
	keyNamePattern = pattern("text with no control or text-direction characters",
		func(class func(bool, ...runeSet) string) string {
			return "^" + class(true, forbidden) + "*$"
		})
	// referencePattern: no control or text-direction character, and no
	// space at either end (the core refuses them rather than trimming, so
	// that a reference is stored exactly as sent).
	referencePattern = pattern("text with no control or text-direction characters and no spaces at either end",
		func(class func(bool, ...runeSet) string) string {
			edge := class(true, forbidden, space)
			return "^" + edge + "(" + class(true, forbidden) + "*" + edge + ")?$"
		})
	// emailPattern: a bare address, local@domain, each a dot-separated
	// run of atoms (RFC 5322 dot-atom, with RFC 6532's non-ASCII), and a
	// domain with at least one dot. An atom holds no space, control,
	// text-direction or invisible character. No quoted local part, no
	// comment, no display name, no [IP] domain.
	emailPattern = pattern("an address like name@example.com",
		func(class func(bool, ...runeSet) string) string {
			atom := class(true, forbidden, space, invisible, addressSpecial) + "+"
			return "^" + atom + `(\.` + atom + ")*@" + atom + `(\.` + atom + ")+$"
		})
)

// The shape of ids and cursors: ASCII, the same in both dialects.
const (
	// uuidPattern is core.ParseID's: the hyphenated form, either case.
	uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	// cursorPattern: base64url without padding, as core.EncodeCursor writes.
	cursorPattern = `^[A-Za-z0-9_-]*$`
	// idempotencyKeyPattern is core.ValidToken's: printable ASCII, no
	// space (the Idempotency-Key tags spell it out; a test compares them).
	idempotencyKeyPattern = `^[!-~]+$`
)
