package chatstats

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
)

// wall is a WhatsApp-style message: a wall time and no instant.
func wall(author, local, text string) core.Message {
	l, err := time.Parse("2006-01-02 15:04", local)
	if err != nil {
		panic(err)
	}
	return core.Message{Author: author, Local: l, Kind: core.MessageText, Text: text}
}

// instant is a Telegram- or Discord-style message: an instant only.
func instant(author, at, text string) core.Message {
	a, err := time.Parse(time.RFC3339, at)
	if err != nil {
		panic(err)
	}
	return core.Message{Author: author, At: a, Kind: core.MessageText, Text: text}
}

func kind(m core.Message, k core.MessageKind) core.Message {
	m.Kind = k
	if k == core.MessageSystem {
		m.Author = ""
	}
	return m
}

func run(opts Options, msgs ...core.Message) Result {
	s := New(opts)
	for i, m := range msgs {
		m.Seq = int64(i + 1)
		s.Add(&m)
	}
	return s.Result()
}

func authorNamed(t *testing.T, r Result, name string) Author {
	t.Helper()
	for _, a := range r.Authors {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no author %q in %+v", name, r.Authors)
	return Author{}
}

func days(r Result) map[string]int {
	m := map[string]int{}
	for _, d := range r.ByDay {
		m[d.Date.Format("2006-01-02")] = d.Messages
	}
	return m
}

func TestStreams(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		opts  Options
		msgs  []core.Message
		check func(t *testing.T, r Result)
	}{
		{"no messages", Options{}, nil, func(t *testing.T, r Result) {
			if r.Messages != 0 || len(r.Authors) != 0 || len(r.ByDay) != 0 || r.First.Seq != 0 || r.Conversations != 0 {
				t.Errorf("%+v", r)
			}
		}},
		{"one message", Options{}, []core.Message{wall("Ann", "2024-01-15 10:00", "hello there")}, func(t *testing.T, r Result) {
			a := authorNamed(t, r, "Ann")
			if r.Messages != 1 || r.Words != 2 || a.Messages != 1 || a.ConversationsStarted != 1 || r.Conversations != 1 ||
				a.Responses != 0 || a.MedianResponse != 0 {
				t.Errorf("%+v", r)
			}
			if r.First.Seq != 1 || r.Last.Seq != 1 || r.First.Author != "Ann" {
				t.Errorf("first %+v last %+v", r.First, r.Last)
			}
			if r.ByWeekdayHour[time.Monday][10] != 1 || len(r.ByDay) != 1 || days(r)["2024-01-15"] != 1 {
				t.Errorf("activity %v %v", r.ByWeekdayHour[time.Monday], r.ByDay)
			}
		}},
		{"one author never responds", Options{}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "a"), wall("Ann", "2024-01-15 10:01", "b"), wall("Ann", "2024-01-15 12:00", "c"),
		}, func(t *testing.T, r Result) {
			a := authorNamed(t, r, "Ann")
			if a.Responses != 0 || r.Conversations != 2 || a.ConversationsStarted != 2 || len(r.Authors) != 1 {
				t.Errorf("%+v", r)
			}
		}},
		{"responses alternate", Options{}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "hi"), wall("Ben", "2024-01-15 10:02", "hi"),
			wall("Ann", "2024-01-15 10:03", "ok"), wall("Ann", "2024-01-15 10:04", "so"),
			wall("Ben", "2024-01-15 10:11", "yes"), wall("Ben", "2024-01-15 10:12", "no"),
		}, func(t *testing.T, r Result) {
			ann, ben := authorNamed(t, r, "Ann"), authorNamed(t, r, "Ben")
			if ann.Responses != 1 || !near(ann.MedianResponse, time.Minute) {
				t.Errorf("Ann %+v", ann)
			}
			// Ben answered after 2 and 7 minutes: the lower median is 2.
			if ben.Responses != 2 || !near(ben.MedianResponse, 2*time.Minute) {
				t.Errorf("Ben %+v", ben)
			}
			if r.Conversations != 1 || ann.ConversationsStarted != 1 || ben.ConversationsStarted != 0 {
				t.Errorf("conversations %d", r.Conversations)
			}
		}},
		{"silence starts a conversation", Options{}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "hi"), wall("Ben", "2024-01-15 10:31", "hi"), wall("Ann", "2024-01-15 11:01", "hi"),
		}, func(t *testing.T, r Result) {
			ben := authorNamed(t, r, "Ben")
			// 31 minutes is a new conversation, and still a response.
			if r.Conversations != 2 || ben.ConversationsStarted != 1 || ben.Responses != 1 || !near(ben.MedianResponse, 31*time.Minute) {
				t.Errorf("%+v", r)
			}
		}},
		{"silence is configurable", Options{Silence: 45 * time.Minute}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "hi"), wall("Ben", "2024-01-15 10:31", "hi"),
		}, func(t *testing.T, r Result) {
			if r.Conversations != 1 || r.Silence != 45*time.Minute {
				t.Errorf("%+v", r)
			}
		}},
		{"a reply after two days is no response", Options{}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "hi"), wall("Ben", "2024-01-17 10:00", "hi"),
		}, func(t *testing.T, r Result) {
			if ben := authorNamed(t, r, "Ben"); ben.Responses != 0 || ben.ConversationsStarted != 1 {
				t.Errorf("%+v", ben)
			}
		}},
		{"system messages belong to no one", Options{}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "hi"),
			kind(wall("Group", "2024-01-15 10:01", "Ben joined"), core.MessageSystem),
			wall("Ann", "2024-01-15 10:02", "hi"),
		}, func(t *testing.T, r Result) {
			if r.SystemMessages != 1 || r.Messages != 2 || len(r.Authors) != 1 || r.Authors[0].Responses != 0 ||
				r.ByWeekdayHour[time.Monday][10] != 2 {
				t.Errorf("%+v", r)
			}
		}},
		{"messages out of time order", Options{}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "a"), wall("Ben", "2024-01-15 10:05", "b"),
			wall("Ann", "2024-01-15 09:00", "c"), wall("Ben", "2024-01-15 10:06", "d"),
		}, func(t *testing.T, r Result) {
			ben := authorNamed(t, r, "Ben")
			if r.OutOfOrder != 1 || r.First.Seq != 3 || r.Last.Seq != 4 || ben.Responses != 1 || r.Messages != 4 {
				t.Errorf("%+v", r)
			}
			if d := days(r); d["2024-01-15"] != 4 {
				t.Errorf("days %v", d)
			}
		}},
		{"equal times: first and last in file order", Options{}, []core.Message{
			wall("Ann", "2024-01-15 10:00", "a"), wall("Ben", "2024-01-15 10:00", "b"),
		}, func(t *testing.T, r Result) {
			if r.First.Seq != 1 || r.Last.Seq != 2 || r.OutOfOrder != 0 || !near(authorNamed(t, r, "Ben").MedianResponse, 0) {
				t.Errorf("first %d last %d", r.First.Seq, r.Last.Seq)
			}
		}},
		{"no instants and no zone: wall clock as written", Options{}, []core.Message{
			wall("Ann", "2024-01-15 23:59", "a"), wall("Ben", "2024-01-16 00:01", "b"),
		}, func(t *testing.T, r Result) {
			if d := days(r); d["2024-01-15"] != 1 || d["2024-01-16"] != 1 || r.Location != "" {
				t.Errorf("days %v", d)
			}
			if r.ByWeekdayHour[time.Monday][23] != 1 || r.ByWeekdayHour[time.Tuesday][0] != 1 {
				t.Error("weekday x hour")
			}
			if !near(authorNamed(t, r, "Ben").MedianResponse, 2*time.Minute) || r.Conversations != 1 {
				t.Errorf("%+v", r)
			}
		}},
		{"midnight in the chat's zone", Options{Location: berlin}, []core.Message{
			instant("Ann", "2024-01-15T22:59:00Z", "a"), instant("Ben", "2024-01-15T23:01:00Z", "b"),
		}, func(t *testing.T, r Result) {
			// 23:59 on Monday and 00:01 on Tuesday in Berlin (UTC+1).
			if d := days(r); d["2024-01-15"] != 1 || d["2024-01-16"] != 1 {
				t.Errorf("days %v", d)
			}
			if r.ByWeekdayHour[time.Monday][23] != 1 || r.ByWeekdayHour[time.Tuesday][0] != 1 || r.Location != "Europe/Berlin" {
				t.Errorf("weekday x hour, %q", r.Location)
			}
		}},
		{"instants without a zone count in UTC", Options{}, []core.Message{
			instant("Ann", "2024-01-15T22:59:00Z", "a"), instant("Ben", "2024-01-15T23:01:00Z", "b"),
		}, func(t *testing.T, r Result) {
			if d := days(r); d["2024-01-15"] != 2 || r.ByWeekdayHour[time.Monday][22] != 1 {
				t.Errorf("days %v", d)
			}
		}},
		{"spring forward, wall times read in the zone", Options{Location: berlin}, []core.Message{
			// 01:59 CET and 03:01 CEST on 2024-03-31 are two minutes apart.
			wall("Ann", "2024-03-31 01:59", "a"), wall("Ben", "2024-03-31 03:01", "b"),
		}, func(t *testing.T, r Result) {
			if ben := authorNamed(t, r, "Ben"); !near(ben.MedianResponse, 2*time.Minute) || r.Conversations != 1 {
				t.Errorf("Ben %+v, %d conversations", ben, r.Conversations)
			}
			if r.ByWeekdayHour[time.Sunday][1] != 1 || r.ByWeekdayHour[time.Sunday][3] != 1 {
				t.Error("hours")
			}
		}},
		{"spring forward, wall times without a zone", Options{}, []core.Message{
			wall("Ann", "2024-03-31 01:59", "a"), wall("Ben", "2024-03-31 03:01", "b"),
		}, func(t *testing.T, r Result) {
			if ben := authorNamed(t, r, "Ben"); !near(ben.MedianResponse, 62*time.Minute) || r.Conversations != 2 {
				t.Errorf("Ben %+v", ben)
			}
		}},
		{"fall back, instants", Options{Location: berlin}, []core.Message{
			// 02:30 CEST and 02:10 CET on 2024-10-27: forty minutes apart,
			// both in hour 2.
			instant("Ann", "2024-10-27T00:30:00Z", "a"), instant("Ben", "2024-10-27T01:10:00Z", "b"),
		}, func(t *testing.T, r Result) {
			if r.ByWeekdayHour[time.Sunday][2] != 2 || r.OutOfOrder != 0 || !near(authorNamed(t, r, "Ben").MedianResponse, 40*time.Minute) {
				t.Errorf("%+v", r)
			}
		}},
		{"authors by id, latest name", Options{}, []core.Message{
			{Author: "Ann", AuthorID: "u1", Kind: core.MessageText, Text: "a", At: time.Unix(1e9, 0)},
			{Author: "Ann", AuthorID: "u2", Kind: core.MessageText, Text: "b", At: time.Unix(1e9+60, 0)},
			{Author: "Annie", AuthorID: "u1", Kind: core.MessageText, Text: "c", At: time.Unix(1e9+120, 0)},
			{AuthorID: "u3", Kind: core.MessageText, Text: "d", At: time.Unix(1e9+180, 0)},
		}, func(t *testing.T, r Result) {
			if len(r.Authors) != 3 || authorNamed(t, r, "Annie").Messages != 2 || authorNamed(t, r, "Ann").ID != "u2" || authorNamed(t, r, "").ID != "u3" {
				t.Errorf("%+v", r.Authors)
			}
		}},
		{"kinds: deleted markers are no words, captions are", Options{Languages: []string{"en"}}, []core.Message{
			kind(wall("Ann", "2024-01-15 10:00", "This message was deleted"), core.MessageDeleted),
			kind(wall("Ann", "2024-01-15 10:01", "nice pic"), core.MessageMedia),
			kind(wall("Ann", "2024-01-15 10:02", "Missed voice call"), core.MessageCall),
			kind(wall("Ann", "2024-01-15 10:03", "Café Central"), core.MessageLocation),
			kind(wall("Ann", "2024-01-15 10:04", ""), core.MessageSticker),
			kind(wall("Ann", "2024-01-15 10:05", "Lunch? pizza sushi"), core.MessagePoll),
		}, func(t *testing.T, r Result) {
			a := authorNamed(t, r, "Ann")
			if a.Messages != 6 || a.Deleted != 1 || a.Media != 2 || a.Words != 5 || r.Media != 2 {
				t.Errorf("%+v", a)
			}
			if got := texts(a.TopWords); !slices.Equal(got, []string{"lunch", "nice", "pic", "pizza", "sushi"}) {
				t.Errorf("top words %q", got)
			}
		}},
		{"no author, no time", Options{}, []core.Message{
			{Kind: core.MessageText, Text: "who?", Local: time.Unix(1e9, 0).UTC()},
			{Author: "Ann", Kind: core.MessageText, Text: "when"},
		}, func(t *testing.T, r Result) {
			if r.Unattributed != 1 || r.Untimed != 1 || r.Messages != 1 || r.Words != 1 || r.First.Seq != 0 || len(r.ByDay) != 0 {
				t.Errorf("%+v", r)
			}
		}},
		{"authors by messages, then name", Options{}, []core.Message{
			wall("Cy", "2024-01-15 10:00", "a"), wall("Bo", "2024-01-15 10:01", "a"), wall("Al", "2024-01-15 10:02", "a"),
			wall("Bo", "2024-01-15 10:03", "a"),
		}, func(t *testing.T, r Result) {
			var names []string
			for _, a := range r.Authors {
				names = append(names, a.Name)
			}
			if !slices.Equal(names, []string{"Bo", "Al", "Cy"}) {
				t.Errorf("%q", names)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, run(c.opts, c.msgs...))
		})
	}
}

// near reports whether a median estimate is within the documented bound.
func near(got, want time.Duration) bool {
	if want < time.Second {
		return got == 0
	}
	d := float64(got - want)
	return d <= float64(want)*ResponseTimeRelativeError && -d <= float64(want)*ResponseTimeRelativeError
}

func TestStopWordsFollowTheChatsLanguages(t *testing.T) {
	english := []string{"I will die if the show ends", "the show was great and the cast too", "die hard is the best show"}
	german := []string{"die Katze ist auf dem Dach", "ich habe die Katze gesehen", "die Katze und der Hund"}
	feed := func(lines []string) Result {
		var msgs []core.Message
		for i, l := range lines {
			msgs = append(msgs, wall("Ann", "2024-01-15 10:0"+string(rune('0'+i)), l))
		}
		return run(Options{}, msgs...)
	}
	en := feed(english)
	if !slices.Equal(en.Languages, []string{"en"}) {
		t.Errorf("English chat detected as %v", en.Languages)
	}
	if got := texts(en.Authors[0].TopWords); !slices.Contains(got, "die") || slices.Contains(got, "the") {
		t.Errorf("English top words %q: want die kept, the left out", got)
	}
	de := feed(german)
	if !slices.Contains(de.Languages, "de") || slices.Contains(de.Languages, "en") {
		t.Errorf("German chat detected as %v", de.Languages)
	}
	if got := texts(de.Authors[0].TopWords); slices.Contains(got, "die") || !slices.Contains(got, "katze") {
		t.Errorf("German top words %q", got)
	}
	forced := run(Options{Languages: []string{"de", "xx"}}, wall("Ann", "2024-01-15 10:00", "the die"))
	if got := texts(forced.Authors[0].TopWords); !slices.Equal(got, []string{"the"}) || !slices.Equal(forced.Languages, []string{"de"}) {
		t.Errorf("forced German: %q %v", got, forced.Languages)
	}
}

func TestResultCanBeTakenTwice(t *testing.T) {
	s := New(Options{})
	m := wall("Ann", "2024-01-15 10:00", "a")
	s.Add(&m)
	first := s.Result()
	m = wall("Ann", "2024-01-15 10:05", "b")
	s.Add(&m)
	second := s.Result()
	if first.Messages != 1 || second.Messages != 2 || days(second)["2024-01-15"] != 2 || days(first)["2024-01-15"] != 1 {
		t.Errorf("first %+v second %+v", first.ByDay, second.ByDay)
	}
}

// Each day's messages split by author, for a timeline stacked by author:
// the split sums to the day's count, names authors by their place in
// Result.Authors (most messages first, not first seen), and survives a day
// that comes back out of order.
func TestDaysSplitByAuthor(t *testing.T) {
	r := run(Options{},
		wall("Ann", "2024-01-15 10:00", "a"),
		wall("Bob", "2024-01-15 10:01", "b"),
		wall("Bob", "2024-01-16 09:00", "b"),
		wall("Bob", "2024-01-16 09:05", "b"),
		wall("Cy", "2024-01-15 23:00", "out of order: back to the first day"),
		kind(wall("", "2024-01-16 09:06", "Ann left"), core.MessageSystem),
	)
	names := map[string]map[string]int{}
	for _, d := range r.ByDay {
		sum, split := 0, map[string]int{}
		for _, c := range d.ByAuthor {
			sum += c.Messages
			split[r.Authors[c.Author].Name] = c.Messages
		}
		if sum != d.Messages {
			t.Errorf("%s: split %v sums to %d, the day counts %d", d.Date.Format("2006-01-02"), d.ByAuthor, sum, d.Messages)
		}
		names[d.Date.Format("2006-01-02")] = split
	}
	want := map[string]map[string]int{
		"2024-01-15": {"Ann": 1, "Bob": 1, "Cy": 1},
		"2024-01-16": {"Bob": 2},
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("days by author %v; want %v", names, want)
	}
	if r.Authors[0].Name != "Bob" {
		t.Fatalf("authors %+v: Bob wrote most and comes first", r.Authors)
	}
}

// TestVocabularyThenTopCounter fills a small chat vocabulary, then sends
// more distinct words than the per-author slots hold: the vocabulary's words
// keep exact counts however many words follow them, the later words keep the
// top counter's bounds, and a stop word that first comes after the
// vocabulary is full is still left out and still tells the language.
func TestVocabularyThenTopCounter(t *testing.T) {
	var msgs []core.Message
	say := func(author, text string) {
		msgs = append(msgs, wall(author, "2024-01-15 10:00", text))
	}
	say("Ann", "coffee coffee coffee train train home") // the vocabulary: three words
	say("Bo", "home home")
	for i := range 40 { // forty words past the vocabulary, once each
		say("Ann", fmt.Sprintf("rare%d", i))
	}
	for range 6 {
		say("Ann", "pizza und und und")
	}
	say("Ann", "coffee")
	r := run(Options{ChatWords: 3, WordSlots: 4, TopWords: 10}, msgs...)
	if !slices.Equal(r.Languages, []string{"de"}) {
		t.Errorf("languages %v: want de, from und past the vocabulary", r.Languages)
	}
	ann := authorNamed(t, r, "Ann")
	want := map[string]int{"coffee": 4, "train": 2, "home": 1}
	for _, c := range ann.TopWords {
		if c.Text == "und" {
			t.Errorf("stop word und in the top words: %+v", ann.TopWords)
		}
		if n, ok := want[c.Text]; ok {
			if c.Count != n || c.MaxOvercount != 0 {
				t.Errorf("%s: %+v, want exactly %d", c.Text, c, n)
			}
			delete(want, c.Text)
		}
		if c.Text == "pizza" && (c.Count < 6 || c.Count-c.MaxOvercount > 6) {
			t.Errorf("pizza: %+v, used 6 times", c)
		}
	}
	if len(want) > 0 {
		t.Errorf("vocabulary words %v missing from %+v", want, ann.TopWords)
	}
	if !slices.ContainsFunc(ann.TopWords, func(c Count) bool { return c.MaxOvercount > 0 }) {
		t.Errorf("no word past the vocabulary counted in a slot another held: %+v", ann.TopWords)
	}
	if got := texts(ann.TopWords); !slices.Contains(got, "pizza") {
		t.Errorf("pizza, the most used word past the vocabulary, missing: %q", got)
	}
	if got := texts(authorNamed(t, r, "Bo").TopWords); !slices.Equal(got, []string{"home", "home"}) {
		t.Errorf("Bo's top words %q", got)
	}
}

// TestBatchedWordsAreCountedAsAdded holds the batching of texts (addText)
// to the result of counting each text as it comes: a Stats that counts
// what waits after every Add and one left to batch agree, over more texts
// than a batch holds and with long texts that fill one by bytes, with a
// vocabulary small enough that the top counters, which depend on the
// order of words, take most words; and no batch grows past its bounds.
func TestBatchedWordsAreCountedAsAdded(t *testing.T) {
	opts := Options{ChatWords: 64, WordSlots: 16}
	eager, batched := New(opts), New(opts)
	long := strings.Repeat("lorem ipsum dolor ", batchBytes/(3*18))
	n := 0
	generated(3*batchTexts+17, func(m core.Message) {
		if n++; n%97 == 0 {
			m.Text = long + m.Text
		}
		eager.Add(&m)
		eager.scanPending()
		batched.Add(&m)
		if len(batched.pending) >= batchTexts || batched.pendingBytes >= batchBytes {
			t.Fatalf("after %d messages a batch holds %d texts, %d bytes", n, len(batched.pending), batched.pendingBytes)
		}
	})
	if len(batched.pending) == 0 {
		t.Fatal("no text waits at the end: the test does not reach Result's flush")
	}
	want, got := eager.Result(), batched.Result()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("batched result differs from counting each text as it comes:\n got %+v\nwant %+v", got.Authors, want.Authors)
	}
	if got.Words == 0 || len(got.Authors[0].TopWords) == 0 {
		t.Errorf("no words counted: %+v", got.Authors)
	}
}
