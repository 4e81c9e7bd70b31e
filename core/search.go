package core

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

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

// Matches reports whether text holds every term of q.
func (q SearchQuery) Matches(text string) bool {
	have := map[string]bool{}
	for _, t := range SearchTokens(text) {
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
// for a result to show what matched.
func (q SearchQuery) Marks(text string) []Span {
	var marks []Span
	for _, t := range SearchTokens(text) {
		if containsString(q.Terms, t.Term) {
			marks = append(marks, t.Span)
		}
	}
	return marks
}

// Span is a part of a text: bytes Start to End.
type Span struct {
	Start, End int
}

// SearchToken is one token of a text as the search index sees it: the
// normalised term and where it was written.
type SearchToken struct {
	Term string
	Span Span
}

// SearchTokens splits text into the tokens full-text search indexes: runs
// of letters and digits, in lower case, with accents removed. It is the
// tokeniser of the memory adapter and of query parsing, written to agree
// with PostgreSQL's own (the default parser, the simple dictionary and
// unaccent) on the conformance suite's corpus.
func SearchTokens(text string) []SearchToken {
	var tokens []SearchToken
	start := -1
	for i, r := range text {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			tokens = append(tokens, SearchToken{Term: searchTerm(text[start:i]), Span: Span{start, i}})
			start = -1
		}
	}
	if start >= 0 {
		tokens = append(tokens, SearchToken{Term: searchTerm(text[start:]), Span: Span{start, len(text)}})
	}
	return tokens
}

// searchTerm normalises one token: lower case, accents removed.
func searchTerm(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}
