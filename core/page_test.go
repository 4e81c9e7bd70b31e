package core

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	k := PageKey{Time: time.Date(2026, 11, 25, 10, 0, 0, 123456000, time.UTC), ID: "0193a7c2-1d2e-7f00-8abc-0123456789ab"}
	got, ok, err := DecodeCursor(EncodeCursor(k))
	if err != nil || !ok || !got.Time.Equal(k.Time) || got.ID != k.ID {
		t.Fatalf("round trip = %+v, %v, %v; want %+v", got, ok, err, k)
	}
	if _, ok, err := DecodeCursor(""); ok || err != nil {
		t.Fatalf("empty cursor = %v, %v; want the first page", ok, err)
	}
	for _, bad := range []string{"%%%", "djI", "djEuYWJjLmlk", "djEuMTIz", "eDEuMTIzLmlk"} {
		if _, _, err := DecodeCursor(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeCursor(%q) = %v; want ErrInvalid", bad, err)
		}
	}
}

// TestCursorOutOfRangeIsInvalid: a cursor that decodes to a time or an id
// no storage adapter could hold is a 422, never a storage error.
func TestCursorOutOfRangeIsInvalid(t *testing.T) {
	id := "0193a7c2-1d2e-7f00-8abc-0123456789ab"
	enc := func(micros int64, id string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("v1.%d.%s", micros, id)))
	}
	for name, cursor := range map[string]string{
		"before year 1":   enc(time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC).UnixMicro(), id),
		"after year 9999": enc(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), id),
		"min int64":       enc(math.MinInt64, id),
		"max int64":       enc(math.MaxInt64, id),
		"upper-case id":   enc(0, strings.ToUpper(id)),
		"braced id":       enc(0, "{"+id[:34]+"}"),
		"not an id":       enc(0, "'; drop table users"),
	} {
		if _, _, err := DecodeCursor(cursor); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: DecodeCursor = %v; want ErrInvalid", name, err)
		}
	}
	for _, at := range []time.Time{minKeyTime, maxKeyTime, time.Unix(0, 0)} {
		if _, ok, err := DecodeCursor(EncodeCursor(PageKey{Time: at, ID: id})); !ok || err != nil {
			t.Errorf("cursor at %v = %v, %v; want it accepted", at, ok, err)
		}
	}
}

func TestParseID(t *testing.T) {
	const lower = "0193a7c2-1d2e-7f00-8abc-0123456789ab"
	for in, want := range map[string]string{
		lower:                                  lower,
		strings.ToUpper(lower):                 lower,
		"0193A7C2-1d2e-7F00-8abc-0123456789AB": lower,
	} {
		if got, ok := ParseID(in); !ok || got != want {
			t.Errorf("ParseID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{
		"", "not-an-id", "{" + lower + "}", strings.ReplaceAll(lower, "-", ""), "urn:uuid:" + lower,
		lower[:35] + "g", lower + " ", " " + lower[1:], lower[:8] + "_" + lower[9:],
	} {
		if got, ok := ParseID(bad); ok {
			t.Errorf("ParseID(%q) = %q; want it refused", bad, got)
		}
	}
	if !CanonicalID(lower) || CanonicalID(strings.ToUpper(lower)) {
		t.Error("CanonicalID accepts only the lower-case form")
	}
}

func TestPageLimit(t *testing.T) {
	for in, want := range map[int]int{0: 50, 1: 1, 200: 200} {
		if got, err := PageLimit(in); err != nil || got != want {
			t.Errorf("PageLimit(%d) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []int{-1, 201} {
		if _, err := PageLimit(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("PageLimit(%d) = %v; want ErrInvalid", bad, err)
		}
	}
}

func TestAPIKeyShape(t *testing.T) {
	k := NewAPIKeySecret()
	if !WellFormedAPIKey(k) || WellFormedAPIKey(k[1:]) || WellFormedAPIKey("cl_"+k[3:len(k)-1]+"!") {
		t.Fatalf("WellFormedAPIKey misjudges %q", k)
	}
	if NewAPIKeySecret() == k {
		t.Fatal("two secrets are equal")
	}
	if HashAPIKey(k) == HashAPIKey(k+"x") {
		t.Fatal("hash ignores the key")
	}
}

func TestUnsafeTextIsRefusedEverywhere(t *testing.T) {
	for _, bad := range []string{"a\x00b", "a\u202eb", "a\u2066b", "a\u200fb", "a\tb"} {
		if _, err := ParseReference(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseReference(%q) = %v; want ErrInvalid", bad, err)
		}
		if _, err := ParseDisplayName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDisplayName(%q) = %v; want ErrInvalid", bad, err)
		}
		if _, err := ParseKeyName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseKeyName(%q) = %v; want ErrInvalid", bad, err)
		}
		if _, err := ParseEmail("x" + bad + "@example.com"); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseEmail with %q = %v; want ErrInvalid", bad, err)
		}
	}
	for _, good := range []string{"Zoë 👨‍👩‍👧", "Ahmed أحمد", "order-42"} {
		if _, err := ParseDisplayName(good); err != nil {
			t.Errorf("ParseDisplayName(%q) = %v; want it accepted", good, err)
		}
	}
}
