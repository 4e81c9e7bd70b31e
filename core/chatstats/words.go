package chatstats

import (
	"sync"
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
)

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
	bmpClass     *[0x10000]uint8
)

// runeClass classifies r, from a table for the Basic Multilingual Plane built
// the first time a character outside ASCII is seen.
func runeClass(r rune) uint8 {
	if r >= 0x10000 {
		return classify(r)
	}
	bmpClassOnce.Do(func() {
		bmpClass = new([0x10000]uint8)
		for r := range bmpClass {
			bmpClass[r] = classify(rune(r))
		}
	})
	return bmpClass[r]
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

// textScan holds the state of cutting one message into words.
type textScan struct {
	words   int   // words counted so far
	start   int   // start of the current part, or -1
	class   uint8 // the current part's class
	ascii   bool  // the part is ASCII only
	digit   bool  // the part is digits only
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
				if t.start < 0 || t.class != classWord {
					if c <= '9' && t.start < 0 {
						if n := keycapAt(text, i); n > 0 {
							s.addEmoji(a, text[i:i+n])
							t.counted = false
							i += n
							continue
						}
					}
					s.endPart(a, text, i, &t)
					t.begin(i, classWord)
				}
				// The rest of the run of ASCII letters and digits, in a
				// tight loop: most of a chat's text.
				j := i + 1
				for j < len(text) && asciiWordByte[text[j]] {
					j++
				}
				// A whole ASCII word before white space or the end, the
				// commonest case, is counted here.
				if t.start == i && (j == len(text) || text[j] == ' ' || text[j] == '\n') {
					if w := text[i:j]; w[0] > '9' || !digitsOnly(w) {
						k := asciiKey(w)
						s.countWord(a, &k)
					}
					t.start, t.counted = -1, false
					j++
				}
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
			s.endPart(a, text, i, &t)
			t.counted = false
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		switch cl := runeClass(r); cl {
		case classWord, classNoSpace:
			if t.start < 0 || t.class != cl {
				s.endPart(a, text, i, &t)
				t.begin(i, cl)
			}
			t.ascii = false
			t.runes++
		case classHan, classHiragana, classKatakana, classKanaLong:
			if cl == classKanaLong && (t.class == classHiragana || t.class == classKatakana) && t.start >= 0 {
				cl = t.class
			} else if cl == classKanaLong {
				cl = classKatakana
			}
			if t.start < 0 || t.class != cl {
				s.endPart(a, text, i, &t)
				t.begin(i, cl)
			}
			t.ascii = false
			t.runes++
			t.words++
		case classMark:
			if t.start >= 0 {
				t.ascii = false
			}
		case classJoiner:
			if t.start >= 0 && s.wordNext(text[i+n:]) {
				s.endPart(a, text, i, &t)
			} else {
				s.endPart(a, text, i, &t)
				t.counted = false
			}
		case classEmoji:
			s.endPart(a, text, i, &t)
			t.counted = false
			var ok bool
			end := i
			if end, s.key, ok = emojiAt(text, i, r, n, s.key[:0]); ok {
				a.emoji++
				a.topEmoji.add(s.key)
				i = end
				continue
			}
		default:
			s.endPart(a, text, i, &t)
			t.counted = false
		}
		i += n
	}
	s.endPart(a, text, len(text), &t)
	a.words += t.words
}

// begin opens a part of class cl at i, counting a new word where the part
// starts one.
func (t *textScan) begin(i int, cl uint8) {
	t.start, t.class, t.ascii, t.runes = i, cl, true, 0
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
	cl := runeClass(r)
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
	if (t.class != classWord && t.runes > maxRunRunes) || digitsOnly(w) {
		return
	}
	if t.ascii {
		k := asciiKey(w)
		s.countWord(a, &k)
		return
	}
	k := keyOf(s.fold.fold(w))
	s.countWord(a, &k)
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

// countWord counts one word in the author's top counter: a stop word in a
// slot of its own, exactly, any other as the counter decides.
func (s *Stats) countWord(a *author, k *wordKey) {
	t := &a.topWords
	if id, ok := t.lookup(k); ok {
		t.hit(id)
		return
	}
	var first byte
	if k.ascii != "" {
		first = k.ascii[0] | 0x20
	} else {
		first = k.folded[0]
	}
	if s.stops.mayHold(first, k.size()) {
		if id, ok := s.stops.lookup(k); ok {
			t.addStop(k, id, s.stops.words[id])
			return
		}
	}
	key := k.folded
	if k.ascii != "" {
		key = append(s.key[:0], k.ascii...)
		for i := range key {
			key[i] |= 0x20
		}
		s.key = key
	}
	t.miss(k, key)
}

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
