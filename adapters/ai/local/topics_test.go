package local

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/core/aiinsight"
)

// topicWith returns the index of the first topic with at least two of the
// words among its keywords, or -1.
func topicWith(ts []aiinsight.Topic, words ...string) int {
	for i, tp := range ts {
		n := 0
		for _, w := range words {
			if slices.Contains(tp.Keywords, w) {
				n++
			}
		}
		if n >= 2 {
			return i
		}
	}
	return -1
}

func TestTopicsFindPlantedTopics(t *testing.T) {
	prompt := transcript(topicsChat...)
	got := valid[aiinsight.Topics](t, aiinsight.KindTopics, prompt, complete(t, "topics.map", prompt, 0))
	football := topicWith(got.Topics, "football", "match", "goal")
	baking := topicWith(got.Topics, "recipe", "oven", "dough")
	if football < 0 || baking < 0 || football == baking {
		t.Fatalf("the planted topics are not two topics of their own: %+v", got.Topics)
	}
	banned := []string{"the", "and", "was", "lol", "haha", "alice", "bob", "carol", "dan", "https", "example"}
	sum := 0.0
	for _, tp := range got.Topics {
		for _, k := range tp.Keywords {
			if slices.Contains(banned, k) {
				t.Errorf("topic %q has the keyword %q", tp.Label, k)
			}
		}
		sum += tp.Share
		if len(tp.Messages) == 0 {
			t.Errorf("topic %q cites no message", tp.Label)
		}
	}
	if sum > 1 {
		t.Errorf("shares add up to %v", sum)
	}
	// 11 of the 25 messages mention football, a match or a goal.
	if s := got.Topics[football].Share; s < 0.3 || s > 0.5 {
		t.Errorf("the football topic's share is %v", s)
	}
}

// In a long chat every word of the background is in every window, and
// the topics are the words each stretch of it favours.
func TestTopicsOfALongChatAreItsStretches(t *testing.T) {
	prompt := bigTranscript(10000)
	got := valid[aiinsight.Topics](t, aiinsight.KindTopics, prompt, complete(t, "topics.map", prompt, 0))
	stretches := [][]string{
		{"trip", "train", "hostel"}, {"lisbon", "football", "match"}, {"goal", "recipe", "oven"},
		{"dough", "bread", "flour"}, {"weekend", "party", "birthday"}, {"cake", "gift", "movie"},
		{"cinema", "ticket", "work"}, {"meeting", "deadline", "project"}, {"report", "budget", "flight"},
		{"hotel", "beach", "sun"},
	}
	if len(got.Topics) < 5 {
		t.Fatalf("%d topics, want 5 or more: %+v", len(got.Topics), got.Topics)
	}
	for _, tp := range got.Topics {
		i := slices.IndexFunc(stretches, func(s []string) bool { return slices.Contains(s, tp.Keywords[0]) })
		if i < 0 {
			t.Errorf("topic %q is no stretch's", tp.Label)
			continue
		}
		for _, k := range tp.Keywords {
			if !slices.Contains(stretches[i], k) {
				t.Errorf("topic %q mixes in %q", tp.Label, k)
			}
		}
	}
}

func TestTopicsChineseBigrams(t *testing.T) {
	prompt := transcript(
		"小明\t昨天的足球比赛太精彩了",
		"小红\t那场足球比赛最后一分钟进球了",
		"小明\t足球比赛的裁判也很公平",
		"小红\t下周还有足球比赛吗",
		"小李\t我在学做蛋糕，烤箱温度要多少？",
		"小王\t蛋糕要用烤箱烤四十分钟",
		"小李\t我的烤箱太小了，蛋糕放不下",
		"小王\t那就买个新烤箱做蛋糕吧",
	)
	got := valid[aiinsight.Topics](t, aiinsight.KindTopics, prompt, complete(t, "topics.map", prompt, 0))
	football := topicWith(got.Topics, "足球", "比赛")
	cake := topicWith(got.Topics, "蛋糕", "烤箱")
	if football < 0 || cake < 0 || football == cake {
		t.Fatalf("topics %+v", got.Topics)
	}
}

func TestTopicsReduceMergesAndWeighs(t *testing.T) {
	got := valid[aiinsight.Topics](t, aiinsight.KindTopics, topicsPartials, complete(t, "topics.reduce", topicsPartials, 0))
	want := map[string]float64{"holiday": 0.45, "Football": 0.275, "recipe": 0.075}
	if len(got.Topics) != len(want) {
		t.Fatalf("topics %+v, want the two football topics merged", got.Topics)
	}
	for _, tp := range got.Topics {
		if s, ok := want[tp.Label]; !ok || s != tp.Share {
			t.Errorf("topic %q has the share %v, want %v", tp.Label, tp.Share, s)
		}
		if tp.Label == "Football" {
			if !slices.Equal(tp.Messages, []int64{1, 2, 210}) || len(tp.Keywords) != 4 {
				t.Errorf("the merged topic %+v", tp)
			}
		}
	}
}

// Overlapping shares are scaled to add up to at most 1.
func TestTopicsReduceNormalisesShares(t *testing.T) {
	prompt := partials(
		`{"messages":10,"result":{"topics":[{"label":"a","keywords":["alpha"],"share":0.9,"messages":[1]},{"label":"b","keywords":["beta"],"share":0.9,"messages":[2]}]}}`,
	)
	got := valid[aiinsight.Topics](t, aiinsight.KindTopics, prompt, complete(t, "topics.reduce", prompt, 0))
	sum := 0.0
	for _, tp := range got.Topics {
		sum += tp.Share
	}
	if sum > 1 || sum < 0.99 {
		t.Errorf("shares add up to %v", sum)
	}
}

func TestTermRules(t *testing.T) {
	c, err := analyseTexts([]string{
		"Alice said the 2024 https://example.com match was großartig, l'équipe won",
		"サッカーの試合は楽しかった",
		"축구를 봤어요",
		"मैच बहुत शानदार था",
		"hahaha lol ok",
	}, []string{"Alice"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, doc := range c.docs {
		var terms []string
		for _, id := range doc {
			terms = append(terms, c.vocab[id])
		}
		got = append(got, strings.Join(terms, " "))
	}
	want := []string{
		"match équipe", // no name, number, link, stop word ("said"), feeling ("großartig")
		"サッカー 試合",      // katakana word, kanji bigram; no lone stem of 楽しかった
		"축구 봤어요",       // the particle taken off
		"मैच",          // marks kept in the word; "शानदार" is a feeling
		"",
	}
	if !slices.Equal(got, want) {
		t.Errorf("terms\n%q\nwant\n%q", got, want)
	}
}

func analyseTexts(texts, authors []string) (*corpus, error) {
	return analyse(context.Background(), texts, nameWords(authors), false)
}
