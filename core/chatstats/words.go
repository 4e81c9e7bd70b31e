package chatstats

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// How text is cut into words (see also the package comment):
//   - A word is a run of letters, combining marks and digits. Apostrophes
//     and hyphens between two such characters join one word ("don't",
//     "e-mail" count once) but split its parts for the top words ("don" and
//     "t", both stop words; "l'amico" gives "amico").
//   - Scripts written without spaces are not segmented with a dictionary:
//     every Han or kana character counts as a word (as word processors count
//     them), and a run of one script (Han, hiragana, katakana; Thai, Lao,
//     Khmer, Myanmar as one word per run) of at most maxRunRunes characters
//     is a candidate for the top words ("ありがとう", "谢谢").
//   - Emoji are counted apart and are never words; a URL counts as one word
//     and never among the top words; a word of digits only is never a top
//     word.

// maxRunRunes bounds a top-word candidate in a script without spaces:
// longer runs are phrases, not words.
const maxRunRunes = 6

// Classes of characters, for the scanner.
const (
	classSep      uint8 = iota // space, punctuation, symbols
	classWord                  // letter or digit of a script written with spaces
	classMark                  // continues whatever it follows (combining marks, ZWJ, ZWNJ)
	classJoiner                // apostrophes and hyphens
	classHan                   // each character a word
	classHiragana              // each character a word
	classKatakana              // each character a word
	classKanaLong              // ー and half-width voicing marks: continue a kana run
	classNoSpace               // Thai, Lao, Khmer, Myanmar: a run is a word
	classEmoji                 // may start an emoji sequence

	// classFolds, or-ed into a class from runeClass, marks a rune outside
	// ASCII that its word's fold changes (a capital, a compatibility
	// character): a word without one is looked up as it is written.
	classFolds uint8 = 0x80
)

// The classes fit in four bits, which the scanner's bit sets (startsRun,
// runClasses) are shifted by without a test of the shift: this fails to
// compile when a class past 15 is added.
const _ = uint8(15 - classEmoji)

// asciiWordByte marks the ASCII letters and digits.
var asciiWordByte = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = asciiClass[c] == classWord
	}
	return t
}()

// asciiClass classifies bytes below 0x80.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			t[c] = classWord
		case c == '\'' || c == '-':
			t[c] = classJoiner
		}
	}
	return t
}()

var (
	bmpClassOnce sync.Once
	bmpClass     atomic.Pointer[[0x10000]uint8] // once built
)

// runeClass classifies r, from a table for the Basic Multilingual Plane built
// the first time a character outside ASCII is seen.
func runeClass(r rune) uint8 {
	if r >= 0x10000 {
		if r >= 0x1F300 && r <= 0x1F64F || r >= 0x1F680 && r <= 0x1F6FF || r >= 0x1F900 && r <= 0x1FAFF {
			return classEmoji // the emoji blocks, quickly
		}
		return classify(r) | foldFlag(r)
	}
	return bmpClasses()[r]
}

// buildBMPClasses gives every rune of the Basic Multilingual Plane the
// class classify gives it (TestBMPClasses checks), from Unicode's range
// tables: classify's tests in reverse order, each overriding the ones
// before, cost a fraction of 65,536 calls of classify.
func buildBMPClasses() *[0x10000]uint8 {
	t := new([0x10000]uint8)
	set := func(table *unicode.RangeTable, cl uint8, only func(uint8) bool) {
		for _, rg := range table.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				if only == nil || only(t[r]) {
					t[r] = cl
				}
			}
		}
	}
	for _, rg := range emojiBases {
		for r := rg[0]; r <= rg[1] && r < 0x10000; r++ {
			t[r] = classEmoji
		}
	}
	set(unicode.L, classWord, nil)
	set(unicode.N, classWord, nil)
	isWord := func(cl uint8) bool { return cl == classWord }
	for _, script := range []*unicode.RangeTable{unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar} {
		set(script, classNoSpace, isWord)
	}
	set(unicode.M, classMark, nil)
	set(unicode.Katakana, classKatakana, nil)
	set(unicode.Hiragana, classHiragana, nil)
	set(unicode.Han, classHan, nil)
	t[0x3005] = classHan
	for _, r := range []rune{0x30FC, 0xFF70, 0xFF9E, 0xFF9F} {
		t[r] = classKanaLong
	}
	t[0x200C], t[0x200D] = classMark, classMark
	for _, r := range []rune{0x2019, 0x02BC, 0x2010, 0x2011} {
		t[r] = classJoiner
	}
	for r := range utf8.RuneSelf {
		t[r] = asciiClass[r]
	}
	// The fold flag: runes the quick check stops at, and those with a
	// lower case, found through Unicode's case ranges rather than rune by
	// rune.
	fd := foldData()
	for r := utf8.RuneSelf; r < len(t); r++ {
		if fd.needsWork(rune(r)) {
			t[r] |= classFolds
		}
	}
	for _, cr := range unicode.CaseRanges {
		d := cr.Delta[unicode.LowerCase]
		for r := rune(cr.Lo); r <= rune(cr.Hi) && r < 0x10000; r++ {
			// An UpperLower range alternates capital and small, from Lo.
			if r >= utf8.RuneSelf && d != 0 && (d != unicode.UpperLower || (r-rune(cr.Lo))%2 == 0) {
				t[r] |= classFolds
			}
		}
	}
	return t
}

// foldFlag is classFolds for a rune of a word that the fold changes.
func foldFlag(r rune) uint8 {
	if foldData().needsWork(r) || lower(r) != r {
		return classFolds
	}
	return 0
}

func classify(r rune) uint8 {
	switch {
	case r < utf8.RuneSelf:
		return asciiClass[r]
	case r >= 0x1F000 && (isEmojiBase(r) || r >= regionalFirst && r <= regionalLast):
		return classEmoji
	case r == 0x2019 || r == 0x02BC || r == 0x2010 || r == 0x2011: // ’ ʼ ‐ ‑
		return classJoiner
	case r == 0x200C || r == 0x200D:
		return classMark
	case r == 0x30FC || r == 0xFF70 || r == 0xFF9E || r == 0xFF9F:
		return classKanaLong
	case r == 0x3005 || unicode.Is(unicode.Han, r):
		return classHan
	case unicode.Is(unicode.Hiragana, r):
		return classHiragana
	case unicode.Is(unicode.Katakana, r):
		return classKatakana
	case unicode.IsMark(r):
		return classMark
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		if unicode.In(r, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar) {
			return classNoSpace
		}
		return classWord
	case isEmojiBase(r):
		return classEmoji
	}
	return classSep
}

// fastPaths turns on scanText's shortcuts for the commonest texts:
// asciiWords (and its asciiRun), kanaHanWord, and the lone emoji. They do
// what the general loop does, in fewer instructions; only
// TestFastPathsAgreeWithTheGeneralOne and FuzzFastPaths turn them off, to
// hold them to it (so no test of this package may run in parallel).
var fastPaths = true

// textScan holds the state of cutting one message into words.
type textScan struct {
	words   int   // words counted so far
	start   int   // start of the current part, or -1
	class   uint8 // the current part's class
	ascii   bool  // the part is ASCII only
	folds   bool  // the part, not ASCII only, has a rune its fold changes
	runes   int   // characters in the part
	counted bool  // the current word (parts joined by apostrophes or hyphens) is counted
}

// scanText counts the words and emoji of text for author a and feeds its
// top lists.
func (s *Stats) scanText(a *author, text string) {
	t := textScan{start: -1}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case classWord:
				if t.start < 0 {
					if c <= '9' {
						if n := keycapAt(text, i); n > 0 {
							s.addEmoji(a, text[i:i+n])
							t.counted = false
							i += n
							continue
						}
					}
					if fastPaths {
						i = s.asciiWords(a, text, i, &t)
						continue
					}
				}
				if t.start < 0 || t.class != classWord {
					if t.start >= 0 {
						s.endPart(a, text, i, &t)
					}
					t.begin(i, classWord)
				}
				j, _ := asciiWordEnd(text, i)
				t.folds = t.folds || hasUpper(text[i:j]) // ASCII after other letters
				i = j
				continue
			case classJoiner:
				if t.start >= 0 && i+1 < len(text) && s.wordNext(text[i+1:]) {
					s.endPart(a, text, i, &t) // the word goes on
					i++
					continue
				}
			default:
				if c == ':' && t.start >= 0 && len(text) >= i+3 && text[i+1] == '/' && text[i+2] == '/' {
					i = skipURL(text, i) // counted once, never a top word
					t.start, t.counted = -1, false
					continue
				}
				if (c == '#' || c == '*') && t.start < 0 {
					if n := keycapAt(text, i); n > 0 {
						s.addEmoji(a, text[i:i+n])
						i += n
						continue
					}
				}
			}
			if t.start >= 0 {
				s.endPart(a, text, i, &t)
			}
			t.counted = false
			i++
			continue
		}
		if c >= 0xE0 && c < 0xF0 && t.start < 0 && fastPaths {
			if j := s.kanaHanWord(a, text, i, &t); j > i {
				i = j
				continue
			}
		}
		r, n := decodeRune(text, i)
		raw := runeClass(r)
		switch cl := raw &^ classFolds; cl {
		case classWord, classNoSpace:
			if t.start < 0 || t.class != cl {
				if t.start >= 0 {
					s.endPart(a, text, i, &t)
				}
				t.begin(i, cl)
			}
			// An ASCII start is folded too if it holds a capital.
			t.folds = t.folds || raw&classFolds != 0 || t.ascii && t.start >= 0 && hasUpper(text[t.start:i])
			t.ascii = false
			t.runes++
		case classHan, classHiragana, classKatakana, classKanaLong:
			if cl == classKanaLong && (t.class == classHiragana || t.class == classKatakana) && t.start >= 0 {
				cl = t.class
			} else if cl == classKanaLong {
				cl = classKatakana
			}
			if t.start < 0 || t.class != cl {
				if t.start >= 0 {
					s.endPart(a, text, i, &t)
				}
				t.begin(i, cl)
			}
			t.folds = t.folds || raw&classFolds != 0
			t.ascii = false
			t.runes++
			t.words++
			// The rest of the run (commonly a whole word): characters of
			// three bytes that continue it, each a word.
			i += n
			if r >= 0x10000 {
				continue
			}
			bmp, accept := bmpClasses(), runClasses(t.class)
			for ; ; i += 3 {
				raw := kanaHanClass(bmp, text, i)
				if accept>>(raw&15)&1 == 0 {
					break
				}
				t.folds = t.folds || raw&classFolds != 0
				t.runes++
				t.words++
			}
			continue
		case classMark:
			if t.start >= 0 {
				t.folds = true // it may compose with the rune before
				t.ascii = false
			}
		case classJoiner:
			if t.start >= 0 && s.wordNext(text[i+n:]) {
				if t.start >= 0 {
					s.endPart(a, text, i, &t)
				}
			} else {
				if t.start >= 0 {
					s.endPart(a, text, i, &t)
				}
				t.counted = false
			}
		case classEmoji:
			if t.start >= 0 {
				s.endPart(a, text, i, &t)
			}
			t.counted = false
			if n == 4 && fastPaths && (i+4 == len(text) || text[i+4] < utf8.RuneSelf) &&
				(r >= regionalFirst && r <= regionalLast || isEmojiBase(r)) {
				// A lone emoji of one character (ASCII after it: no
				// modifier, no joiner), the commonest: emojiAt's
				// sequence is the character itself, counted from the
				// text.
				a.emoji++
				if h, prefix, tag, id, ok := a.topEmoji.findText(text, i, i+4, 0); ok {
					a.topEmoji.hit(id)
				} else {
					s.key = append(s.key[:0], text[i:i+4]...)
					k := wordKey{hash: h, prefix: prefix, tag: tag, folded: s.key}
					a.topEmoji.miss(&k, s.key)
				}
				i += 4
				continue
			}
			var ok bool
			end := i
			if end, s.key, ok = emojiAt(text, i, r, n, s.key[:0]); ok {
				a.emoji++
				a.topEmoji.add(s.key)
				i = end
				continue
			}
		default:
			if t.start >= 0 {
				s.endPart(a, text, i, &t)
			}
			t.counted = false
		}
		i += n
	}
	if t.start >= 0 {
		s.endPart(a, text, len(text), &t)
	}
	a.words += t.words
}

// hasUpper reports whether s holds an ASCII capital.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]-'A' < 26 {
			return true
		}
	}
	return false
}

// asciiWords counts the whole ASCII words from text[i] on, an ASCII letter
// or digit where no part is open: the commonest case by far, counted here
// without the general scan's bookkeeping.
//
// A whole word is a run of ASCII letters and digits that the end of the
// text or an ASCII separator ends: not a joiner, which may join it to the
// next part, nor ':', which may start a URL's "://". The bytes after it
// that scanText would only skip (the ASCII ones but letters, digits, '#'
// and '*', which may start a keycap) are skipped. It returns where scanText
// goes on: at a character it handles itself, or, when a word goes on with
// something else (a joiner, ':', a character outside ASCII), past the
// letters and digits of that word, opened as a part as scanText would open
// it. scanText has checked text[i] for a keycap; asciiWords checks the words
// after it.
func (s *Stats) asciiWords(a *author, text string, i int, t *textScan) int {
	whole := 0 // whole words counted
	for {
		// The commonest words, without a call.
		j, n := asciiRun(&s.vocab, a.counts, text, i)
		i, whole = j, whole+n
		if i >= len(text) || !asciiWordByte[text[i]] {
			break
		}
		// The word at i, which asciiRun left: one with letters outside
		// ASCII, or longer, or missing from the table, or not whole.
		end, latin, upper, folds := latinWordEnd(text, i)
		if end < len(text) && !endsASCIIWord[text[end]] {
			t.wholeWords(whole)
			if text[i] <= '9' && keycapAt(text, i) > 0 {
				return i
			}
			end, _ = asciiWordEnd(text, i)
			t.begin(i, classWord)
			return end
		}
		whole++
		switch {
		case !latin:
			if text[i] > '9' || !digitsOnly(text[i:end]) {
				s.countText(a, text, i, end, lowerAll)
			}
		case !upper && !folds:
			s.countText(a, text, i, end, 0)
		case !folds:
			// Its fold: ASCII capitals lower-cased, the rest as it is.
			b := append(s.key[:0], text[i:end]...)
			for k, c := range b {
				if c-'A' < 26 {
					b[k] = c | 0x20
				}
			}
			s.key = b
			k := keyOf(b)
			s.countWord(a, &k)
		default:
			k := keyOf(s.fold.fold(text[i:end]))
			s.countWord(a, &k)
		}
		if i = pastSeparators(text, end); i >= len(text) || !asciiWordByte[text[i]] {
			break
		}
	}
	t.wholeWords(whole)
	return i
}

// latinWordEnd returns the end of the word at text[i], an ASCII letter or
// digit, as far as it is made of ASCII letters and digits and, after a
// letter, characters of two bytes that scanText classes as letters of a
// script written with spaces (Latin, Greek, Cyrillic …), the commonest
// words outside ASCII; whether it holds such characters (latin), an ASCII
// capital (upper), and a character the fold changes (folds). Where the end
// of the text or an ASCII separator but ':' follows, scanText would count
// it as one part of class classWord, a fold of itself unless upper or
// folds, and with upper alone the fold is the word with its ASCII capitals
// lower-cased (a character without classFolds is its own lower case and
// NFKC).
func latinWordEnd(text string, i int) (end int, latin, upper, folds bool) {
	letters := text[i] > '9'
	var bmp *[0x10000]uint8
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf {
			// ASCII letters and digits, eight bytes at a time.
			var v uint64
			if i+8 <= len(text) {
				v = load64(text, i)
			} else {
				v = loadPadded(text, i)
			}
			n := bits.TrailingZeros64(^alnumBytes(v)&highBits) >> 3
			upper = upper || upperBytes(v)&highBits&byteMasks[n&15] != 0
			if i += n; n == 8 {
				continue
			}
			if i >= len(text) || text[i] < utf8.RuneSelf {
				break
			}
		}
		c := text[i]
		if !letters || c < 0xC2 || c >= 0xE0 || i+1 >= len(text) || text[i+1]&0xC0 != 0x80 {
			break
		}
		if bmp == nil {
			bmp = bmpClasses()
		}
		raw := bmp[rune(c&0x1F)<<6|rune(text[i+1]&0x3F)]
		if raw&^classFolds != classWord {
			break
		}
		latin, folds = true, folds || raw&classFolds != 0
		i += 2
	}
	return i, latin, upper, folds
}

// longASCIIEnd returns the end of the ASCII letters from text[i] on, the
// second eight bytes of a word, when they end within eight bytes at an ASCII
// separator but ':' or the end of the text, else -1.
func longASCIIEnd(text string, i int) int {
	v := loadPadded(text, i)
	n := bits.TrailingZeros64(^letterBytes(v)&highBits) >> 3
	if end := i + n; n < 8 && (end == len(text) || endsASCIIWord[text[end]]) {
		return end
	}
	return -1
}

// latin1Word returns the length of the word at the start of v (eight bytes,
// little-endian) as far as it is made of ASCII letters and characters of two
// bytes C3 80 to C3 BF (U+00C0 to U+00FF: à to ÿ and their capitals), and
// the bits that lower-case it when OR-ed in: 0x20 on its ASCII letters and
// on the second bytes of those characters but ß (C3 9F), which moves À to Þ
// onto à to þ and leaves the small letters as they are. Those letters are
// their own NFKC, so the word so lowered is its fold. × and ÷ (C3 97, C3
// B7) are no letters; a word holding one is no word in the table and its
// lookup misses, which leaves it to asciiWords. A letter cut by the end of
// v ends the word there.
func latin1Word(v uint64) (n int, lower uint64) {
	const ones = 0x0101010101010101
	letters := letterBytes(v)
	second := v &^ (v << 1) & highBits // 10xxxxxx
	pairs := zeroBytes(v^0xC3*ones) & (second >> 8)
	pairs |= pairs << 8
	n = bits.TrailingZeros64(^(letters|pairs)&highBits) >> 3
	seconds := second &^ zeroBytes(v^0x9F*ones) // those past n are masked off
	return n, (letters | seconds) >> 2 & byteMasks[n&15]
}

// zeroBytes sets the high bit of each byte of v that is zero, and only of
// those (no borrow runs from one byte into the next).
func zeroBytes(v uint64) uint64 {
	const ones = 0x0101010101010101
	return ^((v&^highBits + 0x7F*ones) | v) & highBits
}

// letterBytes sets the high bit of each byte of v that is an ASCII letter
// (alnumBytes without the digits).
func letterBytes(v uint64) uint64 {
	const ones = 0x0101010101010101
	y := v&^highBits | 0x20*ones
	return (y + (0x80-'a')*ones) &^ (y + (0x7F-'z')*ones) &^ v & highBits
}

// upperBytes sets the high bit of each byte of v, ASCII letters and
// digits, that is a capital (a SWAR range test, as alnumBytes).
func upperBytes(v uint64) uint64 {
	const ones = 0x0101010101010101
	x := v &^ highBits
	return (x + (0x80-'A')*ones) &^ (x + (0x7F-'Z')*ones)
}

// wholeWords counts n whole words after the current one: the first is
// counted unless the current word already is (it follows a joiner).
func (t *textScan) wholeWords(n int) {
	if n > 0 {
		if t.counted {
			n--
		}
		t.words += n
		t.counted = false
	}
}

// asciiRun is asciiWords's inner loop, without a call for the commonest
// words, so that its state stays in registers: from text[i], an ASCII letter
// or digit, it counts the whole words of the vocabulary voc whose pages the
// author's counts hold, of up to eight bytes (ASCII letters, and those of
// Latin-1 after them: latin1Word) and of nine to 16 ASCII letters (through
// findText), and skips the separators after them that asciiWords skips. It
// returns where it stopped, at a byte it does not skip or a word it leaves
// to asciiWords, and the number of words it counted.
func asciiRun(voc *vocab, counts countPages, text string, i int) (int, int) {
	if voc.table.n == 0 {
		return i, 0
	}
	entries := voc.table.entries
	mask := uint32(len(entries) - 1)
	words := 0
	for {
		// The word's first eight bytes find its end, and are its key.
		var w uint64
		switch {
		case i+8 <= len(text):
			w = load64(text, i)
		case len(text) >= 8:
			w = load64(text, len(text)-8) >> (uint(8*(i+8-len(text))) & 63)
		default:
			return i, words
		}
		// Letters only: a digit ends the run where no separator does,
		// which leaves the word to asciiWords.
		n := bits.TrailingZeros64(^letterBytes(w)&highBits) >> 3 // 0 to 8
		end := i + n
		if n == 0 || end < len(text) && !endsASCIIWord[text[end]] {
			if n == 8 && asciiWordByte[text[end]] {
				// A word of nine letters or more: findText's lookup for
				// one of up to 16.
				if end = longASCIIEnd(text, end); end < 0 {
					return i, words
				}
				_, _, _, id, ok := voc.findText(text, i, end, lowerAll)
				if !ok || !counts.has(id) {
					return i, words
				}
				counts.add(id)
				words++
				if i = pastSeparators(text, end); i >= len(text) || !asciiWordByte[text[i]] {
					return i, words
				}
				continue
			}
			if n == 0 || text[end] != 0xC3 {
				return i, words
			}
			// The word goes on with à to ÿ (German, French, Spanish …).
			var lower uint64
			n, lower = latin1Word(w)
			if end = i + n; end < len(text) && !endsASCIIWord[text[end]] {
				return i, words
			}
			w = w&byteMasks[n&15] | lower
		} else {
			w = w&byteMasks[n&15] | lowerMasks[n&15]
		}
		id := findShort(entries, mask, shortHash(w, n), w, n)
		if id < 0 || !counts.has(id) {
			return i, words
		}
		counts.add(id)
		words++
		if i = pastSeparators(text, end); i >= len(text) || !asciiWordByte[text[i]] {
			return i, words
		}
	}
}

// shortHash is findText's hash of a word of up to eight bytes, w (its
// bytes, zero-padded), n bytes long.
func shortHash(w uint64, n int) uint64 {
	hi, lo := bits.Mul64(lengthSeeds[n&31]^w, hashMul2)
	return finishHash(hi ^ lo)
}

// findShort is findText's lookup of that word, of hash h, in a table's
// entries (mask is their number less one): its id, or -1. The table holds
// at least one word (with none, entries is empty). shortHash and findShort are
// small enough to be inlined into the loops that count the commonest
// words, where a call would cost more than the lookup.
func findShort(entries []wordEntry, mask uint32, h, w uint64, n int) int32 {
	tag := uint32(h)&^0xFF | uint32(n)
	j := uint32(h) >> 8 & mask
	for entries[j].tag != tag || entries[j].prefix != w {
		if entries[j].tag == 0 {
			return -1
		}
		j = (j + 1) & mask
	}
	return entries[j].val
}

// pastSeparators returns where scanning goes on after a word that ends at
// end, at an ASCII separator or the end of text: past that separator and the
// ones after it that do nothing where no part is open (skipsASCII), or past
// the end of text (len(text)+1) when the word ends it.
func pastSeparators(text string, end int) int {
	i := end + 1
	for i < len(text) && skipsASCII[text[i]] {
		i++
	}
	return i
}

// kanaHanWord scans the runs of Han, hiragana or katakana characters of
// three bytes from text[i] on, where no part is open, as scanText would,
// and returns where scanText goes on (i when text[i] starts no such run).
// Each run is a part, ended where a character of another of these classes
// starts the next (as in 晩ご飯). A run that the end of the text or an
// ASCII separator other than ':' ends (the commonest case in Chinese and
// Japanese) is counted here, and the separators after it skipped as
// scanText would skip them; where a character of three bytes follows them,
// the scan goes on from there, as scanText would call kanaHanWord again.
// Otherwise the last run is left open as scanText's current part, as
// scanText would leave it.
func (s *Stats) kanaHanWord(a *author, text string, i int, t *textScan) int {
	bmp := bmpClasses()
	for {
		// The run's first character sets its class; ー starts a
		// katakana run.
		start := i
		raw := kanaHanClass(bmp, text, i)
		cl := raw &^ classFolds
		if !startsRun(cl) {
			return start
		}
		if cl == classKanaLong {
			cl = classKatakana
		}
		// The rest of the run, with the fold flags of all or-ed together.
		accept := runClasses(cl)
		all := raw
		for i += 3; ; i += 3 {
			if i+4 <= len(text) {
				// One load of four bytes, the character's three and one
				// more: kanaHanClass without its three loads.
				c := text[i : i+4]
				raw = class3(bmp, uint32(c[0])|uint32(c[1])<<8|uint32(c[2])<<16|uint32(c[3])<<24)
			} else {
				raw = kanaHanClass(bmp, text, i)
			}
			if accept>>(raw&15)&1 == 0 {
				break
			}
			all |= raw
		}
		runes := int(uint(i-start) / 3)
		folds := all&classFolds != 0
		// Another of these classes ends the run: scanText ends the part
		// there and opens the next with that character.
		next := startsRun(raw &^ classFolds)
		t.words += runes // every character a word
		if !next && i < len(text) && !endsASCIIWord[text[i]] {
			t.start, t.class, t.ascii, t.folds, t.runes = start, cl, false, folds, runes
			return i
		}
		if runes <= maxRunRunes {
			if !folds && runes <= 2 && s.vocab.table.n > 0 {
				// A word of one or two characters (six bytes), the
				// commonest in Chinese and Japanese text: findText's
				// lookup, inline.
				n := i - start
				var w uint64
				if start+8 <= len(text) { // loadPadded's first case, inline
					w = load64(text, start) & byteMasks[n&15]
				} else {
					w = loadPadded(text, start) & byteMasks[n&15]
				}
				h := shortHash(w, n)
				if id := findShort(s.vocab.table.entries, uint32(len(s.vocab.table.entries)-1), h, w, n); id >= 0 {
					a.countID(id)
				} else {
					s.countNew(a, text, start, i, 0, h, w, tagOf(h, n))
				}
			} else if !folds {
				// countText, by hand: a call fewer.
				if h, prefix, tag, id, ok := s.vocab.findText(text, start, i, 0); ok {
					a.countID(id)
				} else {
					s.countNew(a, text, start, i, 0, h, prefix, tag)
				}
			} else {
				k := keyOf(s.fold.fold(text[start:i]))
				s.countWord(a, &k)
			}
		}
		if next {
			continue
		}
		t.counted = false
		if i == len(text) {
			return i
		}
		// Then the next word, if it may be one of ours.
		if i = pastSeparators(text, i); i == len(text) || text[i] < 0xE0 || text[i] >= 0xF0 {
			return i
		}
	}
}

// startsRun reports whether a character of class cl starts a run of Han or
// kana: Han, hiragana, katakana, and ー, which starts a katakana one.
func startsRun(cl uint8) bool {
	const starts = 1<<classHan | 1<<classHiragana | 1<<classKatakana | 1<<classKanaLong
	return starts>>(cl&15)&1 != 0
}

// runClasses is the set (bit 1<<class) of the classes whose characters
// continue a run of class cl (classHan, classHiragana or classKatakana):
// its own, and ー (classKanaLong) after kana.
func runClasses(cl uint8) uint16 {
	m := uint16(1) << (cl & 15)
	if cl != classHan {
		m |= 1 << classKanaLong
	}
	return m
}

// kanaHanClass returns runeClass of the character of three bytes at
// text[i], or classSep where there is none. It leaves out decode3's checks
// for overlong forms and surrogates: their classes, those of characters
// below U+0800 and classSep, are none that a run of Han or kana goes on
// with.
func kanaHanClass(bmp *[0x10000]uint8, text string, i int) uint8 {
	if i+3 > len(text) {
		return classSep
	}
	c := text[i : i+3]
	return class3(bmp, uint32(c[0])|uint32(c[1])<<8|uint32(c[2])<<16)
}

// class3 returns runeClass of the character of three bytes that x's low
// three bytes (little-endian) are, or classSep where they are none, with
// kanaHanClass's leniency; x's top byte is not read.
func class3(bmp *[0x10000]uint8, x uint32) uint8 {
	if x&0xC0C0F0 != 0x8080E0 { // 1110xxxx 10xxxxxx 10xxxxxx
		return classSep
	}
	return bmp[uint16(x&0x0F)<<12|uint16(x>>8&0x3F)<<6|uint16(x>>16&0x3F)]
}

// bmpClasses returns runeClass's table for the Basic Multilingual Plane,
// built once; once built, a load.
func bmpClasses() *[0x10000]uint8 {
	if p := bmpClass.Load(); p != nil {
		return p
	}
	bmpClassOnce.Do(func() { bmpClass.Store(buildBMPClasses()) })
	return bmpClass.Load()
}

// lengthSeeds[n] starts the hash of a word of n bytes (see hashWord).
var lengthSeeds = func() (s [32]uint64) {
	for n := range s {
		s[n] = hashSeed ^ uint64(n)*hashMul1
	}
	return s
}()

// endsASCIIWord marks the bytes after which a run of ASCII letters and
// digits is a whole word: the ASCII separators but ':'. skipsASCII marks
// those that, where no part is open, do nothing but end the word before:
// the ASCII bytes but letters, digits, '#' and '*'.
var endsASCIIWord, skipsASCII = func() (ends, skips [256]bool) {
	for c := range utf8.RuneSelf {
		ends[c] = asciiClass[c] == classSep && c != ':'
		skips[c] = asciiClass[c] != classWord && c != '#' && c != '*'
	}
	return ends, skips
}()

// loadShort returns the bytes from text[i] on, fewer than eight,
// little-endian, zero-padded.
func loadShort(text string, i int) uint64 {
	var v uint64
	for k := len(text) - 1; k >= i; k-- {
		v = v<<8 | uint64(text[k])
	}
	return v
}

// asciiWordEnd returns the end of the run of ASCII letters and digits at
// text[i] and the eight bytes from text[i] on, little-endian, zero past the
// end of text.
func asciiWordEnd(text string, i int) (end int, first uint64) {
	j := i
	for j+8 <= len(text) {
		v := load64(text, j)
		if j == i {
			first = v
		}
		if m := alnumBytes(v); m != highBits {
			return j + bits.TrailingZeros64(^m&highBits)/8, first
		}
		j += 8
	}
	if j == i { // fewer than eight bytes left: the end of a message
		for k := len(text) - 1; k >= i; k-- {
			first = first<<8 | uint64(text[k])
		}
	}
	for j < len(text) && asciiWordByte[text[j]] {
		j++
	}
	return j, first
}

const highBits = 0x8080808080808080

// alnumBytes sets the high bit of each byte of v that is an ASCII letter or
// digit (a SWAR range test: no byte's sum carries into the next).
func alnumBytes(v uint64) uint64 {
	const ones = 0x0101010101010101
	ascii := ^v & highBits
	x := v &^ highBits
	digit := (x + (0x80-'0')*ones) &^ (x + (0x7F-'9')*ones)
	y := x | 0x20*ones
	letter := (y + (0x80-'a')*ones) &^ (y + (0x7F-'z')*ones)
	return (digit | letter) & ascii
}

func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// begin opens a part of class cl at i, counting a new word where the part
// starts one.
func (t *textScan) begin(i int, cl uint8) {
	t.start, t.class, t.ascii, t.folds, t.runes = i, cl, true, false, 0
	switch cl {
	case classWord:
		if !t.counted {
			t.words++
			t.counted = true
		}
	case classNoSpace:
		t.words++
	}
}

// wordNext reports whether rest starts with a character that continues a
// word, so that an apostrophe or hyphen before it joins two parts.
func (s *Stats) wordNext(rest string) bool {
	if rest == "" {
		return false
	}
	if rest[0] < utf8.RuneSelf {
		return asciiClass[rest[0]] == classWord
	}
	r, _ := utf8.DecodeRuneInString(rest)
	cl := runeClass(r) &^ classFolds
	return cl != classSep && cl != classJoiner && cl != classEmoji && cl != classMark
}

// endPart closes the current part at end and, when it is a candidate,
// counts it among the author's top words.
func (s *Stats) endPart(a *author, text string, end int, t *textScan) {
	if t.start < 0 {
		return
	}
	start := t.start
	t.start = -1
	w := text[start:end]
	if t.class == classWord && digitsOnly(w) || t.class != classWord && t.runes > maxRunRunes {
		return
	}
	switch {
	case t.ascii:
		s.countText(a, text, start, end, lowerAll)
	case !t.folds:
		// Most words of scripts without case.
		s.countText(a, text, start, end, 0)
	default:
		k := keyOf(s.fold.fold(w))
		s.countWord(a, &k)
	}
}

// digitsOnly reports whether w is a number: decimal digits of any script.
func digitsOnly(w string) bool {
	if c := w[0]; c < utf8.RuneSelf && (c < '0' || c > '9') {
		return false
	}
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// byteMasks[n] keeps the first n bytes of a little-endian word;
// lowerMasks[n] lower-cases them, given ASCII letters and digits. (Tables:
// Go's shifts by a variable count cost more.)
var byteMasks, lowerMasks = func() (b, l [16]uint64) {
	for n := 1; n <= 8; n++ {
		b[n] = ^uint64(0) >> (64 - 8*n)
		l[n] = lowerAll & b[n]
	}
	return b, l
}()

func (s *Stats) addEmoji(a *author, seq string) {
	b := s.key[:0]
	for _, r := range seq {
		if r != emojiVS16 && r != emojiVS15 {
			b = utf8.AppendRune(b, r)
		}
	}
	s.key = b
	a.emoji++
	a.topEmoji.add(b)
}

// skipURL returns the end of the URL whose "://" is at text[i]: the next
// white space.
func skipURL(text string, i int) int {
	for i < len(text) && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' {
		i++
	}
	return i
}
