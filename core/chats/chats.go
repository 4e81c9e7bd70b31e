// Package chats holds the chat use cases: upload and import an export,
// list, read, rename, delete and restore chats, page and search their
// messages, read their statistics, and purge deleted chats for good.
package chats

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chatstats"
	"github.com/chatlens/chatlens/ports"
)

// errTODO marks the use cases while they are being written.
var errTODO = errors.New("chats: not written yet")

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
}

// Service runs the chat use cases.
type Service struct {
	uow   ports.UnitOfWork
	clock ports.Clock
	ids   ports.IDs
	cfg   Config
}

// NewService returns a chats service.
func NewService(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, cfg Config) *Service {
	return &Service{uow: uow, clock: clock, ids: ids, cfg: cfg}
}

// Upload is an uploaded file spooled to disk, hashed and sized, ready to be
// imported (and re-read, should the import's unit be retried). Close
// removes the file; call it always.
type Upload struct {
	SHA256 string
	Bytes  int64
}

// Close removes the spooled file.
func (u *Upload) Close() error { return errTODO }

// Spool copies r to a temporary file while hashing it. More than
// MaxUploadBytes is ErrTooLarge; an error reading r is returned as is
// (wrapped), and nothing is left on disk.
func (s *Service) Spool(ctx context.Context, r io.Reader) (*Upload, error) { return nil, errTODO }

// ImportOptions are what an uploader may choose.
type ImportOptions struct {
	Title        string // default: the chat's name in the export, else the format and dates
	DateOrder    string // "dmy", "mdy" or "ymd" (chatparse.ParseDateOrder); empty decides
	TimeZone     string // IANA name; empty: none
	TelegramChat string // a chat of a Telegram full-account export, by name or id
}

// Import stores the upload as a chat of user: parsed, with its messages and
// statistics, in one unit of work, invisible until it commits. When the user
// already has a live chat of the same file, that chat is returned with
// created false and nothing is imported. Errors: a validation error
// (core.ErrInvalid) for bad options; *ImportError (matching core.ErrInvalid)
// when the file is not an export or holds no message; ErrTooLarge for a zip
// whose chat is too large to unpack; ErrUploadLimit when the user's uploads
// per hour or stored bytes would go over their limits.
func (s *Service) Import(ctx context.Context, user core.UserID, up *Upload, opts ImportOptions) (c Details, created bool, err error) {
	return Details{}, false, errTODO
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

// List returns a page of the user's chats, newest first.
func (s *Service) List(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.Chat], error) {
	return core.Page[core.Chat]{}, errTODO
}

// Get returns one of the user's live chats. An id that is not an id, or
// names no live chat of the user, is core.ErrNotFound.
func (s *Service) Get(ctx context.Context, user core.UserID, id string) (Details, error) {
	return Details{}, errTODO
}

// ErrVersionMismatch is a change whose If-Match named another version of
// the chat than the stored one.
var ErrVersionMismatch = errors.New("the chat changed since it was read")

// Rename sets a chat's title when its version is still ifVersion
// (ErrVersionMismatch otherwise) and returns the renamed chat.
func (s *Service) Rename(ctx context.Context, user core.UserID, id string, title string, ifVersion int64) (Details, error) {
	return Details{}, errTODO
}

// Delete soft-deletes a chat with everything that hangs from it.
func (s *Service) Delete(ctx context.Context, user core.UserID, id string) error { return errTODO }

// Restore brings back a deleted chat (within the retention period) with
// exactly what was deleted with it. core.ErrConflict when the same file
// was uploaded again meanwhile.
func (s *Service) Restore(ctx context.Context, user core.UserID, id string) (Details, error) {
	return Details{}, errTODO
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

// Messages returns a page of a chat's messages in chat order.
func (s *Service) Messages(ctx context.Context, user core.UserID, id string, q MessageQuery) (core.Page[Hit], error) {
	return core.Page[Hit]{}, errTODO
}

// Statistics returns a chat with the statistics its import computed.
func (s *Service) Statistics(ctx context.Context, user core.UserID, id string) (Details, chatstats.Result, error) {
	return Details{}, chatstats.Result{}, errTODO
}

// Purge removes for good the chats deleted more than Retention ago, a
// bounded batch of messages per unit, and returns how many chats it
// removed.
func (s *Service) Purge(ctx context.Context) (int, error) { return 0, errTODO }
