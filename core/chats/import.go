package chats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chatstats"
	"github.com/chatlens/chatlens/ports"
)

// Import stores the upload as a chat of user: parsed, with its messages and
// statistics, in one unit of work, invisible until it commits. When the user
// already has a live chat of the same file, that chat is returned with
// created false and nothing is imported. Errors: a validation error
// (core.ErrInvalid) for bad options; *ImportError (matching core.ErrInvalid)
// when the file is not an export or holds no message; ErrTooLarge for a zip
// whose chat is too large to unpack; ErrUploadLimit when the user's uploads
// per hour or stored bytes would go over their limits.
//
// The import's unit may be replayed (contention): every attempt re-reads
// the spooled file from its start and keeps nothing from the one before. A
// message the parser yields that core.Message.Validate refuses, or out of
// sequence, fails the import (an internal error, not the uploader's): the
// parser promises valid messages numbered 1, 2, 3, …, and a chat with holes
// would be worse than none.
func (s *Service) Import(ctx context.Context, user core.UserID, up *Upload, opts ImportOptions) (c Details, created bool, err error) {
	plan, err := s.plan(opts)
	if err != nil {
		return Details{}, false, err
	}
	f, err := up.open()
	if err != nil {
		return Details{}, false, err
	}
	plan.file, plan.size, plan.sha256 = f, up.Bytes, up.SHA256
	if plan.parse.Format, err = detect(f); err != nil {
		return Details{}, false, err
	}
	// A concurrent upload of the same file can commit between the read of
	// existing chats and this one's Create (then Create is a conflict, and
	// the winner is returned), and the winner can be deleted before it is
	// read (then this one imports again): a few rounds settle it.
	for range 3 {
		d, found, err := s.existing(ctx, user, up.SHA256)
		if err != nil || found {
			return d, false, err
		}
		d, err = s.importUnit(ctx, user, plan)
		if !errors.Is(err, errDuplicate) {
			return d, err == nil, err
		}
	}
	return Details{}, false, fmt.Errorf("%w: the same file is being uploaded and deleted concurrently", core.ErrConflict)
}

// errDuplicate is Create meeting a live chat of the same file.
var errDuplicate = errors.New("a live chat of the same file exists")

// existing returns the user's live chat of that file, if any.
func (s *Service) existing(ctx context.Context, user core.UserID, sha string) (Details, bool, error) {
	var c core.Chat
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		c, err = tx.Chats().ByHash(ctx, user, sha)
		return err
	}, ports.ReadOnly())
	switch {
	case errors.Is(err, core.ErrNotFound):
		return Details{}, false, nil
	case err != nil:
		return Details{}, false, err
	}
	d, err := details(c)
	return d, err == nil, err
}

// importPlan is what every attempt of one import starts from; attempts
// only read it.
type importPlan struct {
	title    string // empty: the default title
	zone     string
	location *time.Location
	parse    chatparse.Options
	file     *os.File
	size     int64
	sha256   string
}

// plan checks the uploader's options.
func (s *Service) plan(o ImportOptions) (importPlan, error) {
	p := importPlan{parse: chatparse.Options{Limits: s.cfg.ParseLimits}}
	var err error
	if o.Title != "" {
		if p.title, err = core.ParseChatTitle(o.Title); err != nil {
			return importPlan{}, err
		}
	}
	if o.DateOrder != "" {
		if p.parse.DateOrder, err = chatparse.ParseDateOrder(o.DateOrder); err != nil {
			return importPlan{}, core.Invalid("date_order", "is not one of dmy, mdy or ymd")
		}
	}
	if o.TimeZone != "" {
		if p.location, err = LoadTimeZone(o.TimeZone); err != nil {
			return importPlan{}, err
		}
		p.zone = o.TimeZone
		p.parse.Location = p.location
	}
	if o.TelegramChat != "" {
		if !utf8.ValidString(o.TelegramChat) || len(o.TelegramChat) > maxTelegramChatBytes ||
			strings.IndexFunc(o.TelegramChat, unicode.IsControl) >= 0 {
			return importPlan{}, core.Invalid("telegram_chat", "is not a chat name or id")
		}
		p.parse.Chat = o.TelegramChat
	}
	return p, nil
}

// maxTelegramChatBytes caps the chat a Telegram full-account import asks
// for: the parser keeps names to 256 bytes.
const maxTelegramChatBytes = 256

// LoadTimeZone reads an IANA time zone name ("Europe/Berlin", "UTC"). The
// names time.LoadLocation accepts that are no zone of the IANA database
// are refused too: "Local" (the server's own zone), files of the zoneinfo
// directory that are not zones ("posixrules", "posix/…", "right/…"), and,
// on a file system that ignores case, a name in the wrong case.
func LoadTimeZone(name string) (*time.Location, error) {
	bad := core.Invalid("time_zone", "is not an IANA time zone name such as Europe/Berlin")
	if !ianaZoneName(name) {
		return nil, bad
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, bad
	}
	return loc, nil
}

// ianaZoneName checks the shape of a zone name as the IANA database writes
// them: components of ASCII letters, digits, "_", "-" and "+" that start
// with an upper-case letter, joined by "/".
func ianaZoneName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	switch name {
	case "Local", "Factory", "SECURITY":
		return false
	}
	parts := strings.Split(name, "/")
	switch parts[0] {
	case "SystemV":
		return false
	}
	for _, part := range parts {
		if part == "" || part[0] < 'A' || part[0] > 'Z' {
			return false
		}
		for i := 1; i < len(part); i++ {
			c := part[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '+') {
				return false
			}
		}
	}
	return true
}

// detectBytes is how much of the file detection reads, as chatparse does.
const detectBytes = 64 << 10

// detect names the export's format from the file's start, before any
// storage: a file that is no export is refused without a unit.
func detect(f *os.File) (chatparse.Format, error) {
	buf := make([]byte, detectBytes)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("reading the spooled upload: %w", err)
	}
	format := chatparse.Detect(buf[:n])
	if format == chatparse.FormatAuto {
		return 0, &ImportError{Reason: reasonUnknownFormat, Report: chatparse.Report{ParserVersion: chatparse.Version}}
	}
	return format, nil
}

const reasonUnknownFormat = "the file is not a WhatsApp chat export (.txt or .zip), a Telegram Desktop JSON export or a DiscordChatExporter JSON export"

// importUnit runs one import in one unit of work.
func (s *Service) importUnit(ctx context.Context, user core.UserID, p importPlan) (Details, error) {
	var out Details
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		now := s.clock.Now()
		if err := s.checkUsage(ctx, tx, user, p.size, now); err != nil {
			return err
		}
		id, ok := core.ParseID(s.ids.NewID())
		if !ok {
			return errors.New("chats: the id generator made something that is not a UUID")
		}
		empty, err := encodeReport(chatparse.Report{Format: p.parse.Format, ParserVersion: chatparse.Version})
		if err != nil {
			return err
		}
		c := core.Chat{
			ID: core.ChatID(id), User: user, Title: p.title, SHA256: p.sha256, Bytes: p.size,
			Format: chatFormat(p.parse.Format), TimeZone: p.zone, Report: empty,
			Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		if c.Title == "" {
			c.Title = formatTitle(p.parse.Format) // until the messages say more
		}
		if err := tx.Chats().Create(ctx, c); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return fmt.Errorf("%w: %w", errDuplicate, err)
			}
			return fmt.Errorf("creating the chat: %w", err)
		}
		run := &parseRun{plan: &p}
		n, err := tx.Messages().Insert(ctx, c.ID, run.messages(ctx))
		if err != nil {
			return run.failure(err)
		}
		rep := run.stream.Report()
		switch {
		case n == 0:
			return &ImportError{Reason: noMessagesReason(rep), Report: rep}
		case n != int64(rep.Messages):
			return fmt.Errorf("chats: storage wrote %d messages of the %d parsed", n, rep.Messages)
		}
		stats := run.stats.Result()
		if p.title == "" {
			c.Title = defaultTitle(rep, stats)
		}
		c.Messages = n
		if c.Report, err = encodeReport(rep); err != nil {
			return err
		}
		doc, err := encodeStatistics(stats)
		if err != nil {
			return err
		}
		if err := tx.Chats().Update(ctx, c); err != nil {
			return fmt.Errorf("storing the import's results: %w", err)
		}
		if err := tx.Chats().SetStatistics(ctx, user, c.ID, doc); err != nil {
			return fmt.Errorf("storing the chat's statistics: %w", err)
		}
		// What Get will read: the report as stored, not as parsed.
		out, err = details(c)
		return err
	}, ports.WithIsolation(ports.ReadCommitted), ports.WithTimeout(s.cfg.ImportTimeout))
	return out, err
}

// checkUsage refuses an upload that would take the user over a limit.
// Concurrent imports of one user are not serialised (no row holds a user's
// usage), so they can go over by the imports running at once.
func (s *Service) checkUsage(ctx context.Context, tx ports.Tx, user core.UserID, size int64, now time.Time) error {
	hourAgo := now.Add(-time.Hour)
	uploads, stored, err := tx.Chats().Usage(ctx, user, hourAgo)
	if err != nil {
		return fmt.Errorf("reading the user's usage: %w", err)
	}
	if stored+size > s.cfg.MaxStoredBytes {
		return &UploadLimitError{Bytes: true}
	}
	if uploads < s.cfg.UploadsPerHour {
		return nil
	}
	// When will the window hold one upload fewer? The counts only go down
	// as its start moves on, so search the hour for the first second at
	// which they drop below the limit.
	lo, hi := 0, 3600 // the count at lo is over the limit, at hi it is under (the window is then empty)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		n, _, err := tx.Chats().Usage(ctx, user, hourAgo.Add(time.Duration(mid)*time.Second))
		if err != nil {
			return fmt.Errorf("reading the user's usage: %w", err)
		}
		if n < s.cfg.UploadsPerHour {
			hi = mid
		} else {
			lo = mid
		}
	}
	return &UploadLimitError{RetryAfter: time.Duration(hi) * time.Second}
}

// parseRun is one attempt's parse of the spooled file: made afresh by each
// attempt, so a replayed unit re-reads the file from its start.
type parseRun struct {
	plan    *importPlan
	src     *fileSource
	stream  *chatparse.Stream
	stats   *chatstats.Stats
	yielded error // the error the messages ended with, if any
	bad     bool  // yielded is a message the parser should not have made
}

// messages parses the file from its start whenever it is ranged over,
// checks every message and feeds the statistics.
func (r *parseRun) messages(ctx context.Context) iter.Seq2[core.Message, error] {
	return func(yield func(core.Message, error) bool) {
		p := r.plan
		r.src = newFileSource(ctx, p.file, p.size)
		r.yielded, r.bad = nil, false
		if p.parse.Format == chatparse.FormatWhatsAppZip {
			r.stream = chatparse.ParseZip(r.src, p.size, p.parse)
		} else {
			r.stream = chatparse.Parse(r.src, p.parse)
		}
		r.stats = chatstats.New(chatstats.Options{Location: p.location})
		next := int64(1)
		for m, err := range r.stream.Messages() {
			if err == nil && m.Seq != next {
				err, r.bad = fmt.Errorf("the parser numbered message %d as %d", next, m.Seq), true
			}
			if err == nil {
				if verr := m.Validate(); verr != nil {
					err, r.bad = fmt.Errorf("the parser made a message storage cannot hold: %w", verr), true
				}
			}
			if err != nil {
				r.yielded = err
				yield(core.Message{}, err)
				return
			}
			next++
			r.stats.Add(&m)
			if !yield(m, nil) {
				return
			}
		}
	}
}

// failure turns the error an insert ended with into the import's: reading
// the spooled file failed (or ctx ended), the parser refused the file, or
// storage failed (returned as is, so that contention replays the unit).
func (r *parseRun) failure(err error) error {
	switch {
	case r.src != nil && r.src.err != nil:
		return fmt.Errorf("reading the spooled upload: %w", r.src.err)
	case r.yielded == nil || !errors.Is(err, r.yielded):
		return err
	case r.bad:
		return fmt.Errorf("chats: %w", r.yielded)
	case errors.Is(r.yielded, chatparse.ErrZipTooLarge):
		return ErrTooLarge
	}
	rep := r.stream.Report()
	var noMessages *chatparse.NoMessagesError
	if errors.As(r.yielded, &noMessages) {
		rep = noMessages.Report
	}
	return &ImportError{Reason: parseFailureReason(r.yielded, rep), Report: rep}
}

// parseFailureReason says what is wrong with a file the parser refused, in
// words of our own: a parser's error may quote the file.
func parseFailureReason(err error, rep chatparse.Report) string {
	var notFound *chatparse.ChatNotFoundError
	switch {
	case errors.Is(err, chatparse.ErrNoMessages):
		return noMessagesReason(rep)
	case errors.As(err, &notFound) && notFound.Want == "":
		return "the Telegram export holds a whole account: choose one of its chats (telegram_chat)"
	case errors.As(err, &notFound):
		return "the Telegram export holds no chat of the name or id asked for"
	case errors.Is(err, chatparse.ErrUnknownFormat):
		return reasonUnknownFormat
	case errors.Is(err, chatparse.ErrZipNoChat):
		return "the zip holds no WhatsApp chat text file (_chat.txt or a WhatsApp .txt)"
	case errors.Is(err, chatparse.ErrZipTooManyEntries):
		return "the zip holds more files than an import allows"
	case errors.Is(err, chatparse.ErrJSONLimit):
		return "the JSON export holds a value longer, or nested deeper, than an import allows"
	case rep.Format == chatparse.FormatWhatsAppZip:
		return "the zip archive is damaged or not a zip archive"
	}
	return fmt.Sprintf("the %s export could not be read: the file is damaged or not complete", formatName(rep.Format))
}

func noMessagesReason(rep chatparse.Report) string {
	switch {
	case rep.SystemMessages > 0:
		return fmt.Sprintf("the export holds no message a participant wrote (only %d system notices)", rep.SystemMessages)
	case rep.UnparsedLines > 0:
		return fmt.Sprintf("the export holds no message: %d lines were not understood", rep.UnparsedLines)
	}
	return "the export holds no message"
}

// fileSource reads the spooled file for one attempt, in order or (a zip)
// at offsets, as ctxReader reads: a failed read is the server's trouble,
// not the file's.
type fileSource struct {
	ctxReader
	section *io.SectionReader
}

func newFileSource(ctx context.Context, f *os.File, size int64) *fileSource {
	section := io.NewSectionReader(f, 0, size)
	return &fileSource{ctxReader: ctxReader{ctx: ctx, r: section}, section: section}
}

func (s *fileSource) ReadAt(p []byte, off int64) (int, error) {
	if err := s.live(); err != nil {
		return 0, err
	}
	n, err := s.section.ReadAt(p, off)
	s.note(err)
	return n, err
}

// chatFormat is a chat's Format: the platform, a zip being a WhatsApp
// export (the report keeps "whatsapp-zip").
func chatFormat(f chatparse.Format) string {
	if f == chatparse.FormatWhatsAppZip {
		return chatparse.FormatWhatsApp.String()
	}
	return f.String()
}

// formatName is a format as people write it.
func formatName(f chatparse.Format) string {
	switch f {
	case chatparse.FormatWhatsApp, chatparse.FormatWhatsAppZip:
		return "WhatsApp"
	case chatparse.FormatTelegram:
		return "Telegram"
	case chatparse.FormatDiscord:
		return "Discord"
	}
	return "chat"
}

func formatTitle(f chatparse.Format) string {
	if f == chatparse.FormatAuto {
		return "Chat"
	}
	return formatName(f) + " chat"
}

// defaultTitle names a chat its uploader did not: by the name the export
// gives it, else by its format and the dates of its first and last
// messages ("WhatsApp chat, 2021-03-04 – 2022-05-06"). Never by the
// uploaded file's name, which is not kept.
func defaultTitle(rep chatparse.Report, st chatstats.Result) string {
	if t, err := core.ParseChatTitle(cutRunes(rep.Chat, core.MaxChatTitleLength)); err == nil {
		return t
	}
	title := formatTitle(rep.Format)
	first, last := refTime(st.First), refTime(st.Last)
	if first.IsZero() { // no participant's message has a time: the file's order
		first, last = rep.First, rep.Last
	}
	if first.IsZero() {
		return title
	}
	from, to := first.Format(time.DateOnly), last.Format(time.DateOnly)
	if last.IsZero() || from == to {
		return title + ", " + from
	}
	return title + ", " + from + " – " + to
}

func refTime(r chatstats.MessageRef) time.Time {
	if !r.Local.IsZero() {
		return r.Local
	}
	return r.At.UTC()
}

// cutRunes cuts s to at most n characters.
func cutRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
