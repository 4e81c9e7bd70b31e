package insights

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatstats"
)

// The statistical generators: computed in Go from a chat's stored
// statistics and messages, deterministic, no outside call. Their documents
// are the insights' results as clients read them (snake_case JSON); a field
// once published keeps its meaning.

// ActivityReport is the activity-report document.
type ActivityReport struct {
	Messages             int              `json:"messages"`
	Participants         int              `json:"participants"`
	Words                int              `json:"words"`
	Media                int              `json:"media"`
	First                string           `json:"first,omitempty"` // the first message's day, YYYY-MM-DD
	Last                 string           `json:"last,omitempty"`
	DaysActive           int              `json:"days_active"`
	SpanDays             int              `json:"span_days"`
	MessagesPerActiveDay float64          `json:"messages_per_active_day"`
	BusiestDay           *DayMessages     `json:"busiest_day,omitempty"`
	BusiestWeekday       string           `json:"busiest_weekday,omitempty"`
	BusiestHour          int              `json:"busiest_hour"`
	LongestStreakDays    int              `json:"longest_streak_days"`
	LongestSilenceDays   int              `json:"longest_silence_days"`
	ByWeekday            [7]int           `json:"by_weekday"` // Sunday first
	ByHour               [24]int          `json:"by_hour"`
	Authors              []AuthorActivity `json:"authors"`
}

// DayMessages is one day's count.
type DayMessages struct {
	Date     string `json:"date"`
	Messages int    `json:"messages"`
}

// AuthorActivity is one participant's part of the activity.
type AuthorActivity struct {
	Name            string  `json:"name"`
	Messages        int     `json:"messages"`
	Share           float64 `json:"share"` // of the participants' messages, 0 to 1
	Words           int     `json:"words"`
	WordsPerMessage float64 `json:"words_per_message"`
	Media           int     `json:"media"`
	Emoji           int     `json:"emoji"`
}

func activityReport(ctx context.Context, src Source) (any, error) {
	st, err := src.Statistics(ctx)
	if err != nil {
		return nil, err
	}
	if st.Messages == 0 {
		return nil, &core.JobError{Class: core.ErrClassNoData}
	}
	r := ActivityReport{
		Messages: st.Messages, Participants: len(st.Authors), Words: st.Words, Media: st.Media,
		DaysActive: len(st.ByDay), Authors: []AuthorActivity{},
	}
	for d, hours := range st.ByWeekdayHour {
		for h, n := range hours {
			r.ByWeekday[d] += n
			r.ByHour[h] += n
		}
	}
	if w := argmax(r.ByWeekday[:]); r.ByWeekday[w] > 0 {
		r.BusiestWeekday = time.Weekday(w).String()
	}
	r.BusiestHour = argmax(r.ByHour[:])
	if len(st.ByDay) > 0 {
		first, last := st.ByDay[0].Date, st.ByDay[len(st.ByDay)-1].Date
		r.First, r.Last = day(first), day(last)
		r.SpanDays = days(first, last) + 1
		r.MessagesPerActiveDay = round2(float64(st.Messages) / float64(len(st.ByDay)))
		busiest := st.ByDay[0]
		streak := 1
		r.LongestStreakDays = 1
		for i, d := range st.ByDay {
			if d.Messages > busiest.Messages {
				busiest = d
			}
			if i == 0 {
				continue
			}
			gap := days(st.ByDay[i-1].Date, d.Date)
			if gap == 1 {
				streak++
			} else {
				streak = 1
			}
			r.LongestStreakDays = max(r.LongestStreakDays, streak)
			r.LongestSilenceDays = max(r.LongestSilenceDays, gap-1)
		}
		r.BusiestDay = &DayMessages{Date: day(busiest.Date), Messages: busiest.Messages}
	}
	for _, a := range st.Authors {
		aa := AuthorActivity{Name: authorName(a), Messages: a.Messages, Words: a.Words, Media: a.Media, Emoji: a.Emoji}
		if st.Messages > 0 {
			aa.Share = round2(float64(a.Messages) / float64(st.Messages))
		}
		if a.Messages > 0 {
			aa.WordsPerMessage = round2(float64(a.Words) / float64(a.Messages))
		}
		r.Authors = append(r.Authors, aa)
	}
	return r, nil
}

// ResponseTimes is the response-times document: how fast each participant
// answers another, and who starts the conversations.
type ResponseTimes struct {
	Conversations    int              `json:"conversations"`
	SilenceMinutes   float64          `json:"silence_minutes"`    // the gap that starts a new conversation
	MaxResponseHours float64          `json:"max_response_hours"` // the longest gap that still counts as a response
	FastestResponder string           `json:"fastest_responder,omitempty"`
	TopStarter       string           `json:"top_starter,omitempty"`
	Authors          []AuthorResponse `json:"authors"`
}

// AuthorResponse is one participant's responses and starts.
type AuthorResponse struct {
	Name                  string  `json:"name"`
	Responses             int     `json:"responses"`
	MedianResponseSeconds float64 `json:"median_response_seconds"`
	ConversationsStarted  int     `json:"conversations_started"`
	StarterShare          float64 `json:"starter_share"` // of all conversations, 0 to 1
}

func responseTimes(ctx context.Context, src Source) (any, error) {
	st, err := src.Statistics(ctx)
	if err != nil {
		return nil, err
	}
	if st.Messages == 0 {
		return nil, &core.JobError{Class: core.ErrClassNoData}
	}
	r := ResponseTimes{
		Conversations: st.Conversations, Authors: []AuthorResponse{},
		SilenceMinutes: st.Silence.Minutes(), MaxResponseHours: st.MaxResponse.Hours(),
	}
	var fastest *AuthorResponse
	topStarts := 0
	for _, a := range st.Authors {
		ar := AuthorResponse{
			Name: authorName(a), Responses: a.Responses, ConversationsStarted: a.ConversationsStarted,
			MedianResponseSeconds: round2(a.MedianResponse.Seconds()),
		}
		if st.Conversations > 0 {
			ar.StarterShare = round2(float64(a.ConversationsStarted) / float64(st.Conversations))
		}
		r.Authors = append(r.Authors, ar)
		if a.ConversationsStarted > topStarts {
			topStarts, r.TopStarter = a.ConversationsStarted, ar.Name
		}
	}
	for i := range r.Authors {
		a := &r.Authors[i]
		if a.Responses > 0 && (fastest == nil || a.MedianResponseSeconds < fastest.MedianResponseSeconds) {
			fastest = a
		}
	}
	if fastest != nil {
		r.FastestResponder = fastest.Name
	}
	return r, nil
}

// ReplyGraph is the who-replies-to-whom document: for every pair of
// participants, how often one wrote right after the other (within
// MaxGapHours), which is how replies look in a chat without threads.
type ReplyGraph struct {
	MaxGapHours  float64       `json:"max_gap_hours"`
	Replies      int           `json:"replies"` // edges' total
	Participants []string      `json:"participants"`
	Edges        []ReplyEdge   `json:"edges"`    // most replies first
	Partners     []ReplyFavour `json:"partners"` // each participant's most replied-to
}

// ReplyEdge counts From's messages that followed To's.
type ReplyEdge struct {
	From    string  `json:"from"`
	To      string  `json:"to"`
	Replies int     `json:"replies"`
	Share   float64 `json:"share"` // of From's replies, 0 to 1
}

// ReplyFavour is whom a participant replies to most.
type ReplyFavour struct {
	Author    string `json:"author"`
	RepliesTo string `json:"replies_to"`
	Replies   int    `json:"replies"`
}

// replyGap is the longest gap after which a message still answers the one
// before it (chatstats' default MaxResponse).
const replyGap = 24 * time.Hour

func replyGraph(ctx context.Context, src Source) (any, error) {
	type pair struct{ from, to string }
	counts := map[pair]int{}
	from := map[string]int{}
	var order []string
	seen := map[string]bool{}
	var prev core.Message
	havePrev := false
	for m, err := range src.Messages(ctx) {
		if err != nil {
			return nil, err
		}
		if m.Kind == core.MessageSystem {
			continue
		}
		name := m.Author
		if name == "" {
			name = m.AuthorID
		}
		if name == "" {
			continue
		}
		if !seen[name] {
			seen[name] = true
			order = append(order, name)
		}
		if havePrev && prev.Author != name {
			gap := core.MessageTime(m).Sub(core.MessageTime(prev))
			if gap >= 0 && gap <= replyGap {
				counts[pair{name, prev.Author}]++
				from[name]++
			}
		}
		prev, havePrev = m, true
		prev.Author = name
	}
	if len(order) == 0 {
		return nil, &core.JobError{Class: core.ErrClassNoData}
	}
	g := ReplyGraph{MaxGapHours: replyGap.Hours(), Participants: order, Edges: []ReplyEdge{}, Partners: []ReplyFavour{}}
	for p, n := range counts {
		g.Replies += n
		g.Edges = append(g.Edges, ReplyEdge{From: p.from, To: p.to, Replies: n, Share: round2(float64(n) / float64(from[p.from]))})
	}
	slices.SortFunc(g.Edges, func(a, b ReplyEdge) int {
		return cmp.Or(cmp.Compare(b.Replies, a.Replies), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	favoured := map[string]bool{}
	for _, e := range g.Edges { // most replies first: the first edge of each author is its favourite
		if !favoured[e.From] {
			favoured[e.From] = true
			g.Partners = append(g.Partners, ReplyFavour{Author: e.From, RepliesTo: e.To, Replies: e.Replies})
		}
	}
	return g, nil
}

func authorName(a chatstats.Author) string {
	if a.Name != "" {
		return a.Name
	}
	return a.ID
}

func argmax(xs []int) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// days counts whole days from a to b (both midnights UTC).
func days(a, b time.Time) int { return int(b.Sub(a).Round(time.Hour).Hours() / 24) }

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Slow is a generator for tests of the job machinery: it waits d (or
// until its context ends, returning the context's error) and returns a
// small document. The crash test registers it as a test-only type.
func Slow(d time.Duration) Generator {
	return GeneratorFunc(func(ctx context.Context, src Source) (any, error) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
		return map[string]any{"slept_ms": d.Milliseconds(), "chat_messages": src.Chat.Messages}, nil
	})
}
