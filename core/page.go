package core

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
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
	return PageKey{Time: time.UnixMicro(us).UTC(), ID: id}, true, nil
}

// Page is one page of a listing; Next is empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}
