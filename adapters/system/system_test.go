package system

import (
	"regexp"
	"testing"
	"time"
)

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUIDv7IsWellFormedAndIncreasing(t *testing.T) {
	var g UUIDv7
	prev := ""
	for i := 0; i < 20000; i++ {
		id := g.NewID()
		if !uuidV7.MatchString(id) {
			t.Fatalf("id %q is not a version 7 UUID", id)
		}
		if id <= prev {
			t.Fatalf("id %q does not sort after %q", id, prev)
		}
		prev = id
	}
}

func TestClockIsUTCMicroseconds(t *testing.T) {
	now := Clock{}.Now()
	if now.Location() != time.UTC || now.Nanosecond()%1000 != 0 {
		t.Fatalf("Now() = %v, want UTC truncated to microseconds", now)
	}
}
