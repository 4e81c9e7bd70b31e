package app

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chatstats"
)

// chatlens parse --stats: the chat's statistics (core/chatstats), computed
// while the messages stream past, printed after the report: as text, or
// with --report json as a "stats" member of the report's object. The hooks
// in parsecmd.go are the parseCmd.stats field, the flag, c.observe around
// the message loop and c.printReportAndStats in place of c.printReport.

const statsFlagUsage = "also compute and print the chat's statistics (messages, words, emoji, activity, " +
	"response times, top words per author); with --report json they are its \"stats\" member"

// statsOutput is the --stats state of one invocation.
type statsOutput struct {
	on    bool
	stats *chatstats.Stats
}

// observe passes the messages on, counting them when --stats asks for it.
func (c *parseCmd) observe(msgs iter.Seq2[core.Message, error]) iter.Seq2[core.Message, error] {
	if !c.stats.on {
		return msgs
	}
	c.stats.stats = chatstats.New(chatstats.Options{Location: c.opts.Location, Silence: c.silence})
	return func(yield func(core.Message, error) bool) {
		for m, err := range msgs {
			if err == nil {
				c.stats.stats.Add(&m)
			}
			if !yield(m, err) {
				return
			}
		}
	}
}

// printReportAndStats prints the report and, with --stats, the statistics.
func (c *parseCmd) printReportAndStats(w io.Writer, r chatparse.Report, parseErr error) {
	if !c.stats.on || c.stats.stats == nil {
		c.printReport(w, r, parseErr)
		return
	}
	st := toStatsWire(c.stats.stats.Result())
	if c.asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			parsedReport
			Stats statsWire `json:"stats"`
		}{toParsedReport(c.file, r, parseErr), st}) // nowhere left to report a failed write
		return
	}
	c.printReport(w, r, parseErr)
	writeTextStats(w, st)
}

// statsWire is chatstats.Result as chatlens parse prints it. Durations are
// seconds; times are wall times as the report prints them, instants RFC 3339.
type statsWire struct {
	Messages       int            `json:"messages"`
	SystemMessages int            `json:"system_messages"`
	Unattributed   int            `json:"unattributed,omitempty"`
	Words          int            `json:"words"`
	Media          int            `json:"media"`
	Emoji          int            `json:"emoji"`
	Conversations  int            `json:"conversations"`
	OutOfOrder     int            `json:"out_of_order,omitempty"`
	Untimed        int            `json:"untimed,omitempty"`
	First          *messageRef    `json:"first,omitempty"`
	Last           *messageRef    `json:"last,omitempty"`
	Location       string         `json:"time_zone,omitempty"`
	SilenceS       float64        `json:"silence_s"`
	MaxResponseS   float64        `json:"max_response_s"`
	Languages      []string       `json:"stop_word_languages"`
	Authors        []authorWire   `json:"authors"`
	ByWeekdayHour  [7][24]int     `json:"by_weekday_hour"` // row 0 is Sunday
	ByDay          []dayCountWire `json:"by_day"`
}

type authorWire struct {
	Name                 string      `json:"name"`
	ID                   string      `json:"id,omitempty"`
	Messages             int         `json:"messages"`
	Words                int         `json:"words"`
	Media                int         `json:"media"`
	Deleted              int         `json:"deleted,omitempty"`
	Emoji                int         `json:"emoji"`
	ConversationsStarted int         `json:"conversations_started"`
	Responses            int         `json:"responses"`
	MedianResponseS      float64     `json:"median_response_s"`
	TopWords             []countWire `json:"top_words"`
	TopEmoji             []countWire `json:"top_emoji"`
}

type countWire struct {
	Text         string `json:"text"`
	Count        int    `json:"count"`
	MaxOvercount int    `json:"max_overcount,omitempty"`
}

type dayCountWire struct {
	Date     string `json:"date"`
	Messages int    `json:"messages"`
}

type messageRef struct {
	Seq    int64  `json:"seq"`
	Author string `json:"author,omitempty"`
	Local  string `json:"local,omitempty"`
	At     string `json:"at,omitempty"`
}

func toStatsWire(r chatstats.Result) statsWire {
	w := statsWire{Messages: r.Messages, SystemMessages: r.SystemMessages, Unattributed: r.Unattributed,
		Words: r.Words, Media: r.Media, Emoji: r.Emoji, Conversations: r.Conversations,
		OutOfOrder: r.OutOfOrder, Untimed: r.Untimed, Location: r.Location,
		SilenceS: r.Silence.Seconds(), MaxResponseS: r.MaxResponse.Seconds(), Languages: r.Languages,
		Authors: []authorWire{}, ByWeekdayHour: r.ByWeekdayHour, ByDay: []dayCountWire{}}
	if w.Languages == nil {
		w.Languages = []string{}
	}
	if r.First.Seq != 0 {
		w.First, w.Last = toMessageRef(r.First), toMessageRef(r.Last)
	}
	for _, a := range r.Authors {
		w.Authors = append(w.Authors, authorWire{Name: a.Name, ID: a.ID, Messages: a.Messages,
			Words: a.Words, Media: a.Media, Deleted: a.Deleted, Emoji: a.Emoji,
			ConversationsStarted: a.ConversationsStarted, Responses: a.Responses,
			MedianResponseS: a.MedianResponse.Seconds(),
			TopWords:        toCountWire(a.TopWords), TopEmoji: toCountWire(a.TopEmoji)})
	}
	for _, d := range r.ByDay {
		w.ByDay = append(w.ByDay, dayCountWire{Date: d.Date.Format(time.DateOnly), Messages: d.Messages})
	}
	return w
}

func toMessageRef(m chatstats.MessageRef) *messageRef {
	r := &messageRef{Seq: m.Seq, Author: m.Author, Local: formatOrNone(m.Local)}
	if !m.At.IsZero() {
		r.At = m.At.Format(time.RFC3339Nano)
	}
	return r
}

func toCountWire(cs []chatstats.Count) []countWire {
	out := []countWire{}
	for _, c := range cs {
		out = append(out, countWire{Text: c.Text, Count: c.Count, MaxOvercount: c.MaxOvercount})
	}
	return out
}

// writeTextStats prints the statistics for a person, after the report.
func writeTextStats(w io.Writer, s statsWire) {
	clock := "each message's own clock"
	if s.Location != "" {
		clock = s.Location
	}
	fmt.Fprintf(w, "\nstatistics (clock: %s; a conversation starts after %s of silence; stop words: %s)\n",
		clock, time.Duration(s.SilenceS*float64(time.Second)), strings.Join(s.Languages, ", "))
	fmt.Fprintf(w, "  messages:        %d by %d authors (system %d), words %d, media %d, emoji %d\n",
		s.Messages, len(s.Authors), s.SystemMessages, s.Words, s.Media, s.Emoji)
	if s.First != nil {
		fmt.Fprintf(w, "  first, last:     %s (%s), %s (%s)\n", refTime(s.First), s.First.Author, refTime(s.Last), s.Last.Author)
	}
	fmt.Fprintf(w, "  conversations:   %d", s.Conversations)
	if s.OutOfOrder > 0 {
		fmt.Fprintf(w, " (%d messages out of time order)", s.OutOfOrder)
	}
	fmt.Fprintln(w)
	if len(s.ByDay) > 0 {
		best := s.ByDay[0]
		for _, d := range s.ByDay {
			if d.Messages > best.Messages {
				best = d
			}
		}
		fmt.Fprintf(w, "  days:            %d with messages; busiest %s (%d)\n", len(s.ByDay), best.Date, best.Messages)
	}
	fmt.Fprintf(w, "  by weekday:      %s\n", weekdayText(s.ByWeekdayHour))
	fmt.Fprintf(w, "  by hour:         %s\n", hourText(s.ByWeekdayHour))
	for _, a := range s.Authors {
		name := a.Name
		if name == "" {
			name = a.ID
		}
		fmt.Fprintf(w, "  %s: %d messages, %d words, %d media, %d emoji; conversations started %d",
			name, a.Messages, a.Words, a.Media, a.Emoji, a.ConversationsStarted)
		if a.Responses > 0 {
			fmt.Fprintf(w, "; median response %s (of %d)", roughDuration(a.MedianResponseS), a.Responses)
		}
		fmt.Fprintln(w)
		if len(a.TopWords) > 0 {
			fmt.Fprintf(w, "    top words:     %s\n", countsText(a.TopWords))
		}
		if len(a.TopEmoji) > 0 {
			fmt.Fprintf(w, "    top emoji:     %s\n", countsText(a.TopEmoji))
		}
	}
}

// roughDuration prints an estimated duration no finer than its error
// (chatstats.ResponseTimeRelativeError, about 1%) allows.
func roughDuration(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second))
	switch {
	case d < time.Minute:
		d = d.Round(time.Second)
	case d < time.Hour:
		d = d.Round(10 * time.Second)
	default:
		d = d.Round(time.Minute)
	}
	if s, ok := strings.CutSuffix(d.String(), "m0s"); ok {
		return s + "m" // "3m", "17h39m"
	}
	return d.String() // "3m10s"
}

func refTime(r *messageRef) string {
	if r.At != "" && r.Local == "" {
		return r.At
	}
	return r.Local
}

func weekdayText(m [7][24]int) string {
	var parts []string
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		n := 0
		for _, c := range m[d] {
			n += c
		}
		parts = append(parts, fmt.Sprintf("%s %d", d.String()[:3], n))
	}
	return strings.Join(parts, ", ")
}

func hourText(m [7][24]int) string {
	var parts []string
	for h := range 24 {
		n := 0
		for d := range 7 {
			n += m[d][h]
		}
		parts = append(parts, fmt.Sprintf("%02d %d", h, n))
	}
	return strings.Join(parts, ", ")
}

func countsText(cs []countWire) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.Text, c.Count)
		if c.MaxOvercount > 0 {
			parts[i] = fmt.Sprintf("%s ≈%d", c.Text, c.Count) // an estimate, at most MaxOvercount over
		}
	}
	return strings.Join(parts, ", ")
}
