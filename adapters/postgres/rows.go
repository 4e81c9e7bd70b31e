package postgres

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
)

// Row structs mirror the tables; core types stay free of tags.

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID          string    `bun:"id,pk,type:uuid"`
	Email       string    `bun:"email,notnull"`
	EmailKey    string    `bun:"email_key,notnull"`
	DisplayName string    `bun:"display_name,notnull"`
	Role        string    `bun:"role,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	DeletedAt   time.Time `bun:"deleted_at,soft_delete,nullzero"`
}

func fromUser(u core.User) *userRow {
	return &userRow{
		ID: string(u.ID), Email: u.Email, EmailKey: u.EmailKey(), DisplayName: u.DisplayName,
		Role: string(u.Role), CreatedAt: micro(u.CreatedAt), DeletedAt: micro(u.DeletedAt),
	}
}

func (r *userRow) toUser() core.User {
	return core.User{
		ID: core.UserID(r.ID), Email: r.Email, DisplayName: r.DisplayName, Role: core.Role(r.Role),
		CreatedAt: utc(r.CreatedAt), DeletedAt: utc(r.DeletedAt),
	}
}

type apiKeyRow struct {
	bun.BaseModel `bun:"table:api_keys,alias:k"`

	ID        string    `bun:"id,pk,type:uuid"`
	UserID    string    `bun:"user_id,notnull,type:uuid"`
	Name      string    `bun:"name,notnull"`
	Hint      string    `bun:"hint,notnull"`
	Hash      []byte    `bun:"hash,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	RevokedAt time.Time `bun:"revoked_at,nullzero"`
	DeletedAt time.Time `bun:"deleted_at,soft_delete,nullzero"`
}

func fromAPIKey(k core.APIKey) *apiKeyRow {
	return &apiKeyRow{
		ID: string(k.ID), UserID: string(k.UserID), Name: k.Name, Hint: k.Hint, Hash: k.Hash[:],
		CreatedAt: micro(k.CreatedAt), RevokedAt: micro(k.RevokedAt), DeletedAt: micro(k.DeletedAt),
	}
}

func (r *apiKeyRow) toAPIKey() core.APIKey {
	k := core.APIKey{
		ID: core.KeyID(r.ID), UserID: core.UserID(r.UserID), Name: r.Name, Hint: r.Hint,
		CreatedAt: utc(r.CreatedAt), RevokedAt: utc(r.RevokedAt), DeletedAt: utc(r.DeletedAt),
	}
	copy(k.Hash[:], r.Hash)
	return k
}

type accountRow struct {
	bun.BaseModel `bun:"table:credit_accounts,alias:a"`

	UserID    string    `bun:"user_id,pk,type:uuid"`
	Balance   int64     `bun:"balance,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

func (r *accountRow) toAccount() core.CreditAccount {
	return core.CreditAccount{UserID: core.UserID(r.UserID), Balance: r.Balance, UpdatedAt: utc(r.UpdatedAt)}
}

type ledgerRow struct {
	bun.BaseModel `bun:"table:credit_ledger,alias:l"`

	ID           string    `bun:"id,pk,type:uuid"`
	UserID       string    `bun:"user_id,notnull,type:uuid"`
	Amount       int64     `bun:"amount,notnull"`
	BalanceAfter int64     `bun:"balance_after,notnull"`
	Kind         string    `bun:"kind,notnull"`
	Reference    string    `bun:"reference,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
}

func fromEntry(e core.LedgerEntry) *ledgerRow {
	return &ledgerRow{
		ID: string(e.ID), UserID: string(e.UserID), Amount: e.Amount, BalanceAfter: e.BalanceAfter,
		Kind: string(e.Kind), Reference: e.Reference, CreatedAt: micro(e.CreatedAt),
	}
}

func (r *ledgerRow) toEntry() core.LedgerEntry {
	return core.LedgerEntry{
		ID: core.EntryID(r.ID), UserID: core.UserID(r.UserID), Amount: r.Amount, BalanceAfter: r.BalanceAfter,
		Kind: core.EntryKind(r.Kind), Reference: r.Reference, CreatedAt: utc(r.CreatedAt),
	}
}

// micro truncates to microseconds before a time is stored: PostgreSQL keeps
// microseconds and would round the nanoseconds bun writes, so a value read
// back (or matched on, as a restore does) would differ from the one written.
func micro(t time.Time) time.Time { return core.StorageTime(t) }

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// validUUID reports whether s is an id in the one form storage keeps
// (core.CanonicalID), so that an id nobody issued is "not found" on every
// adapter alike, without a round trip and never a database error.
func validUUID(s string) bool { return core.CanonicalID(s) }

// canonical refuses to store a row under an id in a form reads would not
// find: PostgreSQL's uuid type would quietly store its own form.
func canonical(ids ...string) error {
	for _, id := range ids {
		if !validUUID(id) {
			return core.Invalid("id", "is not in the canonical form")
		}
	}
	return nil
}
