package core

// The tokeniser of full-text search: text cut into terms as PostgreSQL's
// chatlens_search configuration cuts it (search.go has the queries that
// use it; search_tables.go the character tables it reads).

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchToken is one token of a text as the search index sees it: the
// normalised term and where it was written.
type SearchToken struct {
	Term string
	Span Span
}

// maxSearchTermBytes is the longest term PostgreSQL indexes (a longer
// word is left out of a tsvector with a notice).
const maxSearchTermBytes = 2047

// SearchTokens splits text into the terms full-text search indexes, as
// PostgreSQL's to_tsvector('chatlens_search', text) does: its default
// parser, then unaccent and the simple dictionary (lower case) for words,
// the simple dictionary alone for everything else. It is the tokeniser of
// the memory adapter and of query parsing, so a query's terms are lexemes
// the PostgreSQL index holds. Tokens come in text order; a compound comes
// before its parts, which overlap it.
//
// What it recognises, as the parser does:
//   - words: runs of letters and digits ("Zoë" -> "zoe", "straße" ->
//     "strasse", "ДОМ" -> "дом", "abc123"); apostrophes, underscores and
//     other punctuation separate words ("it's" -> "it", "s"). Letters and
//     the marks allowed inside a word are PostgreSQL's under a glibc UTF-8
//     LC_CTYPE (search_tables.go: every code point checked against the
//     server by adapters/postgres TestSearchTables), accents are removed by
//     unaccent's own rules (not Unicode decomposition: "й" stays "й", as it
//     does there);
//   - hyphenated words, as the whole and each part: "well-known" ->
//     "well-known", "well", "known" (a part that is only digits breaks the
//     compound: "covid-19" -> "covid", "-19");
//   - numbers: "42", "-5", "+5", "3.14", "1.2.3" ("-1.2.3" too: a
//     version has no sign), "1e10"; "1,000" is "1"
//     and "000", "12:30" is "12" and "30", "2024-01-31" is "2024", "-01",
//     "-31";
//   - e-mail addresses, host names (with a port), URLs (as the URL without
//     its protocol, its host and its path: "https://example.com/a?b=1" ->
//     "example.com/a?b=1", "example.com", "/a?b=1") and file paths
//     ("/usr/bin/env", "notes.txt" is a host name, "and/or" and "e.g" are
//     file paths): each one term, lower-cased, accents kept;
//   - XML tags and entities are left out: "<b>", "&amp;", and so WhatsApp's
//     "<Media omitted>" and "<attached: x.jpg>".
//
// Emoji, symbols and punctuation make no term. So a search for "yes"
// does not find "yes/no", nor "example" in "example.com": PostgreSQL's
// index holds "yes/no" and "example.com" only.
//
// Scripts written without spaces between words (Chinese, Japanese, Thai)
// are one term per run of letters, as PostgreSQL's parser cuts them: a
// search finds such text only by a whole run between punctuation or
// spaces ("天安门" does not find "我爱北京天安门"). This is a limit of the
// index, stated in the API's description.
//
// Known differences from PostgreSQL, all rare in chats (adapters/postgres
// TestSearchTokensAgreeOnRandomText measures them: 1 in 2,000 random texts
// of chat-like pieces): a bare ".." (a path to PostgreSQL, nothing here)
// and a hyphenated compound whose part reads as a number with an exponent
// ("CdE-3E-3") are cut differently. And a database whose LC_CTYPE is C or
// POSIX (not C.UTF-8 or another glibc UTF-8 locale) does not lower-case
// non-ASCII letters and takes every non-ASCII character for a letter: it
// then agrees with this only on ASCII text.
func SearchTokens(text string) []SearchToken {
	s := searchScanner{text: text}
	s.scan()
	return s.tokens
}

// searchScanner cuts a text into search tokens; see SearchTokens.
type searchScanner struct {
	text   string
	tokens []SearchToken
}

func (s *searchScanner) scan() {
	t := s.text
	// base is true where the parser is between tokens, not inside a run of
	// spaces and punctuation: there a '~' or a '.' may start a file path.
	base := true
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		end := 0
		switch {
		case r == '<':
			end = xmlTag(t, i)
		case r == '&':
			end = xmlEntity(t, i)
		case isASCIIAlnum(r):
			end = s.ascii(i)
		case isSearchLetter(r):
			end = s.word(i)
		case (r == '-' || r == '+') && i+1 < len(t) && isASCIIDigit(t[i+1]):
			end = s.number(i)
		case r == '/' || base && (r == '~' || r == '.'):
			if end = pathFrom(t, i); end > 0 {
				s.add(i, end, false)
			}
		}
		if end > 0 {
			i, base = end, true
		} else {
			i, base = i+n, false
		}
	}
}

// add appends the token text[start:end]: a word gets its accents removed,
// every token is lower-cased.
func (s *searchScanner) add(start, end int, word bool) {
	if end-start > maxSearchTermBytes {
		return
	}
	var b strings.Builder
	for _, r := range s.text[start:end] {
		if word {
			if to, ok := unaccentRules[r]; ok {
				for _, u := range to {
					b.WriteRune(unicode.ToLower(u))
				}
				continue
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	if b.Len() > 0 {
		s.tokens = append(s.tokens, SearchToken{Term: b.String(), Span: Span{start, end}})
	}
}

// ascii reads the token starting at an ASCII letter or digit, where the
// parser tries, in its order: an e-mail address, a host name or URL, a
// protocol (dropped), a number, a file path, and last a word.
func (s *searchScanner) ascii(i int) int {
	t := s.text
	if end := email(t, i); end > 0 {
		s.add(i, end, false)
		return end
	}
	if hostEnd := hostName(t, i, true); hostEnd > 0 {
		if end := urlPath(t, hostEnd); end > hostEnd {
			s.add(i, end, false)
			s.add(i, hostEnd, false)
			s.add(hostEnd, end, false)
			return end
		}
		s.add(i, hostEnd, false)
		return hostEnd
	}
	if end := protocol(t, i); end > 0 {
		return end
	}
	if isASCIIDigit(t[i]) {
		if end := s.number(i); end > 0 {
			return end
		}
	}
	if end := fileName(t, i); end > 0 {
		s.add(i, end, false)
		return end
	}
	return s.word(i)
}

// word reads a word, or a hyphenated compound of words (the whole, then
// each part), from i.
func (s *searchScanner) word(i int) int {
	t := s.text
	end := wordRun(t, i)
	parts := []Span{{i, end}}
	for j := end; j+1 < len(t) && t[j] == '-'; {
		k := wordRun(t, j+1)
		if k == j+1 {
			break
		}
		parts = append(parts, Span{j + 1, k})
		j = k
	}
	compound := len(parts) > 1
	for _, p := range parts {
		compound = compound && !allASCIIDigits(t[p.Start:p.End])
	}
	if !compound {
		if hasASCIIDigit(t[i:end]) && end < len(t) { // a word with digits may run on into a file path or an address
			if t[end] == '@' {
				if host := hostName(t, end+1, false); host > 0 {
					s.add(i, host, false)
					return host
				}
			}
			if path := filePath(t, end); path > end {
				s.add(i, path, false)
				return path
			}
		}
		s.add(i, end, true)
		return end
	}
	last := parts[len(parts)-1].End
	s.add(i, last, true)
	for _, p := range parts {
		s.add(p.Start, p.End, true)
	}
	return last
}

func hasASCIIDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isASCIIDigit(s[i]) {
			return true
		}
	}
	return false
}

// number reads a number from i (a digit, or a sign before one): an
// integer, a decimal, a version ("1.2.3", unsigned only) or a number with
// an exponent. It returns 0 when the digits run on into letters: that is a
// word ("123abc").
func (s *searchScanner) number(i int) int {
	t := s.text
	signed := t[i] == '-' || t[i] == '+'
	j := digits(t, i+b2i(signed))
	version := false
	switch {
	case j < len(t) && t[j] == '.' && j+1 < len(t) && isASCIIDigit(t[j+1]):
		j = digits(t, j+1)
		if signed && j+1 < len(t) && t[j] == '.' && isASCIIDigit(t[j+1]) {
			return 0 // a version has no sign: "-1.2.3" is "1.2.3", read after the sign
		}
		for j+1 < len(t) && t[j] == '.' && isASCIIDigit(t[j+1]) {
			j, version = digits(t, j+1), true
		}
	case !signed && j < len(t) && (t[j] == '/' || continuesWord(t, j)) && !isExponent(t, j):
		return 0 // a file path ("1/2") or a word ("123abc"), read by the caller
	}
	if !version && isExponent(t, j) {
		j++
		if t[j] == '+' || t[j] == '-' {
			j++
		}
		j = digits(t, j)
	}
	s.add(i, j, false)
	return j
}

// isExponent reports whether an exponent ("e5", "E-3") starts at j.
func isExponent(t string, j int) bool {
	if j >= len(t) || (t[j] != 'e' && t[j] != 'E') {
		return false
	}
	j++
	if j < len(t) && (t[j] == '+' || t[j] == '-') {
		j++
	}
	return j < len(t) && isASCIIDigit(t[j])
}

// continuesWord reports whether a letter or an in-word mark is at j.
func continuesWord(t string, j int) bool {
	r, _ := utf8.DecodeRuneInString(t[j:])
	return isSearchLetter(r) || isSearchMark(r)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func digits(t string, j int) int {
	for j < len(t) && isASCIIDigit(t[j]) {
		j++
	}
	return j
}

// wordRun returns the end of the run of letters, digits and in-word marks
// that starts at i with a letter or a digit (i itself when none does).
func wordRun(t string, i int) int {
	j := i
	for j < len(t) {
		r, n := utf8.DecodeRuneInString(t[j:])
		if !(isSearchLetter(r) || r < utf8.RuneSelf && isASCIIDigit(byte(r)) || j > i && isSearchMark(r)) {
			break
		}
		j += n
	}
	return j
}

// email returns the end of an e-mail address starting at i, or 0.
func email(t string, i int) int {
	j := i
	for j < len(t) {
		c := t[j]
		sep := (c == '.' || c == '-') && j > i && j+1 < len(t) && (isASCIIAlnum(rune(t[j+1])) || t[j+1] == '_')
		if !isASCIIAlnum(rune(c)) && c != '_' && !sep {
			break
		}
		j++
	}
	if j == i || j >= len(t) || t[j] != '@' {
		return 0
	}
	return hostName(t, j+1, false)
}

// hostName returns the end of a host name starting at i, or 0: labels of
// ASCII letters and digits (hyphens inside) joined by dots, the last one
// of two letters or more, and, when port is true, a port.
func hostName(t string, i int, port bool) int {
	j, labels, best := i, 0, 0
	for {
		k := hostLabel(t, j)
		if k == j {
			break
		}
		labels++
		// A label of letters only, two or more, may end the host: a
		// hyphen after them ends it ("foo.com-bar"), a digit spoils it
		// ("foo.com1"). The host is the longest such prefix ("a.bc.d" is
		// "a.bc").
		top := j
		for top < k && isASCIILetter(t[top]) {
			top++
		}
		if labels >= 2 && top-j >= 2 && (top == k || t[top] == '-') {
			best = top
		}
		j = k
		if j+1 < len(t) && t[j] == '.' && isASCIIAlnum(rune(t[j+1])) {
			j++
			continue
		}
		break
	}
	if best == 0 {
		return 0
	}
	if port && best+1 < len(t) && t[best] == ':' && isASCIIDigit(t[best+1]) {
		best = digits(t, best+1)
	}
	return best
}

// hostLabel returns the end of a host name's label starting at i.
func hostLabel(t string, i int) int {
	j := i
	for j < len(t) {
		switch {
		case isASCIIAlnum(rune(t[j])):
			j++
		case t[j] == '-' && j > i && j+1 < len(t) && isASCIIAlnum(rune(t[j+1])):
			j++
		default:
			return j
		}
	}
	return j
}

// urlPath returns the end of a URL's path that starts at i with a slash,
// or i when there is none.
func urlPath(t string, i int) int {
	if i+1 >= len(t) || t[i] != '/' || !isURLChar(t[i+1]) {
		return i
	}
	j := i + 1
	for j < len(t) && isURLChar(t[j]) {
		j++
	}
	return j
}

// isURLChar reports whether c may be in a URL's path: printable ASCII but
// quotes, angle brackets, backslash, caret, backquote and braces.
func isURLChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune("\"'<>\\^`{|}", rune(c))
}

// protocol returns the end of a protocol ("https://") starting at i, or 0.
func protocol(t string, i int) int {
	j := i
	for j < len(t) && isASCIILetter(t[j]) {
		j++
	}
	if j > i && strings.HasPrefix(t[j:], "://") {
		return j + 3
	}
	return 0
}

// fileName returns the end of a file path starting at an ASCII letter or
// digit at i ("notes.v2", "a/b", "1/2"), or 0: it needs a dot or a slash
// after its first part (and a number's digits take no dot: that is a
// decimal).
func fileName(t string, i int) int {
	j := i
	for j < len(t) && isASCIIAlnum(rune(t[j])) {
		j++
	}
	if j >= len(t) || (t[j] == '.' && allASCIIDigits(t[i:j])) {
		return 0
	}
	end := filePath(t, j)
	if end == j {
		return 0
	}
	return end
}

// filePath returns the end of a file path's rest from j: parts of ASCII
// letters, digits, '_' and '-', each after a '.' or '/'; j itself when no
// part follows.
func filePath(t string, j int) int {
	for j+1 < len(t) && (t[j] == '.' || t[j] == '/') {
		k := j + 1
		if t[j] == '/' && t[k] == '.' && k+1 < len(t) && isFileChar(t[k+1]) && t[k+1] != '-' {
			k++ // "/.config"
		}
		if !isFileChar(t[k]) || t[k] == '-' {
			break
		}
		for k < len(t) && isFileChar(t[k]) {
			k++
		}
		j = k
	}
	return j
}

// pathFrom returns the end of a file path that starts at i with '/', '~'
// ("~/notes", "~user") or '.' ("./a", "../a"), or 0.
func pathFrom(t string, i int) int {
	j := i
	switch {
	case t[i] == '~':
		j = i + 1
		if j >= len(t) || t[j] == '-' || !isFileChar(t[j]) && t[j] != '/' {
			return 0
		}
		for j < len(t) && isFileChar(t[j]) {
			j++
		}
	case strings.HasPrefix(t[i:], "../"):
		j = i + 2
	case strings.HasPrefix(t[i:], "./"):
		j = i + 1
	case t[i] != '/':
		return 0
	}
	if end := filePath(t, j); end > j {
		return end
	}
	if t[i] == '~' && j > i+1 {
		return j
	}
	return 0
}

func isFileChar(c byte) bool { return isASCIIAlnum(rune(c)) || c == '_' || c == '-' }

// xmlTag returns the end of an XML or HTML tag, comment or declaration
// starting at i ('<'), or 0.
func xmlTag(t string, i int) int {
	j := i + 1
	if strings.HasPrefix(t[j:], "!--") {
		if end := strings.Index(t[j+3:], "-->"); end >= 0 {
			return j + 3 + end + 3
		}
		return 0
	}
	closing := j < len(t) && t[j] == '/'
	if closing {
		j++
	}
	if j >= len(t) || !(isASCIILetter(t[j]) || !closing && (t[j] == '_' || t[j] == ':')) {
		return 0
	}
	// the name
	for j < len(t) {
		r, n := utf8.DecodeRuneInString(t[j:])
		if !(isSearchLetter(r) || r < utf8.RuneSelf && (isASCIIDigit(byte(r)) || strings.ContainsRune(":_.-", r))) {
			break
		}
		j += n
	}
	switch {
	case j < len(t) && t[j] == '>':
		return j + 1
	case strings.HasPrefix(t[j:], "/>"):
		return j + 2
	case j >= len(t) || !isSpace(t[j]):
		return 0
	}
	// attributes
	for j < len(t) {
		c := t[j]
		switch {
		case c == '>':
			return j + 1
		case c == '"' || c == '\'':
			end := quoted(t, j)
			if end == 0 {
				return 0
			}
			j = end
		case isASCIIAlnum(rune(c)) || isSpace(c) || strings.IndexByte("=-_#/:.&?%~", c) >= 0:
			j++
		default:
			return 0
		}
	}
	return 0
}

// quoted returns the end of the quoted string starting at i, or 0.
func quoted(t string, i int) int {
	q := t[i]
	for j := i + 1; j < len(t); j++ {
		switch t[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return 0
}

// xmlEntity returns the end of an entity ("&amp;", "&#38;", "&#x26;")
// starting at i, or 0.
func xmlEntity(t string, i int) int {
	j := i + 1
	switch {
	case strings.HasPrefix(t[j:], "#x") || strings.HasPrefix(t[j:], "#X"):
		k := j + 2
		for k < len(t) && strings.IndexByte("0123456789abcdefABCDEF", t[k]) >= 0 {
			k++
		}
		if k == j+2 {
			return 0
		}
		j = k
	case strings.HasPrefix(t[j:], "#"):
		k := digits(t, j+1)
		if k == j+1 {
			return 0
		}
		j = k
	case j < len(t) && (isASCIILetter(t[j]) || t[j] == ':' || t[j] == '_'):
		for j < len(t) {
			r, n := utf8.DecodeRuneInString(t[j:])
			if !(isSearchLetter(r) || r < utf8.RuneSelf && (isASCIIDigit(byte(r)) || strings.ContainsRune(":_.-", r))) {
				break
			}
			j += n
		}
	default:
		return 0
	}
	if j < len(t) && t[j] == ';' {
		return j + 1
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIIAlnum(r rune) bool {
	return r < utf8.RuneSelf && (isASCIILetter(byte(r)) || isASCIIDigit(byte(r)))
}

func allASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

// isSearchLetter reports whether PostgreSQL's parser takes r for a letter.
func isSearchLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIILetter(byte(r))
	}
	return inRanges(searchLetters, r)
}

// isSearchMark reports whether r, not a letter, may go on a word (a
// combining mark, mostly).
func isSearchMark(r rune) bool {
	return r >= utf8.RuneSelf && inRanges(searchMarks, r)
}

// runeRange is the code points Lo to Hi, both included.
type runeRange struct{ Lo, Hi rune }

func inRanges(ranges []runeRange, r rune) bool {
	lo, hi := 0, len(ranges)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case r < ranges[m].Lo:
			hi = m
		case r > ranges[m].Hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}
