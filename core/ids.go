package core

// ParseID returns the canonical form of an id a client sent: a UUID in its
// hyphenated text form, in any letter case, comes back in lower case, the
// one form storage keeps and compares. Anything else (braces, no hyphens,
// a URN, not a UUID at all) is not an id this service issued: ok is false,
// and the caller answers "not found" without asking storage.
//
// Storage adapters take canonical ids only: a non-canonical one names
// nothing on every adapter, so the conformance suite can require the same
// answer from each (PostgreSQL's uuid type would otherwise accept forms the
// memory adapter's string keys do not).
func ParseID(s string) (id string, ok bool) {
	if len(s) != 36 {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			b[i] = c + ('a' - 'A')
		default:
			return "", false
		}
	}
	return string(b), true
}

// CanonicalID reports whether s is already an id in the form storage keeps.
func CanonicalID(s string) bool {
	id, ok := ParseID(s)
	return ok && id == s
}
