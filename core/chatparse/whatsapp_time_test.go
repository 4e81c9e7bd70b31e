package chatparse

import (
	"strings"
	"testing"
)

type waClockCase struct {
	line, want string
	clamped    int
}

// waClockCases are also FuzzWhatsApp's seeds.
var waClockCases = []waClockCase{
	// Japanese, 0–11 clock: 午前0:15 is a quarter past midnight, 午後0:10 ten past noon.
	{"[2024/01/15 午前0:15:00] 山田: a", "2024-01-15T00:15:00", 0},
	{"[2024/01/15 午後0:10:00] 山田: a", "2024-01-15T12:10:00", 0},
	{"[2024/01/15 午後11:59:00] 山田: a", "2024-01-15T23:59:00", 0},
	{"[2024/01/15 夜中1:00:00] 山田: a", "2024-01-15T01:00:00", 0},
	{"[2024/01/15 夜中11:30:00] 山田: a", "2024-01-15T23:30:00", 0},
	{"[2024/01/15 夜9:00:00] 山田: a", "2024-01-15T21:00:00", 0},
	// Chinese.
	{"2024/1/15 凌晨12:30 - 小明: a", "2024-01-15T00:30:00", 0},
	{"2024/1/15 早上7:05 - 小明: a", "2024-01-15T07:05:00", 0},
	{"2024/1/15 中午12:30 - 小明: a", "2024-01-15T12:30:00", 0},
	{"2024/1/15 中午1:05 - 小明: a", "2024-01-15T13:05:00", 0},
	{"2024/1/15 下午12:10 - 小明: a", "2024-01-15T12:10:00", 0},
	{"2024/1/15 晚上11:00 - 小明: a", "2024-01-15T23:00:00", 0},
	{"2024/1/15 上午12:05 - 小明: a", "2024-01-15T00:05:00", 0},
	// Korean, with numbers and with words.
	{"2024. 1. 15. 밤 12:30 - 민수: a", "2024-01-15T00:30:00", 0},
	{"2024. 1. 15. 밤 9:00 - 민수: a", "2024-01-15T21:00:00", 0},
	{"2024. 1. 15. 새벽 4:00 - 민수: a", "2024-01-15T04:00:00", 0},
	{"2024. 1. 15. 저녁 7:00 - 민수: a", "2024-01-15T19:00:00", 0},
	{"2024. 1. 15. 오후 12:10 - 민수: a", "2024-01-15T12:10:00", 0},
	{"2024년 1월 15일 오후 3:20 - 민수: 안녕", "2024-01-15T15:20:00", 0},
	{"[2024년 1월 15일 오전 12:05:09] 민수: 안녕", "2024-01-15T00:05:09", 0},
	{"2024년1월15일 15:20 - 민수: 안녕", "2024-01-15T15:20:00", 0},
	// Chinese and Japanese dates with words.
	{"2024年1月15日 15:20 - 小明: a", "2024-01-15T15:20:00", 0},
	{"[2024年1月15日 午後3:20:05] 山田: a", "2024-01-15T15:20:05", 0},
	// Latin markers on a 0–11 clock, Turkish and Arabic markers.
	{"1/15/24, 0:30 AM - Ann: a", "2024-01-15T00:30:00", 0},
	{"1/15/24, 0:30\u202fPM - Ann: a", "2024-01-15T12:30:00", 0},
	{"1/15/24, 12:00 a.m. - Ann: a", "2024-01-15T00:00:00", 0},
	{"[15.01.2024 ÖS 3:20:00] Ali: merhaba", "2024-01-15T15:20:00", 0},
	{"15/01/2024\u060c 3:20 \u0645 - \u0639\u0645\u0631: \u0645\u0631\u062d\u0628\u0627", "2024-01-15T15:20:00", 0},
	{"15\u200f/01\u200f/2024 3:20 \u0635 - \u0639\u0645\u0631: \u0645\u0631\u062d\u0628\u0627", "2024-01-15T03:20:00", 0},
	// A 24-hour time with a marker: kept, and counted.
	{"1/15/24, 23:59 PM - Ann: a", "2024-01-15T23:59:00", 1},
}

// TestParseWhatsAppDayPeriods reads 12-hour times in every day period the
// tables know: AM/PM on a 1–12 and a 0–11 clock (Japanese writes 午後0:10
// for 12:10), and CJK's finer periods (凌晨 "small hours", 中午 "noon", 밤
// "night", …), whose hours CLDR gives. A valid time is never counted as
// brought into range; only an hour above 12 with a marker is.
func TestParseWhatsAppDayPeriods(t *testing.T) {
	cases := waClockCases
	for _, c := range cases {
		msgs, rep, err := parseAll(t, Parse(strings.NewReader(c.line+"\n"), Options{}))
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		if got := msgs[0].Local.Format("2006-01-02T15:04:05"); got != c.want || rep.ClampedTimes != c.clamped {
			t.Errorf("%s: %s, %d clamped; want %s, %d (%v)", c.line, got, rep.ClampedTimes, c.want, c.clamped, rep.Warnings)
		}
	}
}

// TestParseWhatsAppWordDatesDecideTheOrder: a date written with unit words
// says which field is the year, so it settles the order, also with a
// two-digit month and day that would fit other orders.
func TestParseWhatsAppWordDatesDecideTheOrder(t *testing.T) {
	in := "2024년 1월 2일 오후 3:20 - 민수: 안녕\n2024년 1월 3일 오후 3:21 - 지영: 반가워\n"
	msgs, rep, err := parseAll(t, Parse(strings.NewReader(in), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if rep.DateOrder != YearMonthDay || msgs[1].Local.Format("2006-01-02") != "2024-01-03" || msgs[1].Author != "지영" {
		t.Errorf("order %v (%s), second message %+v", rep.DateOrder, rep.DateOrderReason, msgs[1])
	}
}
