package chatparse

import (
	"bytes"
	"fmt"
	"io"
)

// candidateOrders are the orders WhatsApp writes dates in.
var candidateOrders = [...]DateOrder{DayMonthYear, MonthDayYear, YearMonthDay}

// dateVotes gathers the evidence DESIGN.md's rules decide the date order
// from, in this order: a number above 12 (or a year written first) rules an
// order out; a position whose value goes down while the year stays is the
// day; the position that changes more often is the day; else day-first.
type dateVotes struct {
	headers  int
	failures [len(candidateOrders)]int // dates each order cannot read
	ruledOut [len(candidateOrders)]string
	prev     waHeader
	down     [2]int // times the first or second field went down within a year
	downLine [2]int
	changes  [2]int
	// yearFirst counts dates with a four-digit first field.
	yearFirst int
}

func (v *dateVotes) add(h *waHeader, lineNo int) {
	if h.digits[0] == 4 {
		v.yearFirst++
	}
	for i, o := range candidateOrders {
		if y, m, d := dateFields(h, o); !plausibleDate(h, o, y, m, d) {
			if v.failures[i] == 0 {
				v.ruledOut[i] = fmt.Sprintf("%s ruled out by %s on line %d", o, h.dateText(), lineNo)
			}
			v.failures[i]++
		}
	}
	if v.headers > 0 && v.prev.date[2] == h.date[2] {
		for f := range 2 {
			if h.date[f] < v.prev.date[f] {
				if v.down[f] == 0 {
					v.downLine[f] = lineNo
				}
				v.down[f]++
			}
			if h.date[f] != v.prev.date[f] {
				v.changes[f]++
			}
		}
	}
	v.prev = *h
	v.headers++
}

// settled reports whether exactly one order reads every date so far: more
// lines cannot change the decision then.
func (v *dateVotes) settled() bool {
	fits := 0
	for _, f := range v.failures {
		if f == 0 {
			fits++
		}
	}
	return fits == 1
}

// decide applies the rules to the evidence and says why.
func (v *dateVotes) decide() (DateOrder, string) {
	if v.headers == 0 {
		return DayMonthYear, "no dated line: day-first by default"
	}
	// On a tie, a year written first (four digits) makes year-first the
	// better guess; else the table's order (day-first) wins.
	best, fits := 0, 0
	if v.yearFirst > 0 {
		best = len(candidateOrders) - 1 // YearMonthDay
	}
	for i, f := range v.failures {
		if f == 0 {
			fits++
		}
		if f < v.failures[best] {
			best = i
		}
	}
	switch {
	case fits == 0:
		return candidateOrders[best], fmt.Sprintf("no order reads every date; %s reads all but %d",
			candidateOrders[best], v.failures[best])
	case fits == 1:
		return candidateOrders[best], v.whyOnly(best)
	}
	// Day-first and month-first both read every date (a year-first order
	// never fits the same dates as they do).
	switch {
	case v.down[0] > 0 && v.down[1] == 0:
		return DayMonthYear, fmt.Sprintf("the first field goes down within a year (line %d), so it is the day", v.downLine[0])
	case v.down[1] > 0 && v.down[0] == 0:
		return MonthDayYear, fmt.Sprintf("the second field goes down within a year (line %d), so it is the day", v.downLine[1])
	case v.changes[0] > v.changes[1]:
		return DayMonthYear, fmt.Sprintf("the first field changes more often (%d times against %d), so it is the day", v.changes[0], v.changes[1])
	case v.changes[1] > v.changes[0]:
		return MonthDayYear, fmt.Sprintf("the second field changes more often (%d times against %d), so it is the day", v.changes[1], v.changes[0])
	}
	return DayMonthYear, fmt.Sprintf("no date among %d tells day from month: day-first by default", v.headers)
}

func (v *dateVotes) whyOnly(winner int) string {
	why := fmt.Sprintf("only %s reads every date", candidateOrders[winner])
	for i, r := range v.ruledOut {
		if i != winner && r != "" {
			why += "; " + r
		}
	}
	return why
}

// dateFields reads year, month and day from h's fields in order o.
func dateFields(h *waHeader, o DateOrder) (y, m, d int) {
	switch o {
	case MonthDayYear:
		m, d, y = h.date[0], h.date[1], h.date[2]
	case YearMonthDay:
		y, m, d = h.date[0], h.date[1], h.date[2]
	default:
		d, m, y = h.date[0], h.date[1], h.date[2]
	}
	return y, m, d
}

// plausibleDate reports whether order o reads h as a real date: a month of
// 1–12, a day of 1–31, and the year where a 4-digit field is. A year-first
// order needs a 4-digit (or above 31) first field, as WhatsApp writes no
// two-digit year first.
func plausibleDate(h *waHeader, o DateOrder, y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	if o == YearMonthDay {
		return h.digits[0] == 4 || h.date[0] > 31
	}
	return h.digits[0] != 4
}

// lookahead records what is read through it, up to max bytes, and then
// reports end of input, so that the date-order pass can look ahead and the
// parse can replay the same bytes.
type lookahead struct {
	r   io.Reader
	buf []byte
	max int
}

func (l *lookahead) Read(p []byte) (int, error) {
	room := l.max - len(l.buf)
	if room <= 0 {
		return 0, io.EOF
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.buf = append(l.buf, p[:n]...)
	return n, err
}

// replay returns a reader that yields what was looked at, then the rest.
func (l *lookahead) replay() io.Reader {
	return io.MultiReader(bytes.NewReader(l.buf), l.r)
}

// decideDateOrder reads ahead until one order reads every date or the
// lookahead limit is reached, decides, and returns a reader over the whole
// input again.
func decideDateOrder(r io.Reader, lim Limits) (DateOrder, string, io.Reader) {
	la := &lookahead{r: r, max: lim.MaxDateOrderLookahead}
	lr := newLineReader(la, lim.MaxLineBytes)
	var (
		v         dateVotes
		first     waHeader
		haveFirst bool
		cl        cleaner
	)
	for !v.settled() {
		line, _, ok := lr.next()
		if !ok {
			break
		}
		h, ok := scanWAHeader(cl.clean(line))
		if !ok || (haveFirst && !h.shapeMatches(&first)) {
			continue
		}
		if !haveFirst {
			first, haveFirst = h, true
		}
		v.add(&h, lr.lineNo)
	}
	order, why := v.decide()
	if !v.settled() && lr.eof && len(la.buf) >= la.max {
		why += fmt.Sprintf(" (from the first %d bytes)", la.max)
	}
	return order, why, la.replay()
}
