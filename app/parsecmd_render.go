package app

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
)

// What chatlens parse prints: each message as a JSON line, and the report,
// as JSON and as text for a person.

// parsedMessage is the JSON line printed for one message.
type parsedMessage struct {
	Seq         int64              `json:"seq"`
	Local       string             `json:"local"`
	At          string             `json:"at,omitempty"`
	Author      string             `json:"author,omitempty"`
	AuthorID    string             `json:"author_id,omitempty"`
	Kind        string             `json:"kind"`
	Text        string             `json:"text,omitempty"`
	MediaType   string             `json:"media_type,omitempty"`
	Attachment  string             `json:"attachment,omitempty"`
	Edited      bool               `json:"edited,omitempty"`
	ReplyTo     string             `json:"reply_to,omitempty"`
	ID          string             `json:"id,omitempty"`
	Attachments []parsedAttachment `json:"attachments,omitempty"`
	Reactions   []parsedReaction   `json:"reactions,omitempty"`
	Geo         *parsedGeo         `json:"geo,omitempty"`
	Event       *parsedEvent       `json:"event,omitempty"`
}

type parsedAttachment struct {
	Name      string `json:"name,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
}

type parsedReaction struct {
	Emoji string          `json:"emoji"`
	Count int             `json:"count"`
	By    []parsedReactor `json:"by,omitempty"`
}

type parsedReactor struct {
	Name string `json:"name,omitempty"`
	ID   string `json:"id,omitempty"`
}

type parsedGeo struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type parsedEvent struct {
	Action          string   `json:"action,omitempty"`
	Actor           string   `json:"actor,omitempty"`
	ActorID         string   `json:"actor_id,omitempty"`
	Members         []string `json:"members,omitempty"`
	Title           string   `json:"title,omitempty"`
	DurationSeconds float64  `json:"duration_seconds,omitempty"`
	Outcome         string   `json:"outcome,omitempty"`
}

// localLayout prints core.Message.Local without a zone, which it has not.
const localLayout = "2006-01-02T15:04:05"

func toParsedMessage(m core.Message) parsedMessage {
	p := parsedMessage{Seq: m.Seq, Local: m.Local.Format(localLayout), Author: m.Author,
		AuthorID: m.AuthorID, Kind: m.Kind.String(), Text: m.Text, MediaType: m.MediaType,
		Attachment: m.Attachment, Edited: m.Edited, ReplyTo: m.ReplyTo, ID: m.PlatformID}
	if m.HasInstant() {
		p.At = m.At.Format(time.RFC3339Nano)
	}
	for _, a := range m.Attachments {
		p.Attachments = append(p.Attachments, parsedAttachment(a))
	}
	for _, r := range m.Reactions {
		pr := parsedReaction{Emoji: r.Emoji, Count: r.Count}
		for _, by := range r.By {
			pr.By = append(pr.By, parsedReactor(by))
		}
		p.Reactions = append(p.Reactions, pr)
	}
	if m.Geo != nil {
		p.Geo = &parsedGeo{Lat: m.Geo.Lat, Lon: m.Geo.Lon}
	}
	if e := m.Event; e != nil {
		p.Event = &parsedEvent{Action: e.Action, Actor: e.Actor, ActorID: e.ActorID, Members: e.Members,
			Title: e.Title, DurationSeconds: e.Duration.Seconds(), Outcome: e.Outcome}
	}
	return p
}

// formatOrNone names a time, or says there is none.
func formatOrNone(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(localLayout)
}

// parsedReport is the report as chatlens parse prints it.
type parsedReport struct {
	File                  string         `json:"file"`
	Format                string         `json:"format"`
	ParserVersion         int            `json:"parser_version"`
	DateOrder             string         `json:"date_order,omitempty"`
	DateOrderReason       string         `json:"date_order_reason,omitempty"`
	Chat                  string         `json:"chat,omitempty"`
	Messages              int            `json:"messages"`
	SystemMessages        int            `json:"system_messages"`
	MediaMessages         int            `json:"media_messages"`
	Kinds                 map[string]int `json:"kinds"`
	Participants          []string       `json:"participants"`
	ParticipantsTruncated bool           `json:"participants_truncated,omitempty"`
	First                 string         `json:"first,omitempty"`
	Last                  string         `json:"last,omitempty"`
	UnparsedLines         int            `json:"unparsed_lines"`
	FirstUnparsedLines    []int          `json:"first_unparsed_lines,omitempty"`
	SkippedEntries        int            `json:"skipped_entries,omitempty"`
	Duplicates            int            `json:"duplicates,omitempty"`
	ClampedTimes          int            `json:"clamped_times,omitempty"`
	TruncatedLines        int            `json:"truncated_lines,omitempty"`
	TruncatedMessages     int            `json:"truncated_messages,omitempty"`
	RepairedUTF8          int            `json:"repaired_utf8,omitempty"`
	RepairedNUL           int            `json:"repaired_nul,omitempty"`
	AttachmentCount       int            `json:"attachment_count,omitempty"`
	Attachments           []string       `json:"attachments,omitempty"`
	Warnings              []string       `json:"warnings"`
	Error                 string         `json:"error,omitempty"`
}

func toParsedReport(file string, r chatparse.Report, err error) parsedReport {
	p := parsedReport{File: file, Format: r.Format.String(), ParserVersion: r.ParserVersion, Chat: r.Chat,
		Messages: r.Messages, SystemMessages: r.SystemMessages, MediaMessages: r.MediaMessages,
		Kinds: map[string]int{}, Participants: r.Participants, ParticipantsTruncated: r.ParticipantsTruncated,
		First: formatOrNone(r.First), Last: formatOrNone(r.Last),
		UnparsedLines: r.UnparsedLines, FirstUnparsedLines: r.FirstUnparsedLines,
		SkippedEntries: r.SkippedEntries, Duplicates: r.Duplicates, ClampedTimes: r.ClampedTimes,
		TruncatedLines: r.TruncatedLines, TruncatedMessages: r.TruncatedMessages,
		RepairedUTF8: r.RepairedUTF8, RepairedNUL: r.RepairedNUL,
		AttachmentCount: r.AttachmentCount, Attachments: r.Attachments, Warnings: r.Warnings}
	if r.DateOrder != chatparse.DateOrderAuto {
		p.DateOrder, p.DateOrderReason = r.DateOrder.String(), r.DateOrderReason
	}
	for k, n := range r.Kinds {
		p.Kinds[k.String()] = n
	}
	if p.Participants == nil {
		p.Participants = []string{}
	}
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	if err != nil {
		p.Error = errorText(err)
	}
	return p
}

// errorText says what went wrong, and, where a flag helps, which one.
func errorText(err error) string {
	var notFound *chatparse.ChatNotFoundError
	if errors.As(err, &notFound) {
		if notFound.Want == "" {
			return err.Error() + "; choose one with --chat NAME (or its id)"
		}
		return err.Error() + "; choose one of them with --chat"
	}
	return err.Error()
}

// writeTextReport prints the report for a person: one fact per line, the
// lines that say nothing left out.
func writeTextReport(w io.Writer, r parsedReport) {
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-16s %s\n", label+":", value)
		}
	}
	line("file", r.File)
	line("format", r.Format)
	if r.ParserVersion > 0 {
		line("parser", fmt.Sprintf("chatparse version %d", r.ParserVersion))
	}
	if r.DateOrder != "" {
		line("date order", r.DateOrder+" ("+r.DateOrderReason+")")
	}
	line("chat", r.Chat)
	line("messages", fmt.Sprintf("%d (system %d, media %d)", r.Messages, r.SystemMessages, r.MediaMessages))
	line("by kind", kindsText(r.Kinds))
	line("participants", participantsText(r))
	if r.First != "" {
		line("period", r.First+" to "+r.Last)
	}
	if r.UnparsedLines > 0 {
		line("not understood", fmt.Sprintf("%d lines (first: %s)", r.UnparsedLines, intsText(r.FirstUnparsedLines)))
	}
	counts := []struct {
		label string
		n     int
	}{
		{"skipped", r.SkippedEntries}, {"duplicates", r.Duplicates}, {"clamped times", r.ClampedTimes},
		{"cut lines", r.TruncatedLines}, {"cut messages", r.TruncatedMessages},
		{"repaired UTF-8", r.RepairedUTF8}, {"repaired NUL", r.RepairedNUL}, {"attachments", r.AttachmentCount},
	}
	for _, c := range counts {
		if c.n > 0 {
			line(c.label, strconv.Itoa(c.n))
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w, "warnings:")
		for _, warning := range r.Warnings {
			fmt.Fprintf(w, "  - %s\n", warning)
		}
	}
	line("error", r.Error)
}

func kindsText(kinds map[string]int) string {
	var parts []string
	for _, k := range core.MessageKinds() {
		if n := kinds[k.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	return strings.Join(parts, ", ")
}

func participantsText(r parsedReport) string {
	if len(r.Participants) == 0 {
		return ""
	}
	const shown = 20
	names := r.Participants[:min(len(r.Participants), shown)]
	text := fmt.Sprintf("%d: %s", len(r.Participants), strings.Join(names, ", "))
	if len(r.Participants) > shown || r.ParticipantsTruncated {
		text += ", …"
	}
	return text
}

func intsText(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}
