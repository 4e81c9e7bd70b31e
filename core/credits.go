package core

import (
	"strings"
	"time"
	"unicode/utf8"
)

// EntryID identifies a ledger entry.
type EntryID string

// EntryKind says why the balance changed.
type EntryKind string

// Ledger entry kinds. Grants and purchases add credits, spends take them,
// refunds give back what a failed job spent.
const (
	KindGrant    EntryKind = "grant"
	KindPurchase EntryKind = "purchase"
	KindSpend    EntryKind = "spend"
	KindRefund   EntryKind = "refund"
)

// Valid reports whether k is a known kind.
func (k EntryKind) Valid() bool {
	switch k {
	case KindGrant, KindPurchase, KindSpend, KindRefund:
		return true
	}
	return false
}

// MaxReferenceLength bounds a ledger reference (bytes).
const MaxReferenceLength = 200

// MaxCreditAmount bounds one ledger entry, far above any real pack, so that
// sums stay well inside int64.
const MaxCreditAmount = 1_000_000_000

// CreditAccount is a user's balance. Balance always equals the sum of the
// account's ledger amounts and is never negative.
type CreditAccount struct {
	UserID    UserID
	Balance   int64
	UpdatedAt time.Time
}

// LedgerEntry is one append-only change of a balance. Reference is unique
// per account, so applying the same reference twice changes nothing.
type LedgerEntry struct {
	ID           EntryID
	UserID       UserID
	Amount       int64 // positive adds, negative takes
	BalanceAfter int64
	Kind         EntryKind
	Reference    string
	CreatedAt    time.Time
}

// PageKey is the entry's position in its ledger, which lists newest first.
func (e LedgerEntry) PageKey() PageKey { return PageKey{Time: e.CreatedAt, ID: string(e.ID)} }

// SameOperation reports whether e records the operation (amount and kind) of
// other, so a repeated reference can be told from a reference reused for a
// different operation.
func (e LedgerEntry) SameOperation(other LedgerEntry) bool {
	return e.Amount == other.Amount && e.Kind == other.Kind
}

// ParseReference validates a ledger reference: 1 to 200 bytes of UTF-8
// without control or text-direction characters or spaces at either end.
func ParseReference(s string) (string, error) {
	switch {
	case s == "":
		return "", Invalid("reference", "is required")
	case len(s) > MaxReferenceLength:
		return "", Invalid("reference", "is longer than 200 bytes")
	case !utf8.ValidString(s):
		return "", Invalid("reference", "is not valid UTF-8")
	case strings.TrimSpace(s) != s:
		return "", Invalid("reference", "has leading or trailing spaces")
	case unsafeText(s):
		return "", Invalid("reference", "contains control or text-direction characters")
	}
	return s, nil
}

// ParseAmount validates a credit amount given by a caller: a whole number
// from 1 to MaxCreditAmount.
func ParseAmount(n int64) (int64, error) {
	if n <= 0 {
		return 0, Invalid("amount", "must be a positive number of credits")
	}
	if n > MaxCreditAmount {
		return 0, Invalid("amount", "is larger than 1000000000")
	}
	return n, nil
}
