package core

import (
	"errors"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	k := PageKey{Time: time.Date(2026, 11, 25, 10, 0, 0, 123456000, time.UTC), ID: "0193-abc"}
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
