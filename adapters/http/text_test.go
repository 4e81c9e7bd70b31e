package httpapi

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

// TestTextPatternsMatchTheCore: each text pattern of the document accepts
// exactly what the core's check accepts, character by character: display
// names, key names and references. (The email pattern only accepts what the
// core accepts, and refuses more only where its description says so:
// TestEmailPattern.)
func TestTextPatternsMatchTheCore(t *testing.T) {
	label := regexp.MustCompile(labelPattern.goRE)
	keyName := regexp.MustCompile(keyNamePattern.goRE)
	reference := regexp.MustCompile(referencePattern.goRE)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // not in a Go string (the JSON decoder replaces them)
		}
		if r > 0xFFFF && r%97 != 0 {
			continue // outside the BMP every character is alike to both; sample them
		}
		c := string(r)
		for _, s := range []string{c, "a" + c, c + "a", "a" + c + "b"} {
			_, refErr := core.ParseReference(s)
			if got, want := reference.MatchString(s), refErr == nil; got != want {
				t.Errorf("reference %+q: pattern %v, core %v", s, got, want)
			}
			_, nameErr := core.ParseDisplayName(s)
			if got, want := label.MatchString(s), nameErr == nil; got != want {
				t.Errorf("display name %+q: pattern %v, core %v", s, got, want)
			}
			_, keyErr := core.ParseKeyName(s)
			if got, want := keyName.MatchString(s), keyErr == nil; got != want {
				t.Errorf("key name %+q: pattern %v, core %v", s, got, want)
			}
		}
	}
}

// TestEmailPattern: every address the pattern accepts, the core accepts;
// an address the core accepts and the pattern refuses has a space at an
// end, a space or invisible character inside, or an [IP] domain, as the
// schema's description says. Random strings over an alphabet that hits
// every part of the grammar, with a fixed seed.
func TestEmailPattern(t *testing.T) {
	email := regexp.MustCompile(emailPattern.goRE)
	alphabet := []string{"a", "b", "Z", "0", "9", ".", ".", "@", "@", "-", "_", "+", "!", "~", "'", "é", "😀",
		" ", "\t", "\"", "(", ")", ",", ":", ";", "<", ">", "[", "]", "\\", "\u00a0", "\u200e", "\u200b", "\u00ad", "\x00", "\x7f"}
	rng := rand.New(rand.NewPCG(8, 2))
	accepted := 0
	letters := []string{"a", "b", "Z", "0", "-", "_", "é", "😀"}
	atoms := func(n int) string {
		var parts []string
		for range n {
			var b strings.Builder
			for range 1 + rng.IntN(3) {
				b.WriteString(letters[rng.IntN(len(letters))])
			}
			parts = append(parts, b.String())
		}
		return strings.Join(parts, ".")
	}
	for range 200_000 {
		// A well-formed address, then up to two edits with any character.
		s := atoms(1+rng.IntN(2)) + "@" + atoms(1+rng.IntN(3))
		for range rng.IntN(3) {
			runes := []rune(s)
			i, c := rng.IntN(len(runes)+1), alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(2) == 0 && i < len(runes) {
				s = string(runes[:i]) + c + string(runes[i+1:])
			} else {
				s = string(runes[:i]) + c + string(runes[i:])
			}
		}
		_, err := core.ParseEmail(s)
		matched := email.MatchString(s)
		switch {
		case matched && err != nil:
			t.Errorf("%+q: the pattern accepts it, the core says %v", s, err)
		case !matched && err == nil:
			accepted++
			if strings.TrimSpace(s) == s && !strings.ContainsFunc(s, func(r rune) bool { return space.has(r) || invisible.has(r) }) && !strings.Contains(s, "[") {
				t.Errorf("%+q: the core accepts it, the pattern refuses it for no stated reason", s)
			}
		case matched:
			accepted++
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d of the generated addresses are valid: the test proves little", accepted)
	}
	for _, s := range []string{"ada@example.com", "a.b+c@sub.example.co", "名前@例え.jp", "o'neil@example.ie"} {
		if !email.MatchString(s) {
			t.Errorf("%q is refused", s)
		}
	}
	for _, s := range []string{"ada@localhost", "ada@[192.0.2.1]", `"ada"@example.com`, "Ada <ada@example.com>", "a..b@example.com", ".a@example.com", "ada@example.com.", " ada@example.com"} {
		if email.MatchString(s) {
			t.Errorf("%q is accepted", s)
		}
	}
}

// TestPatternSpellings: the ECMA-262 spelling of each pattern is its Go
// spelling with \x{XXXX} written \uXXXX (the rewrite kin-openapi does).
func TestPatternSpellings(t *testing.T) {
	rewrite := regexp.MustCompile(`\\u([0-9A-F]{4})`)
	for _, p := range textPatterns {
		if got := rewrite.ReplaceAllString(p.ecma, `\x{$1}`); got != p.goRE {
			t.Errorf("%s:\necma %s\ngo   %s", p.says, p.ecma, p.goRE)
		}
		if strings.Contains(p.ecma, `\x{`) {
			t.Errorf("ECMA-262 spelling with a Go escape: %s", p.ecma)
		}
	}
}

// TestIDAndCursorPatterns: the id pattern accepts what core.ParseID does,
// and the schema's inputs use these patterns.
func TestIDAndCursorPatterns(t *testing.T) {
	uuid := regexp.MustCompile(uuidPattern)
	for _, s := range []string{"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e", "0190F5A2-7C1E-7B3A-9D4E-2F6A8B0C1D2E",
		"{0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e}", "0190f5a27c1e7b3a9d4e2f6a8b0c1d2e", "urn:uuid:0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e",
		"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2g", "", "x"} {
		_, ok := core.ParseID(s)
		if got := uuid.MatchString(s); got != ok {
			t.Errorf("%q: pattern %v, core.ParseID %v", s, got, ok)
		}
	}
	oapi := OpenAPI()
	schemas := oapi.Components.Schemas.Map()
	if got := schemas["CreditChangeRequest"].Properties["user_id"].Pattern; got != uuidPattern {
		t.Errorf("user_id pattern %q", got)
	}
	for _, op := range documentOperations(oapi) {
		for _, p := range op.Parameters {
			want := map[string]string{"id": uuidPattern, "cursor": cursorPattern}[p.Name]
			if want != "" && p.Schema.Pattern != want {
				t.Errorf("%s: parameter %s has pattern %q, want %q", op.OperationID, p.Name, p.Schema.Pattern, want)
			}
		}
	}
	if !regexp.MustCompile(cursorPattern).MatchString(core.EncodeCursor(core.PageKey{Time: exampleTime, ID: exampleGrant.ID})) {
		t.Error("a cursor the service makes breaks the cursor pattern")
	}
}
