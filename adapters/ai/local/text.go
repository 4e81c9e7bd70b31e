package local

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// class is what a rune is to the tokeniser. Scripts written with spaces
// between words are cut at the spaces; Chinese and Japanese, written
// without, are cut by script (Han, Hiragana, Katakana) and read as
// character bigrams or substrings.
type class uint8

const (
	classOther    class = iota // spaces, punctuation, symbols, emoji
	classWord                  // letters and digits of spaced scripts (Latin, Cyrillic, Arabic, Devanagari, Hangul, …)
	classHan                   // Chinese characters, and Japanese kanji
	classHiragana              // Japanese, mostly grammar
	classKatakana              // Japanese, mostly loanwords: one word a run
)

func classOf(r rune) class {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return classWord
		}
		return classOther
	}
	switch {
	case unicode.Is(unicode.Han, r):
		return classHan
	case unicode.Is(unicode.Hiragana, r):
		return classHiragana
	// The prolonged sound mark is of the Common script, but inside katakana
	// words ("サッカー").
	case unicode.Is(unicode.Katakana, r), r == 'ー':
		return classKatakana
	case unicode.IsLetter(r), unicode.IsDigit(r):
		return classWord
	}
	return classOther
}

// isWordMark reports whether r is a combining mark inside a word, as
// Devanagari and Arabic write vowels. Variation selectors are marks too,
// but belong to emoji ("❤️").
func isWordMark(r rune) bool {
	return r >= utf8.RuneSelf && r != '\ufe0e' && r != '\ufe0f' && unicode.IsMark(r)
}

func isHangul(r rune) bool { return r >= 0x1100 && unicode.Is(unicode.Hangul, r) }

// token is one word of a spaced script, or one run of a CJK script.
type token struct {
	text  string
	class class
}

// lower is the form texts are matched in: lower case, with the typographic
// apostrophe phones put in words ("don’t") written as the ASCII one.
func lower(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "’", "'"))
}

// tokens appends the tokens of s, a lower-cased text, to dst.
func tokens(dst []token, s string) []token {
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		c := classOf(r)
		if c == classOther {
			i += w
			continue
		}
		j := runEnd(s, i+w, c)
		dst = append(dst, token{text: s[i:j], class: c})
		i = j
	}
	return dst
}

// runEnd returns where the token of class c that goes on at j ends. A word
// of a spaced script keeps its combining marks, and an apostrophe between
// letters ("don't", "l'équipe").
func runEnd(s string, j int, c class) int {
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		c2 := classOf(r)
		if c == classWord {
			if c2 == classWord || c2 == classOther && isWordMark(r) {
				j += w
				continue
			}
			if r == '\'' && j+1 < len(s) {
				if r3, _ := utf8.DecodeRuneInString(s[j+1:]); classOf(r3) == classWord {
					j += w
					continue
				}
			}
			return j
		}
		if c2 != c {
			return j
		}
		j += w
	}
	return j
}

// clean drops what carries no words of the chat's own: links, e-mail
// addresses and @mentions, and the ‹…› placeholders of chat exports
// ("‹Media omitted›": the transcript writes '<' as '‹').
func clean(s string) string {
	if !strings.ContainsAny(s, "/@‹") && !strings.Contains(s, "www.") {
		return s
	}
	var b strings.Builder
	for f := range strings.FieldsSeq(dropPlaceholders(s)) {
		if isLink(f) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

func isLink(f string) bool {
	switch {
	case strings.Contains(f, "://"), strings.HasPrefix(f, "www."), strings.HasPrefix(f, "@"):
		return true
	case strings.Contains(f, "@"):
		_, domain, _ := strings.Cut(f, "@")
		return strings.Contains(domain, ".")
	}
	return false
}

// dropPlaceholders removes short ‹…› spans; a lone ‹ (a "<3") stays.
func dropPlaceholders(s string) string {
	for {
		i := strings.Index(s, "‹")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "›")
		if j < 0 || j > 120 {
			return s
		}
		s = s[:i] + " " + s[i+j+len("›"):]
	}
}

// sentences splits a message's text into sentences: after . ! ? … when a
// space or the end follows (so "3.5" and "e.g" stay whole), after the CJK
// full stops always, and at " / ", which is a line break in a transcript.
func sentences(text string) []string {
	var out []string
	emit := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	start := 0
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == ' ' && strings.HasPrefix(text[i:], " / ") {
			emit(text[start:i])
			i += len(" / ")
			start = i
			continue
		}
		if !isStop(r) {
			i += w
			continue
		}
		j := i + w
		for j < len(text) {
			r2, w2 := utf8.DecodeRuneInString(text[j:])
			if !isStop(r2) && !strings.ContainsRune(`"')]”’»」』）`, r2) {
				break
			}
			j += w2
		}
		if r >= utf8.RuneSelf && r != '…' || j == len(text) || text[j] == ' ' {
			emit(text[start:j])
			start = j
		}
		i = j
	}
	emit(text[start:])
	return out
}

func isStop(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '。', '！', '？', '｡':
		return true
	}
	return false
}

// cut shortens s to at most max characters, at a word boundary when one is
// near, ending in "…".
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 2 {
		return "…"
	}
	end, n := 0, 0
	for i := range s {
		if n == max-1 {
			end = i
			break
		}
		n++
	}
	head := s[:end]
	if i := strings.LastIndexByte(head, ' '); i > len(head)/2 {
		head = head[:i]
	}
	head = strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—(“\"'", r)
	})
	return head + "…"
}

// squeeze writes s's spaces as single spaces.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// number writes n with thousands separators: "12,345".
func number(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// plural is "1 message", "2 messages".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return number(n) + " " + many
}

// list joins items as English does: "a", "a and b", "a, b and c".
func list(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
