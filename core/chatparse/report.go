package chatparse

import (
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
)

// whatsAppTruncationCount is the number of messages at which WhatsApp stops
// an export without saying so ("Export chat" without media keeps at most
// 40,000 messages).
const whatsAppTruncationCount = 40_000

// maxListed caps every list a report keeps (line numbers, attachment names),
// so the report stays small whatever the input.
const (
	maxUnparsedListed   = 10
	maxAttachmentListed = 1_000
	maxWarnings         = 20
)

// Report says what an import found, so that a person can check an export
// without reading it: complete once Stream.Messages has been read to its end.
type Report struct {
	Format Format

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

	kinds      [16]int // counted per message without a map operation
	lastAuthor string  // spares a map lookup when one author writes on

	// Participants are the distinct authors of non-system messages, in order
	// of first appearance, at most Limits.MaxParticipants of them.
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

	// Attachments lists the media files of a zip export (at most 1,000
	// names); AttachmentCount counts them all.
	Attachments     []string
	AttachmentCount int

	Warnings []string
}

// countMessage updates the counts for one yielded message.
func (r *Report) countMessage(m *core.Message, maxParticipants int, seen map[string]struct{}) {
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
	if !m.FromParticipant() || m.Author == r.lastAuthor {
		return
	}
	r.lastAuthor = m.Author
	if _, ok := seen[m.Author]; ok {
		return
	}
	if len(seen) >= maxParticipants {
		r.ParticipantsTruncated = true
		return
	}
	seen[m.Author] = struct{}{}
	r.Participants = append(r.Participants, m.Author)
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
	r.Kinds = make(map[core.MessageKind]int)
	for _, k := range core.MessageKinds() {
		if n := r.kinds[k&15]; n > 0 {
			r.Kinds[k] = n
		}
	}
	if stopped {
		r.warn("the reader stopped after %d messages: the counts cover those only", r.Messages)
	} else if r.Format == FormatWhatsApp || r.Format == FormatWhatsAppZip {
		if r.Messages == whatsAppTruncationCount {
			r.warn("exactly %d messages: WhatsApp stops exports there, so this one was probably truncated; export again with fewer days or from a backup", whatsAppTruncationCount)
		}
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
