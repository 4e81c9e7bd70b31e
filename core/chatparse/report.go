package chatparse

import (
	"fmt"
	"hash/maphash"
	"time"

	"github.com/chatlens/chatlens/core"
)

// WhatsApp stops an export at a number of messages without saying so:
// "Export chat" keeps at most 40,000 messages without media and 10,000 with
// media (a zip export).
const (
	whatsAppTruncationCount      = 40_000
	whatsAppMediaTruncationCount = 10_000
)

// These cap every list a report keeps (line numbers, attachment names,
// warnings), so the report stays small whatever the input; names in them are
// cut at maxNameBytes.
const (
	maxUnparsedListed   = 10
	maxAttachmentListed = 1_000
	maxWarnings         = 20
)

// Version identifies how this package reads exports. It goes up whenever a
// change makes some export parse differently, so that a stored chat can say
// which parser read it (Report.ParserVersion), and a chat read by an older
// one can be offered a new import. Version 1 was never written down: a
// report without a version was read by it. Version 3: an older one-to-one
// export's first encryption notice, view-once rows, Turkish upper case.
const Version = 3

// Report says what an import found, so that a person can check an export
// without reading it: complete once Stream.Messages has been read to its end.
type Report struct {
	Format Format

	// ParserVersion is the Version of the parser that read the export.
	ParserVersion int

	// DateOrder and DateOrderReason say how WhatsApp dates were read and why
	// (an override, a field above 12, …); empty for other formats.
	DateOrder       DateOrder
	DateOrderReason string

	// Chat is the chat's name where the export has one: Telegram's, Discord's
	// guild and channel, or the name that signs an iOS WhatsApp export's
	// notices (the group's, or the contact's in a one-to-one chat).
	Chat string

	Messages       int                      // every message yielded, system ones included
	SystemMessages int                      // messages of kind core.MessageSystem
	MediaMessages  int                      // media and stickers
	Kinds          map[core.MessageKind]int // filled in when the parse ends

	kinds   [16]int // counted per message without a map operation; Kinds at the end
	lastKey uint64  // the last participant's key: spares a map lookup when one author writes on

	// Participants are the distinct authors of non-system messages, in order
	// of first appearance, at most Limits.MaxParticipants of them, each name
	// cut at 256 bytes. An author is told apart by its platform id where the
	// format has one (a Discord nickname that changes, two Telegram users of
	// one name), else by its name.
	Participants          []string
	ParticipantsTruncated bool

	// First and Last are the local times of the first and last message in
	// file order.
	First, Last time.Time

	// UnparsedLines counts WhatsApp lines that belong to no message (before
	// the first header); FirstUnparsedLines lists the first few (1-based).
	UnparsedLines      int
	FirstUnparsedLines []int

	SkippedEntries    int // JSON entries of an unknown shape, skipped
	Duplicates        int // Discord messages whose id was already seen
	ClampedTimes      int // impossible times or dates brought into range
	TruncatedLines    int // lines cut at Limits.MaxLineBytes
	TruncatedMessages int // messages cut at Limits.MaxMessageBytes

	// RepairedUTF8 counts messages that held bytes that are not UTF-8 (a
	// Latin-1 export, a damaged file), shown as U+FFFD; RepairedNUL those
	// that held U+0000, which PostgreSQL cannot store, also shown as U+FFFD.
	RepairedUTF8 int
	RepairedNUL  int

	// Attachments lists the media files of a zip export (at most 1,000
	// names); AttachmentCount counts them all.
	Attachments     []string
	AttachmentCount int

	Warnings []string
}

// participantSet tells whether an author was seen, holding a 64-bit hash per
// author rather than the name: names can be megabytes long.
type participantSet struct {
	seed maphash.Seed
	seen map[uint64]struct{}
}

func newParticipantSet() participantSet {
	return participantSet{seed: maphash.MakeSeed(), seen: make(map[uint64]struct{})}
}

// key identifies m's author: its platform id where it has one, else its name.
func (ps *participantSet) key(m *core.Message) uint64 {
	if m.AuthorID != "" {
		return maphash.String(ps.seed, "id\x00"+m.AuthorID)
	}
	return maphash.String(ps.seed, m.Author)
}

// countMessage updates the counts for one yielded message.
func (r *Report) countMessage(m *core.Message, maxParticipants int, ps *participantSet) {
	r.Messages++
	r.kinds[m.Kind&15]++
	switch m.Kind {
	case core.MessageSystem:
		r.SystemMessages++
	case core.MessageMedia, core.MessageSticker:
		r.MediaMessages++
	}
	if r.Messages == 1 {
		r.First = m.Local
	}
	r.Last = m.Local
	if !m.FromParticipant() {
		return
	}
	k := ps.key(m)
	if k == r.lastKey && len(ps.seen) > 0 {
		return
	}
	r.lastKey = k
	if _, ok := ps.seen[k]; ok {
		return
	}
	if len(ps.seen) >= maxParticipants {
		r.ParticipantsTruncated = true
		return
	}
	ps.seen[k] = struct{}{}
	name := m.Author
	if name == "" {
		name = m.AuthorID
	}
	r.Participants = append(r.Participants, cleanName(name))
}

// unparsedLine records a line that belongs to no message.
func (r *Report) unparsedLine(n int) {
	r.UnparsedLines++
	if len(r.FirstUnparsedLines) < maxUnparsedListed {
		r.FirstUnparsedLines = append(r.FirstUnparsedLines, n)
	}
}

// warn adds a warning, keeping at most maxWarnings of them.
func (r *Report) warn(format string, args ...any) {
	if len(r.Warnings) < maxWarnings {
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
	}
}

// finish fills in the counts and adds the warnings; stopped says the
// consumer stopped early, so the file was not read to its end.
func (r *Report) finish(stopped bool) {
	r.Chat = cleanName(r.Chat)
	r.Kinds = make(map[core.MessageKind]int)
	for _, k := range core.MessageKinds() {
		if n := r.kinds[k&15]; n > 0 {
			r.Kinds[k] = n
		}
	}
	if stopped {
		r.warn("the reader stopped after %d messages: the counts cover those only", r.Messages)
	} else if r.Format == FormatWhatsApp || r.Format == FormatWhatsAppZip {
		switch {
		case r.Messages == whatsAppTruncationCount:
			r.warn("exactly %d messages: WhatsApp stops exports without media there, so this one was probably truncated; "+
				"WhatsApp exports only the most recent messages, so export from another device or restore a backup to see older ones",
				whatsAppTruncationCount)
		case r.Messages == whatsAppMediaTruncationCount && r.Format == FormatWhatsAppZip:
			r.warn("exactly %d messages: WhatsApp stops exports with media there, so this one was probably truncated; "+
				"export again without media (up to %d messages), or from another device or a backup",
				whatsAppMediaTruncationCount, whatsAppTruncationCount)
		}
	}
	if r.RepairedUTF8 > 0 {
		r.warn("the file is not valid UTF-8: %d messages repaired (unreadable bytes shown as \uFFFD); was it saved in another encoding?", r.RepairedUTF8)
	}
	if r.RepairedNUL > 0 {
		r.warn("%d messages held NUL characters, which cannot be stored; they are shown as \uFFFD", r.RepairedNUL)
	}
	if r.TruncatedLines > 0 {
		r.warn("%d lines were longer than the line limit and were cut", r.TruncatedLines)
	}
	if r.TruncatedMessages > 0 {
		r.warn("%d messages were longer than the message limit and were cut", r.TruncatedMessages)
	}
	if r.ClampedTimes > 0 {
		r.warn("%d impossible times or dates were brought into range", r.ClampedTimes)
	}
	if r.ParticipantsTruncated {
		r.warn("more participants than the report lists")
	}
}

// countRepair counts a message whose fields repairMessage changed.
func (r *Report) countRepair(invalid, nul bool) {
	if invalid {
		r.RepairedUTF8++
	}
	if nul {
		r.RepairedNUL++
	}
}
