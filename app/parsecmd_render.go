package app

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
)

// The report of chatlens parse, as JSON and as text for a person.

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
	p := parsedReport{File: file, Format: r.Format.String(), Chat: r.Chat,
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
		p.Error = err.Error()
	}
	return p
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
