package chatstats

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// wantFold is the fold's definition: NFKC, then lower case rune by rune.
func wantFold(s string) string {
	return strings.Map(lower, norm.NFKC.String(s))
}

func TestFoldIsNFKCOnEveryCodePoint(t *testing.T) {
	if norm.Version != unicodeVersion {
		t.Fatalf("fold tables are from Unicode %s, golang.org/x/text/unicode/norm is at %s: run go generate ./core/chatstats", unicodeVersion, norm.Version)
	}
	var f folder
	bad := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if got, want := string(f.fold(s)), wantFold(s); got != want {
			if bad++; bad <= 20 {
				t.Errorf("fold(%U) = %+q, want %+q", r, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d code points fold wrongly", bad)
	}
}

// foldPool mixes what makes NFKC hard: starters that compose, combining
// marks of several classes in any order, compatibility characters, Hangul
// jamo, half-width kana and their voicing marks, Indic vowel signs that
// compose with class 0.
var foldPool = []rune(
	"aeiouAEIOUnNcCsSyYzZwWgGkK" + // starters
		"\u0300\u0301\u0302\u0303\u0308\u030a\u030c\u0323\u0327\u0328\u0331\u0345\u0306\u0304\u031b\u0307" + // marks
		"éÉèêëüÜöÖçñåøæœßẹệǖǘḈṩờ" + // precomposed
		"ﬁﬀﬃĳǆǅŉſªº²³¹¼µ" + // compatibility
		"ＡＢＣａｂｃ０１２ｶｷｸﾞﾟｯｰ" + // full and half width
		"𝐀𝐁𝐚𝐛𝓗𝓮𝟏" + // mathematical alphanumerics
		"ᄀᄁ나ᅢᅣᆨᆩᆪ가각ㄱㅏ" + // Hangul jamo, syllables, compatibility jamo
		"かがカガ\u3099\u309a" + // kana and combining voicing marks
		"\u0b95\u0bc6\u0bbe\u0bd7\u0d46\u0d3e\u09c7\u09be" + // Tamil, Malayalam, Bengali
		"ΑαΩωΐ\u0342\u0313\u0314" + // Greek with breathing and perispomeni
		"ﺍﻻﷲﻼ" + // Arabic presentation forms
		"\u2126\u212b\uf900\ufa10\u2f00" + // singletons, CJK compatibility
		"\U00011131\U00011127\U0001112e\U00011099\U000110ba\U0001109a" + // Chakma, Kaithi: compositions above the BMP
		"üéごぱ\u00e0\u1ea1") // precomposed letters the quick check passes

func TestFoldIsNFKCOnRandomMixes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var f folder
	var b strings.Builder
	for i := range 200_000 {
		b.Reset()
		for range 1 + rng.IntN(8) {
			b.WriteRune(foldPool[rng.IntN(len(foldPool))])
		}
		s := b.String()
		if got, want := string(f.fold(s)), wantFold(s); got != want {
			t.Fatalf("case %d: fold(%+q) = %+q, want %+q", i, s, got, want)
		}
	}
}

func TestFoldExamples(t *testing.T) {
	var f folder
	for in, want := range map[string]string{
		"Hello":        "hello",
		"ＨＥＬＬＯ":        "hello",
		"𝐡𝐞𝐥𝐥𝐨":        "hello",
		"cafe\u0301":   "café",
		"CAFÉ":         "café",
		"ﬁne":          "fine",
		"ｶﾞｯｺｳ":        "ガッコウ",
		"\u1100\u1161": "가",
		"Straße":       "straße",
		"ПРИВЕТ":       "привет",
	} {
		if got := string(f.fold(in)); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// decodeRune (and decode3 within it) must decode as utf8.DecodeRuneInString
// does: every string of one to three bytes, alone and followed by more.
func TestDecodeRuneMatchesUTF8(t *testing.T) {
	var b [4]byte
	for v := range 1 << 24 {
		b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), 'x'
		for n := 1; n <= 4; n++ {
			if n < 4 && v>>(8*n) != 0 {
				continue // that string was checked at a smaller v
			}
			w := string(b[:n])
			r, size := decodeRune(w, 0)
			wr, wsize := utf8.DecodeRuneInString(w)
			if r != wr || size != wsize {
				t.Fatalf("decodeRune(%q) = %U, %d; want %U, %d", w, r, size, wr, wsize)
			}
		}
	}
}
