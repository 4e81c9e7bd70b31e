package ports

import (
	"context"
	"iter"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Chats stores imported chats. Every method but Restore and the purge
// methods sees live chats only, and only the given user's: another user's
// chat is core.ErrNotFound, as a missing one is.
type Chats interface {
	// Create stores a new chat. A live chat of the same user with the same
	// SHA256 is core.ErrConflict (a unique key among live chats, which a
	// concurrent upload of the same file meets too); a user never created
	// is core.ErrNotFound.
	Create(ctx context.Context, c core.Chat) error
	// Get returns the user's live chat or core.ErrNotFound.
	Get(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error)
	// ByHash returns the user's live chat of that file, or core.ErrNotFound.
	ByHash(ctx context.Context, user core.UserID, sha256 string) (core.Chat, error)
	// Lock loads the user's live chat for change, taking its row lock first
	// under the unit's lock policy; core.ErrNotFound when there is none.
	Lock(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error)
	// Update writes a chat's changed fields: title, time zone, message
	// count, report, version and UpdatedAt (never its id, user, hash, size,
	// format or creation time).
	Update(ctx context.Context, c core.Chat) error
	// SetStatistics stores the statistics document of the user's live chat
	// as given, replacing any before; core.ErrNotFound when there is no
	// such live chat.
	SetStatistics(ctx context.Context, user core.UserID, id core.ChatID, doc []byte) error
	// Statistics returns the statistics document of the user's live chat,
	// the very bytes SetStatistics stored (nil when none was), or
	// core.ErrNotFound.
	Statistics(ctx context.Context, user core.UserID, id core.ChatID) ([]byte, error)
	// List returns the user's live chats newest first (CreatedAt, then
	// id), strictly before the key when one is given, at most limit.
	List(ctx context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.Chat, error)
	// Usage counts what a user has uploaded: the chats created since the
	// given time, deleted ones included (deleting does not give back an
	// upload), and the bytes of the live chats.
	Usage(ctx context.Context, user core.UserID, since time.Time) (uploads int, bytes int64, err error)
	// Delete soft-deletes the user's live chat at the given time and, with
	// the same timestamp, what hangs from it (its messages and statistics
	// are hidden through it; later modules add insights and
	// conversations). core.ErrNotFound when there is no such live chat.
	Delete(ctx context.Context, user core.UserID, id core.ChatID, at time.Time) error
	// Restore brings back the user's deleted chat and exactly the group
	// deleted with it. core.ErrNotFound when the user has no such deleted
	// chat (or it is being purged); core.ErrConflict when a live chat of
	// the same file exists meanwhile.
	Restore(ctx context.Context, user core.UserID, id core.ChatID) error

	// ClaimPurge marks up to limit chats deleted before the given time as
	// being purged, so that they can no longer be restored, and returns
	// them together with any chat a purge already claimed (a purge cut off
	// midway is taken up again).
	ClaimPurge(ctx context.Context, deletedBefore time.Time, limit int) ([]core.ChatID, error)
	// Purge removes for good a claimed chat whose messages are gone
	// (Messages.Purge returned 0). core.ErrNotFound when no claimed chat
	// has that id.
	Purge(ctx context.Context, id core.ChatID) error
}

// Messages stores the messages of chats. Messages are reached through
// their chat: callers load the chat first, which checks who owns it and
// that it is live.
type Messages interface {
	// Insert writes a chat's messages in the order msgs yields them (their
	// Seq set by the caller, 1, 2, 3, …), in bulk, and returns how many it
	// wrote. An error msgs yields stops the insert and is returned as is.
	Insert(ctx context.Context, chat core.ChatID, msgs iter.Seq2[core.Message, error]) (int64, error)
	// List returns a chat's messages that pass filter, in chat order (by
	// Seq), strictly after the key when one is given, at most limit.
	List(ctx context.Context, chat core.ChatID, filter core.MessageFilter, after *core.SeqKey, limit int) ([]core.Message, error)
	// Purge deletes up to limit messages of a chat claimed for purging
	// (Chats.ClaimPurge) and returns how many it deleted; 0 when none are
	// left, or when the chat is not claimed (a live chat's messages are
	// never purged).
	Purge(ctx context.Context, chat core.ChatID, limit int) (int, error)
}
