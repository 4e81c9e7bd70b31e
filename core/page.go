package core

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Times a page key may hold: the years 1 to 9999, which every storage
// adapter can compare (PostgreSQL refuses some times Go can represent).
var (
	minKeyTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxKeyTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// Page limits shared by every listing.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// PageLimit applies the default to 0 and rejects values outside 1..200.
func PageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPageLimit, nil
	case n < 0 || n > MaxPageLimit:
		return 0, Invalid("limit", "must be between 1 and 200")
	}
	return n, nil
}

// PageKey is the position of a row in a listing ordered by (time, id). A
// listing continues strictly after (or before, newest first) its key, so a
// row added meanwhile is neither skipped nor repeated.
type PageKey struct {
	Time time.Time
	ID   string
}

// Compare orders keys by time, then by id: negative when k sorts first.
func (k PageKey) Compare(o PageKey) int {
	if c := k.Time.Compare(o.Time); c != 0 {
		return c
	}
	return strings.Compare(k.ID, o.ID)
}

// SortKey is what a listing is ordered by and continues after: PageKey
// (time, id) for ledgers, a sequence number for a chat's messages. Storage
// adapters page any listing with it the same way.
type SortKey[K any] interface {
	Compare(K) int
}

// Check reports whether k can be a position in a listing: its id is a
// canonical id (ParseID) and its time lies in the years 1 to 9999. A cursor
// decoded from input is checked here once, before storage; storage adapters
// refuse an unchecked key the same way, with a *ValidationError.
func (k PageKey) Check() error {
	if !CanonicalID(k.ID) || k.Time.Before(minKeyTime) || k.Time.After(maxKeyTime) {
		return Invalid("cursor", "is not a cursor this service issued")
	}
	return nil
}

// cursorVersion lets the encoding change without misreading old cursors.
const cursorVersion = "v1"

// EncodeCursor turns a key into the opaque cursor clients pass back.
func EncodeCursor(k PageKey) string {
	raw := cursorVersion + "." + strconv.FormatInt(k.Time.UnixMicro(), 10) + "." + k.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor reverses EncodeCursor. The empty cursor means the first page
// and returns ok = false. A cursor we did not make is a validation error.
func DecodeCursor(s string) (k PageKey, ok bool, err error) {
	if s == "" {
		return PageKey{}, false, nil
	}
	bad := Invalid("cursor", "is not a cursor this service issued")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return PageKey{}, false, bad
	}
	version, rest, _ := strings.Cut(string(raw), ".")
	micros, id, found := strings.Cut(rest, ".")
	if version != cursorVersion || !found || id == "" || len(id) > 64 {
		return PageKey{}, false, bad
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return PageKey{}, false, bad
	}
	k = PageKey{Time: time.UnixMicro(us).UTC(), ID: id}
	if err := k.Check(); err != nil {
		return PageKey{}, false, err
	}
	return k, true, nil
}

// PageQuery reads a listing's input: the cursor (empty for the first page:
// after is nil) and the limit (PageLimit's rules). Every listing checks
// them here, once, before storage.
func PageQuery(cursor string, limit int) (after *PageKey, n int, err error) {
	n, err = PageLimit(limit)
	if err != nil {
		return nil, 0, err
	}
	key, ok, err := DecodeCursor(cursor)
	if err != nil || !ok {
		return nil, n, err
	}
	return &key, n, nil
}

// Page is one page of a listing; Next is empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// NewPage makes the page of a listing from rows read with limit+1 (one
// more than the page holds, to learn whether another page follows): the
// first limit rows, and when more follow, the cursor of the last of them.
func NewPage[T any](rows []T, limit int, cursor func(last T) string) Page[T] {
	if len(rows) <= limit {
		return Page[T]{Items: rows}
	}
	rows = rows[:limit]
	return Page[T]{Items: rows, Next: cursor(rows[limit-1])}
}
