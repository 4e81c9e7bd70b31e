package core

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/bidirule"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

//go:generate go run ../internal/tools/confusables -in ../internal/tools/confusables/confusables.txt -out confusables_table.go

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
	Email       string // as ParseEmail returns it: trimmed, NFC, domain in lower case
	DisplayName string
	Role        Role
	CreatedAt   time.Time
	DeletedAt   time.Time // zero while live
}

// EmailKey is the form of an email that uniqueness is decided on (see the
// function EmailKey). Storage keeps it beside Email and indexes it.
func (u User) EmailKey() string { return EmailKey(u.Email) }

// IsAdmin reports whether the user holds the admin role.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// EmailKey is the form of an email that uniqueness among live users is
// decided on; storage indexes it (unique among live users), so two emails
// with one key cannot both be live, on every adapter.
//
// An ASCII address's key is the address in lower case, as it always was:
// keys of existing ASCII rows never change, and ASCII addresses are never
// confused with each other ("rn" and "m", "l" and "1" stay apart).
//
// A non-ASCII address's key is its look-alike reading: the address in lower
// case, decomposed (NFD), each character replaced by its Unicode TS #39
// prototype read back as the ASCII character with the same prototype where
// there is one (Cyrillic "а" reads "a", Greek "ο" reads "o", U+217F "ⅿ"
// reads "m", "1" reads "l"), a compatibility form that the data does not
// list read as what it stands for (fullwidth "ｄ" as "d"), composed again
// (NFC). So a look-alike of a live address
// ("сосо" in Cyrillic for "coco") gets its key, and signing up with it is a
// conflict, whichever of the two came first. The reading goes character by
// character: a look-alike of a sequence ("rn" for "m") is not caught.
// Accents are not look-alikes: "josé" and "jose" differ, and an address
// without look-alike or compatibility characters keeps the key it had when
// keys were only lower case.
//
// Stored rows: storage writes the key with the row and never recomputes
// it. ASCII rows keep their keys, so no backfill applies to them. A
// non-ASCII row written before look-alike keys, whose address holds a
// look-alike or compatibility character (or was not NFC), keeps its old
// lower-case key until rewritten: it is not found by GetByEmail and its
// look-alikes are not refused. Before this reaches a database whose users
// table has such rows (SELECT count(*) FROM users WHERE email ~ '[^ -~]'
// finds the candidates), their email_key must be recomputed with EmailKey.
func EmailKey(email string) string {
	if ascii(email) {
		return strings.ToLower(email)
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(email)) {
		if reading, ok := lookalike(r); ok {
			b.WriteString(reading)
			continue
		}
		// A compatibility form the data does not list reads as what it
		// stands for; the data comes first (lunate sigma "ϲ" looks like c,
		// not like the final sigma it stands for).
		for _, r := range strings.ToLower(norm.NFKD.String(string(r))) {
			if reading, ok := lookalike(r); ok {
				b.WriteString(reading)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return norm.NFC.String(b.String())
}

// ParseEmail trims, normalises and validates an email address. It accepts
// a bare address only ("a@b.example"), not a display-name form, and returns
// it in Unicode NFC with its domain in lower case (the local part keeps its
// case: it is what the person typed).
//
// It refuses what could make one address display as another: control,
// text-direction (bidi), invisible (default-ignorable, format, space) and
// unassigned or private-use characters; a local part or domain label that
// mixes scripts (UTS #39 "highly restrictive": one script, or Latin with
// Han and Japanese kana, Bopomofo or Hangul); and right-to-left text that
// breaks the Bidi Rule of RFC 5893 in any part.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", Invalid("email", "is required")
	case !utf8.ValidString(s):
		return "", Invalid("email", "is not valid UTF-8")
	case unsafeText(s):
		return "", Invalid("email", "contains control or text-direction characters")
	case strings.IndexFunc(s, invisible) >= 0:
		return "", Invalid("email", "contains invisible characters")
	case strings.IndexFunc(s, unassigned) >= 0:
		return "", Invalid("email", "contains unassigned or private-use characters")
	}
	s = norm.NFC.String(s)
	if len(s) > MaxEmailLength {
		return "", Invalid("email", "is longer than 254 bytes")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", Invalid("email", "is not a valid address like name@example.com")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], norm.NFC.String(strings.ToLower(s[at+1:]))
	if !strings.Contains(domain, ".") {
		return "", Invalid("email", "needs a domain with a dot, like example.com")
	}
	s = local + "@" + domain
	if ascii(s) {
		return s, nil
	}
	if len(s) > MaxEmailLength {
		return "", Invalid("email", "is longer than 254 bytes")
	}
	parts := append([]string{local}, strings.Split(domain, ".")...)
	for _, part := range parts {
		if mixedScripts(part) {
			return "", Invalid("email", "mixes scripts (like Latin and Cyrillic letters) in one part")
		}
	}
	if rightToLeft(s) {
		for _, part := range parts {
			if !bidirule.ValidString(part) {
				return "", Invalid("email", "has right-to-left text that could display in a misleading order")
			}
		}
	}
	return s, nil
}

// ParseDisplayName trims and validates a display name: 1 to 100 runes of
// valid UTF-8 without control characters.
func ParseDisplayName(s string) (string, error) {
	return parseLabel("display_name", s, MaxDisplayNameLength)
}

// ParseKeyName validates the label a user gives an API key. Blank (empty
// or only spaces) is allowed and means no name.
func ParseKeyName(s string) (string, error) {
	if strings.TrimSpace(s) == "" && !unsafeText(s) {
		return "", nil
	}
	return parseLabel("name", s, MaxKeyNameLength)
}

// parseLabel refuses a control or text-direction character wherever it
// is, even at an end that trimming would remove ("Ada\t"): the API's
// schema states the rule as a pattern over the text as sent, and the two
// say the same (adapters/http/text.go checks it character by character).
func parseLabel(field, s string, max int) (string, error) {
	if unsafeText(s) {
		return "", Invalid(field, "contains control or text-direction characters")
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", Invalid(field, "is required")
	case !utf8.ValidString(s):
		return "", Invalid(field, "is not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		return "", Invalid(field, "is too long")
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

// ascii reports whether s is plain ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// invisible reports whether r shows nothing, or nothing but space: the
// default-ignorable code points (format characters such as U+200B ZERO
// WIDTH SPACE, U+200D ZERO WIDTH JOINER, U+00AD SOFT HYPHEN, variation
// selectors, Hangul fillers), white space beyond ASCII's (whose space
// net/mail refuses) and U+2800 BRAILLE PATTERN BLANK. Joiners are refused
// too: an address needs none.
func invisible(r rune) bool {
	return r >= utf8.RuneSelf && (unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point,
		unicode.Variation_Selector, unicode.White_Space) || r == '\u2800')
}

// unassigned reports whether r is not a visible character of this Unicode
// version (unassigned, private use, surrogate, line or paragraph
// separator): nobody can tell how it displays.
func unassigned(r rune) bool { return !unicode.IsGraphic(r) }

// lookalike returns what r reads as, if not itself (see EmailKey and the
// generated confusables_table.go).
func lookalike(r rune) (string, bool) {
	lo, hi := 0, len(lookalikeRunes)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch {
		case lookalikeRunes[mid] < r:
			lo = mid + 1
		case lookalikeRunes[mid] > r:
			hi = mid
		default:
			return lookalikeReadings[mid], true
		}
	}
	return "", false
}

// scriptNames are the names of unicode.Scripts, in a fixed order.
var scriptNames = func() []string {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}()

// script is the Unicode script of r ("Latin", "Cyrillic", …), or "" for
// characters every script uses (Common, Inherited: digits, punctuation,
// combining marks).
func script(r rune) string {
	switch {
	case r < utf8.RuneSelf:
		if 'a' <= r|0x20 && r|0x20 <= 'z' {
			return "Latin"
		}
		return ""
	}
	for _, name := range scriptNames {
		if unicode.Is(unicode.Scripts[name], r) {
			if name == "Common" || name == "Inherited" {
				return ""
			}
			return name
		}
	}
	return ""
}

// scriptSets are the mixes of scripts that UTS #39's "highly restrictive"
// level allows in one string, as people write them: Japanese, Chinese with
// Bopomofo, Korean, each also with Latin. Any one script alone is allowed too.
var scriptSets = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// mixedScripts reports whether s mixes scripts beyond what scriptSets
// allow: "pаypal" with a Cyrillic "а" does, "東京tokyo" does not.
func mixedScripts(s string) bool {
	var seen []string
	for _, r := range s {
		if sc := script(r); sc != "" && !slices.Contains(seen, sc) {
			seen = append(seen, sc)
		}
	}
	if len(seen) < 2 {
		return false
	}
	for _, set := range scriptSets {
		if !slices.ContainsFunc(seen, func(sc string) bool { return !slices.Contains(set, sc) }) {
			return false
		}
	}
	return true
}

// rightToLeft reports whether s holds a right-to-left character (bidi
// class R, AL or AN), which makes the RFC 5893 Bidi Rule apply.
func rightToLeft(s string) bool {
	for _, r := range s {
		if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL || p.Class() == bidi.AN {
			return true
		}
	}
	return false
}
