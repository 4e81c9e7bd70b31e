package local

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core/aiinsight"
)

func TestSummaryPicksCentralSentences(t *testing.T) {
	prompt := transcript(tripChat...)
	s := valid[aiinsight.Summary](t, aiinsight.KindSummary, prompt, complete(t, "summary.map", prompt, 0))
	if !strings.HasPrefix(s.Summary, "Alice, Bob and 2 others exchanged 20 messages") {
		t.Errorf("the summary does not open with the facts: %q", s.Summary)
	}
	if !strings.Contains(strings.ToLower(s.Summary), "trip") {
		t.Errorf("the summary of a chat about a trip does not mention it: %q", s.Summary)
	}
	if len(s.KeyPoints) < 3 {
		t.Errorf("%d key points, want 3 or more", len(s.KeyPoints))
	}
	last := int64(0)
	for _, p := range s.KeyPoints {
		text := strings.ToLower(p.Text)
		if !strings.Contains(text, "trip") && !strings.Contains(text, "lisbon") && !strings.Contains(text, "hostel") {
			t.Errorf("key point %q is not about the trip", p.Text)
		}
		if len(p.Messages) == 0 || len(p.Messages) > 5 {
			t.Fatalf("key point %q cites %v", p.Text, p.Messages)
		}
		for _, n := range tripNoise {
			if slices.Contains(p.Messages, seqOf(n)) {
				t.Errorf("key point %q cites the noise line %d", p.Text, seqOf(n))
			}
		}
		if p.Messages[0] < last {
			t.Errorf("key points are not in chat order: %v after %d", p.Messages, last)
		}
		last = p.Messages[0]
	}
}

func TestSummaryOfOneLongMessageKeepsTheLimits(t *testing.T) {
	long := strings.Repeat("We planned the long journey across the mountains carefully and everyone had a say in the route ", 40)
	prompt := transcript("Alice\t"+long, "Bob\tok")
	s := valid[aiinsight.Summary](t, aiinsight.KindSummary, prompt, complete(t, "summary.map", prompt, 0))
	for _, p := range s.KeyPoints {
		if n := utf8.RuneCountInString(p.Text); n > 400 || !strings.HasSuffix(p.Text, "…") {
			t.Errorf("a key point of a long sentence has %d characters and ends %q", n, p.Text[len(p.Text)-8:])
		}
		if strings.HasSuffix(p.Text, " …") {
			t.Errorf("the key point is not cut at a word: %q", p.Text[len(p.Text)-12:])
		}
	}
	if !strings.HasPrefix(s.Summary, "Alice and Bob exchanged 2 messages") {
		t.Errorf("summary %q", s.Summary)
	}
}

func TestSummaryReduce(t *testing.T) {
	s := valid[aiinsight.Summary](t, aiinsight.KindSummary, summaryPartials, complete(t, "summary.reduce", summaryPartials, 0))
	if !strings.HasPrefix(s.Summary, "The chat's 520 messages, read in 3 parts, were mostly about trip") {
		t.Errorf("summary %q", s.Summary)
	}
	var first []int64
	for _, p := range s.KeyPoints {
		if strings.Contains(p.Text, "cat") || strings.Contains(p.Text, "meme") {
			t.Errorf("the off-topic point %q was kept", p.Text)
		}
		first = append(first, p.Messages[0])
	}
	if !slices.IsSorted(first) {
		t.Errorf("points are not in the order of their first citation: %v", first)
	}
}

// When only one point fits, it is the one of the partial that read the
// most messages, the points being otherwise alike.
func TestSummaryReduceWeighsPartials(t *testing.T) {
	prompt := partials(
		`{"messages":10,"result":{"summary":"x","key_points":[{"text":"Somebody adopted a small grey kitten yesterday.","messages":[5]}]}}`,
		`{"messages":1000,"result":{"summary":"y","key_points":[{"text":"The quarterly budget review moved to Thursday afternoon.","messages":[700]}]}}`,
	)
	s := valid[aiinsight.Summary](t, aiinsight.KindSummary, prompt, complete(t, "summary.reduce", prompt, 60))
	if len(s.KeyPoints) != 1 || !strings.Contains(s.KeyPoints[0].Text, "budget") {
		t.Fatalf("key points %+v, want the budget one alone", s.KeyPoints)
	}
}

// A chat of nothing but fillers still has a summary: its messages.
func TestSummaryOfNoise(t *testing.T) {
	prompt := transcript("Alice\tok", "Bob\tlol", "Alice\t👍")
	s := valid[aiinsight.Summary](t, aiinsight.KindSummary, prompt, complete(t, "summary.map", prompt, 0))
	if len(s.KeyPoints) == 0 {
		t.Fatal("no key points")
	}
}

func TestSummaryPrefersOnePointPerMessage(t *testing.T) {
	prompt := transcript(
		"Alice\tThe train to Lisbon leaves at nine. The train to Porto leaves at ten. The train to Faro leaves at noon.",
		"Bob\tThe train tickets to Lisbon cost forty euros each.",
		"Carol\tThe hostel in Lisbon has a free breakfast.",
	)
	s := valid[aiinsight.Summary](t, aiinsight.KindSummary, prompt, complete(t, "summary.map", prompt, 0))
	alices := 0
	for _, p := range s.KeyPoints {
		if strings.HasPrefix(p.Text, "The train to") {
			alices++
		}
	}
	if len(s.KeyPoints) != 3 || alices != 1 {
		t.Errorf("key points %+v: want one of each message", s.KeyPoints)
	}
}
