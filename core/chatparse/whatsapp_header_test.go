package chatparse

import (
	"math/rand/v2"
	"testing"
)

// TestHeaderDatesAgreeWithScanWAHeader reads random sequences of lines,
// headers of every date form and lines that share a header's first bytes but
// not its date (a digit more, another separator, a cut line), with
// headerDates and with scanWAHeader: both must read every line alike, so
// that the remembered date is only ever taken where it is the line's own.
func TestHeaderDatesAgreeWithScanWAHeader(t *testing.T) {
	pool := []string{
		"1/15/24, 3:20\u202fPM - Ann: hi", "1/15/24, 3:21 PM - Bo: ok", "1/15/24, 11:02\u202fAM - Ann: x",
		"1/15/245, 3:20 PM - Ann: hi", "1/15/2, 3:20 PM - Ann: hi", "1/15/24", "1/15/24,", "1/15/24 ",
		"1/15/24- 3:20 - Ann: hi", "1/15/24.3:20 - Ann: hi", "1/16/24, 3:20 PM - Ann: hi",
		"[15/01/2024, 15:20:05] Ann: hi", "[15/01/2024, 15:21:00] Bo: ok", "[15/01/20245, 15:20:05] Ann: hi",
		"[15/01/2024 15:20:05] Ann: hi", "[15/01/2024", "[15/01/2024,", "15/01/2024, 15:20 - Ann: hi",
		"15.01.24, 15:20 - Ann: hi", "15.01.24. 15:20 - Ann: hi", "15.01.24., 15:20 - Ann: hi",
		"2020. 1. 15. 오후 3:20 - Ann: hi", "2020. 1. 15. 오전 9:05 - Bo: ok", "2020. 1. 15 오후 3:20 - Ann: hi",
		"2024年1月15日 15:20 - Ann: hi", "2024年1月15日 15:21 - Bo: ok", "2024년 1월 15일 오후 3:20 - Ann: hi",
		"[2024/01/15 15:20:05] 名前: text", "[2024/01/15 15:21:00] 名前: text", "[2024/01/151 15:20:05] x: y",
		"2024-01-15, 15:20 - Ann: hi", "2024-01-15-, 15:20 - Ann: hi", "15/01/2024, 15:20: Ann: hi",
		"just text", "", "1", "[", "Ann: 1/15/24, 3:20 PM - quoted",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 2000 {
		var d headerDates
		for range 20 {
			line := pool[rng.IntN(len(pool))]
			if rng.IntN(3) == 0 && len(line) > 0 { // cut it, or change a byte
				b := []byte(line)
				if rng.IntN(2) == 0 {
					b = b[:rng.IntN(len(b))]
				} else {
					b[rng.IntN(len(b))] = "0 9/.-,[]:\u00a0"[rng.IntN(12)]
				}
				line = string(b)
			}
			want, wantOK := scanWAHeader([]byte(line))
			got, gotOK := d.scan([]byte(line))
			if got != want || gotOK != wantOK {
				t.Fatalf("round %d, %q: remembered date gives %+v %v, scanWAHeader %+v %v", round, line, got, gotOK, want, wantOK)
			}
		}
	}
}
