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

// clock returns h's time on a 24-hour clock.
func (p *waParser) clock(h *waHeader, lineNo int) (hour, minute, sec int) {
	hour, minute, sec = h.hour, h.min, h.sec
	switch {
	case h.mer != noMeridiem && (hour == 0 || hour > 12):
		// "00:04 AM", "23:59 PM": a 24-hour time with a marker; keep the hour.
		p.clamped(lineNo, "24-hour time with an AM/PM marker")
	case h.mer == ante && hour == 12:
		hour = 0
	case h.mer == post && hour < 12:
		hour += 12
	}
	if hour > 23 || minute > 59 || sec > 59 {
		hour, minute, sec = min(hour, 23), min(minute, 59), min(sec, 59)
		p.clamped(lineNo, "time out of range")
	}
	return hour, minute, sec
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
