package chatparse

import (
	"strings"
	"testing"
)

// TestParseDateOrderRules checks each of DESIGN.md's rules, in order, and the
// override.
func TestParseDateOrderRules(t *testing.T) {
	cases := []struct {
		name     string
		dates    []string // one message per date
		override DateOrder
		want     DateOrder
		why      string // part of the report's reason
		first    string // the first message's date as read
	}{
		{"a day above 12 first", []string{"13/01/24", "14/01/24"}, 0, DayMonthYear, "MDY ruled out by 13/1/24", "2024-01-13"},
		{"a day above 12 second", []string{"01/13/24"}, 0, MonthDayYear, "DMY ruled out by 1/13/24", "2024-01-13"},
		{"a day above 12 late in the file", []string{"01/02/24", "05/02/24", "10/02/24", "20/02/24"}, 0, DayMonthYear, "line 4", "2024-02-01"},
		{"year first", []string{"2024-01-02"}, 0, YearMonthDay, "only YMD", "2024-01-02"},
		{"first field goes down within a year", []string{"11/01/24", "12/01/24", "01/02/24", "02/02/24", "03/02/24"}, 0, DayMonthYear, "first field goes down", "2024-01-11"},
		{"second field goes down within a year", []string{"01/11/24", "01/12/24", "02/01/24", "02/02/24", "02/03/24"}, 0, MonthDayYear, "second field goes down", "2024-01-11"},
		{"going down across a new year is no evidence", []string{"12/05/23", "01/05/24", "01/06/24", "01/07/24"}, 0, MonthDayYear, "second field changes more often", "2023-12-05"},
		{"first field changes more often", []string{"01/03/24", "02/03/24", "03/03/24"}, 0, DayMonthYear, "first field changes more often", "2024-03-01"},
		{"second field changes more often", []string{"03/01/24", "03/02/24", "03/03/24"}, 0, MonthDayYear, "second field changes more often", "2024-03-01"},
		{"no evidence: day first", []string{"05/06/24", "05/06/24"}, 0, DayMonthYear, "day-first by default", "2024-06-05"},
		{"year first, no order reads every date", []string{"2024-13-02", "2024-01-03"}, 0, YearMonthDay, "no order reads every date; YMD", "2024-02-13"},
		{"override wins", []string{"05/06/24", "13/06/24"}, MonthDayYear, MonthDayYear, "set by the caller", "2024-05-06"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in strings.Builder
			for _, d := range c.dates {
				in.WriteString(d + ", 10:00 - Ann: hello\n")
			}
			msgs, rep, err := parseAll(t, Parse(strings.NewReader(in.String()), Options{DateOrder: c.override}))
			if err != nil {
				t.Fatal(err)
			}
			if rep.DateOrder != c.want || !strings.Contains(rep.DateOrderReason, c.why) {
				t.Errorf("got %v (%s), want %v (%s)", rep.DateOrder, rep.DateOrderReason, c.want, c.why)
			}
			if got := msgs[0].Local.Format("2006-01-02"); got != c.first {
				t.Errorf("first date %s, want %s", got, c.first)
			}
		})
	}
}

// TestParseDateOrderDecidedOnce: a date contradicting the decided order later
// in the file is read in the file's order where it can be (day and month
// swapped), counted, and never changes the order of the other messages.
func TestParseDateOrderDecidedOnce(t *testing.T) {
	in := "13/01/24, 10:00 - Ann: a\n02/01/24, 10:00 - Ann: b\n01/13/24, 10:00 - Ann: c\n"
	msgs, rep, err := parseAll(t, Parse(strings.NewReader(in), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.Local.Format("2006-01-02"))
	}
	if strings.Join(got, " ") != "2024-01-13 2024-01-02 2024-01-13" || rep.DateOrder != DayMonthYear {
		t.Errorf("dates %v, order %v", got, rep.DateOrder)
	}
	if rep.ClampedTimes != 1 {
		t.Errorf("clamped %d, want 1", rep.ClampedTimes)
	}
}

// TestParseDateOrderLookaheadIsBounded: evidence past the lookahead limit
// is not read, and the report says the decision rests on a prefix.
func TestParseDateOrderLookaheadIsBounded(t *testing.T) {
	var in strings.Builder
	for range 200 {
		in.WriteString("01/02/24, 10:00 - Ann: same day again and again\n")
	}
	in.WriteString("01/13/24, 10:00 - Ann: decisive, but too late\n")
	opts := Options{Limits: Limits{MaxDateOrderLookahead: 1024}}
	msgs, rep, err := parseAll(t, Parse(strings.NewReader(in.String()), opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 201 || rep.DateOrder != DayMonthYear || !strings.Contains(rep.DateOrderReason, "first 1024 bytes") {
		t.Errorf("%d messages, order %v (%s)", len(msgs), rep.DateOrder, rep.DateOrderReason)
	}
}

func TestParseDateOrderNames(t *testing.T) {
	for in, want := range map[string]DateOrder{"dmy": DayMonthYear, "M/D/Y": MonthDayYear, "y-m-d": YearMonthDay, "AUTO": DateOrderAuto} {
		if got, err := ParseDateOrder(in); err != nil || got != want {
			t.Errorf("ParseDateOrder(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDateOrder("dym"); err == nil {
		t.Error("ParseDateOrder accepted dym")
	}
}
