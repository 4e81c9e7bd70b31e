package chatparse

import (
	"fmt"
	"strings"
	"time"
)

// Format is a kind of chat export.
type Format uint8

// The export formats Parse understands. FormatAuto asks Parse to detect the
// format from the content (never from a file name).
const (
	FormatAuto        Format = iota
	FormatWhatsApp           // WhatsApp "Export chat" text, Android or iOS
	FormatWhatsAppZip        // the same, zipped with its media
	FormatTelegram           // Telegram Desktop JSON, single chat or full account
	FormatDiscord            // DiscordChatExporter JSON
)

var formatNames = [...]string{
	FormatAuto:        "auto",
	FormatWhatsApp:    "whatsapp",
	FormatWhatsAppZip: "whatsapp-zip",
	FormatTelegram:    "telegram",
	FormatDiscord:     "discord",
}

// String returns the format's name as ParseFormat accepts it.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat reads a format name ("auto", "whatsapp", "whatsapp-zip",
// "telegram", "discord"), ignoring case.
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if strings.EqualFold(s, name) {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q (want one of %s)", s, strings.Join(formatNames[:], ", "))
}

// DateOrder is the order of day, month and year in WhatsApp dates, which
// depends on the phone's locale and is written nowhere in the export.
type DateOrder uint8

// The date orders WhatsApp uses. DateOrderAuto asks the parser to decide from
// the file.
const (
	DateOrderAuto DateOrder = iota
	DayMonthYear
	MonthDayYear
	YearMonthDay
)

var dateOrderNames = [...]string{
	DateOrderAuto: "auto",
	DayMonthYear:  "DMY",
	MonthDayYear:  "MDY",
	YearMonthDay:  "YMD",
}

// String returns "DMY", "MDY", "YMD" or "auto".
func (o DateOrder) String() string {
	if int(o) < len(dateOrderNames) {
		return dateOrderNames[o]
	}
	return fmt.Sprintf("DateOrder(%d)", uint8(o))
}

// ParseDateOrder reads "auto", "dmy", "mdy" or "ymd" in any case, with or
// without separators ("d/m/y", "m-d-y").
func ParseDateOrder(s string) (DateOrder, error) {
	compact := strings.NewReplacer("/", "", ".", "", "-", "", " ", "").Replace(s)
	for o, name := range dateOrderNames {
		if strings.EqualFold(compact, name) {
			return DateOrder(o), nil
		}
	}
	return 0, fmt.Errorf("unknown date order %q (want auto, dmy, mdy or ymd)", s)
}

// Options tune one parse. The zero value detects everything and uses the
// default limits.
type Options struct {
	// Format skips detection when set.
	Format Format

	// DateOrder overrides the WhatsApp date-order decision.
	DateOrder DateOrder

	// Location is the time zone the export's wall-clock times were written
	// in. With it, WhatsApp messages get an instant (core.Message.At); without
	// it only formats that carry instants have one.
	Location *time.Location

	// Chat picks one chat of a Telegram full-account export, by name or id
	// (the first of that name). Single-chat exports ignore it.
	Chat string

	// Limits bound memory and work; zero fields take their defaults.
	Limits Limits
}

// Limits bound what one parse may hold in memory, so that no input, however
// large or hostile, makes the process run out of it.
type Limits struct {
	// MaxLineBytes caps one line of a WhatsApp export; longer lines are
	// truncated and counted (default 256 KiB, enough for WhatsApp's own
	// 65,536-character message limit).
	MaxLineBytes int
	// MaxMessageBytes caps one message's text; the rest is dropped and
	// counted (default 1 MiB).
	MaxMessageBytes int
	// MaxDateOrderLookahead is how much of a WhatsApp export is read ahead
	// to decide its date order when the first lines do not settle it
	// (default 4 MiB).
	MaxDateOrderLookahead int
	// MaxJSONTokenBytes caps one JSON string or number (default 4 MiB).
	MaxJSONTokenBytes int
	// MaxJSONDepth caps JSON nesting (default 64).
	MaxJSONDepth int
	// MaxZipEntries caps the entries of a zip export (default 100,000).
	MaxZipEntries int
	// MaxZipChatBytes caps the uncompressed chat text of a zip export
	// (default 2 GiB); past it the parse fails with ErrZipTooLarge.
	MaxZipChatBytes int64
	// MaxParticipants caps the participant names kept for the report
	// (default 10,000).
	MaxParticipants int
}

// withDefaults fills the zero fields of l with the documented defaults.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxLineBytes, 256<<10)
	def(&l.MaxMessageBytes, 1<<20)
	def(&l.MaxDateOrderLookahead, 4<<20)
	def(&l.MaxJSONTokenBytes, 4<<20)
	def(&l.MaxJSONDepth, 64)
	def(&l.MaxZipEntries, 100_000)
	def(&l.MaxParticipants, 10_000)
	if l.MaxZipChatBytes <= 0 {
		l.MaxZipChatBytes = 2 << 30
	}
	return l
}
