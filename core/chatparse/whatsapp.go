package chatparse

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/chatlens/chatlens/core"
)

// maxAuthorBytes: a name longer than this before ": " is not a name but the
// start of a notice or of text (WhatsApp names are far shorter).
const maxAuthorBytes = 200

// maxInternedAuthors bounds the author-name cache; a chat has few authors,
// and a hostile file with millions only costs re-allocation.
const maxInternedAuthors = 4096

// waParser reads one WhatsApp text export. A message is held open while its
// continuation lines arrive and is emitted when the next header starts.
type waParser struct {
	opts   Options
	lim    Limits
	report *Report
	order  DateOrder
	cl     cleaner

	first     waHeader // the first header fixes the file's shape
	haveFirst bool
	dates     headerDates
	sawMark   bool // the file has direction marks (iOS keeps them)
	seq       int  // messages finished so far, notices included

	// Who signs the notices of an iOS export (see whatsapp_signer.go).
	groupName string     // the chat's name, which signs its notices
	signer    signerKind // what the chat's name turned out to be
	otherName string     // the first author other than the signer
	subjects  []string   // names notices quoted (a group's subject), at most maxSubjects
	chatSure  bool       // groupName came from strong evidence (see setChat)
	// The first message's author, and whether the message was shaped like
	// a notice, for the warning about a chat name no notice revealed.
	firstAuthor       *waAuthor
	firstNoticeShaped bool

	known   map[string]struct{} // lower-cased participant names, for notice templates
	authors map[string]*waAuthor

	open     bool
	msg      core.Message // the open message, without its text
	cur      *waAuthor    // its author, when it has one
	system   bool
	markBody bool   // its body began with U+200E
	oddMark  bool   // …and is neither a placeholder nor a notice
	body     []byte // its text so far
	cut      bool

	day waDay // the date of the last header
}

// waAuthor is an interned author name and what its lines were.
type waAuthor struct {
	name    string
	lower   string // name lower-cased, for notice templates
	notName bool   // holds a notice's subject, not a person's name
	known   bool   // lower is in waParser.known

	messages int // lines counted as this author's messages
	// markedOdd counts those that began with U+200E yet matched no
	// placeholder or notice: wording the tables lack.
	markedOdd int
	multiLine bool // one of its messages had several lines
}

func newWAParser(opts Options, rep *Report, order DateOrder) *waParser {
	return &waParser{opts: opts, lim: opts.Limits, report: rep, order: order,
		authors: make(map[string]*waAuthor), known: make(map[string]struct{})}
}

// parseWhatsApp streams the messages of a WhatsApp text export to emit.
func parseWhatsApp(r io.Reader, opts Options, rep *Report, emit func(*core.Message) bool) error {
	order := opts.DateOrder
	if order == DateOrderAuto {
		order, rep.DateOrderReason, r = decideDateOrder(r, opts.Limits)
	} else {
		rep.DateOrderReason = "set by the caller"
	}
	rep.DateOrder = order
	p := newWAParser(opts, rep, order)
	var seed signerSeed
	seed, r = probeSigner(r, opts, order)
	p.seed(seed)
	err := p.run(r, emit)
	if p.groupName != "" && rep.Chat == "" {
		rep.Chat = p.groupName
	}
	p.warnSigners()
	return err
}

// run reads the lines of r, emitting each message as the next begins.
func (p *waParser) run(r io.Reader, emit func(*core.Message) bool) error {
	lr := newLineReader(r, p.lim.MaxLineBytes)
	for {
		raw, cut, ok := lr.next()
		if !ok {
			break
		}
		if cut {
			p.report.TruncatedLines++
		}
		line := p.cl.clean(raw)
		p.sawMark = p.sawMark || p.cl.marks.n > 0
		h, isHeader := p.dates.scan(line)
		if isHeader && p.haveFirst && !h.shapeMatches(&p.first) {
			isHeader = false
		}
		switch {
		case isHeader:
			if p.open && !emit(p.finish()) {
				return nil
			}
			p.start(&h, line, lr.lineNo)
		case p.open:
			p.appendText([]byte{'\n'})
			p.appendText(line)
		default:
			p.report.unparsedLine(lr.lineNo)
		}
	}
	if lr.err != nil {
		return fmt.Errorf("reading whatsapp export: %w", lr.err)
	}
	if p.open {
		emit(p.finish())
	}
	return nil
}

// start opens the message whose header h begins line.
func (p *waParser) start(h *waHeader, line []byte, lineNo int) {
	if !p.haveFirst {
		p.first, p.haveFirst = *h, true
	}
	p.open, p.cut, p.markBody = true, false, false
	p.msg = core.Message{}
	p.msg.Local, p.msg.At = p.times(h, lineNo)
	rest := line[h.rest:]
	author, body, ok := splitAuthor(rest)
	if ok && p.cl.marks.n > 0 {
		author, body = p.groupSigned(rest, author, body, h.rest)
	}
	p.cur = nil
	if ok {
		p.cur = p.author(author)
	}
	p.body = p.body[:0]
	if p.system = !ok || p.cur.notName; p.system {
		p.appendText(rest)
		return
	}
	p.msg.Author = p.cur.name
	p.markBody = p.cl.marks.has(h.rest + len(author) + 2)
	p.appendText(body)
}

// appendText adds to the open message's text, up to the message limit.
func (p *waParser) appendText(b []byte) {
	room := p.lim.MaxMessageBytes - len(p.body)
	if len(b) > room {
		if !p.cut {
			p.cut = true
			p.report.TruncatedMessages++
		}
		b = cutRunes(b, room)
	}
	p.body = append(p.body, b...)
}

// finish completes the open message: its text and kind.
func (p *waParser) finish() *core.Message {
	p.open = false
	p.seq++
	m := &p.msg
	// "Ann:" alone on its line puts the whole body on the next lines.
	text := string(bytes.TrimLeft(trimTrailingSpace(p.body), "\n"))
	p.oddMark = false
	if !p.system && p.isNotice(text) {
		p.system = true
	}
	if p.system {
		p.noteSubjects(text)
		m.Author, m.Kind, m.Text = "", core.MessageSystem, text
		return m
	}
	p.noteAuthor(m.Author)
	p.rememberParticipant(p.cur)
	p.noteFirst(text)
	p.cur.messages++
	if p.oddMark {
		p.cur.markedOdd++
	}
	if !p.cur.multiLine && strings.IndexByte(text, '\n') >= 0 {
		p.cur.multiLine = true
	}
	classifyBody(m, text)
	return m
}

// author returns the interned name for b, so that a million messages by
// five people hold five strings.
func (p *waParser) author(b []byte) *waAuthor {
	if a, ok := p.authors[string(b)]; ok {
		return a
	}
	name := waName(string(b))
	a := &waAuthor{name: name, lower: strings.ToLower(name)}
	a.notName = len(name) > maxAuthorBytes || name == "" || systemSubjects.in(name)
	if len(p.authors) >= maxInternedAuthors {
		clear(p.authors)
	}
	p.authors[string(b)] = a
	return a
}

// waName returns a WhatsApp author's name without what surrounds it (see
// tidyName) and without the "~" and space (U+202F, U+00A0 or a plain one)
// that WhatsApp on iOS puts before the profile name of someone not in the
// exporting phone's contacts: "~ Ann" and "Ann" are one person.
func waName(s string) string {
	s = tidyName(s)
	for _, space := range [...]string{"\u202f", "\u00a0", " "} {
		if rest, ok := strings.CutPrefix(s, "~"+space); ok {
			return tidyName(rest)
		}
	}
	return s
}

func trimTrailingSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}
