package chatparse

import (
	"errors"
	"fmt"
	"strings"
)

// Errors a parse can end with. They are wrapped with context, so test them
// with errors.Is (and errors.As for the typed ones below).
var (
	// ErrUnknownFormat: the content is none of the formats this package
	// reads. The HTTP layer reports it as an unprocessable upload.
	ErrUnknownFormat = errors.New("not a recognised chat export (WhatsApp .txt/.zip, Telegram Desktop JSON or DiscordChatExporter JSON)")

	// ErrNoMessages: the export was read but held no message a participant
	// wrote (none at all, or only system notices). It comes as a
	// *NoMessagesError carrying the report, so the user can see why.
	ErrNoMessages = errors.New("the export holds no messages")

	// ErrChatNotFound: a Telegram full-account export has no chat by the
	// name asked for. It comes as a *ChatNotFoundError listing the names.
	ErrChatNotFound = errors.New("chat not found in the export")

	// ErrZipTooLarge: a zip export's chat text is bigger than
	// Limits.MaxZipChatBytes (a zip bomb, or a chat beyond the limit).
	ErrZipTooLarge = errors.New("zip export: chat text larger than the limit")

	// ErrZipTooManyEntries: a zip export has more entries than
	// Limits.MaxZipEntries.
	ErrZipTooManyEntries = errors.New("zip export: too many entries")

	// ErrZipNoChat: a zip export holds no WhatsApp chat text file.
	ErrZipNoChat = errors.New("zip export: no chat text file (_chat.txt or a WhatsApp .txt)")

	// ErrNotZip: the zip format was asked for, but the content is not a zip
	// archive.
	ErrNotZip = errors.New("zip export: the content is not a zip archive")

	// ErrNeedRandomAccess: a zip was handed over as a plain stream; zip
	// archives are read from their end, so use ParseZip or pass a reader
	// that also implements io.ReaderAt and io.Seeker (such as *os.File).
	ErrNeedRandomAccess = errors.New("zip export needs random access (io.ReaderAt and io.Seeker)")

	// ErrJSONLimit: a JSON export has a string or number longer than
	// Limits.MaxJSONTokenBytes, or nests deeper than Limits.MaxJSONDepth.
	ErrJSONLimit = errors.New("JSON export exceeds a parser limit")

	// ErrStreamUsed: Stream.Messages was ranged over a second time; a stream
	// reads its input once.
	ErrStreamUsed = errors.New("chat stream already read")
)

// NoMessagesError is ErrNoMessages with the report of what was read, which
// usually tells the user what went wrong (lines not understood, a chat name
// that matched nothing, a wrong format override).
type NoMessagesError struct {
	Report Report
}

func (e *NoMessagesError) Error() string {
	r := e.Report
	msg := fmt.Sprintf("%s: %v", r.Format, ErrNoMessages)
	if r.SystemMessages > 0 {
		msg += fmt.Sprintf(" (only %d system notices)", r.SystemMessages)
	}
	if r.UnparsedLines > 0 {
		msg += fmt.Sprintf(" (%d lines not understood, first at line %d)", r.UnparsedLines, r.FirstUnparsedLines[0])
	}
	return msg
}

// Is makes errors.Is(err, ErrNoMessages) true.
func (e *NoMessagesError) Is(target error) bool { return target == ErrNoMessages }

// ChatNotFoundError is ErrChatNotFound with the chats the export does hold,
// so that a caller can offer them (at most 100 names are kept, each cut at
// 256 bytes).
type ChatNotFoundError struct {
	Want  string   // the name or id asked for; empty when none was given
	Names []string // the chats in the export, in file order
}

func (e *ChatNotFoundError) Error() string {
	want := "no chat was chosen"
	if e.Want != "" {
		want = fmt.Sprintf("no chat named %q", e.Want)
	}
	return fmt.Sprintf("telegram full-account export: %s; chats: %s", want, quoteList(e.Names))
}

// Is makes errors.Is(err, ErrChatNotFound) true.
func (e *ChatNotFoundError) Is(target error) bool { return target == ErrChatNotFound }

func quoteList(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
