package app

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
)

const parseUsage = `usage: chatlens parse [flags] FILE

Reads a chat export (WhatsApp .txt or .zip, Telegram Desktop JSON,
DiscordChatExporter JSON) and prints what an import would find: format, date
order and why, counts, lines not understood, warnings. Nothing is stored and
no server is needed. FILE "-" reads standard input (not for zip exports).

With --messages every message is printed to standard output as one JSON line
and the report goes to standard error, so that the messages can be piped.

Exit status: 0 when messages were found, 1 when the export could not be read
or held no message (the report still says what was seen), 2 on bad usage.

flags:
`

// ParseCommand runs "chatlens parse [flags] FILE" and returns the process
// exit code. args excludes the subcommand's name.
func ParseCommand(args []string, stdout, stderr io.Writer) int {
	cmd, err := parseCommandArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "chatlens parse: %v\n", err)
		return 2
	}
	return cmd.run(stdout, stderr)
}

// parseCmd is one parsed invocation of the parse subcommand.
type parseCmd struct {
	file     string
	opts     chatparse.Options
	messages bool
	asJSON   bool
}

func parseCommandArgs(args []string, stderr io.Writer) (*parseCmd, error) {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, parseUsage)
		fs.PrintDefaults()
	}
	format := fs.String("format", "auto", "export format: auto, whatsapp, whatsapp-zip, telegram or discord")
	order := fs.String("date-order", "auto", "WhatsApp date order: auto, dmy, mdy or ymd")
	tz := fs.String("tz", "", "IANA time zone the export's times were written in (e.g. Europe/Berlin); gives WhatsApp messages an instant")
	chat := fs.String("chat", "", "Telegram full-account export: the chat to read, by name or id")
	messages := fs.Bool("messages", false, "print every message as a JSON line on stdout (the report then goes to stderr)")
	report := fs.String("report", "text", "report format: text or json")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	// Flags may also follow FILE: "chatlens parse chat.txt --tz UTC".
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return nil, errors.New("no FILE given")
	}
	file := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("one FILE only, got also %q", fs.Args())
	}
	cmd := &parseCmd{file: file, messages: *messages, opts: chatparse.Options{Chat: *chat}}
	var err error
	if cmd.opts.Format, err = chatparse.ParseFormat(*format); err != nil {
		return nil, err
	}
	if cmd.opts.DateOrder, err = chatparse.ParseDateOrder(*order); err != nil {
		return nil, err
	}
	if *tz != "" {
		if cmd.opts.Location, err = time.LoadLocation(*tz); err != nil {
			return nil, fmt.Errorf("--tz: %w", err)
		}
	}
	switch *report {
	case "text":
	case "json":
		cmd.asJSON = true
	default:
		return nil, fmt.Errorf("--report: %q is neither text nor json", *report)
	}
	return cmd, nil
}

// run parses the file, prints messages and report, and returns the exit code.
func (c *parseCmd) run(stdout, stderr io.Writer) int {
	in, err := c.open()
	if err != nil {
		fmt.Fprintf(stderr, "chatlens parse: %v\n", err)
		return 1
	}
	defer in.Close()
	reportOut := stdout
	if c.messages {
		reportOut = stderr
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	stream := chatparse.Parse(in, c.opts)
	var parseErr error
	for msg, err := range stream.Messages() {
		if err != nil {
			parseErr = err
			break
		}
		if c.messages {
			if err := enc.Encode(toParsedMessage(msg)); err != nil {
				fmt.Fprintf(stderr, "chatlens parse: writing messages: %v\n", err)
				return 1
			}
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "chatlens parse: writing messages: %v\n", err)
		return 1
	}
	c.printReport(reportOut, stream.Report(), parseErr)
	if parseErr != nil {
		return 1
	}
	return 0
}

func (c *parseCmd) open() (io.ReadCloser, error) {
	if c.file == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(c.file)
}

func (c *parseCmd) printReport(w io.Writer, r chatparse.Report, parseErr error) {
	wire := toParsedReport(c.file, r, parseErr)
	if c.asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(wire) // nowhere left to report a failed write
		return
	}
	writeTextReport(w, wire)
}

// parsedMessage is the JSON line printed for one message.
type parsedMessage struct {
	Seq        int64  `json:"seq"`
	Local      string `json:"local"`
	At         string `json:"at,omitempty"`
	Author     string `json:"author,omitempty"`
	AuthorID   string `json:"author_id,omitempty"`
	Kind       string `json:"kind"`
	Text       string `json:"text,omitempty"`
	MediaType  string `json:"media_type,omitempty"`
	Attachment string `json:"attachment,omitempty"`
	Edited     bool   `json:"edited,omitempty"`
	ReplyTo    string `json:"reply_to,omitempty"`
	ID         string `json:"id,omitempty"`
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
	return p
}

// formatOrNone names a time, or says there is none.
func formatOrNone(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(localLayout)
}

func joinNonEmpty(parts []string, sep string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
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
		{"cut lines", r.TruncatedLines}, {"cut messages", r.TruncatedMessages}, {"attachments", r.AttachmentCount},
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
	return joinNonEmpty(parts, ", ")
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
