package app

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
)

const parseUsage = `usage: chatlens parse FILE [flags]

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

// ParseCommand runs "chatlens parse FILE [flags]" and returns the process
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
