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
	sawMark   bool   // the file has direction marks (iOS keeps them)
	groupName string // the name that signs iOS notices
	// signer: what the name that signs notices is, once the lines show it
	// (only decided where marks were stripped; see signedNotice).
	signer    signerKind
	otherName string              // the first author other than the signer
	known     map[string]struct{} // lower-cased participant names, for notice templates

	authors map[string]waAuthor

	open     bool
	msg      core.Message // the open message, without its text
	system   bool
	markBody bool   // its body began with U+200E
	body     []byte // its text so far
	cut      bool

	day waDay // the date of the last header
}

type waAuthor struct {
	name    string
	notName bool // holds a notice's subject, not a person's name
}

// parseWhatsApp streams the messages of a WhatsApp text export to emit.
func parseWhatsApp(r io.Reader, opts Options, rep *Report, emit func(*core.Message) bool) error {
	p := &waParser{opts: opts, lim: opts.Limits, report: rep, authors: make(map[string]waAuthor),
		known: make(map[string]struct{})}
	p.order = opts.DateOrder
	if p.order == DateOrderAuto {
		p.order, rep.DateOrderReason, r = decideDateOrder(r, p.lim)
	} else {
		rep.DateOrderReason = "set by the caller"
	}
	rep.DateOrder = p.order
	lr := newLineReader(r, p.lim.MaxLineBytes)
	for {
		raw, cut, ok := lr.next()
		if !ok {
			break
		}
		if cut {
			rep.TruncatedLines++
		}
		line := p.cl.clean(raw)
		p.sawMark = p.sawMark || p.cl.marks.n > 0
		h, isHeader := scanWAHeader(line)
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
			rep.unparsedLine(lr.lineNo)
		}
	}
	if lr.err != nil {
		return fmt.Errorf("reading whatsapp export: %w", lr.err)
	}
	if p.open {
		emit(p.finish())
	}
	if p.groupName != "" && rep.Chat == "" {
		rep.Chat = p.groupName
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
	var a waAuthor
	if ok {
		a = p.author(author)
	}
	p.body = p.body[:0]
	if p.system = !ok || a.notName; p.system {
		p.appendText(rest)
		return
	}
	p.msg.Author = a.name
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
	m := &p.msg
	// "Ann:" alone on its line puts the whole body on the next lines.
	text := string(bytes.TrimLeft(trimTrailingSpace(p.body), "\n"))
	if !p.system && p.isNotice(text) {
		if p.groupName == "" {
			p.groupName = m.Author
		}
		p.system = true
	}
	if !p.system {
		p.noteAuthor(m.Author)
		p.rememberParticipant(m.Author)
	}
	if p.system {
		m.Author, m.Kind, m.Text = "", core.MessageSystem, text
		return m
	}
	classifyBody(m, text)
	return m
}

// author returns the interned name for b, so that a million messages by
// five people hold five strings.
func (p *waParser) author(b []byte) waAuthor {
	if a, ok := p.authors[string(b)]; ok {
		return a
	}
	name := waName(string(b))
	a := waAuthor{name: name}
	a.notName = len(name) > maxAuthorBytes || name == "" || containsAny(name, waSystemSubjects)
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
