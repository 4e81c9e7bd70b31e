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

	// Attachment is the attached file's name, when the export names it:
	// the first file's where there are several (see Attachments).
	Attachment string

	// Attachments lists every file and sticker sent with the message, in
	// the export's order, where the export lists them (a Discord message
	// can carry several files and a sticker beside them).
	Attachments []Attachment

	// Reactions are the emoji reactions the message received, where the
	// export records them (Telegram, Discord), in the export's order.
	Reactions []Reaction

	// Geo is the point a shared location names, where the export gives its
	// coordinates; Text keeps the location's label or link as written.
	Geo *GeoPoint

	// Event says what a notice or a call did in the platform's own terms
	// (an action name, who acted, a call's length), where the export says.
	Event *Event

	// Edited is set when the export marks the message as edited.
	Edited bool

	// ReplyTo is the platform id of the message this one answers, where the
	// format records replies.
	ReplyTo string

	// PlatformID is the message's id on its platform, where it has one.
	PlatformID string
}

// Attachment is one file or sticker sent with a message.
type Attachment struct {
	// Name is the file's (or the sticker's) name as the export gives it.
	Name string
	// MediaType is the kind of media, as Message.MediaType names it.
	MediaType string
	// Size is the file's size in bytes where the export says; 0 when not.
	Size int64
}

// Reaction is the reactions of one emoji to a message.
type Reaction struct {
	// Emoji is the emoji, or the name of a custom emoji (Discord, Telegram
	// premium), which has no character of its own.
	Emoji string
	// Count is how many reacted with it: at least one, and at least len(By).
	Count int
	// By names who reacted, where the export does; it may name only some
	// of them (Telegram lists the most recent).
	By []Reactor
}

// Reactor is someone who reacted: a display name, and the platform's id
// where the export has one.
type Reactor struct {
	Name, ID string
}

// GeoPoint is a point on Earth in decimal degrees (WGS 84).
type GeoPoint struct {
	Lat, Lon float64
}

// Event is what a platform recorded about a notice or a call, beside the
// notice's text.
type Event struct {
	// Action is the platform's name for what happened: Telegram's
	// "invite_members" or "phone_call", Discord's "GuildMemberJoin".
	Action string
	// Actor and ActorID name who did it. A notice has no author (see
	// Message.Author), so this is where its actor is kept.
	Actor, ActorID string
	// Members names those it was done to, where the export does (people
	// added to or removed from a group).
	Members []string
	// Title is a name the action gave: a group's new title.
	Title string
	// Duration is a call's length, where the export gives it.
	Duration time.Duration
	// Outcome is how a call ended, in the platform's words ("missed",
	// "busy", "hangup").
	Outcome string
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
		if err := storableText(f.value); err != nil {
			return fmt.Errorf("message %d: %s %w", m.Seq, f.name, err)
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
	if err := m.validateParts(); err != nil {
		return fmt.Errorf("message %d: %w", m.Seq, err)
	}
	return nil
}

// validateParts checks the attachments, reactions, location and event.
func (m Message) validateParts() error {
	for i, a := range m.Attachments {
		if err := storableTexts(a.Name, a.MediaType); err != nil {
			return fmt.Errorf("attachment %d: %w", i+1, err)
		}
		if a.Size < 0 {
			return fmt.Errorf("attachment %d: negative size %d", i+1, a.Size)
		}
	}
	for i, r := range m.Reactions {
		switch {
		case r.Emoji == "":
			return fmt.Errorf("reaction %d: no emoji", i+1)
		case r.Count < 1 || r.Count < len(r.By):
			return fmt.Errorf("reaction %d: count %d for %d reactors", i+1, r.Count, len(r.By))
		}
		if err := storableText(r.Emoji); err != nil {
			return fmt.Errorf("reaction %d: emoji %w", i+1, err)
		}
		for _, by := range r.By {
			if err := storableTexts(by.Name, by.ID); err != nil {
				return fmt.Errorf("reaction %d: reactor %w", i+1, err)
			}
		}
	}
	// Written so that NaN, which fails every comparison, fails too.
	if g := m.Geo; g != nil && !(g.Lat >= -90 && g.Lat <= 90 && g.Lon >= -180 && g.Lon <= 180) {
		return fmt.Errorf("location %v,%v: not a point on Earth", g.Lat, g.Lon)
	}
	if e := m.Event; e != nil {
		if err := storableTexts(append([]string{e.Action, e.Actor, e.ActorID, e.Title, e.Outcome}, e.Members...)...); err != nil {
			return fmt.Errorf("event: %w", err)
		}
		if e.Duration < 0 {
			return fmt.Errorf("event: negative duration %v", e.Duration)
		}
	}
	return nil
}

// storableText refuses what PostgreSQL's text type cannot store.
func storableText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("holds a NUL character")
	}
	return nil
}

func storableTexts(values ...string) error {
	for i, v := range values {
		if err := storableText(v); err != nil {
			return fmt.Errorf("field %d %w", i+1, err)
		}
	}
	return nil
}
