package chatparse

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

// maxNameBytes caps every name a report or error keeps (participants, chat
// names, attachment names): a hostile export can put megabytes in a name,
// and a list of thousands of them would take the memory the parser bounds.
const maxNameBytes = 256

// repairMessage makes every text field of m valid UTF-8 without U+0000, as
// core.Message.Validate requires (PostgreSQL's text type stores neither).
// Invalid bytes (a Latin-1 export, a cut multi-byte character) and NUL both
// become U+FFFD, so a name never turns empty. It reports what it repaired.
func repairMessage(m *core.Message) (invalid, nul bool) {
	repair := func(f *string) {
		i, n := repairString(f)
		invalid, nul = invalid || i, nul || n
	}
	for _, f := range [...]*string{&m.Author, &m.AuthorID, &m.Text, &m.MediaType,
		&m.Attachment, &m.ReplyTo, &m.PlatformID} {
		repair(f)
	}
	for i := range m.Attachments {
		repair(&m.Attachments[i].Name)
		repair(&m.Attachments[i].MediaType)
	}
	for i := range m.Reactions {
		r := &m.Reactions[i]
		repair(&r.Emoji)
		for j := range r.By {
			repair(&r.By[j].Name)
			repair(&r.By[j].ID)
		}
	}
	if e := m.Event; e != nil {
		for _, f := range [...]*string{&e.Action, &e.Actor, &e.ActorID, &e.Title, &e.Outcome} {
			repair(f)
		}
		for i := range e.Members {
			repair(&e.Members[i])
		}
	}
	return invalid, nul
}

func repairString(s *string) (invalid, nul bool) {
	if !utf8.ValidString(*s) {
		*s, invalid = strings.ToValidUTF8(*s, "\uFFFD"), true
	}
	if strings.IndexByte(*s, 0) >= 0 {
		*s, nul = strings.ReplaceAll(*s, "\x00", "\uFFFD"), true
	}
	return invalid, nul
}

// cleanName returns s as a report may keep it: valid UTF-8, no NUL, at most
// maxNameBytes long (cut on a character boundary, marked with "…").
func cleanName(s string) string {
	if len(s) > maxNameBytes {
		s = cutRunes(s, maxNameBytes-len("…")) + "…"
	}
	repairString(&s)
	return s
}

// cutRunes returns b cut to at most n bytes without splitting a UTF-8
// sequence: a cut mid-character would leave invalid bytes behind.
func cutRunes[T string | []byte](b T, n int) T {
	if len(b) <= n {
		return b
	}
	if n <= 0 {
		return b[:0]
	}
	// Step back over continuation bytes to the start of the character that
	// straddles the cut; keep it only when it ends at the cut.
	i := n
	for i > 0 && i > n-utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	return b[:i]
}

// tidyName returns an author's name without the spaces around it and the
// invisible marks that wrap phone numbers and right-to-left names
// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+FEFF) at either end:
// none of them is part of the name, and keeping them would make one person
// two participants.
func tidyName(s string) string {
	return strings.TrimFunc(s, isNameEdge)
}

func isNameEdge(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0xFEFF:
		return true
	}
	return unicode.IsSpace(r)
}

// maxListed caps the items a message keeps of a list the export gives
// (reactions, who reacted, attachments, members a notice names), so that
// a message's size stays bounded whatever the export holds.
const maxListed = 32

// cleanReactor cuts a reactor's name and id as the report cuts names.
func cleanReactor(by core.Reactor) core.Reactor {
	return core.Reactor{Name: cutRunes(tidyName(by.Name), maxNameBytes), ID: cutRunes(by.ID, maxNameBytes)}
}

// addReaction adds r, whose count the export wrote as count, to list: a
// reaction needs an emoji; its count is at least one and at least the
// reactors listed. The list keeps at most maxListed reactions.
func addReaction(list *[]core.Reaction, r core.Reaction, count string) {
	if r.Emoji == "" || len(*list) >= maxListed {
		return
	}
	r.Emoji = cutRunes(r.Emoji, maxNameBytes)
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		n = 1
	}
	r.Count = max(n, len(r.By))
	*list = append(*list, r)
}
