package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/adapters/http/chart"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatstats"
)

// ChatStatistics is what a chat's import counted (core/chatstats).
// Durations are seconds.
type ChatStatistics struct {
	ChatID         string           `json:"chat_id" format:"uuid" doc:"The chat's id." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	Messages       int              `json:"messages" doc:"The participants' messages (every kind but system)." example:"1188"`
	SystemMessages int              `json:"system_messages" doc:"The platform's notices, which belong to no one." example:"12"`
	Words          int              `json:"words" doc:"Words in texts, captions and polls." example:"5230"`
	Media          int              `json:"media" doc:"Media and stickers." example:"82"`
	Emoji          int              `json:"emoji" example:"301"`
	Conversations  int              `json:"conversations" doc:"Conversations: a message after more than silence_s of silence starts one." example:"87"`
	OutOfOrder     int              `json:"out_of_order" doc:"Messages earlier than one before them in the export." example:"0"`
	Untimed        int              `json:"untimed" doc:"Messages without any time." example:"0"`
	First          *StatsMessageRef `json:"first,omitempty"`
	Last           *StatsMessageRef `json:"last,omitempty"`
	TimeZone       string           `json:"time_zone,omitempty" doc:"The clock of the activity counts: the chat's time zone; absent when each message's own clock was used." example:"Europe/Madrid"`
	SilenceS       float64          `json:"silence_s" doc:"The silence, in seconds, after which a message starts a conversation." example:"7200"`
	MaxResponseS   float64          `json:"max_response_s" doc:"The longest gap, in seconds, that counts as a response." example:"86400"`
	Languages      []string         `json:"stop_word_languages" nullable:"false" doc:"The languages whose stop words are left out of top_words."`
	Authors        []StatsAuthor    `json:"authors" nullable:"false" doc:"One entry per participant, most messages first."`
	ByWeekdayHour  [][]int          `json:"by_weekday_hour" minItems:"7" maxItems:"7" doc:"Participants' messages by weekday (row 0 is Sunday) and hour of the day (24 columns), on the chat's clock."`
	ByDay          []StatsDayCount  `json:"by_day" nullable:"false" doc:"Participants' messages per calendar day, in date order; days without messages are left out."`
}

// StatsAuthor is what one participant wrote.
type StatsAuthor struct {
	Name                 string       `json:"name" doc:"The author's display name as last written (empty when the export gives only an id)." example:"Ada"`
	ID                   string       `json:"author_id,omitempty" doc:"The platform's id, where the export has one."`
	Messages             int          `json:"messages" example:"640"`
	Words                int          `json:"words" example:"2900"`
	Media                int          `json:"media" example:"40"`
	Deleted              int          `json:"deleted" example:"1"`
	Emoji                int          `json:"emoji" example:"150"`
	ConversationsStarted int          `json:"conversations_started" example:"50"`
	Responses            int          `json:"responses" doc:"Messages that follow another participant's within max_response_s." example:"300"`
	MedianResponseS      float64      `json:"median_response_s" doc:"The median of those gaps, in seconds (an estimate within about 1%); 0 without responses." example:"240"`
	TopWords             []StatsCount `json:"top_words" nullable:"false" doc:"Most used words (folded; stop words left out), most used first."`
	TopEmoji             []StatsCount `json:"top_emoji" nullable:"false" doc:"Most used emoji, most used first."`
}

// StatsCount is one entry of a top list.
type StatsCount struct {
	Text         string `json:"text" example:"dinner"`
	Count        int    `json:"count" example:"31"`
	MaxOvercount int    `json:"max_overcount,omitempty" doc:"How much count may exceed the true count (an estimate, when the author used very many distinct words)." example:"0"`
}

// StatsDayCount is the participants' messages of one day.
type StatsDayCount struct {
	Date     string             `json:"date" format:"date" doc:"The day, on the chat's clock." example:"2024-03-01"`
	Messages int                `json:"messages" example:"25"`
	ByAuthor []StatsAuthorCount `json:"by_author" nullable:"false" doc:"Messages by author, leaving out those who wrote nothing that day."`
}

// StatsAuthorCount is one author's share of a day.
type StatsAuthorCount struct {
	Author   int `json:"author" minimum:"0" doc:"The author's index in authors." example:"0"`
	Messages int `json:"messages" example:"14"`
}

// StatsMessageRef points at one message.
type StatsMessageRef struct {
	Seq       int64     `json:"seq" example:"1"`
	Author    string    `json:"author,omitempty" example:"Ada"`
	LocalTime string    `json:"local_time,omitempty" doc:"Its wall-clock time as the export wrote it." example:"2024-03-01T09:15:00"`
	At        time.Time `json:"at,omitzero" doc:"Its instant, where known."`
}

type statisticsOutput struct {
	Body ChatStatistics
}

// svgOutput is a picture of a chat's statistics.
type svgOutput struct {
	ContentType string `header:"Content-Type"`
	CSP         string `header:"Content-Security-Policy" doc:"The picture may load nothing and run nothing."`
	NoSniff     string `header:"X-Content-Type-Options" doc:"nosniff: the picture is never read as another type."`
	Body        []byte
}

// svgPolicy is the Content-Security-Policy of every picture: nothing is
// loaded or run (the chart package writes no style element, only
// presentation attributes, which the policy does not touch).
const svgPolicy = "default-src 'none'"

// registerStatistics registers the statistics and their pictures.
func (r chatsResource) registerStatistics(api huma.API) {
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-chat-statistics", Method: http.MethodGet, Path: chatsPath + "/{id}/statistics", Tags: []string{"chats"},
		Summary: "Get a chat's statistics",
		Description: "What the import counted: messages, words, media and emoji per author, activity by weekday and hour and per day, " +
			"conversations and who started them, response times, top words and emoji. Durations are in seconds.",
		Responses: successes(success{http.StatusOK, "The chat's statistics.", exampleStatistics}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, authed(r.statistics))
	for _, pic := range []struct{ name, summary, description string }{
		{"activity", "Draw a chat's activity by weekday and hour", "An SVG heat map of the participants' messages by weekday and hour of the day, on the chat's clock."},
		{"timeline", "Draw a chat's messages per day", "An SVG chart of the participants' messages per day, stacked by author."},
	} {
		path := chatsPath + "/{id}/statistics/" + pic.name + ".svg"
		register(api, operation{Operation: huma.Operation{
			OperationID: "draw-chat-" + pic.name, Method: http.MethodGet, Path: path, Tags: []string{"chats"},
			Summary: pic.summary,
			Description: pic.description + " Served as image/svg+xml with a Content-Security-Policy that lets it load and run nothing (" + svgPolicy + "), " +
				"and X-Content-Type-Options: nosniff.",
			Responses: map[string]*huma.Response{"200": {
				Description: "The picture.",
				Headers: map[string]*huma.Header{
					"Content-Security-Policy": {Description: "Nothing is loaded or run.", Schema: &huma.Schema{Type: huma.TypeString}, Example: svgPolicy},
					"X-Content-Type-Options":  {Description: "Never read as another type.", Schema: &huma.Schema{Type: huma.TypeString}, Example: "nosniff"},
				},
				Content: map[string]*huma.MediaType{"image/svg+xml": {
					Schema:  &huma.Schema{Type: huma.TypeString, Description: "An SVG document."},
					Example: exampleSVG,
				}},
			}},
		}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, authed(r.picture(pic.name)))
		// Content-Type is the media type above, not a header to document.
		delete(api.OpenAPI().Paths[path].Get.Responses["200"].Headers, "Content-Type")
	}
}

// TransformSchema states the shape of by_weekday_hour: 7 rows of 24 counts.
func (ChatStatistics) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	hours := 24
	row := &huma.Schema{Type: huma.TypeArray, MinItems: &hours, MaxItems: &hours, Items: &huma.Schema{Type: huma.TypeInteger, Minimum: ptr(0.0)}}
	p := s.Properties["by_weekday_hour"]
	p.Nullable, p.Items = false, row
	return s
}

func (r chatsResource) statistics(ctx context.Context, p principal, in *chatIDInput) (*statisticsOutput, error) {
	d, st, err := r.svc.Statistics(ctx, p.user.ID, in.ID)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, errNoChat)
	}
	return &statisticsOutput{Body: toStatistics(string(d.Chat.ID), st)}, nil
}

func (r chatsResource) picture(name string) func(context.Context, principal, *chatIDInput) (*svgOutput, error) {
	return func(ctx context.Context, p principal, in *chatIDInput) (*svgOutput, error) {
		d, st, err := r.svc.Statistics(ctx, p.user.ID, in.ID)
		if err != nil {
			return nil, explain(err, core.ErrNotFound, errNoChat)
		}
		var svg []byte
		if name == "activity" {
			svg = chart.Activity(chart.ActivityInput{Title: d.Chat.Title, Location: st.Location, Counts: st.ByWeekdayHour})
		} else {
			svg = chart.Timeline(timelineInput(d.Chat.Title, st))
		}
		return &svgOutput{ContentType: "image/svg+xml", CSP: svgPolicy, NoSniff: "nosniff", Body: svg}, nil
	}
}

// timelineInput is the chart's view of the statistics: the days with
// their split by author, and the authors' names.
func timelineInput(title string, st chatstats.Result) chart.TimelineInput {
	in := chart.TimelineInput{Title: title, Location: st.Location, Authors: make([]string, len(st.Authors))}
	for i, a := range st.Authors {
		in.Authors[i] = a.Name
		if a.Name == "" {
			in.Authors[i] = a.ID
		}
	}
	for _, d := range st.ByDay {
		day := chart.DayCount{Date: d.Date, Messages: d.Messages, ByAuthor: make([]chart.AuthorCount, len(d.ByAuthor))}
		for i, ac := range d.ByAuthor {
			day.ByAuthor[i] = chart.AuthorCount{Author: ac.Author, Messages: ac.Messages}
		}
		in.Days = append(in.Days, day)
	}
	return in
}

func toStatistics(chatID string, r chatstats.Result) ChatStatistics {
	w := ChatStatistics{ChatID: chatID, Messages: r.Messages, SystemMessages: r.SystemMessages, Words: r.Words,
		Media: r.Media, Emoji: r.Emoji, Conversations: r.Conversations, OutOfOrder: r.OutOfOrder, Untimed: r.Untimed,
		TimeZone: r.Location, SilenceS: r.Silence.Seconds(), MaxResponseS: r.MaxResponse.Seconds(),
		Languages: r.Languages, Authors: []StatsAuthor{}, ByWeekdayHour: make([][]int, 7), ByDay: []StatsDayCount{}}
	if w.Languages == nil {
		w.Languages = []string{}
	}
	for d := range r.ByWeekdayHour {
		w.ByWeekdayHour[d] = append([]int(nil), r.ByWeekdayHour[d][:]...)
	}
	if r.First.Seq != 0 {
		w.First, w.Last = toStatsRef(r.First), toStatsRef(r.Last)
	}
	for _, a := range r.Authors {
		w.Authors = append(w.Authors, StatsAuthor{Name: a.Name, ID: a.ID, Messages: a.Messages, Words: a.Words,
			Media: a.Media, Deleted: a.Deleted, Emoji: a.Emoji, ConversationsStarted: a.ConversationsStarted,
			Responses: a.Responses, MedianResponseS: a.MedianResponse.Seconds(),
			TopWords: toStatsCounts(a.TopWords), TopEmoji: toStatsCounts(a.TopEmoji)})
	}
	for _, d := range r.ByDay {
		day := StatsDayCount{Date: d.Date.Format(time.DateOnly), Messages: d.Messages, ByAuthor: []StatsAuthorCount{}}
		for _, ac := range d.ByAuthor {
			day.ByAuthor = append(day.ByAuthor, StatsAuthorCount{Author: ac.Author, Messages: ac.Messages})
		}
		w.ByDay = append(w.ByDay, day)
	}
	return w
}

func toStatsRef(m chatstats.MessageRef) *StatsMessageRef {
	r := &StatsMessageRef{Seq: m.Seq, Author: m.Author, LocalTime: wallTime(m.Local)}
	if !m.At.IsZero() {
		r.At = m.At.UTC()
	}
	return r
}

func toStatsCounts(cs []chatstats.Count) []StatsCount {
	out := []StatsCount{}
	for _, c := range cs {
		out = append(out, StatsCount{Text: c.Text, Count: c.Count, MaxOvercount: c.MaxOvercount})
	}
	return out
}

const exampleSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 500 150" role="img"><title>Messages by weekday and hour</title><rect x="20" y="5" width="19" height="19" fill="#1f6feb" fill-opacity="0.050"/></svg>`

var exampleStatistics = ChatStatistics{
	ChatID: exampleChat.ID, Messages: 1188, SystemMessages: 12, Words: 5230, Media: 82, Emoji: 301, Conversations: 87,
	First:    &StatsMessageRef{Seq: 1, Author: "Ada", LocalTime: "2024-03-01T09:15:00", At: time.Date(2024, 3, 1, 8, 15, 0, 0, time.UTC)},
	Last:     &StatsMessageRef{Seq: 1200, Author: "Grace", LocalTime: "2024-06-30T22:41:07", At: time.Date(2024, 6, 30, 20, 41, 7, 0, time.UTC)},
	TimeZone: "Europe/Madrid", SilenceS: 7200, MaxResponseS: 86400, Languages: []string{"en", "es"},
	Authors: []StatsAuthor{{Name: "Ada", Messages: 640, Words: 2900, Media: 40, Deleted: 1, Emoji: 150, ConversationsStarted: 50,
		Responses: 300, MedianResponseS: 240, TopWords: []StatsCount{{Text: "dinner", Count: 31}}, TopEmoji: []StatsCount{{Text: "😂", Count: 44}}}},
	ByWeekdayHour: func() [][]int {
		rows := make([][]int, 7)
		for i := range rows {
			rows[i] = make([]int, 24)
		}
		rows[5][21] = 14
		return rows
	}(),
	ByDay: []StatsDayCount{{Date: "2024-03-01", Messages: 25, ByAuthor: []StatsAuthorCount{{Author: 0, Messages: 25}}}},
}
