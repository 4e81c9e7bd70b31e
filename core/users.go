package core

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// UserID identifies a user.
type UserID string

// Role says what a user may do beyond their own data.
type Role string

// Roles.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// Limits on user input, enforced by the core and mirrored in the API schema.
const (
	MaxEmailLength       = 254 // RFC 5321 path limit
	MaxDisplayNameLength = 100 // runes
	MaxKeyNameLength     = 100 // runes
)

// User is a person with an account. A deleted user keeps their id so the
// ledger, which is never deleted, still points somewhere.
type User struct {
	ID          UserID
	Email       string // as entered, trimmed
	DisplayName string
	Role        Role
	CreatedAt   time.Time
	DeletedAt   time.Time // zero while live
}

// EmailKey is the form of an email that uniqueness is decided on: emails
// compare case-insensitively. Storage keeps it beside Email and indexes it.
func (u User) EmailKey() string { return EmailKey(u.Email) }

// IsAdmin reports whether the user holds the admin role.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// EmailKey lower-cases an email for case-insensitive comparison.
func EmailKey(email string) string { return strings.ToLower(email) }

// ParseEmail trims and validates an email address. It accepts a bare
// address only ("a@b.example"), not a display-name form.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", Invalid("email", "is required")
	case len(s) > MaxEmailLength:
		return "", Invalid("email", "is longer than 254 bytes")
	}
	if unsafeText(s) {
		return "", Invalid("email", "contains control or text-direction characters")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", Invalid("email", "is not a valid address like name@example.com")
	}
	at := strings.LastIndexByte(s, '@')
	if !strings.Contains(s[at+1:], ".") {
		return "", Invalid("email", "needs a domain with a dot, like example.com")
	}
	return s, nil
}

// ParseDisplayName trims and validates a display name: 1 to 100 runes of
// valid UTF-8 without control characters.
func ParseDisplayName(s string) (string, error) {
	return parseLabel("display_name", s, MaxDisplayNameLength)
}

// ParseKeyName validates the label a user gives an API key. Empty is allowed.
func ParseKeyName(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return parseLabel("name", s, MaxKeyNameLength)
}

func parseLabel(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", Invalid(field, "is required")
	case !utf8.ValidString(s):
		return "", Invalid(field, "is not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		return "", Invalid(field, "is too long")
	case unsafeText(s):
		return "", Invalid(field, "contains control or text-direction characters")
	}
	return s, nil
}

// unsafeText reports whether s holds a control character (NUL above all,
// which PostgreSQL text cannot store) or a bidirectional formatting
// character, with which a name can display as something it is not.
// Joiners stay allowed: emoji sequences need them.
func unsafeText(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
	}) >= 0
}
