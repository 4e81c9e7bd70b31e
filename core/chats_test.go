package core

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"testing"
	"time"
)

func TestSeqCursorRoundTrip(t *testing.T) {
	for _, k := range []SeqKey{1, 2, 50, 1_000_000, math.MaxInt64} {
		got, ok, err := DecodeSeqCursor(EncodeSeqCursor(k))
		if err != nil || !ok || got != k {
			t.Errorf("round trip of %d = %d, %v, %v; want %d, true, nil", k, got, ok, err, k)
		}
	}
	if k, ok, err := DecodeSeqCursor(""); k != 0 || ok || err != nil {
		t.Fatalf("empty cursor = %d, %v, %v; want the first page (0, false, nil)", k, ok, err)
	}
}

// TestSeqCursorRefusesForeignCursors: a cursor this service did not make
// is a validation error naming the cursor, never a position.
func TestSeqCursorRefusesForeignCursors(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, c := range map[string]string{
		"not base64":             "!!!",
		"padded base64":          base64.URLEncoding.EncodeToString([]byte("s1.12")),
		"standard alphabet":      base64.RawStdEncoding.EncodeToString([]byte("s1.?>?")),
		"no version":             enc("12"),
		"another version":        enc("s2.12"),
		"a time cursor's":        EncodeCursor(PageKey{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ID: "0193a7c2-1d2e-7f00-8abc-0123456789ab"}),
		"empty number":           enc("s1."),
		"zero":                   enc("s1.0"),
		"negative":               enc("s1.-3"),
		"leading zero":           enc("s1.012"),
		"plus sign":              enc("s1.+12"),
		"spaces":                 enc("s1. 12"),
		"trailing text":          enc("s1.12x"),
		"two numbers":            enc("s1.12.13"),
		"beyond int64":           enc("s1." + strconv.FormatUint(math.MaxInt64+1, 10)),
		"hexadecimal":            enc("s1.0x10"),
		"underscores":            enc("s1.1_000"),
		"fraction":               enc("s1.1.5"),
		"version only":           enc("s1"),
		"upper-case version":     enc("S1.12"),
		"whitespace around":      " " + EncodeSeqCursor(12),
		"valid cursor truncated": EncodeSeqCursor(123456)[:3],
	} {
		k, ok, err := DecodeSeqCursor(c)
		var v *ValidationError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &v) || ok || k != 0 {
			t.Errorf("%s (%q) = %d, %v, %v; want a validation error and no position", name, c, k, ok, err)
			continue
		}
		if v.Field != "cursor" {
			t.Errorf("%s: the error names %q; want the cursor", name, v.Field)
		}
	}
}

// TestSeqCursorIsOpaque: the cursor is URL-safe text with no padding, and
// every position has one form.
func TestSeqCursorIsOpaque(t *testing.T) {
	c := EncodeSeqCursor(42)
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			t.Fatalf("cursor %q holds %q, which a URL query would have to escape", c, r)
		}
	}
	if EncodeSeqCursor(42) != c || EncodeSeqCursor(43) == c {
		t.Fatal("a position's cursor is not one stable form")
	}
}

func TestSeqKeyCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b SeqKey
		want int
	}{{1, 2, -1}, {2, 1, 1}, {7, 7, 0}, {math.MaxInt64, 1, 1}, {1, math.MaxInt64, -1}} {
		if got := tc.a.Compare(tc.b); got != tc.want {
			t.Errorf("%d.Compare(%d) = %d; want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestMessageTime(t *testing.T) {
	local := time.Date(2024, 3, 9, 18, 4, 5, 0, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	at := time.Date(2024, 3, 9, 18, 4, 5, 0, berlin) // 17:04:05 UTC
	for _, tc := range []struct {
		name string
		m    Message
		want time.Time
	}{
		{"wall time only", Message{Local: local}, local},
		{"instant only", Message{At: at}, at},
		{"instant wins over the wall time", Message{Local: local, At: at}, at},
	} {
		got := MessageTime(tc.m)
		if !got.Equal(tc.want) {
			t.Errorf("%s: MessageTime = %v; want %v", tc.name, got, tc.want)
		}
		if got.Location() != time.UTC {
			t.Errorf("%s: MessageTime is in %v; want UTC, so it compares and prints as storage keeps it", tc.name, got.Location())
		}
	}
	if got := MessageTime(Message{}); !got.IsZero() {
		t.Errorf("MessageTime of a message with no time = %v; want the zero time", got)
	}
	// A filter bound compares on MessageTime: the instant, not the wall
	// time, when the message has one.
	m := Message{Local: local, At: at}
	f := MessageFilter{From: at.UTC(), To: local}
	if t0 := MessageTime(m); t0.Before(f.From) || !t0.Before(f.To) {
		t.Errorf("MessageTime %v should lie in [%v, %v): the instant, an hour before the wall time", t0, f.From, f.To)
	}
}
