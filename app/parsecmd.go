package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/chatlens/chatlens/core/chatparse"
)

const parseUsage = `usage: chatlens parse FILE [flags]

Reads a chat export (WhatsApp .txt or .zip, Telegram Desktop JSON,
DiscordChatExporter JSON) and prints what an import would find: format, date
order and why, counts, lines not understood, warnings. Nothing is stored and
no server is needed. FILE "-" reads standard input; a zip there is first
copied to a temporary file (at most 4 GiB), as a zip is read from its end.

With --messages every message is printed to standard output as one JSON line
and the report goes to standard error, so that the messages can be piped.

Exit status: 0 when messages were found, 1 when the export could not be read
or held no message (the report still says what was seen), 2 on bad usage,
130 when interrupted (SIGINT or SIGTERM: no report is printed, and a zip
copied from standard input is removed).

flags:
`

// ParseCommand runs "chatlens parse FILE [flags]" and returns the process
// exit code. args excludes the subcommand's name. Cancelling ctx (Main's,
// on SIGINT or SIGTERM) stops the parse promptly, even while standard input
// is still being read, and returns exitInterrupted.
func ParseCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return parseCommandWithInput(ctx, args, os.Stdin, stdout, stderr)
}

// exitInterrupted is the exit code of an interrupted parse: 128+SIGINT, as
// shells report a process a Ctrl-C ended (also for SIGTERM, which the
// context does not tell apart).
const exitInterrupted = 130

// parseCommandWithInput is ParseCommand reading "-" from stdin.
func parseCommandWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, err := parseCommandArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "chatlens parse: %v\n", err)
		return 2
	}
	cmd.stdin = stdin
	return cmd.run(ctx, stdout, stderr)
}

// maxSpooledBytes caps a zip read from standard input, which is copied to a
// temporary file first: a zip is read from its end, a pipe only from its
// start. 4 GiB holds a WhatsApp export with its media.
const maxSpooledBytes int64 = 4 << 30

// parseCmd is one parsed invocation of the parse subcommand.
type parseCmd struct {
	file       string
	opts       chatparse.Options
	messages   bool
	asJSON     bool
	stdin      io.Reader
	spoolLimit int64 // maxSpooledBytes, smaller in tests
	stats      statsOutput
	silence    time.Duration // --silence; 0 keeps chatstats' default
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
	stats := fs.Bool("stats", false, statsFlagUsage)
	silence := fs.Duration("silence", 0, "with --stats: the silence after which a message starts a new conversation, "+
		"as a Go duration (e.g. 45m; default 30m)")
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
	cmd := &parseCmd{file: file, messages: *messages, opts: chatparse.Options{Chat: *chat}, spoolLimit: maxSpooledBytes}
	cmd.stats.on = *stats
	silenceSet := false
	fs.Visit(func(f *flag.Flag) { silenceSet = silenceSet || f.Name == "silence" })
	if silenceSet {
		switch {
		case !*stats:
			return nil, errors.New("--silence needs --stats")
		case *silence <= 0:
			return nil, fmt.Errorf("--silence: %v is not a positive duration", *silence)
		}
		cmd.silence = *silence
	}
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

// run parses the file, prints messages and report, and returns the exit
// code. Once ctx is cancelled it stops at the next message (or read of
// standard input), removes what it spooled and returns exitInterrupted.
func (c *parseCmd) run(ctx context.Context, stdout, stderr io.Writer) int {
	interrupted := func() int {
		fmt.Fprintf(stderr, "chatlens parse: interrupted (%v)\n", context.Cause(ctx))
		return exitInterrupted
	}
	if ctx.Err() != nil {
		return interrupted()
	}
	in, done, err := c.open(ctx)
	if ctx.Err() != nil {
		if err == nil {
			done()
		}
		return interrupted()
	}
	if err != nil {
		fmt.Fprintf(stderr, "chatlens parse: %v\n", err)
		return 1
	}
	defer done()
	reportOut := stdout
	if c.messages {
		reportOut = stderr
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	stream := chatparse.Parse(in, c.opts)
	msgs := c.observe(stream.Messages())
	var parseErr error
	for msg, err := range msgs {
		if ctx.Err() != nil {
			break
		}
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
	if ctx.Err() != nil {
		return interrupted()
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "chatlens parse: writing messages: %v\n", err)
		return 1
	}
	c.printReportAndStats(reportOut, stream.Report(), parseErr)
	if parseErr != nil {
		return 1
	}
	return 0
}

// open returns the export to read and what to do when done with it. A
// file is read where it is; standard input is streamed, unless it holds a
// zip (or --format whatsapp-zip says so), which needs random access: it is
// copied to a temporary file, removed when done. Standard input is read
// through readUntilDone, so that cancelling ctx ends a read blocked on it.
func (c *parseCmd) open(ctx context.Context) (io.Reader, func(), error) {
	if c.file != "-" {
		f, err := os.Open(c.file)
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	}
	stdin, stop := readUntilDone(ctx, c.stdin)
	in := bufio.NewReaderSize(stdin, 64<<10)
	head, _ := in.Peek(4) // a shorter input is no zip; a read error recurs when parsing
	if c.opts.Format != chatparse.FormatWhatsAppZip && chatparse.Detect(head) != chatparse.FormatWhatsAppZip {
		return in, stop, nil
	}
	tmp, done, err := c.spool(in)
	stop() // the zip is all in tmp, or failed
	return tmp, done, err
}

// readUntilDone returns r as a reader whose reads fail with ctx's cause once
// ctx is cancelled, even one blocked in r: a read of a pipe or terminal
// cannot be interrupted, so r is read by a goroutine into an io.Pipe, whose
// reading end the cancellation closes. That goroutine ends at its next write,
// or with the process. stop releases both; call it when done reading.
func readUntilDone(ctx context.Context, r io.Reader) (_ io.Reader, stop func()) {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err) // nil: the reader sees io.EOF
	}()
	unhook := context.AfterFunc(ctx, func() { pr.CloseWithError(context.Cause(ctx)) })
	return pr, func() {
		unhook()
		pr.Close()
	}
}

// spool copies in to a temporary file, at most c.spoolLimit bytes.
func (c *parseCmd) spool(in io.Reader) (io.Reader, func(), error) {
	tmp, err := os.CreateTemp("", "chatlens-parse-*.zip")
	if err != nil {
		return nil, nil, fmt.Errorf("standard input: %w", err)
	}
	done := func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	// in fails once the parse is interrupted (see readUntilDone), so this
	// copy returns then, and the file is removed below.
	n, err := io.Copy(tmp, io.LimitReader(in, c.spoolLimit+1))
	switch {
	case err != nil:
		err = fmt.Errorf("standard input: copying the zip to %s: %w", tmp.Name(), err)
	case n > c.spoolLimit:
		err = fmt.Errorf("standard input: the zip is larger than %d bytes, the limit for standard input; pass it as a file", c.spoolLimit)
	default:
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		return nil, nil, err
	}
	return tmp, done, nil
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
