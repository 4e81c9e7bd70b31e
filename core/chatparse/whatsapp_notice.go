package chatparse

import (
	"bytes"
	"strings"
)

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
			name := waName(string(rest[:j]))
			if name == p.groupName || (p.groupName == "" && (p.seq < 3 || encryptionPhrases.in(string(rest[j+2:])))) {
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
func (p *waParser) rememberParticipant(a *waAuthor) {
	if !a.known && len(p.known) < maxInternedAuthors {
		p.known[a.lower] = struct{}{}
		a.known = true
	}
}

// tplResult is how a text fares against a table of notice templates.
type tplResult uint8

const (
	tplNone        tplResult = iota // no template has its wording
	tplImplausible                  // one has, but its names are not names
	tplMatched
)

// matchNotice matches text, as a whole, against templates (lower-cased,
// "*" standing for some text, "@" for names; a leading "*" is the notice's
// subject, a name too). A name must look like one: a few words, not a
// pronoun or a question; once the signer is known to be a person, the
// subject must also be a participant already seen, "you" or a phone number,
// so that "Ann pinned a message" from the contact names someone in the chat.
func (p *waParser) matchNotice(text string, templates []string) tplResult {
	if len(text) > 400 || strings.IndexByte(text, '\n') >= 0 {
		return tplNone
	}
	lower := strings.TrimRight(strings.ToLower(text), ". ")
	res := tplNone
	for _, tpl := range templates {
		var m tplMatch
		if !matchTemplate(lower, tpl, &m) {
			continue
		}
		switch p.names(&m) {
		case nameOK:
			return tplMatched
		case nameNot:
			res = tplImplausible
		}
	}
	return res
}

// nameVerdict is what a template's slot holds: a name, words no notice
// names anyone with (a pronoun, a question), or something merely too long
// or unknown to be taken for a name, which shows nothing about the signer.
type nameVerdict uint8

const (
	nameOK nameVerdict = iota
	nameDoubtful
	nameNot
)

// names judges the name slots of a match by the worst of them.
func (p *waParser) names(m *tplMatch) nameVerdict {
	worst := nameOK
	for i := range m.n {
		if !m.name[i] {
			continue
		}
		v := nameList(m.slot[i])
		if i == 0 && m.subject {
			v = p.subjectName(m.slot[i])
		}
		worst = max(worst, v)
	}
	return worst
}

// subjectName judges a notice's subject; once the signer is known to be a
// person, it must be a participant already seen, "you" or a phone number.
func (p *waParser) subjectName(s string) nameVerdict {
	if v := judgeName(s); v != nameOK || p.signer != signerPerson {
		return v
	}
	if _, ok := p.known[s]; ok || waYou[s] || isPhoneNumber(s) {
		return nameOK
	}
	return nameDoubtful
}

// nameList judges "ben", "ben and carl", "ben, carl y dave".
func nameList(s string) nameVerdict {
	if len(s) > 400 {
		return nameDoubtful
	}
	worst := nameOK
	for part := range strings.SplitSeq(s, ", ") {
		for _, and := range waAndWords {
			if a, b, ok := strings.Cut(part, and); ok && judgeName(a) == nameOK {
				part = b
				break
			}
		}
		worst = max(worst, judgeName(part))
	}
	return worst
}

// judgeName judges a lower-cased name as notices write it: a few words or a
// phone number, not starting with a pronoun or an article, not a question.
func judgeName(s string) nameVerdict {
	if s == "" || strings.ContainsAny(s, "?!") {
		return nameNot
	}
	if isPhoneNumber(s) {
		return nameOK
	}
	if first, _, _ := strings.Cut(s, " "); waNotNameStarts[first] {
		return nameNot
	}
	if len(s) > 64 || strings.Count(s, " ") > 4 {
		return nameDoubtful
	}
	return nameOK
}

func isPhoneNumber(s string) bool {
	return len(s) > 1 && s[0] == '+' && strings.Trim(s[1:], "0123456789 -()") == ""
}

// tplMatch holds what a template's slots matched.
type tplMatch struct {
	n       int
	slot    [4]string
	name    [4]bool // the slot holds a name or a list of names
	subject bool    // slot 0 starts the text
}

// matchTemplate matches lower against tpl, whose "*" and "@" stand for one
// or more characters (a trailing one for any, or none); "@" slots and a
// leading "*" hold names. The first occurrence of each fixed part is taken.
func matchTemplate(lower, tpl string, m *tplMatch) bool {
	cut := strings.IndexAny(tpl, "*@")
	if cut < 0 {
		return lower == tpl
	}
	if !strings.HasPrefix(lower, tpl[:cut]) {
		return false
	}
	m.subject = cut == 0
	at := cut
	for cut >= 0 {
		isName := tpl[cut] == '@' || (cut == 0 && tpl[cut] == '*')
		rest := tpl[cut+1:]
		next := strings.IndexAny(rest, "*@")
		part := rest
		if next >= 0 {
			part = rest[:next]
		}
		var slot string
		switch {
		case next < 0 && part == "":
			slot = lower[at:] // a trailing slot may be empty
			at = len(lower)
		case next < 0:
			if len(lower) < at+1+len(part) || !strings.HasSuffix(lower, part) {
				return false
			}
			slot = lower[at : len(lower)-len(part)]
			at = len(lower)
		default:
			if at+1 > len(lower) {
				return false
			}
			j := strings.Index(lower[at+1:], part) // a slot holds at least one character
			if j < 0 {
				return false
			}
			slot = lower[at : at+1+j]
			at += 1 + j + len(part)
		}
		if m.n == len(m.slot) {
			return false
		}
		m.slot[m.n], m.name[m.n] = strings.TrimSpace(slot), isName
		m.n++
		if next < 0 {
			break
		}
		cut += 1 + next
	}
	return true
}
