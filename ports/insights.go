package ports

import (
	"context"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Catalog stores the insight categories and types on sale.
type Catalog interface {
	// Categories returns every category by Position, then slug.
	Categories(ctx context.Context) ([]core.InsightCategory, error)
	// Category returns one category or core.ErrNotFound.
	Category(ctx context.Context, slug core.CategorySlug) (core.InsightCategory, error)
	// PutCategory stores c (all fields as given) if its Version is one
	// more than the stored category's, or 1 when there is none, and
	// reports whether it created the category; otherwise (another edit
	// came first) it writes nothing and returns core.ErrConflict. The
	// check and the write are one statement, so of two edits of one
	// version exactly one lands.
	PutCategory(ctx context.Context, c core.InsightCategory) (created bool, err error)
	// Types returns every type, inactive ones included, by category, then
	// cost, then slug.
	Types(ctx context.Context) ([]core.InsightType, error)
	// Type returns one type, active or not, or core.ErrNotFound.
	Type(ctx context.Context, slug core.InsightTypeSlug) (core.InsightType, error)
	// PutType stores a type as PutCategory stores a category; a category
	// that does not exist is core.ErrNotFound.
	PutType(ctx context.Context, t core.InsightType) (created bool, err error)
}

// Insights stores insights. They hang from their chat: callers check the
// chat (ports.Chats.Get or Lock) first, and reads return an insight
// whatever its chat's state; a deleted chat's insights are hidden through
// it and come back with it.
type Insights interface {
	// Start makes the insight of (in.ChatID, in.Type) a new pending
	// generation, race-safely (INSERT … ON CONFLICT DO UPDATE): when none
	// exists it stores in as given (Generation 1); when one exists it keeps
	// that row's ID, UserID and CreatedAt, adds one to its Generation and
	// takes Status, Cost, JobID, Attempts, ErrorClass, Result, UpdatedAt and
	// CompletedAt from in. It returns the row as stored. Concurrent Starts
	// of one pair never make two rows and never fail on a duplicate key.
	Start(ctx context.Context, in core.Insight) (core.Insight, error)
	// Get returns an insight by id, or core.ErrNotFound.
	Get(ctx context.Context, id core.InsightID) (core.Insight, error)
	// ByChatType returns the insight of (chat, type), or core.ErrNotFound.
	ByChatType(ctx context.Context, chat core.ChatID, typ core.InsightTypeSlug) (core.Insight, error)
	// Lock loads an insight for change, taking its row lock first under
	// the unit's lock policy; core.ErrNotFound when there is none.
	Lock(ctx context.Context, id core.InsightID) (core.Insight, error)
	// Update writes a locked insight's changing fields: Status, Cost,
	// JobID, Attempts, ErrorClass, Result, UpdatedAt and CompletedAt (never
	// its id, user, chat, type, generation or creation time).
	Update(ctx context.Context, in core.Insight) error
	// List returns a chat's insights oldest first (CreatedAt, then id),
	// strictly after the key when one is given, at most limit.
	List(ctx context.Context, chat core.ChatID, after *core.PageKey, limit int) ([]core.Insight, error)
	// Pending returns up to limit pending insights, of any chat live or
	// deleted, last updated before the given time, oldest first: the
	// reconciler's and a chat deletion's work list.
	Pending(ctx context.Context, updatedBefore time.Time, limit int) ([]core.Insight, error)
	// PendingOfChat returns a chat's pending insights.
	PendingOfChat(ctx context.Context, chat core.ChatID) ([]core.Insight, error)
}

// Idempotency stores clients' idempotency keys.
type Idempotency interface {
	// Find returns the user's record of key that is live at now (ExpiresAt
	// after now), or core.ErrNotFound.
	Find(ctx context.Context, user core.UserID, key string, now time.Time) (core.IdempotencyRecord, error)
	// Claim stores rec unless the user holds a record of its key live at
	// now; either way it returns the record that holds the key, and
	// created true only to the caller that stored it (INSERT … ON CONFLICT
	// DO NOTHING, then read). N concurrent Claims of one key store one
	// record and exactly one caller learns created = true. An expired
	// record is replaced.
	Claim(ctx context.Context, rec core.IdempotencyRecord, now time.Time) (stored core.IdempotencyRecord, created bool, err error)
	// Expire deletes up to limit records expired at now and returns how
	// many it deleted.
	Expire(ctx context.Context, now time.Time, limit int) (int, error)
}
