package core

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseEmailNormalises(t *testing.T) {
	for in, want := range map[string]string{
		"  Ada@Example.COM ":        "Ada@example.com",  // the domain in lower case, the local part as typed
		"jose\u0301@EXAMPLE.com":    "josé@example.com", // NFC: e + combining acute is é
		"Émile@Exemple.FR":          "Émile@exemple.fr",
		"иван@ПРИМЕР.РФ":            "иван@пример.рф",
		"ivan@пример.рф":            "ivan@пример.рф", // each part has one script
		"用户@例子.广告":                  "用户@例子.广告",
		"東京tokyo@example.com":       "東京tokyo@example.com", // Han with Latin, as Japanese is written
		"δοκιμή@παράδειγμα.δοκιμή":  "δοκιμή@παράδειγμα.δοκιμή",
		"שלום@example.com":          "שלום@example.com",
		"\u212Aa@example.com":       "Ka@example.com", // KELVIN SIGN is K under NFC
		"a.b+c_d-1@sub.example.com": "a.b+c_d-1@sub.example.com",
	} {
		got, err := ParseEmail(in)
		if err != nil || got != want {
			t.Errorf("ParseEmail(%+q) = %+q, %v; want %+q", in, got, err, want)
		}
	}
}

// TestParseEmailRefuses: each rule refuses what it names, as a validation
// error of the field email that does not repeat the address.
func TestParseEmailRefuses(t *testing.T) {
	for _, tc := range []struct{ in, problem string }{
		{"", "is required"},
		{"ab\xff@example.com", "is not valid UTF-8"},
		{"a\x00b@example.com", "contains control or text-direction characters"},
		{"a\u202eb@example.com", "contains control or text-direction characters"}, // RIGHT-TO-LEFT OVERRIDE
		{"a\u200fb@example.com", "contains control or text-direction characters"}, // RIGHT-TO-LEFT MARK
		{"a\u2066b@example.com", "contains control or text-direction characters"}, // LEFT-TO-RIGHT ISOLATE
		{"a\u200bb@example.com", "contains invisible characters"},                 // ZERO WIDTH SPACE
		{"a\u200db@example.com", "contains invisible characters"},                 // ZERO WIDTH JOINER
		{"a\u00adb@example.com", "contains invisible characters"},                 // SOFT HYPHEN
		{"a\u2060b@example.com", "contains invisible characters"},                 // WORD JOINER
		{"a\ufeffb@example.com", "contains invisible characters"},                 // BYTE ORDER MARK
		{"a\ufe0fb@example.com", "contains invisible characters"},                 // VARIATION SELECTOR-16
		{"a\u034fb@example.com", "contains invisible characters"},                 // COMBINING GRAPHEME JOINER
		{"a\u3164b@example.com", "contains invisible characters"},                 // HANGUL FILLER
		{"a\u2800b@example.com", "contains invisible characters"},                 // BRAILLE PATTERN BLANK
		{"a\u00a0b@example.com", "contains invisible characters"},                 // NO-BREAK SPACE
		{"a\u3000b@example.com", "contains invisible characters"},                 // IDEOGRAPHIC SPACE
		{"a\U000E0041b@example.com", "contains invisible characters"},             // TAG LATIN CAPITAL LETTER A
		{"a\ue000b@example.com", "contains unassigned or private-use characters"},
		{"a\u0378b@example.com", "contains unassigned or private-use characters"},
		{"a\U000F0000b@example.com", "contains unassigned or private-use characters"},
		{"a\u2028b@example.com", "contains invisible characters"},                                // LINE SEPARATOR
		{"pаypal@example.com", "mixes scripts (like Latin and Cyrillic letters) in one part"},    // Cyrillic а
		{"admin@ехаmple.com", "mixes scripts (like Latin and Cyrillic letters) in one part"},     // Cyrillic е, х, а
		{"admin@example.cοm", "mixes scripts (like Latin and Cyrillic letters) in one part"},     // Greek ο
		{"βeta@example.com", "mixes scripts (like Latin and Cyrillic letters) in one part"},      // Greek β
		{"1שלום@example.com", "has right-to-left text that could display in a misleading order"}, // digit first
		{"user-@שלום.com", "has right-to-left text that could display in a misleading order"},
		{"private at example", "is not a valid address like name@example.com"},
		{"Ada <ada@example.com>", "is not a valid address like name@example.com"},
		{"ada@localhost", "needs a domain with a dot, like example.com"},
		{strings.Repeat("a", 250) + "@example.com", "is longer than 254 bytes"},
	} {
		_, err := ParseEmail(tc.in)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "email" || ve.Problem != tc.problem {
			t.Errorf("ParseEmail(%+q) = %v; want email %q", tc.in, err, tc.problem)
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseEmail(%+q): %v is not ErrInvalid", tc.in, err)
		}
		if local, _, _ := strings.Cut(tc.in, "@"); len(local) > 2 && strings.Contains(err.Error(), local) {
			t.Errorf("ParseEmail(%+q): %q repeats the address", tc.in, err)
		}
	}
}

// TestEmailKeyOfASCIIAddressesIsLowerCase: the key of an ASCII address is
// what it always was (rows stored before look-alike keys keep theirs), and
// ASCII addresses are never confused with each other.
func TestEmailKeyOfASCIIAddressesIsLowerCase(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		b := make([]byte, 1+rng.IntN(40))
		for i := range b {
			b[i] = byte(0x20 + rng.IntN(0x5F))
		}
		if s := string(b); EmailKey(s) != strings.ToLower(s) {
			t.Fatalf("EmailKey(%q) = %q; want %q", s, EmailKey(s), strings.ToLower(s))
		}
	}
	for _, pair := range [][2]string{
		{"rn@example.com", "m@example.com"}, {"l@example.com", "1@example.com"},
		{"o@example.com", "0@example.com"}, {"vv@example.com", "w@example.com"},
	} {
		if EmailKey(pair[0]) == EmailKey(pair[1]) {
			t.Errorf("ASCII %q and %q share a key", pair[0], pair[1])
		}
	}
}

// TestEmailKeyOfLookAlikes: a non-ASCII address that reads as another
// address (by Unicode's confusables data) has that address's key.
func TestEmailKeyOfLookAlikes(t *testing.T) {
	for lookalike, of := range map[string]string{
		"сосо@example.com":      "coco@example.com",   // Cyrillic с, о
		"ϲοϲο@example.com":      "coco@example.com",   // Greek lunate sigma, omicron
		"СОСО@EXAMPLE.COM":      "coco@example.com",   // Cyrillic capitals
		"аре@example.com":       "ape@example.com",    // Cyrillic а, р, е
		"\u217Fike@example.com": "mike@example.com",   // SMALL ROMAN NUMERAL ONE THOUSAND
		"ａｄａ@example.com":       "ada@example.com",    // fullwidth
		"ada@ехаmрlе.com":       "ada@example.com",    // a domain of look-alikes
		"ada@example.cοm":       "ada@example.com",    // one Greek omicron
		"1ӏ@пример.рф":          "li@пример.рф",       // in a non-ASCII address, 1 reads l; palochka reads i
		"с\u0301@example.com":   "ć@example.com",      // a look-alike with an accent, in either normal form
		"\u0451@example.com":    "\u00eb@example.com", // Cyrillic ё reads as Latin ë
	} {
		if got, want := EmailKey(lookalike), EmailKey(of); got != want {
			t.Errorf("EmailKey(%+q) = %+q; want %+q, the key of %+q", lookalike, got, want, of)
		}
	}
	for _, pair := range [][2]string{
		{"josé@example.com", "jose@example.com"}, // an accent is not a look-alike
		{"иван@пример.рф", "ivan@пример.рф"},
	} {
		if EmailKey(pair[0]) == EmailKey(pair[1]) {
			t.Errorf("%+q and %+q share a key", pair[0], pair[1])
		}
	}
	// A non-ASCII address without look-alike characters keeps the key it
	// had when keys were only lower case.
	for _, s := range []string{"josé@example.com", "用户@例子.广告", "Émile@exemple.fr"} {
		if EmailKey(s) != strings.ToLower(s) {
			t.Errorf("EmailKey(%+q) = %+q; want %+q", s, EmailKey(s), strings.ToLower(s))
		}
	}
	if confusablesVersion != "15.0.0" {
		t.Errorf("confusables data of Unicode %s; Go's unicode tables are 15.0.0", confusablesVersion)
	}
}
