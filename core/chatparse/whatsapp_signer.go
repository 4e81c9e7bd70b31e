package chatparse

import (
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

// iOS signs system lines with a name, "[date] Trip: ‎Ann added Ben", as if
// someone wrote them: the chat's name (a group's, or the contact's in a
// one-to-one chat) in newer exports, the actor's in some older ones, and
// in older exports still only the encryption notice, with the chat's name.
// Taking the signer for a person adds a participant and counts its notices
// as its messages, so the signer is decided from the lines' structure
// first, and from the wording tables only where structure says nothing:
//   - iOS starts a notice, and a placeholder, with U+200E; the first such
//     line that is no placeholder, among the first three (the encryption
//     notice's place), is signed by the chat's name, in any language.
//   - A notice whose text starts with its signer's own name is signed by
//     its actor, not by the chat ("Emirço: ‎Emirço changed this group's
//     icon").
//   - A name quoted in a notice ("created group “Trip”") is the group's
//     subject: a signer of that name is the group.
//   - In a one-to-one chat two people write; a third makes the signer a
//     group, which writes nothing but notices.
//   - The encryption notice says who the chat is wherever it comes (older
//     exports have it where encryption began, mid-file), if its signer has
//     written nothing before.
// The first lines are read ahead (probeSigner), so that evidence a few
// lines down decides the lines above it. What is still doubtful when the
// parse ends is a warning in the report (warnSigners): a name that signs
// notices yet was counted as a participant.

// signerKind is what the chat's name turned out to be.
type signerKind uint8

const (
	signerUnknown signerKind = iota
	signerGroup              // a group-only notice template matched its line
	// signerGroupSure: its name is quoted as the group's subject, or two
	// people besides it wrote; a group writes only notices.
	signerGroupSure
	signerPerson // the chat's name wrote words no notice has
)

// maxSubjects caps the quoted names kept; minMarkedNoticeBytes is the
// shortest line taken for a notice in a language the tables lack (a
// placeholder, "‎画像省略", is shorter; notices are sentences).
const (
	maxSubjects          = 8
	minMarkedNoticeBytes = 24
)

// isNotice tells an iOS system notice, which carries a name, from a
// participant's words.
func (p *waParser) isNotice(text string) bool {
	author := p.msg.Author
	if p.markBody {
		if looksLikePlaceholder(text) {
			return false
		}
		if p.markedNotice(author, text) {
			return true
		}
		p.oddMark = true
		return false
	}
	if p.first.form == formAndroid {
		return false // Android notices carry no name
	}
	return p.unmarkedNotice(author, text)
}

// markedNotice decides a line that starts with U+200E and is no
// placeholder: a notice, unless it has a signer other than the chat's name
// and none of the tables' notice wording (it is then a placeholder the
// tables lack).
func (p *waParser) markedNotice(author, text string) bool {
	switch {
	case author == p.groupName:
		return true
	case selfNamed(author, text):
		return true
	case p.groupName == "":
		subject := p.isSubject(author, text)
		if subject || p.seq <= 3 && len(text) >= minMarkedNoticeBytes || systemPhrases.in(text) {
			p.setChat(author, subject)
			return true
		}
		return false
	}
	return systemPhrases.in(text)
}

// unmarkedNotice decides a line of an iOS export without U+200E: an older
// export, or one whose marks a tool removed.
func (p *waParser) unmarkedNotice(author, text string) bool {
	if p.groupName == "" {
		switch {
		case p.cur.messages == 0 && len(text) < 400 && strings.IndexByte(text, '\n') < 0 && p.isSubject(author, text):
			p.setChat(author, true)
			return true
		case p.encryptionNotice(text):
			p.setChat(author, false)
			return true
		}
	}
	switch {
	case p.sawMark:
		return false // an export with marks marks its notices
	case author == p.groupName:
		// The encryption notice that named the chat (read ahead, or just
		// now) is a notice whatever the signer turned out to be.
		return p.signedNotice(text) || p.encryptionNotice(text)
	}
	return selfNamed(author, text) && p.noticeWording(text)
}

// encryptionNotice reports whether text is the encryption notice: among
// the first lines, or, further down, from a signer who wrote nothing before
// (a group's name never writes), or a whole notice of the tables (a
// contact's, who has written before, in an older one-to-one export).
func (p *waParser) encryptionNotice(text string) bool {
	early := p.seq <= 3 || p.cur.messages == 0
	// Further down only a whole template can match, and every one starts
	// with its wording: most texts are ruled out by their first bytes
	// before the phrases are searched for.
	if !early && !encryptionTemplateStarts.at(text, 0) {
		return false
	}
	if len(text) >= 600 || strings.IndexByte(text, '\n') >= 0 || strings.IndexByte(text, '?') >= 0 ||
		strings.Contains(text, "？") ||
		!encryptionPhrases.in(text) {
		return false
	}
	return early || p.matchNotice(text, waEncryptionTemplates) == tplMatched
}

// waEncryptionTemplates are the one-to-one notice templates that are the
// encryption notice.
var waEncryptionTemplates, encryptionTemplateStarts = func() ([]string, *foldStarts) {
	var tpls []string
	starts := new(foldStarts)
	for _, tpl := range waPairNoticeTemplates {
		if encryptionPhrases.in(tpl) {
			tpls = append(tpls, tpl)
			// A template that begins with a slot could start anywhere.
			starts.add(tpl[:max(strings.IndexAny(tpl, "*@"), 0)])
		}
	}
	return tpls, starts
}()

// noticeWording reports whether text has a notice's wording: one line, a
// notice phrase or a whole template.
func (p *waParser) noticeWording(text string) bool {
	if len(text) >= 400 || strings.IndexByte(text, '\n') >= 0 {
		return false
	}
	return systemPhrases.in(text) || p.matchNotice(text, waGroupNoticeTemplates) == tplMatched ||
		p.matchNotice(text, waPairNoticeTemplates) == tplMatched
}

// setChat takes name for the chat's name, and for a group's when sure.
// Every caller has strong evidence (a mark, the encryption notice, a quoted
// subject), which lets two other writers prove a group (noteAuthor).
func (p *waParser) setChat(name string, group bool) {
	p.groupName, p.chatSure = name, true
	if group && p.signer != signerPerson {
		p.signer = signerGroupSure
	}
}

// selfNamed reports whether a notice starts with its signer's name: the
// actor signs it ("Emirço: Emirço changed this group's icon"), so the
// signer is no chat's name. A CJK name runs into the particle after it
// ("山田が…").
func selfNamed(author, text string) bool {
	rest, ok := strings.CutPrefix(text, author)
	if !ok || author == "" || rest == "" {
		return false
	}
	if rest[0] == ' ' {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(author)
	return unicode.In(last, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// signedNotice decides a line signed by the chat's name in an iOS export
// without marks. A group signs only notices: once the signer is surely one,
// every one-line line is; once a group-only template made it one, the
// broad notice phrases decide, as with marks. A person signs few notices
// (encryption, security code, number change, disappearing messages, pins,
// blocking) and nothing about members, so only those templates do. Until
// the lines show which, a whole template decides: a group-only one with
// plausible names makes the signer a group, and one whose names are a
// pronoun or a phrase ("I added the photos to the album", "You added me")
// is a person's words. Words that match no template but carry a notice
// phrase decide nothing: they may be a notice wording the tables lack.
func (p *waParser) signedNotice(text string) bool {
	switch p.signer {
	case signerGroupSure:
		return len(text) < 400 && strings.IndexByte(text, '\n') < 0
	case signerGroup:
		if len(text) < 400 && systemPhrases.in(text) {
			return true
		}
		return p.matchNotice(text, waPairNoticeTemplates) == tplMatched ||
			p.matchNotice(text, waGroupNoticeTemplates) == tplMatched
	case signerPerson:
		return p.matchNotice(text, waPairNoticeTemplates) == tplMatched
	}
	pair := p.matchNotice(text, waPairNoticeTemplates)
	if pair == tplMatched {
		return true
	}
	group := p.matchNotice(text, waGroupNoticeTemplates)
	switch {
	case group == tplMatched:
		p.signer = signerGroup
		return true
	case group == tplImplausible || pair == tplImplausible:
		p.signer = signerPerson
	case len(text) >= 400 || strings.IndexByte(text, '\n') >= 0 || !systemPhrases.in(text):
		p.signer = signerPerson
	}
	return false
}

// noteAuthor takes the evidence a participant's message gives about the
// signer: a one-to-one chat has two authors, the signer and the user, so a
// second author besides the signer makes the signer a group.
func (p *waParser) noteAuthor(name string) {
	if p.signer == signerGroupSure || p.groupName == "" || name == p.groupName || name == p.otherName {
		return
	}
	if p.otherName == "" {
		p.otherName = name
		return
	}
	p.signer = signerGroup
	if p.chatSure {
		p.signer = signerGroupSure
	}
}

// isSubject reports whether name is a group's subject: quoted in this
// notice, or in an earlier one.
func (p *waParser) isSubject(name, text string) bool {
	return name != "" && (slices.Contains(p.subjects, name) || quotesName(text, name))
}

// noteSubjects keeps the names an iOS notice quotes: "Ann created group
// “Trip”", "Ann changed the subject to «Reise»", 「旅行」.
func (p *waParser) noteSubjects(text string) {
	if p.first.form == formAndroid || len(text) > 400 {
		return
	}
	for i := 0; i < len(text) && len(p.subjects) < maxSubjects; {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		closers := waQuoteClosers[r]
		if closers == nil {
			continue
		}
		end := strings.IndexFunc(text[i:], func(c rune) bool { return slices.Contains(closers, c) })
		if end < 0 {
			return
		}
		if name := waName(text[i : i+end]); name != "" && len(name) <= maxAuthorBytes && !slices.Contains(p.subjects, name) {
			p.subjects = append(p.subjects, name)
		}
		i += end
	}
}

// quotesName reports whether text holds name between quotes.
func quotesName(text, name string) bool {
	for at := 0; ; {
		j := strings.Index(text[at:], name)
		if j < 0 {
			return false
		}
		j += at
		before, _ := utf8.DecodeLastRuneInString(text[:j])
		after, _ := utf8.DecodeRuneInString(text[j+len(name):])
		if closers := waQuoteClosers[before]; closers != nil && slices.Contains(closers, after) {
			return true
		}
		at = j + len(name)
	}
}

// warnSigners warns about names that sign notices or stand for the chat
// yet were counted as participants: the notices of a language the tables
// lack, decided too late to be notices.
func (p *waParser) warnSigners() {
	if p.first.form == formAndroid {
		return
	}
	var names []string
	for _, a := range p.authors {
		if a.messages > 0 && p.chatLike(a) && !slices.Contains(names, a.name) {
			names = append(names, a.name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		p.report.warn("%q signs notices or names the chat, yet lines signed by it were counted as its messages: "+
			"it is probably the chat's name, not a participant (notices in wording this parser does not know)",
			cleanName(name))
	}
	if len(names) == 0 && !p.sawMark && p.seq > 0 && p.report.SystemMessages == 0 {
		// Nothing names a suspect, yet nothing shows the notices were read.
		p.report.warn("this iOS export has no U+200E marks and no notice this parser recognises: " +
			"if notices are signed with the chat's name in a language it does not know, that name is counted as a participant")
	}
}

// chatLike reports whether an author that wrote messages looks like the
// chat's name rather than a person: it signs a group's notices, it is a
// group's quoted subject, all its lines are marked as notices are, or,
// in an export without marks where no notice was recognised, it signed
// the first line, notice-shaped, and no line of several lines.
func (p *waParser) chatLike(a *waAuthor) bool {
	switch {
	case a.name == p.groupName:
		return p.signer == signerGroup || p.signer == signerGroupSure
	case slices.Contains(p.subjects, a.name):
		return true
	case p.sawMark:
		return a.markedOdd == a.messages
	}
	return p.groupName == "" && a == p.firstAuthor && p.firstNoticeShaped && !a.multiLine
}

// noteFirst remembers the first message's author and whether the message
// was shaped like a notice: one line, a sentence or more, no question.
func (p *waParser) noteFirst(text string) {
	if p.seq != 1 || p.cur == nil {
		return
	}
	p.firstAuthor = p.cur
	p.firstNoticeShaped = len(text) >= 40 && len(text) < 600 && strings.IndexByte(text, '\n') < 0 &&
		!strings.ContainsAny(text, "?？")
}

// signerSeed is what the first lines showed about who signs the notices.
type signerSeed struct {
	groupName string
	chatSure  bool
	signer    signerKind
	subjects  []string
}

// Reading ahead to learn the signer stops after probeMessages messages or
// probeBytes bytes.
const (
	probeMessages = 64
	probeBytes    = 256 << 10
)

// probeSigner parses the first messages of r ahead, emitting nothing, to
// learn who signs the notices before the first is emitted (the encryption
// notice can come after others by the same name, and the evidence that the
// name is a group's after both). It returns what it learnt and a reader of
// the whole input again: what was read is held and replayed.
func probeSigner(r io.Reader, opts Options, order DateOrder) (signerSeed, io.Reader) {
	la := &lookahead{r: r, max: min(probeBytes, opts.Limits.MaxDateOrderLookahead)}
	p := newWAParser(opts, &Report{}, order)
	n := 0
	_ = p.run(la, func(*core.Message) bool {
		n++
		return n < probeMessages && p.first.form != formAndroid
	})
	return signerSeed{groupName: p.groupName, chatSure: p.chatSure, signer: p.signer, subjects: p.subjects}, la.replay()
}

// seed starts the parse with what the first lines showed.
func (p *waParser) seed(s signerSeed) {
	p.groupName, p.chatSure, p.signer, p.subjects = s.groupName, s.chatSure, s.signer, slices.Clone(s.subjects)
}
