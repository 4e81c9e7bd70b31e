package chatparse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldStarts rules out, by reading bytes only, most places where none of a
// set of phrases can start, ignoring case. It holds a bit for each hash of
// the first three bytes (ASCII letters lowered) that a phrase can begin
// with in any case: every combination of the case forms of its first three
// runes. Lowering a text costs more than reading it (a table search per rune
// outside ASCII), and most texts hold no phrase.
type foldStarts struct {
	bits [1 << 16 / 64]uint64
	// any is set when some phrase's case form is shorter than three bytes:
	// the filter then rules nothing out.
	any bool
}

// add records the starts of phrase. A text matches phrase where its runes
// lower (unicode.ToLower, as strings.ToLower) or fold (strings.EqualFold) to
// phrase's, so each rune's case forms are its simple-folding orbit, plus
// U+0130 for "i", the one rune that lowers out of its orbit.
func (f *foldStarts) add(phrase string) {
	starts := []string{""}
	runes := 0
	for _, r := range phrase {
		if runes++; runes > 3 {
			break
		}
		var next []string
		for _, s := range starts {
			for _, form := range caseForms(r) {
				next = append(next, string(utf8.AppendRune([]byte(s), form)))
			}
		}
		starts = next
	}
	for _, s := range starts {
		if len(s) < 3 {
			f.any = true
			continue
		}
		h := startHash(s[0], s[1], s[2])
		f.bits[h/64] |= 1 << (h % 64)
	}
}

// caseForms returns the runes that lower or fold to r's case forms.
func caseForms(r rune) []rune {
	forms := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		forms = append(forms, f)
	}
	if unicode.ToLower(r) == 'i' {
		forms = append(forms, 'İ')
	}
	return forms
}

func startHash(a, b, c byte) uint32 {
	return (uint32(lowerASCII(a))<<16 | uint32(lowerASCII(b))<<8 | uint32(lowerASCII(c))) * 0x9E3779B1 >> 16
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// at reports whether a phrase may start at s[i].
func (f *foldStarts) at(s string, i int) bool {
	if f.any {
		return true
	}
	if i+3 > len(s) {
		return false
	}
	h := startHash(s[i], s[i+1], s[i+2])
	return f.bits[h/64]&(1<<(h%64)) != 0
}

// phraseSet finds whether a text holds any of its phrases, ignoring case.
type phraseSet struct {
	phrases []string // lower-case
	starts  foldStarts
}

func newPhraseSet(phrases []string) *phraseSet {
	set := &phraseSet{phrases: phrases}
	for _, p := range phrases {
		set.starts.add(p)
	}
	return set
}

// in reports whether text, lower-cased, contains one of the phrases.
func (set *phraseSet) in(text string) bool {
	if !set.starts.any {
		i := 0
		for ; i+3 <= len(text); i++ {
			// A phrase starts with a whole rune: continuation bytes are skipped.
			if text[i]&0xC0 != 0x80 && set.starts.at(text, i) {
				break
			}
		}
		if i+3 > len(text) {
			return false
		}
	}
	lower := strings.ToLower(text)
	for _, p := range set.phrases {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}
