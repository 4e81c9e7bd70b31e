package local

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/core/aiinsight"
)

func pairOf(tone *aiinsight.Tone, from, to string) (aiinsight.TonePair, bool) {
	i := slices.IndexFunc(tone.Pairs, func(p aiinsight.TonePair) bool { return p.From == from && p.To == to })
	if i < 0 {
		return aiinsight.TonePair{}, false
	}
	return tone.Pairs[i], true
}

func TestToneTellsWarmFromHostile(t *testing.T) {
	for _, lang := range []string{"en", "es", "ja"} {
		t.Run(lang, func(t *testing.T) {
			c := toneChats[lang]
			prompt := transcript(c.lines...)
			tone := valid[aiinsight.Tone](t, aiinsight.KindTone, prompt, complete(t, "tone.map", prompt, 0))
			for _, want := range []struct {
				from, to string
				warm     bool
			}{{c.warm1, c.warm2, true}, {c.warm2, c.warm1, true}, {c.hostile1, c.hostile2, false}, {c.hostile2, c.hostile1, false}} {
				p, ok := pairOf(tone, want.from, want.to)
				switch {
				case !ok:
					t.Errorf("no pair %s → %s in %+v", want.from, want.to, tone.Pairs)
				case want.warm && (p.Score < 0.4 || p.Tone != "friendly" && p.Tone != "warm"):
					t.Errorf("%s → %s is %s (%v), want warm", want.from, want.to, p.Tone, p.Score)
				case !want.warm && (p.Score > -0.4 || p.Tone != "tense" && p.Tone != "hostile"):
					t.Errorf("%s → %s is %s (%v), want hostile", want.from, want.to, p.Tone, p.Score)
				case len(p.Messages) == 0:
					t.Errorf("%s → %s cites nothing", want.from, want.to)
				}
			}
			// The pairs of one message (the first hostile line answering a
			// warm author) are left out when others have more.
			for _, p := range tone.Pairs {
				if p.From == c.hostile1 && p.To == c.warm2 {
					t.Errorf("the pair of one message %s → %s is kept", p.From, p.To)
				}
			}
		})
	}
}

func TestSentimentAndNegation(t *testing.T) {
	for _, c := range []struct {
		text     string
		pos, neg int
	}{
		{"this is good", 1, 0},
		{"this is not good", 0, 1},
		{"not bad at all", 1, 0},
		{"I don't hate it", 1, 0},
		{"I don’t hate it", 1, 0}, // a typographic apostrophe
		{"not. good", 1, 0},       // a negator does not cross a sentence
		{"no es bueno", 0, 1},
		{"das ist nicht gut", 0, 1},
		{"ce n'est pas bon", 0, 1},
		{"iyi değil", 0, 1},
		{"hiç iyi değil", 0, 1}, // flipped once, not twice
		{"अच्छा नहीं", 0, 1},
		{"والحب", 1, 0}, // "and the love"
		{"很好", 1, 0},
		{"不好", 0, 1},
		{"不太好", 0, 1},
		{"不错", 1, 0},
		{"不好意思", 0, 0},  // "excuse me"
		{"好像要下雨", 0, 0}, // "seems it will rain"
		{"好きじゃない", 0, 1},
		{"楽しくない", 0, 1},
		{"悪くない", 1, 0},
		{"좋아요", 1, 0},
		{"안 좋아", 0, 1},
		{"안좋아", 0, 1},
		{"좋지 않아", 0, 1},
		{"불안 좋아", 1, 0}, // 안 ending a word is no negator
		{"😂😂😂", 1, 0},
		{"❤️ 😡", 1, 1},
		{"hahaha :)", 2, 0},
		{"ok see you", 0, 0},
	} {
		if f := sentiment(c.text); f.pos != c.pos || f.neg != c.neg {
			t.Errorf("sentiment(%q) = +%d -%d, want +%d -%d", c.text, f.pos, f.neg, c.pos, c.neg)
		}
	}
}

func TestToneOfOneAuthor(t *testing.T) {
	for text, overall := range map[string]string{
		"I love this, thank you so much, it is perfect ❤️":  "warm",
		"This is terrible, I hate it, what a stupid mess 😡": "hostile",
		"The meeting is at noon in room four":               "neutral",
	} {
		prompt := transcript("Alice\t"+text, "Alice\t"+text)
		tone := valid[aiinsight.Tone](t, aiinsight.KindTone, prompt, complete(t, "tone.map", prompt, 0))
		if tone.Overall != overall || len(tone.Pairs) != 0 {
			t.Errorf("%q: %+v, want %s and no pairs", text, tone, overall)
		}
	}
}

func TestTonePairsAreBoundedAndSorted(t *testing.T) {
	var lines []string
	for i := range 120 {
		// Sixty authors, each answering the one before twice.
		lines = append(lines, fmt.Sprintf("A%02d\tthanks, great", i%60))
	}
	prompt := transcript(lines...)
	tone := valid[aiinsight.Tone](t, aiinsight.KindTone, prompt, complete(t, "tone.map", prompt, 0))
	if len(tone.Pairs) != 50 {
		t.Fatalf("%d pairs, want 50", len(tone.Pairs))
	}
	// A00 → A59 has one message (the first line answers no one) and is
	// left out; the rest have two each, and come by name.
	if tone.Pairs[0].From != "A01" || tone.Pairs[0].To != "A00" || tone.Pairs[49].From != "A50" {
		t.Errorf("pairs from %s → %s to %s, want A01 → A00 to A50", tone.Pairs[0].From, tone.Pairs[0].To, tone.Pairs[49].From)
	}
	if !slices.IsSortedFunc(tone.Pairs, func(a, b aiinsight.TonePair) int { return strings.Compare(a.From, b.From) }) {
		t.Error("pairs of as many messages are not sorted by name")
	}
}

func TestToneReduceWeighs(t *testing.T) {
	tone := valid[aiinsight.Tone](t, aiinsight.KindTone, tonePartials, complete(t, "tone.reduce", tonePartials, 0))
	// (100 × 0.8 + 300 × -0.4) / 400 = -0.1.
	if tone.Overall != "neutral" {
		t.Errorf("overall %s, want neutral", tone.Overall)
	}
	want := []aiinsight.TonePair{
		{From: "Alice", To: "Bob", Tone: "neutral", Score: -0.05, Messages: []int64{1, 2, 400}}, // (100 × 0.7 + 300 × -0.3) / 400
		{From: "Carol", To: "Alice", Tone: "hostile", Score: -0.8, Messages: []int64{410, 420}},
		{From: "Bob", To: "Alice", Tone: "friendly", Score: 0.5, Messages: []int64{3}},
	}
	if fmt.Sprint(tone.Pairs) != fmt.Sprint(want) {
		t.Errorf("pairs\n%+v\nwant\n%+v", tone.Pairs, want)
	}
	// Without message counts the partials weigh alike.
	prompt := strings.ReplaceAll(tonePartials, `"messages":300,`, `"messages":0,`)
	prompt = strings.ReplaceAll(prompt, `"messages":100,`, `"messages":0,`)
	tone = valid[aiinsight.Tone](t, aiinsight.KindTone, prompt, complete(t, "tone.reduce", prompt, 0))
	if p, _ := pairOf(tone, "Alice", "Bob"); p.Score != 0.2 || tone.Overall != "friendly" {
		t.Errorf("unweighted: Alice → Bob %v, overall %s; want 0.2, friendly", p.Score, tone.Overall)
	}
}

// The lexicon is consistent: no word is both positive and negative, or a
// negator and a sentiment word, and each list is of the size it claims.
func TestLexicon(t *testing.T) {
	polarity := map[string]int8{}
	negators := map[string]bool{}
	for _, l := range lexicon {
		for _, side := range []struct {
			words string
			pol   int8
		}{{l.pos, 1}, {l.neg, -1}} {
			n := len(strings.Fields(side.words))
			if n < 25 || n > 45 {
				t.Errorf("%s has %d words of polarity %d", l.lang, n, side.pol)
			}
			for _, w := range strings.Fields(side.words) {
				if p, ok := polarity[w]; ok && p != side.pol {
					t.Errorf("%q is positive and negative", w)
				}
				if w != strings.ToLower(w) {
					t.Errorf("%q is not in lower case", w)
				}
				polarity[w] = side.pol
			}
		}
		for _, w := range strings.Fields(l.negators + " " + l.post) {
			negators[w] = true
		}
	}
	for w := range negators {
		if _, ok := polarity[w]; ok {
			t.Errorf("%q is a negator and a sentiment word", w)
		}
	}
}
