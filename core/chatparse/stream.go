package chatparse

import (
	"bufio"
	"fmt"
	"io"
	"iter"

	"github.com/chatlens/chatlens/core"
)

// Stream is one parse of one export. Nothing is read until Messages is
// ranged over; the input is read once, so a Stream can be ranged over once.
//
//	s := chatparse.Parse(f, chatparse.Options{})
//	for msg, err := range s.Messages() {
//		if err != nil { … s.Report() still tells what was read … }
//		…
//	}
//	report := s.Report()
type Stream struct {
	run    func(rep *Report, emit func(*core.Message) bool) error
	lim    Limits
	report Report
	used   bool
}

// parser is what every format implements: read r, call emit for each
// message in file order, stop when emit returns false.
type parser func(r io.Reader, opts Options, rep *Report, emit func(*core.Message) bool) error

var parsers = map[Format]parser{
	FormatWhatsApp: parseWhatsApp,
	FormatTelegram: parseTelegram,
	FormatDiscord:  parseDiscord,
}

// Parse returns a stream of the messages of the export r holds. The format
// is opts.Format or, when that is FormatAuto, detected from the content. A
// zip export needs random access: r must then also implement io.ReaderAt and
// io.Seeker (an *os.File or *bytes.Reader does), or use ParseZip.
func Parse(r io.Reader, opts Options) *Stream {
	opts.Limits = opts.Limits.withDefaults()
	s := &Stream{lim: opts.Limits, report: Report{ParserVersion: Version}}
	s.run = func(rep *Report, emit func(*core.Message) bool) error {
		format := opts.Format
		if format == FormatAuto || format == FormatWhatsAppZip {
			ra, size, ok := randomAccess(r)
			switch {
			case ok && isZip(ra):
				return parseZip(ra, size, opts, rep, emit)
			case ok && format == FormatWhatsAppZip:
				rep.Format = format
				return ErrNotZip
			}
		}
		if format == FormatWhatsAppZip {
			rep.Format = format
			return ErrNeedRandomAccess
		}
		if format == FormatAuto {
			br := bufio.NewReaderSize(r, detectBytes)
			prefix, _ := br.Peek(detectBytes) // a short input is fine; a read error recurs below
			if format = Detect(prefix); format == FormatAuto {
				return ErrUnknownFormat
			}
			if format == FormatWhatsAppZip {
				return ErrNeedRandomAccess
			}
			r = br
		}
		rep.Format = format
		p, ok := parsers[format]
		if !ok {
			return fmt.Errorf("format %v: %w", format, ErrUnknownFormat)
		}
		return p(r, opts, rep, emit)
	}
	return s
}

// ParseZip returns a stream of the messages of a zipped WhatsApp export of
// size bytes. Entry count and uncompressed chat size are bounded by
// opts.Limits; the names of the other entries (the media) are listed in the
// report.
func ParseZip(ra io.ReaderAt, size int64, opts Options) *Stream {
	opts.Limits = opts.Limits.withDefaults()
	s := &Stream{lim: opts.Limits, report: Report{ParserVersion: Version}}
	s.run = func(rep *Report, emit func(*core.Message) bool) error {
		return parseZip(ra, size, opts, rep, emit)
	}
	return s
}

// Messages yields the messages in file order, each with its Seq set, then at
// most one error: the parse failed (the messages already yielded stand), or
// the export held no message a participant wrote (a *NoMessagesError, also
// after system notices were yielded). Breaking out of the loop
// early is fine; the report then covers what was read.
func (s *Stream) Messages() iter.Seq2[core.Message, error] {
	return func(yield func(core.Message, error) bool) {
		if s.used {
			yield(core.Message{}, ErrStreamUsed)
			return
		}
		s.used = true
		stopped := false
		participants := newParticipantSet()
		cutsBefore := 0 // Report.TruncatedMessages when the previous message was emitted
		emit := func(m *core.Message) bool {
			if stopped {
				return false
			}
			m.Seq = int64(s.report.Messages) + 1
			if invalid, nul := repairMessage(m); invalid || nul {
				s.report.countRepair(invalid, nul)
				s.capText(m, cutsBefore)
			}
			cutsBefore = s.report.TruncatedMessages
			s.report.countMessage(m, s.lim.MaxParticipants, &participants)
			stopped = !yield(*m, nil)
			return !stopped
		}
		err := s.run(&s.report, emit)
		s.report.finish(stopped)
		if stopped {
			return
		}
		if err == nil && s.report.Messages == s.report.SystemMessages {
			err = &NoMessagesError{Report: s.report}
		}
		if err != nil {
			yield(core.Message{}, err)
		}
	}
}

// capText keeps a repaired message's text within Limits.MaxMessageBytes:
// repair lengthens text (an invalid byte or a NUL becomes the three bytes of
// U+FFFD), so a text the parser cut at the limit, or one just under it, can
// pass it. A parser counts its own cut before it emits the message, so a
// count that moved since the previous message (cutsBefore) already covers
// this one.
func (s *Stream) capText(m *core.Message, cutsBefore int) {
	if len(m.Text) <= s.lim.MaxMessageBytes {
		return
	}
	m.Text = cutRunes(m.Text, s.lim.MaxMessageBytes)
	if s.report.TruncatedMessages == cutsBefore {
		s.report.TruncatedMessages++
	}
}

// Report returns what the parse found so far; it is complete once Messages
// has been read to its end.
func (s *Stream) Report() Report {
	return s.report
}

// randomAccess returns r as an io.ReaderAt positioned where r is now, with
// the size of what remains, when r allows it.
func randomAccess(r io.Reader) (io.ReaderAt, int64, bool) {
	ra, ok := r.(io.ReaderAt)
	sk, ok2 := r.(io.Seeker)
	if !ok || !ok2 {
		return nil, 0, false
	}
	start, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, false
	}
	end, err := sk.Seek(0, io.SeekEnd)
	if _, err2 := sk.Seek(start, io.SeekStart); err != nil || err2 != nil {
		return nil, 0, false
	}
	return io.NewSectionReader(ra, start, end-start), end - start, true
}
