package chatparse

import (
	"bytes"
	"strings"
)

// isNotice tells an iOS system notice, which carries an author (the group's
// name, or the contact's in a one-to-one chat), from a participant's words.
// iOS starts notices with U+200E; where a tool removed the marks, a notice
// template matched as a whole (not a phrase anywhere in the text) and the
// name that signed the encryption notice decide.
func (p *waParser) isNotice(text string) bool {
	author := p.msg.Author
	if p.markBody && !looksLikePlaceholder(text) {
		return author == p.groupName || containsAny(text, waSystemPhrases)
	}
	if p.first.form == formAndroid {
		return false // Android notices carry no author
	}
	if p.groupName == "" {
		return p.report.Messages < 3 && len(text) < 400 && containsAny(text, waEncryptionPhrases)
	}
	return !p.sawMark && author == p.groupName && p.matchesNoticeTemplate(text)
}

// groupSigned handles an iOS group name holding ": " ("Trip: 2024"): the
// notices it signs read `Trip: 2024: ‎Ann added Ben`, where the U+200E that
// starts a notice follows the second ": ". When the first ": " has no mark
// after it and a later one has, the author runs to the later one, if it is
// the known group name or, before one is known, the encryption notice follows.
func (p *waParser) groupSigned(rest, author, body []byte, restAt int) ([]byte, []byte) {
	if p.cl.marks.has(restAt + len(author) + 2) {
		return author, body
	}
	for from := len(author) + 2; from < len(rest); {
		j := bytes.Index(rest[from:], []byte(": "))
		if j < 0 {
			break
		}
		j += from
		if p.cl.marks.has(restAt + j + 2) {
			name := strings.TrimSpace(string(rest[:j]))
			if name == p.groupName || (p.groupName == "" && containsAny(string(rest[j+2:]), waEncryptionPhrases)) {
				return rest[:j], rest[j+2:]
			}
			break
		}
		from = j + 2
	}
	return author, body
}

// rememberParticipant keeps the lower-cased names of the first authors, so
// that a notice signed by a person must name one of them.
func (p *waParser) rememberParticipant(name string) {
	if len(p.known) < maxInternedAuthors {
		p.known[strings.ToLower(name)] = struct{}{}
	}
}

// matchesNoticeTemplate reports whether text, as a whole, is one of the
// notice templates (waNoticeTemplates). The name a template starts with
// must look like a name (a few words); once the signer has written a message
// of its own, it must be a participant already seen, "you" or a phone number,
// so that "Ann left" from the contact of a one-to-one chat is a notice only
// when Ann is someone in the chat.
func (p *waParser) matchesNoticeTemplate(text string) bool {
	if len(text) > 400 || strings.IndexByte(text, '\n') >= 0 {
		return false
	}
	lower := strings.TrimRight(strings.ToLower(text), ". ")
	for _, tpl := range waNoticeTemplates {
		subject, ok := matchTemplate(lower, tpl)
		if ok && (subject == "" || p.plausibleSubject(subject)) {
			return true
		}
	}
	return false
}

func (p *waParser) plausibleSubject(s string) bool {
	if len(s) > 64 || strings.Count(s, " ") > 4 {
		return false
	}
	if !p.signerSpoke {
		return true
	}
	if _, ok := p.known[s]; ok {
		return true
	}
	return waYou[s] || (s[0] == '+' && strings.Trim(s[1:], "0123456789 -()") == "")
}

// matchTemplate matches lower against a template whose "*" stand for one or
// more characters (a trailing one for any, or none); it returns what a
// leading "*" matched. The first occurrence of each fixed part is taken.
func matchTemplate(lower, tpl string) (subject string, ok bool) {
	parts := strings.Split(tpl, "*")
	if !strings.HasPrefix(lower, parts[0]) {
		return "", false
	}
	at := len(parts[0])
	last := len(parts) - 1
	for i := 1; i < last; i++ {
		if at+1 > len(lower) {
			return "", false
		}
		j := strings.Index(lower[at+1:], parts[i]) // a slot holds at least one character
		if j < 0 {
			return "", false
		}
		if i == 1 && parts[0] == "" {
			subject = lower[:at+1+j]
		}
		at += 1 + j + len(parts[i])
	}
	if last == 0 {
		return "", lower == tpl
	}
	tail := parts[last]
	if tail == "" {
		return subject, true // a trailing "*" may also be empty
	}
	if len(lower) < at+1+len(tail) || !strings.HasSuffix(lower, tail) {
		return "", false
	}
	if last == 1 && parts[0] == "" {
		subject = lower[:len(lower)-len(tail)]
	}
	return subject, true
}

func looksLikePlaceholder(text string) bool {
	first, _, _ := strings.Cut(text, "\n")
	if _, ok := lookupPlaceholder(first); ok {
		return true
	}
	if _, ok := attachmentName(first); ok {
		return true
	}
	if _, ok := documentName(first); ok {
		return true
	}
	for _, bp := range waBodyPrefixes {
		if strings.HasPrefix(first, bp.prefix) {
			return true
		}
	}
	return false
}

// documentName reads the file name of an iOS document placeholder
// ("Report.pdf • 3 pages document omitted").
func documentName(first string) (string, bool) {
	if !strings.HasSuffix(first, "omitted") && !strings.HasSuffix(first, "omitido") &&
		!strings.HasSuffix(first, "weggelassen") && !strings.HasSuffix(first, "omis") {
		return "", false
	}
	for _, suffix := range waDocumentSuffixes {
		if name, ok := strings.CutSuffix(first, suffix); ok {
			name, _, _ = strings.Cut(name, " • ")
			if name = strings.TrimSpace(name); name != "" {
				return name, true
			}
		}
	}
	return "", false
}
