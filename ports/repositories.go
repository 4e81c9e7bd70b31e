package ports

import (
	"context"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Users stores users. Every method sees live users only.
type Users interface {
	// Create stores a new user; an email already held by a live user
	// (compared by core.EmailKey) is core.ErrConflict.
	Create(ctx context.Context, u core.User) error
	// Get returns a live user or core.ErrNotFound.
	Get(ctx context.Context, id core.UserID) (core.User, error)
	// GetByEmail finds a live user by email, case-insensitively.
	GetByEmail(ctx context.Context, email string) (core.User, error)
	// Delete soft-deletes a live user at the given time and, with the same
	// timestamp, everything the user owns (API keys; later modules extend
	// the cascade). core.ErrNotFound when there is no live user.
	Delete(ctx context.Context, id core.UserID, at time.Time) error
	// Restore brings back a deleted user and exactly the group deleted with
	// it. core.ErrConflict when a live user took the email meanwhile,
	// core.ErrNotFound when no deleted user has that id.
	Restore(ctx context.Context, id core.UserID) error
}

// APIKeys stores API keys by hash.
type APIKeys interface {
	Create(ctx context.Context, k core.APIKey) error
	// Authenticate returns the active key with that hash and its live
	// owner, or core.ErrNotFound.
	Authenticate(ctx context.Context, hash core.KeyHash) (core.APIKey, core.User, error)
	// List returns a page of a user's keys that are not deleted (revoked
	// ones included), oldest first, strictly after the key when one is
	// given, at most limit.
	List(ctx context.Context, user core.UserID, after *core.PageKey, limit int) ([]core.APIKey, error)
	// CountActive counts a user's keys that are neither revoked nor deleted.
	CountActive(ctx context.Context, user core.UserID) (int, error)
	// Revoke marks a user's key revoked; core.ErrNotFound when the user has
	// no such key. Revoking a revoked key changes nothing.
	Revoke(ctx context.Context, user core.UserID, id core.KeyID, at time.Time) error
}

// Credits stores balances and their append-only ledger.
type Credits interface {
	// CreateAccount opens an empty account; an existing one is left alone.
	CreateAccount(ctx context.Context, user core.UserID, at time.Time) error
	// Lock loads an account for change, taking its row lock first under the
	// unit's lock policy. core.ErrNotFound when there is no account.
	Lock(ctx context.Context, user core.UserID) (core.CreditAccount, error)
	// Get reads an account without locking it.
	Get(ctx context.Context, user core.UserID) (core.CreditAccount, error)
	// SetBalance writes a locked account's new balance.
	SetBalance(ctx context.Context, user core.UserID, balance int64, at time.Time) error
	// Append writes a ledger entry unless the account already has one with
	// that reference (then it writes nothing and returns false).
	Append(ctx context.Context, e core.LedgerEntry) (bool, error)
	// EntryByReference returns the account's entry with that reference.
	EntryByReference(ctx context.Context, user core.UserID, reference string) (core.LedgerEntry, error)
	// Ledger lists entries newest first, strictly before the key when one is
	// given, at most limit.
	Ledger(ctx context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.LedgerEntry, error)
}

// Clock tells the time. Implementations return UTC truncated to
// microseconds, the precision PostgreSQL keeps.
type Clock interface {
	Now() time.Time
}

// IDs makes new unique identifiers.
type IDs interface {
	NewID() string
}
