package local

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestSentences(t *testing.T) {
	for text, want := range map[string][]string{
		"Hello there. How are you? Fine!":        {"Hello there.", "How are you?", "Fine!"},
		"It costs 3.5 euros, e.g. the cheap one": {"It costs 3.5 euros, e.g.", "the cheap one"},
		"Wait... what?! Really":                  {"Wait...", "what?!", "Really"},
		`He said "stop." Then left.`:             {`He said "stop."`, "Then left."},
		"first line / second line":               {"first line", "second line"},
		"今天很好。明天见！":                              {"今天很好。", "明天见！"},
		"and/or stays":                           {"and/or stays"},
		"":                                       nil,
	} {
		if got := sentences(text); !slices.Equal(got, want) {
			t.Errorf("sentences(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"the quick brown fox jumps", 12, "the quick…"},
		{"the quick, brown fox", 12, "the quick…"},
		{"supercalifragilistic", 8, "superca…"},
		{"我们明天去北京旅行", 5, "我们明天…"},
	} {
		got := cut(c.s, c.max)
		if got != c.want || utf8.RuneCountInString(got) > c.max {
			t.Errorf("cut(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"see https://example.com/a?b=1 now":    "see now",
		"mail me at bob@example.com or @carol": "mail me at or",
		"‹Media omitted›":                      "",
		"I ‹3 you":                             "I ‹3 you",
		"plain text stays":                     "plain text stays",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	got := []string{}
	for _, tk := range tokens(nil, lower("Don't STOP ❤️ नमस्ते サッカーの試合 l'équipe 3.5")) {
		got = append(got, tk.text)
	}
	want := []string{"don't", "stop", "नमस्ते", "サッカー", "の", "試合", "l'équipe", "3", "5"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens = %q, want %q", got, want)
	}
}

func TestWords(t *testing.T) {
	if got := number(1234567); got != "1,234,567" {
		t.Errorf("number = %q", got)
	}
	if got := list([]string{"a", "b", "c"}); got != "a, b and c" {
		t.Errorf("list = %q", got)
	}
	if got := who([]string{"Alice", "Bob", "Carol", "Dan"}, 340); got != "Alice, Bob and 2 others exchanged 340 messages" {
		t.Errorf("who = %q", got)
	}
	for w, laugh := range map[string]bool{"hahaha": true, "jajaja": true, "kkkk": true, "mama": false, "hat": false, "hoho": true} {
		if isLaughter(w) != laugh {
			t.Errorf("isLaughter(%q) = %v", w, !laugh)
		}
	}
}
