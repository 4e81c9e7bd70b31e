package chatparse

import "time"

// times returns the wall-clock time h wrote, read in the file's date order,
// and the instant when the caller gave the export's time zone. Impossible
// values are brought into range and counted, never fatal: exports carry
// "00:04 AM" and "23:59 PM", and one bad line must not lose a chat.
func (p *waParser) times(h *waHeader, lineNo int) (local, at time.Time) {
	// Consecutive messages mostly share a day: read and check each day once.
	if h.date != p.day.raw || p.day.midnight.IsZero() {
		p.day = p.readDate(h, lineNo)
	} else if p.day.fixed != "" {
		p.clamped(lineNo, p.day.fixed)
	}
	hour, minute, sec := p.clock(h, lineNo)
	local = p.day.midnight.Add(time.Duration(hour*3600+minute*60+sec) * time.Second)
	if p.opts.Location != nil {
		y, mo, d := p.day.midnight.Date()
		at = time.Date(y, mo, d, hour, minute, sec, 0, p.opts.Location).UTC()
	}
	return local, at
}

// waDay is a date as written and as read.
type waDay struct {
	raw      [3]int
	midnight time.Time // the date read, at 00:00 in the UTC carrier
	fixed    string    // what was wrong with it, if it was brought into range
}

func (p *waParser) readDate(h *waHeader, lineNo int) waDay {
	day := waDay{raw: h.date}
	y, mo, d := dateFields(h, p.order)
	if mo > 12 && d <= 12 { // the file contradicts its date order here
		mo, d = d, mo
		day.fixed = "day and month swapped"
	}
	if h.digits[p.yearField()] <= 2 {
		y += 2000
	}
	if y < minYear || y > maxYear {
		y = min(max(y, minYear), maxYear)
		day.fixed = "year out of range"
	}
	if mo < 1 || mo > 12 {
		mo = min(max(mo, 1), 12)
		day.fixed = "month out of range"
	}
	if last := daysIn(y, mo); d < 1 || d > last {
		d = min(max(d, 1), last)
		day.fixed = "day out of range"
	}
	if day.fixed != "" {
		p.clamped(lineNo, day.fixed)
	}
	day.midnight = time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	return day
}

// clock returns h's time on a 24-hour clock. A marked hour from 0 to 12 is
// read in its day period: AM and PM on a 1–12 clock ("12:30 AM" is 00:30)
// or a 0–11 one (Japanese "午後0:10" is 12:10, "午前0:15" 00:15, both
// valid), and CJK's finer periods by their hours. A marked hour above 12
// ("23:59 PM", which real exports carry) is a 24-hour time: kept, and
// counted as brought into range.
func (p *waParser) clock(h *waHeader, lineNo int) (hour, minute, sec int) {
	hour, minute, sec = h.hour, h.min, h.sec
	if h.period != noPeriod {
		if hour > 12 {
			p.clamped(lineNo, "24-hour time with a day-period marker")
		} else {
			hour = waDayPeriods[h.period].hour(hour)
		}
	}
	if hour > 23 || minute > 59 || sec > 59 {
		hour, minute, sec = min(hour, 23), min(minute, 59), min(sec, 59)
		p.clamped(lineNo, "time out of range")
	}
	return hour, minute, sec
}

// hour reads a 12-hour clock's hour (0–12) in the period: of the two hours
// it can be (h and h+12, with 12 as 0), the one within the period's hours,
// else the one nearest to them.
func (d *waDayPeriod) hour(h int) int {
	a, b := h%12, h%12+12
	da, db := d.distance(a), d.distance(b)
	if db < da {
		return b
	}
	return a
}

// distance is how many hours x lies outside the period, round the clock.
func (d *waDayPeriod) distance(x int) int {
	if d.from <= d.to && x >= d.from && x <= d.to || d.from > d.to && (x >= d.from || x <= d.to) {
		return 0
	}
	return min((d.from-x+24)%24, (x-d.to+24)%24)
}

func (p *waParser) yearField() int {
	if p.order == YearMonthDay {
		return 0
	}
	return 2
}

func (p *waParser) clamped(lineNo int, what string) {
	p.report.ClampedTimes++
	if p.report.ClampedTimes <= 3 {
		p.report.warn("line %d: %s", lineNo, what)
	}
}

// The years a chat message can plausibly carry. Outside them a date is a
// broken clock or a broken file; keeping it would also let year 1 collide
// with Go's zero time, which means "no time" in core.Message.
const (
	minYear = 1970
	maxYear = 2999
)

// plausibleTime reports whether t lies within the plausible years.
func plausibleTime(t time.Time) bool {
	return t.Year() >= minYear && t.Year() <= maxYear
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
