// Package chats holds the chat use cases: upload and import an export,
// list, read, rename, delete and restore chats, page and search their
// messages, read their statistics, and purge deleted chats for good.
//
// An upload is first spooled (Spool): copied to a file of its own in
// Config.SpoolDir while it is hashed (SHA-256) and counted, refused past
// Config.MaxUploadBytes, removed on every error and by Upload.Close. Import
// then checks the options (before any storage), names the format from the
// file's first bytes (a file that is no export stores nothing), returns the
// user's live chat of the same file when there is one, and otherwise runs
// one unit of work at READ COMMITTED with Config.ImportTimeout: the per-user
// limits, the chat's row, its messages inserted while the parser streams
// them from the spooled file and the statistics are computed, and the
// chat's counts, report and statistics. The unit may be replayed: each
// attempt parses the file again from its start and keeps nothing from the
// one before, so no body is ever read twice from the client. Any error
// rolls the whole import back; the chat is invisible until it commits.
//
// The report and the statistics are stored as versioned JSON documents
// (documents.go). Deleted chats stay restorable for Config.Retention; Purge
// (run periodically as a background job) then removes them, their messages a
// batch per unit.
package chats

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chatstats"
	"github.com/chatlens/chatlens/ports"
)

// Config bounds uploads and imports. Zero fields take the defaults
// (DefaultConfig).
type Config struct {
	// MaxUploadBytes caps one uploaded file (default 256 MiB).
	MaxUploadBytes int64
	// SpoolDir is where uploads are spooled while they are imported
	// (default os.TempDir()).
	SpoolDir string
	// UploadsPerHour caps a user's uploads in any hour (default 20).
	UploadsPerHour int
	// MaxStoredBytes caps the total size of a user's live chats (default
	// 1 GiB).
	MaxStoredBytes int64
	// ImportTimeout bounds one import's unit of work: its statements, lock
	// waits and idle gaps (default 30 minutes).
	ImportTimeout time.Duration
	// Retention is how long a deleted chat can be restored before a purge
	// removes it for good (default 30 days).
	Retention time.Duration
	// PurgeBatch is how many messages one purge unit deletes (default
	// 10,000): small enough that no unit holds its locks for long.
	PurgeBatch int
	// ParseLimits bound what the parser holds in memory and unpacks from a
	// zip (chatparse.Limits; zero fields take the parser's defaults, but
	// for MaxZipChatBytes, which defaults to MaxUploadBytes: a zip's chat
	// may unpack to what could have been uploaded as a .txt, and a zip
	// bomb is refused as too large once it passes that).
	ParseLimits chatparse.Limits
}

// DefaultConfig returns the defaults the zero fields of a Config take.
func DefaultConfig() Config {
	return Config{
		MaxUploadBytes: 256 << 20,
		UploadsPerHour: 20,
		MaxStoredBytes: 1 << 30,
		ImportTimeout:  30 * time.Minute,
		Retention:      30 * 24 * time.Hour,
		PurgeBatch:     10_000,
	}
}

// withDefaults fills the zero (or negative) fields of c.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = d.MaxUploadBytes
	}
	if c.UploadsPerHour <= 0 {
		c.UploadsPerHour = d.UploadsPerHour
	}
	if c.MaxStoredBytes <= 0 {
		c.MaxStoredBytes = d.MaxStoredBytes
	}
	if c.ImportTimeout <= 0 {
		c.ImportTimeout = d.ImportTimeout
	}
	if c.Retention <= 0 {
		c.Retention = d.Retention
	}
	if c.PurgeBatch <= 0 {
		c.PurgeBatch = d.PurgeBatch
	}
	if c.ParseLimits.MaxZipChatBytes <= 0 {
		c.ParseLimits.MaxZipChatBytes = c.MaxUploadBytes
	}
	return c
}

// Service runs the chat use cases.
type Service struct {
	uow   ports.UnitOfWork
	clock ports.Clock
	ids   ports.IDs
	cfg   Config
	// onDelete run inside a deletion's unit (OnDelete).
	onDelete []DeleteHook
}

// DeleteHook is another module's part of deleting a chat, run inside the
// deletion's unit of work before the chat is marked deleted (the insights
// module cancels and refunds the insights not yet made). Its error rolls
// the deletion back.
type DeleteHook func(ctx context.Context, tx ports.Tx, user core.UserID, chat core.ChatID) error

// OnDelete adds a hook every deletion runs. Call it while wiring, before
// the service is used.
func (s *Service) OnDelete(h DeleteHook) { s.onDelete = append(s.onDelete, h) }

// NewService returns a chats service.
func NewService(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, cfg Config) *Service {
	return &Service{uow: uow, clock: clock, ids: ids, cfg: cfg.withDefaults()}
}

// Config returns the configuration the service runs with, defaults filled
// in.
func (s *Service) Config() Config { return s.cfg }

// ImportOptions are what an uploader may choose.
type ImportOptions struct {
	Title        string // default: the chat's name in the export, else the format and dates
	DateOrder    string // "dmy", "mdy" or "ymd" (chatparse.ParseDateOrder); empty decides
	TimeZone     string // IANA name; empty: none
	TelegramChat string // a chat of a Telegram full-account export, by name or id
}

// ErrTooLarge is an upload over the size limit, or a zip whose chat
// unpacks to more than the parser allows.
var ErrTooLarge = errors.New("upload too large")

// ErrUploadLimit is an upload that would take the user over a per-user
// limit; UploadLimitError says which.
var ErrUploadLimit = errors.New("upload limit reached")

// UploadLimitError is an upload refused by a per-user limit. It matches
// ErrUploadLimit.
type UploadLimitError struct {
	// Bytes is true when the limit is the stored bytes (then a retry after
	// deleting chats helps), false when it is uploads per hour (then
	// RetryAfter says when one becomes possible).
	Bytes      bool
	RetryAfter time.Duration
}

func (e *UploadLimitError) Error() string        { return ErrUploadLimit.Error() }
func (e *UploadLimitError) Is(target error) bool { return target == ErrUploadLimit }

// ImportError is an upload that is no chat export, or one with no
// message: the report says what the parser found.
type ImportError struct {
	Reason string // for a person: what is wrong, never the file's content
	Report chatparse.Report
}

func (e *ImportError) Error() string        { return "not an importable chat export: " + e.Reason }
func (e *ImportError) Is(target error) bool { return target == core.ErrInvalid }

// Details is a chat with its import report decoded.
type Details struct {
	Chat   core.Chat
	Report chatparse.Report
}

// details decodes a stored chat's report.
func details(c core.Chat) (Details, error) {
	r, err := decodeReport(c.Report)
	if err != nil {
		return Details{}, fmt.Errorf("chat %s: %w", c.ID, err)
	}
	return Details{Chat: c, Report: r}, nil
}

// chatID reads a chat id a client sent: anything but an id this service
// issued names nothing.
func chatID(id string) (core.ChatID, error) {
	canonical, ok := core.ParseID(id)
	if !ok {
		return "", fmt.Errorf("chat: %w", core.ErrNotFound)
	}
	return core.ChatID(canonical), nil
}

// List returns a page of the user's chats, newest first.
func (s *Service) List(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.Chat], error) {
	before, limit, err := core.PageQuery(cursor, limit)
	if err != nil {
		return core.Page[core.Chat]{}, err
	}
	var rows []core.Chat
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		rows, err = tx.Chats().List(ctx, user, before, limit+1)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return core.Page[core.Chat]{}, err
	}
	return core.NewPage(rows, limit, func(last core.Chat) string {
		return core.EncodeCursor(last.PageKey())
	}), nil
}

// Get returns one of the user's live chats. An id that is not an id, or
// names no live chat of the user, is core.ErrNotFound.
func (s *Service) Get(ctx context.Context, user core.UserID, id string) (Details, error) {
	cid, err := chatID(id)
	if err != nil {
		return Details{}, err
	}
	c, err := s.get(ctx, user, cid)
	if err != nil {
		return Details{}, err
	}
	return details(c)
}

// get reads one live chat of the user in a read-only unit.
func (s *Service) get(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error) {
	var c core.Chat
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		c, err = tx.Chats().Get(ctx, user, id)
		return err
	}, ports.ReadOnly())
	return c, err
}

// ErrVersionMismatch is a change whose If-Match named another version of
// the chat than the stored one.
var ErrVersionMismatch = errors.New("the chat changed since it was read")

// Rename sets a chat's title when its version is still ifVersion
// (ErrVersionMismatch otherwise) and returns the renamed chat.
func (s *Service) Rename(ctx context.Context, user core.UserID, id string, title string, ifVersion int64) (Details, error) {
	title, err := core.ParseChatTitle(title)
	if err != nil {
		return Details{}, err
	}
	cid, err := chatID(id)
	if err != nil {
		return Details{}, err
	}
	var c core.Chat
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		c, err = tx.Chats().Lock(ctx, user, cid)
		if err != nil {
			return err
		}
		if c.Version != ifVersion {
			return ErrVersionMismatch
		}
		c.Title = title
		c.Version++
		c.UpdatedAt = s.clock.Now()
		return tx.Chats().Update(ctx, c)
	}, ports.WithIsolation(ports.ReadCommitted))
	if err != nil {
		return Details{}, err
	}
	return details(c)
}

// Delete soft-deletes a chat with everything that hangs from it.
func (s *Service) Delete(ctx context.Context, user core.UserID, id string) error {
	cid, err := chatID(id)
	if err != nil {
		return err
	}
	return s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if len(s.onDelete) > 0 {
			// The chat's row lock first, as any change of the chat takes
			// it: the hooks then act on a chat no one else deletes.
			if _, err := tx.Chats().Lock(ctx, user, cid); err != nil {
				return err
			}
			for _, h := range s.onDelete {
				if err := h(ctx, tx, user, cid); err != nil {
					return err
				}
			}
		}
		return tx.Chats().Delete(ctx, user, cid, s.clock.Now())
	})
}

// Restore brings back a deleted chat (within the retention period) with
// exactly what was deleted with it. core.ErrConflict when the same file
// was uploaded again meanwhile.
//
// A chat deleted longer than Retention ago can still come back until a
// purge claims it (storage keeps no way to read a deleted chat's time
// first); once claimed it is core.ErrNotFound.
func (s *Service) Restore(ctx context.Context, user core.UserID, id string) (Details, error) {
	cid, err := chatID(id)
	if err != nil {
		return Details{}, err
	}
	var c core.Chat
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Chats().Restore(ctx, user, cid); err != nil {
			return err
		}
		var err error
		c, err = tx.Chats().Get(ctx, user, cid)
		return err
	})
	if err != nil {
		return Details{}, err
	}
	return details(c)
}

// StatisticsOf returns the stored statistics of one of user's live chats,
// for other modules (the insights' generators).
func (s *Service) StatisticsOf(ctx context.Context, user core.UserID, chat core.ChatID) (chatstats.Result, error) {
	_, st, err := s.Statistics(ctx, user, string(chat))
	return st, err
}

// MessageQuery selects and pages a chat's messages.
type MessageQuery struct {
	Cursor   string
	Limit    int
	From, To time.Time // zero: unbounded
	Author   string
	Q        string // full-text search; empty: none
}

// Hit is a message of a listing and, for a search, where its text matched.
type Hit struct {
	Message core.Message
	Marks   []core.Span
}

// maxAuthorFilterBytes caps the author a listing filters by: longer than
// any name the parser keeps whole.
const maxAuthorFilterBytes = 1024

// filter checks a message query and returns what storage runs: the filter,
// the key to continue after and the page size.
func (q MessageQuery) filter() (core.MessageFilter, *core.SeqKey, int, error) {
	limit, err := core.PageLimit(q.Limit)
	if err != nil {
		return core.MessageFilter{}, nil, 0, err
	}
	key, ok, err := core.DecodeSeqCursor(q.Cursor)
	if err != nil {
		return core.MessageFilter{}, nil, 0, err
	}
	var after *core.SeqKey
	if ok {
		after = &key
	}
	for _, b := range []struct {
		field string
		t     time.Time
	}{{"from", q.From}, {"to", q.To}} {
		if !b.t.IsZero() && (b.t.UTC().Year() < 1 || b.t.UTC().Year() > 9999) {
			return core.MessageFilter{}, nil, 0, core.Invalid(b.field, "is outside the years 1 to 9999")
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.From.After(q.To) {
		return core.MessageFilter{}, nil, 0, core.Invalid("from", "is after to")
	}
	if !utf8.ValidString(q.Author) || len(q.Author) > maxAuthorFilterBytes || containsNUL(q.Author) {
		return core.MessageFilter{}, nil, 0, core.Invalid("author", "is not a name a chat can hold")
	}
	f := core.MessageFilter{From: utcOrZero(q.From), To: utcOrZero(q.To), Author: q.Author}
	if q.Q != "" {
		sq, err := core.ParseSearchQuery(q.Q)
		if err != nil {
			return core.MessageFilter{}, nil, 0, err
		}
		f.Search = &sq
	}
	return f, after, limit, nil
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// Messages returns a page of a chat's messages in chat order.
func (s *Service) Messages(ctx context.Context, user core.UserID, id string, q MessageQuery) (core.Page[Hit], error) {
	cid, err := chatID(id)
	if err != nil {
		return core.Page[Hit]{}, err
	}
	filter, after, limit, err := q.filter()
	if err != nil {
		return core.Page[Hit]{}, err
	}
	var msgs []core.Message
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Chats().Get(ctx, user, cid); err != nil {
			return err
		}
		var err error
		msgs, err = tx.Messages().List(ctx, cid, filter, after, limit+1)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return core.Page[Hit]{}, err
	}
	hits := make([]Hit, len(msgs))
	for i, m := range msgs {
		hits[i] = Hit{Message: m}
		if filter.Search != nil {
			hits[i].Marks = filter.Search.Marks(m.Text)
		}
	}
	return core.NewPage(hits, limit, func(last Hit) string {
		return core.EncodeSeqCursor(core.SeqKey(last.Message.Seq))
	}), nil
}

// Statistics returns a chat with the statistics its import computed.
func (s *Service) Statistics(ctx context.Context, user core.UserID, id string) (Details, chatstats.Result, error) {
	cid, err := chatID(id)
	if err != nil {
		return Details{}, chatstats.Result{}, err
	}
	var c core.Chat
	var doc []byte
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if c, err = tx.Chats().Get(ctx, user, cid); err != nil {
			return err
		}
		doc, err = tx.Chats().Statistics(ctx, user, cid)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return Details{}, chatstats.Result{}, err
	}
	d, err := details(c)
	if err != nil {
		return Details{}, chatstats.Result{}, err
	}
	st, err := decodeStatistics(doc)
	if err != nil {
		return Details{}, chatstats.Result{}, fmt.Errorf("chat %s: %w", c.ID, err)
	}
	return d, st, nil
}
