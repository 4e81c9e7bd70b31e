package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func searchTerms(text string) []string {
	var out []string
	for _, t := range SearchTokens(text) {
		out = append(out, t.Term)
	}
	return out
}

// The cases PostgreSQL's to_tsvector('chatlens_search', …) cuts this way
// (adapters/postgres TestSearchTokensAgree checks the same kinds of text
// against the server).
func TestSearchTokens(t *testing.T) {
	cases := []struct {
		text string
		want string // the terms, space-separated, in order
	}{
		{"", ""},
		{"Café Zoë naïve Ñandú", "cafe zoe naive nandu"},
		{"Øresund straße Œuvre ÆSIR", "oresund strasse oeuvre aesir"},
		{"ÉCOLE ДОМ Ωμέγα ΣΊΣΥΦΟΣ İstanbul", "ecole дом ωμεγα σισυφοσ istanbul"},
		{"ﬁsh ＡＢＣ", "fish abc"},
		{"e\u0301te\u0301", "ete"}, // decomposed accents
		{"й ё", "й е"},             // unaccent's rules, not Unicode decomposition
		{"it's don't l'été O’Neil", "it s don t l ete o neil"},
		{"well-known état-major", "well-known well known etat-major etat major"},
		{"covid-19 x-1a 3-D", "covid -19 x-1a x 1a 3 d"},
		{"a--b x- -x", "a b x x"},
		{"https://example.com/path?x=1, www.example.org", "example.com/path?x=1, example.com /path?x=1, www.example.org"}, // a comma may be in a URL
		{"see example.com.", "see example.com"},
		{"my-site.com:8080/x", "my-site.com:8080/x my-site.com:8080 /x"},
		{"Ada@Example.com a.b+c@mail.co.uk", "ada@example.com a.b c@mail.co.uk"},
		{"x@y foo@bar.c", "x y foo bar.c"},
		{"3.14 1,000 1.2.3 -5 +5 42 1e10 1e-3", "3.14 1 000 1.2.3 -5 +5 42 1e10 1e-3"},
		{"12:30 2024-01-31", "12 30 2024 -01 -31"},
		{"v2 abc123 123abc", "v2 abc123 123abc"},
		{"/usr/local/bin/env and/or 1/2 e.g.", "/usr/local/bin/env and/or 1/2 e.g"},
		{"notes.txt foo.b a.bc.d", "notes.txt foo.b a.bc d"},
		{"foo.com-bar foo.com1", "foo.com bar foo.com1"},
		{"x~/notes ~user", "x ~/notes user"},
		{"hello 👍🏽 world 😀x ❤️", "hello world x"},
		{"Привет мир مرحبا नमस्ते", "привет мир مرحبا नमस्ते"},
		{"我爱北京天安门 日本語のテキスト", "我爱北京天安门 日本語のテキスト"},
		{"foo_bar #tag @mention", "foo bar tag mention"},
		{"<Media omitted> <b>bold</b> &amp; a < b", "bold a b"},
		{"<attached: 00000012-PHOTO.jpg>", ""},
		{"caf.éé.com über.de", "caf ee com uber de"},
		{"naïve1.txt é1@x.com", "naïve1.txt é1@x.com"}, // file paths and addresses keep their accents
	}
	for _, c := range cases {
		got := strings.Join(searchTerms(c.text), " ")
		if got != c.want {
			t.Errorf("SearchTokens(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestSearchTokenSpans(t *testing.T) {
	text := "Zoë's well-known café"
	for _, tok := range SearchTokens(text) {
		if tok.Span.Start < 0 || tok.Span.End > len(text) || tok.Span.Start >= tok.Span.End {
			t.Fatalf("%+v: span out of the text", tok)
		}
	}
	want := []string{"Zoë", "s", "well-known", "well", "known", "café"}
	var got []string
	for _, tok := range SearchTokens(text) {
		got = append(got, text[tok.Span.Start:tok.Span.End])
	}
	if !slices.Equal(got, want) {
		t.Fatalf("spans cut %q, want %q", got, want)
	}
}

func TestParseSearchQuery(t *testing.T) {
	q, err := ParseSearchQuery("Café CAFE well-known")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cafe", "well-known", "well", "known"}; !slices.Equal(q.Terms, want) {
		t.Fatalf("terms %q, want %q", q.Terms, want)
	}
	for _, bad := range []string{"", "  ", "!!! 👍", "a b c d e f g h i j k l m n o p q", strings.Repeat("x", MaxSearchQueryLength+1), "a\x00b"} {
		if _, err := ParseSearchQuery(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSearchQuery(%q) = %v, want a validation error", bad, err)
		}
	}
}

func TestSearchMatchesAndMarks(t *testing.T) {
	q, err := ParseSearchQuery("well cafe")
	if err != nil {
		t.Fatal(err)
	}
	text := "A well-known Café, well."
	if !q.Matches(text) {
		t.Fatal("no match")
	}
	if q.Matches("well only") {
		t.Fatal("matched without every term")
	}
	// "well-known" holds "well": its part is marked, not the compound.
	var marked []string
	for _, m := range q.Marks(text) {
		marked = append(marked, text[m.Start:m.End])
	}
	if want := []string{"well", "Café", "well"}; !slices.Equal(marked, want) {
		t.Fatalf("marks %q, want %q", marked, want)
	}
	// Overlapping matches merge.
	q2, _ := ParseSearchQuery("well-known")
	var m2 []string
	for _, m := range q2.Marks(text) {
		m2 = append(m2, text[m.Start:m.End])
	}
	if want := []string{"well-known", "well"}; !slices.Equal(m2, want) {
		t.Fatalf("marks %q, want %q", m2, want)
	}
}

func TestSearchedText(t *testing.T) {
	long := strings.Repeat("é", SearchIndexedRunes) + " tail"
	if got := SearchedText(long); got != strings.Repeat("é", SearchIndexedRunes) {
		t.Fatalf("SearchedText kept %d bytes", len(got))
	}
	if SearchedText("short") != "short" {
		t.Fatal("a short text was cut")
	}
	q, _ := ParseSearchQuery("tail")
	if q.Matches(long) || len(q.Marks(long)) != 0 {
		t.Fatal("a term past the indexed part matched")
	}
}
