package chatstats

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below on a machine without them
)

// localInstant must give what time.Date gives for every wall time,
// including those in a daylight-saving gap or overlap, walking forwards and
// backwards (the cache is filled from either side of a transition).
func TestLocalInstantMatchesTimeDate(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Tokyo"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		s := New(Options{Location: loc})
		start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
		const step, steps = 7 * time.Minute, 2 * 365 * 24 * 60 / 7
		check := func(l time.Time) {
			want := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc).UnixMilli()
			if got := s.localInstant(l); got != want {
				t.Fatalf("%s: localInstant(%v) = %v, want %v", name, l, time.UnixMilli(got), time.UnixMilli(want))
			}
		}
		for i := range steps {
			check(start.Add(time.Duration(i) * step))
		}
		for i := steps; i >= 0; i-- {
			check(start.Add(time.Duration(i)*step + 3*time.Minute))
		}
	}
}
