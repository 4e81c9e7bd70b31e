package core

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// ChatID identifies an imported chat.
type ChatID string

// MaxChatTitleLength caps a chat's title, in characters.
const MaxChatTitleLength = 200

// Chat is one imported export: who uploaded it, what it was, and what the
// import found. Its messages are stored apart (ports.Messages) and are
// visible exactly while the chat is: they are hidden through it, never
// rewritten one by one.
type Chat struct {
	ID    ChatID
	User  UserID
	Title string
	// SHA256 is the hex digest of the uploaded file: the same file from the
	// same user is one live chat.
	SHA256 string
	Bytes  int64  // the uploaded file's size
	Format string // the export's format as chatparse names it ("whatsapp", "telegram", "discord")
	// TimeZone is the IANA zone the import read wall-clock times in; empty
	// when none was given.
	TimeZone string
	// Messages counts the stored messages, system notices included.
	Messages int64
	// Report is a document the chats service writes at import (the
	// parser's report) and reads back; storage keeps it as given and never
	// looks inside. The chat's statistics, a larger document of the same
	// kind (0.8 MB for a million messages), are kept apart
	// (ports.Chats.Statistics), so that reading a chat never carries them.
	Report []byte
	// Version goes up with every change of the chat; it is the ETag a
	// rename's If-Match names.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time // zero while live
}

// PageKey is the chat's position in a listing of chats, newest first.
func (c Chat) PageKey() PageKey { return PageKey{Time: c.CreatedAt, ID: string(c.ID)} }

// ParseChatTitle checks a title a person gave: trimmed, not blank, at
// most MaxChatTitleLength characters, no control or text-direction
// characters.
func ParseChatTitle(s string) (string, error) {
	return parseLabel("title", s, MaxChatTitleLength)
}

// MessageTime is the time a message is filtered by: its instant when the
// export or the import's time zone gave one (Message.At), else its wall
// time read as UTC. Every storage adapter filters on it, so from/to mean
// the same everywhere.
func MessageTime(m Message) time.Time {
	if !m.At.IsZero() {
		return m.At.UTC()
	}
	return m.Local
}

// MessageFilter narrows a chat's messages. The zero value keeps them all.
type MessageFilter struct {
	// From and To bound MessageTime: From inclusive, To exclusive; a zero
	// time does not bound.
	From, To time.Time
	// Author keeps one author's messages, by the name the export wrote.
	Author string
	// Search keeps the messages holding every term of a query; nil keeps
	// all.
	Search *SearchQuery
}

// SeqKey is a message's position in its chat (core.Message.Seq): messages
// page by it, in chat order.
type SeqKey int64

// Compare orders keys by sequence number.
func (k SeqKey) Compare(o SeqKey) int {
	switch {
	case k < o:
		return -1
	case k > o:
		return 1
	}
	return 0
}

const seqCursorVersion = "s1"

// EncodeSeqCursor turns a message's position into the opaque cursor
// clients pass back.
func EncodeSeqCursor(k SeqKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(seqCursorVersion + "." + strconv.FormatInt(int64(k), 10)))
}

// DecodeSeqCursor reverses EncodeSeqCursor: the empty cursor is the first
// page (ok false); a cursor this service did not make is a validation
// error.
func DecodeSeqCursor(s string) (k SeqKey, ok bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	bad := Invalid("cursor", "is not a cursor this service issued")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false, bad
	}
	version, rest, found := strings.Cut(string(raw), ".")
	if version != seqCursorVersion || !found {
		return 0, false, bad
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != rest {
		return 0, false, bad
	}
	return SeqKey(n), true, nil
}
