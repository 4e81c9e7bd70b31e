package core

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MessageKind says what a chat message is, whatever the platform it was
// exported from. Statistics and insights count kinds differently (a system
// notice is not something a participant said), so parsers decide the kind once
// and everything downstream trusts it.
type MessageKind uint8

// The kinds of message every export format is mapped onto. The zero value is
// not a kind, so a message whose kind was never set is caught by Validate.
const (
	MessageText     MessageKind = iota + 1 // words written by a participant
	MessageMedia                           // a photo, video, audio, document, contact card or GIF
	MessageSystem                          // a notice by the platform: joins, leaves, group changes, encryption
	MessageDeleted                         // a message its author deleted; only the marker remains
	MessageCall                            // a voice or video call, answered or missed
	MessageLocation                        // a shared location
	MessagePoll                            // a poll; Text holds its question and options
	MessageSticker                         // a sticker
)

var messageKindNames = [...]string{
	MessageText:     "text",
	MessageMedia:    "media",
	MessageSystem:   "system",
	MessageDeleted:  "deleted",
	MessageCall:     "call",
	MessageLocation: "location",
	MessagePoll:     "poll",
	MessageSticker:  "sticker",
}

// MessageKinds lists every valid kind in a stable order, for reports and
// tables that show a count per kind.
func MessageKinds() []MessageKind {
	return []MessageKind{MessageText, MessageMedia, MessageSystem, MessageDeleted,
		MessageCall, MessageLocation, MessagePoll, MessageSticker}
}

// String returns the kind's stable lower-case name ("text", "media", …), the
// name used on the wire and in storage.
func (k MessageKind) String() string {
	if k.Valid() {
		return messageKindNames[k]
	}
	return fmt.Sprintf("MessageKind(%d)", uint8(k))
}

// Valid reports whether k is one of the declared kinds.
func (k MessageKind) Valid() bool {
	return k >= MessageText && int(k) < len(messageKindNames)
}

// ParseMessageKind is the inverse of MessageKind.String; it ignores case.
func ParseMessageKind(s string) (MessageKind, error) {
	for _, k := range MessageKinds() {
		if strings.EqualFold(s, messageKindNames[k]) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown message kind %q", s)
}

// Message is one entry of an imported chat, in the same shape whatever the
// platform. Fields a format does not carry stay at their zero value.
type Message struct {
	// Seq is the 1-based position of the message in its chat, in file order.
	// Exports are not always sorted by time, so Seq, not time, is the chat's
	// order.
	Seq int64

	// Local is the wall-clock time as the export wrote it (year to second,
	// finer where the format has it). WhatsApp writes no time zone, so this is
	// all that is known for sure. Its Location carries no meaning and is
	// always time.UTC: read its fields, never convert it.
	Local time.Time

	// At is the instant the message was sent, in UTC, when the format says it
	// (Telegram's unix time, Discord's offset) or when the importer was told
	// the export's time zone. It is the zero time when unknown.
	At time.Time

	// Author is the display name of the sender as the export wrote it;
	// empty for system messages, which no participant wrote.
	Author string

	// AuthorID is the platform's stable id of the sender, where the format
	// has one (Telegram "from_id", Discord author id).
	AuthorID string

	Kind MessageKind

	// Text is the message body with its lines joined by "\n"; for media it is
	// the caption, for a system message the notice itself.
	Text string

	// MediaType names the kind of media ("image", "video", "audio",
	// "document", "sticker", "gif", "contact", …) when it is known.
	MediaType string

	// Attachment is the attached file's name, when the export names it.
	Attachment string

	// Edited is set when the export marks the message as edited.
	Edited bool

	// ReplyTo is the platform id of the message this one answers, where the
	// format records replies.
	ReplyTo string

	// PlatformID is the message's id on its platform, where it has one.
	PlatformID string
}

// FromParticipant reports whether the message was written by a participant.
// Participants are the authors of non-system messages: a WhatsApp group name
// that signs system notices is not a person.
func (m Message) FromParticipant() bool {
	return m.Kind != MessageSystem && m.Author != ""
}

// HasInstant reports whether the message's instant in time is known (see At).
func (m Message) HasInstant() bool {
	return !m.At.IsZero()
}

// Validate checks the invariants every parser must uphold, so that storage
// and statistics can rely on them. Every text field must be valid UTF-8
// without U+0000: PostgreSQL's text type stores neither, and one bad message
// would fail a whole import.
func (m Message) Validate() error {
	for _, f := range [...]struct{ name, value string }{
		{"author", m.Author}, {"author id", m.AuthorID}, {"text", m.Text},
		{"media type", m.MediaType}, {"attachment", m.Attachment},
		{"reply-to", m.ReplyTo}, {"platform id", m.PlatformID},
	} {
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("message %d: %s is not valid UTF-8", m.Seq, f.name)
		}
		if strings.IndexByte(f.value, 0) >= 0 {
			return fmt.Errorf("message %d: %s holds a NUL character", m.Seq, f.name)
		}
	}
	switch {
	case m.Seq < 1:
		return fmt.Errorf("message sequence %d: must start at 1", m.Seq)
	case !m.Kind.Valid():
		return fmt.Errorf("message %d: invalid kind %d", m.Seq, m.Kind)
	case m.Kind == MessageSystem && m.Author != "":
		return fmt.Errorf("message %d: a system message has no author", m.Seq)
	case m.Kind != MessageSystem && m.Author == "" && m.AuthorID == "":
		return fmt.Errorf("message %d: a %s message needs an author", m.Seq, m.Kind)
	case m.Local.IsZero() && m.At.IsZero():
		return fmt.Errorf("message %d: no time", m.Seq)
	}
	return nil
}
