package chatstats

//go:generate go run gen_fold.go

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// The word fold: Unicode NFKC followed by lower case, so that "Ｈｅｌｌｏ",
// "𝐡𝐞𝐥𝐥𝐨", "HELLO" and "hello" are one word, and "café" typed with a
// combining accent is the same word as "café" typed with "é". NFKC is
// implemented here from generated tables (fold_tables.go) rather than imported
// from golang.org/x/text/unicode/norm, because the core imports the standard
// library only; fold_test.go proves it equal to norm.NFKC on every code point
// and on random mixes of letters, marks and compatibility characters.
//
// Lower case is unicode.ToLower rune by rune (simple case mapping: "ß" stays
// "ß", "İ" becomes "i"), close to Unicode's NFKC_Casefold for the words chats
// are made of.

// foldTables is the data the fold needs, built from fold_tables.go the first
// time a word outside ASCII is folded: a chat in English never pays for it.
type foldTables struct {
	decomp  map[rune][]rune // full compatibility decomposition (unordered marks)
	ccc     map[rune]uint8  // canonical combining class, when not zero
	compose map[uint64]rune // primary composite of a pair (a<<32 | b)
	// attention marks the runes the quick check stops at (needsWork), in a
	// bitmap for the Basic Multilingual Plane and a map above it.
	attention     [0x10000 / 64]uint64
	attentionHigh map[rune]bool
}

var (
	foldOnce sync.Once
	fold     *foldTables
)

// Hangul syllables compose by arithmetic (Unicode §3.12).
const (
	hangulSBase  = 0xAC00
	hangulLBase  = 0x1100
	hangulVBase  = 0x1161
	hangulTBase  = 0x11A7
	hangulLCount = 19
	hangulVCount = 21
	hangulTCount = 28
	hangulSCount = hangulLCount * hangulVCount * hangulTCount
)

func foldData() *foldTables {
	foldOnce.Do(func() { fold = buildFoldTables() })
	return fold
}

func buildFoldTables() *foldTables {
	// Sized for fold_tables.go (Unicode 15.0: 5857 decompositions with the
	// derived ones, 922 runes with a combining class, 941 compositions,
	// 2179 runes to mark above the BMP), so that building them grows no
	// map; a later Unicode only makes them grow once.
	t := &foldTables{decomp: make(map[rune][]rune, 6000), ccc: make(map[rune]uint8, 1024),
		compose: make(map[uint64]rune, 1024), attentionHigh: make(map[rune]bool, 2560)}
	for rest := foldDecompositions; rest != ""; {
		r, n := utf8.DecodeRuneInString(rest)
		end := n
		for rest[end] != 0 {
			end++
		}
		t.decomp[r] = []rune(rest[n:end])
		rest = rest[end+1:]
	}
	rs := []rune(foldCombiningClasses)
	for i := 0; i+2 < len(rs); i += 3 {
		for r := rs[i]; r <= rs[i+1]; r++ {
			t.ccc[r] = uint8(rs[i+2])
		}
	}
	rs = []rune(foldCompositions)
	pairOf := make(map[rune][2]rune, len(rs)/3)
	for i := 0; i+2 < len(rs); i += 3 {
		t.compose[pairKey(rs[i], rs[i+1])] = rs[i+2]
		pairOf[rs[i+2]] = [2]rune{rs[i], rs[i+1]}
		t.mark(rs[i+1]) // may compose with what precedes it
	}
	// Primary composites left out of the decomposition table decompose
	// into their pair, recursively.
	for c := range pairOf {
		t.derive(c, pairOf)
	}
	// The quick check (Unicode's NFKC_Quick_Check, UAX #15 §9): a word is
	// its own NFKC when none of its runes changes alone (a compatibility
	// character, a composition exclusion), may compose with the rune
	// before it (marked above), or is a combining mark. A precomposed
	// letter such as "ü" or "ご" needs no work.
	var f folder
	for r := range t.decomp {
		if f.slow(t, string(r)); len(f.runes) != 1 || f.runes[0] != r {
			t.mark(r)
		}
	}
	for r := range t.ccc {
		t.mark(r)
	}
	for r := rune(hangulVBase); r < hangulVBase+hangulVCount; r++ {
		t.mark(r)
	}
	for r := rune(hangulTBase + 1); r < hangulTBase+hangulTCount; r++ {
		t.mark(r)
	}
	return t
}

// derive returns c's full decomposition, filling it in from c's pair when
// the table left it out.
func (t *foldTables) derive(c rune, pairOf map[rune][2]rune) []rune {
	if d, ok := t.decomp[c]; ok {
		return d
	}
	p, ok := pairOf[c]
	if !ok {
		return []rune{c}
	}
	d := append(append([]rune{}, t.derive(p[0], pairOf)...), t.derive(p[1], pairOf)...)
	t.decomp[c] = d
	return d
}

func (t *foldTables) mark(r rune) {
	if r < 0x10000 {
		t.attention[r/64] |= 1 << (r % 64)
	} else {
		t.attentionHigh[r] = true
	}
}

// needsWork reports whether r may change under NFKC or combine with its
// neighbours; a word without such runes is its own NFKC.
func (t *foldTables) needsWork(r rune) bool {
	if r < 0x10000 {
		return t.attention[r/64]&(1<<(r%64)) != 0
	}
	return t.attentionHigh[r]
}

func pairKey(a, b rune) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

// lowerTable holds unicode.ToLower for the runes below 0x800 (Latin, Greek,
// Cyrillic, Armenian, Hebrew, Arabic), the ones most words are made of.
var lowerTable = func() (t [0x800]rune) {
	for r := range t {
		t[r] = unicode.ToLower(rune(r))
	}
	return t
}()

func lower(r rune) rune {
	switch {
	case r < 0x800:
		return lowerTable[r]
	case r >= 0x3000 && r < 0xA640, r >= 0xAC00 && r < 0xD800:
		return r // CJK, kana, Hangul: no case
	}
	return unicode.ToLower(r)
}

// folder folds words into a reused buffer.
type folder struct {
	runes []rune
	out   []byte
}

// fold returns the NFKC, lower-cased form of w. The result is valid until
// the next call.
func (f *folder) fold(w string) []byte {
	t := foldData()
	out := f.out[:0]
	for i := 0; i < len(w); {
		c := w[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := decodeRune(w, i)
		if t.needsWork(r) {
			return f.foldSlow(t, w)
		}
		switch lr := lower(r); {
		case lr != r:
			out = utf8.AppendRune(out, lr)
		case n == 2:
			out = append(out, c, w[i+1])
		default:
			out = append(out, w[i:i+n]...)
		}
		i += n
	}
	f.out = out
	return out
}

// foldSlow folds w through full NFKC.
func (f *folder) foldSlow(t *foldTables, w string) []byte {
	f.slow(t, w)
	out := f.out[:0]
	for _, r := range f.runes {
		out = utf8.AppendRune(out, lower(r))
	}
	f.out = out
	return out
}

// decodeRune decodes the rune at w[i] as utf8.DecodeRuneInString does, with
// the one-, two- and three-byte forms (ASCII; Latin, Greek, Cyrillic, Arabic,
// Hebrew …; CJK, kana, Hangul, Indic scripts) here.
func decodeRune(w string, i int) (rune, int) {
	c := w[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	if c >= 0xC2 && c < 0xE0 && i+1 < len(w) && w[i+1]&0xC0 == 0x80 {
		return rune(c&0x1F)<<6 | rune(w[i+1]&0x3F), 2
	}
	if i+2 < len(w) {
		if r := decode3(c, w[i+1], w[i+2]); r >= 0 {
			return r, 3
		}
	}
	return utf8.DecodeRuneInString(w[i:])
}

// decode3 returns the character the three bytes c0, c1, c2 encode, where
// most of the Basic Multilingual Plane past Latin is (CJK among it), or -1
// when they encode none.
func decode3(c0, c1, c2 byte) rune {
	if c0&0xF0 != 0xE0 || c1&0xC0 != 0x80 || c2&0xC0 != 0x80 { // 1110xxxx 10xxxxxx 10xxxxxx
		return -1
	}
	// Not overlong, no surrogate (D800-DFFF, whose top five of sixteen
	// bits are 11011).
	if r := rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F); r >= 0x800 && r>>11 != 0x1B {
		return r
	}
	return -1
}

// slow sets f.runes to the NFKC of w: full compatibility decomposition,
// canonical reordering, canonical composition.
func (f *folder) slow(t *foldTables, w string) {
	rs := f.runes[:0]
	for _, r := range w {
		if d, ok := t.decomp[r]; ok {
			rs = append(rs, d...)
		} else {
			rs = append(rs, r)
		}
	}
	t.reorder(rs)
	f.runes = t.composeAll(rs)
}

// reorder puts each run of combining marks in canonical order: a stable
// sort by combining class.
func (t *foldTables) reorder(rs []rune) {
	for i := 1; i < len(rs); i++ {
		c := t.ccc[rs[i]]
		if c == 0 {
			continue
		}
		for j := i; j > 0; j-- {
			p := t.ccc[rs[j-1]]
			if p <= c {
				break
			}
			rs[j-1], rs[j] = rs[j], rs[j-1]
		}
	}
}

// composeAll is Unicode's canonical composition algorithm: each character
// joins the last starter before it unless a character in between blocks it.
func (t *foldTables) composeAll(rs []rune) []rune {
	if len(rs) < 2 {
		return rs
	}
	out := rs[:1]
	starter := -1
	if t.ccc[rs[0]] == 0 {
		starter = 0
	}
	var lastClass uint8
	for _, r := range rs[1:] {
		c := t.ccc[r]
		adjacent := starter == len(out)-1
		if starter >= 0 && (adjacent || (lastClass != 0 && lastClass < c)) {
			if comp, ok := t.composePair(out[starter], r); ok {
				out[starter] = comp
				continue
			}
		}
		if c == 0 {
			starter = len(out)
		}
		lastClass = c
		out = append(out, r)
	}
	return out
}

func (t *foldTables) composePair(a, b rune) (rune, bool) {
	switch {
	case a >= hangulLBase && a < hangulLBase+hangulLCount && b >= hangulVBase && b < hangulVBase+hangulVCount:
		return hangulSBase + ((a-hangulLBase)*hangulVCount+(b-hangulVBase))*hangulTCount, true
	case a >= hangulSBase && a < hangulSBase+hangulSCount && (a-hangulSBase)%hangulTCount == 0 &&
		b > hangulTBase && b < hangulTBase+hangulTCount:
		return a + (b - hangulTBase), true
	}
	c, ok := t.compose[pairKey(a, b)]
	return c, ok
}
