package core

import "unicode/utf8"

// MaxSearchQueryLength caps a search query, in characters.
const MaxSearchQueryLength = 200

// maxSearchTerms caps the terms of one query: every term is one more index
// probe.
const maxSearchTerms = 16

// SearchQuery is a full-text search as storage runs it: a message matches
// when it holds every term. Terms are search tokens (SearchTokens), so they
// compare with a message's tokens as written.
type SearchQuery struct {
	Terms []string
}

// ParseSearchQuery reads what a person typed into a search box. A query
// with no word in it (only punctuation or operators) is a validation error:
// it would match nothing, and the person should know why.
func ParseSearchQuery(q string) (SearchQuery, error) {
	if !utf8.ValidString(q) || unsafeText(q) {
		return SearchQuery{}, Invalid("q", "contains characters a search cannot hold")
	}
	if utf8.RuneCountInString(q) > MaxSearchQueryLength {
		return SearchQuery{}, Invalid("q", "is too long")
	}
	var terms []string
	for _, t := range SearchTokens(q) {
		if !containsString(terms, t.Term) {
			terms = append(terms, t.Term)
		}
	}
	switch {
	case len(terms) == 0:
		return SearchQuery{}, Invalid("q", "has no word to search for")
	case len(terms) > maxSearchTerms:
		return SearchQuery{}, Invalid("q", "has too many words")
	}
	return SearchQuery{Terms: terms}, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// SearchIndexedRunes is how much of a message's text search indexes: its
// first 100,000 characters. PostgreSQL refuses a tsvector over 1 MB, which
// a message of distinct words near core/chatparse's 1 MiB cap would make,
// failing its whole import; 100,000 characters make at most about 750 kB.
const SearchIndexedRunes = 100_000

// SearchedText is the part of a message's text that search indexes (see
// SearchIndexedRunes), as PostgreSQL's left(text, 100000) cuts it.
func SearchedText(text string) string {
	if len(text) <= SearchIndexedRunes {
		return text
	}
	n := 0
	for i := range text {
		if n == SearchIndexedRunes {
			return text[:i]
		}
		n++
	}
	return text
}

// Matches reports whether a message's text holds every term of q, in the
// part of it search indexes (SearchedText).
func (q SearchQuery) Matches(text string) bool {
	have := map[string]bool{}
	for _, t := range SearchTokens(SearchedText(text)) {
		have[t.Term] = true
	}
	for _, term := range q.Terms {
		if !have[term] {
			return false
		}
	}
	return true
}

// Marks returns the spans of text whose tokens are terms of q, in order,
// for a result to show what matched (in the part search indexes). A compound token and its parts can
// both match ("well-known" and "well"): spans that overlap are merged, so
// marks never overlap.
func (q SearchQuery) Marks(text string) []Span {
	var marks []Span
	for _, t := range SearchTokens(SearchedText(text)) {
		if !containsString(q.Terms, t.Term) {
			continue
		}
		if n := len(marks); n > 0 && t.Span.Start < marks[n-1].End {
			marks[n-1].End = max(marks[n-1].End, t.Span.End)
			continue
		}
		marks = append(marks, t.Span)
	}
	return marks
}

// Span is a part of a text: bytes Start to End.
type Span struct {
	Start, End int
}
