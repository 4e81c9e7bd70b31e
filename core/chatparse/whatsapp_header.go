package chatparse

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// A day period is the marker of a 12-hour time: AM and PM, or a finer part
// of the day in Chinese, Japanese and Korean (see waDayPeriods). The header
// keeps its index in waDayPeriods; 0 is a time without one.
const (
	noPeriod   uint8 = 0
	periodAM   uint8 = 1
	periodPM   uint8 = 2
	periodBase uint8 = 3 // waDayPeriods from here on are written before or after the time
)

// waHeader is what starts a WhatsApp message line: date, time and where the
// rest ("Author: text", or a system notice) begins. The date's three numbers
// are kept as written, because which is the day is decided per file.
type waHeader struct {
	date      [3]int
	digits    [3]uint8 // digits of each date field; 4 marks a year
	hour, min int
	sec       int
	period    uint8 // index in waDayPeriods, or noPeriod
	form      waForm
	bracket   bool // the line opened with "["
	dateSep   byte // '/', '.', '-', or dateWords
	rest      int  // offset of what follows the header
}

// waForm is how a header ends, which tells the exporting app.
type waForm uint8

const (
	formAndroid  waForm = iota // "date, time - "
	formIOS                    // "[date, time] "
	formIOSColon               // "date, time: " (iOS before 2017)
)

// shapeMatches reports whether h is written like the file's first header.
// A line shaped differently (a quoted chat pasted into a message) is text.
func (h *waHeader) shapeMatches(first *waHeader) bool {
	return h.form == first.form && h.dateSep == first.dateSep
}

// dateText writes the date as the header did, for reports.
func (h *waHeader) dateText() string {
	if h.dateSep == dateWords {
		return fmt.Sprintf("%d-%d-%d (in words)", h.date[0], h.date[1], h.date[2])
	}
	return fmt.Sprintf("%d%c%d%c%d", h.date[0], h.dateSep, h.date[1], h.dateSep, h.date[2])
}

// scanWAHeader parses the header at the start of a cleaned line (invisible
// marks already removed). It is hand-written rather than a regular
// expression: it runs once per line of exports with millions of lines.
func scanWAHeader(line []byte) (h waHeader, ok bool) {
	i, ok := scanWAHeaderDate(line, &h)
	if !ok {
		return h, false
	}
	return scanWAHeaderRest(line, i, h)
}

// scanWAHeaderDate reads the opening bracket and the date of a header into
// h, and returns where the date ends.
func scanWAHeaderDate(line []byte, h *waHeader) (int, bool) {
	i := 0
	if len(line) > 0 && line[0] == '[' {
		h.bracket = true
		i++
	}
	return scanWADate(line, i, h)
}

// headerDates remembers the date of the last header read: the headers of a
// day's messages begin with the same bytes, and comparing them spares about
// 240 instructions a header (cachegrind: the parse of 100k messages -5%).
type headerDates struct {
	seen []byte   // the line up to and including the byte after the date
	h    waHeader // what scanWAHeaderDate read from it
}

// scan is scanWAHeader, with the date taken from the last header when the
// line begins with the same bytes. scanWADate reads no further than one
// byte past the date it returns, so bytes that agree up to there give the
// same date; dates written in words are read every time.
func (d *headerDates) scan(line []byte) (waHeader, bool) {
	if n := len(d.seen); n > 0 && len(line) >= n && string(line[:n]) == string(d.seen) {
		return scanWAHeaderRest(line, n-1, d.h)
	}
	var h waHeader
	i, ok := scanWAHeaderDate(line, &h)
	if !ok {
		return h, false
	}
	if i < len(line) && h.dateSep != dateWords {
		d.seen, d.h = append(d.seen[:0], line[:i+1]...), h
	}
	return scanWAHeaderRest(line, i, h)
}

// scanWAHeaderRest reads the rest of a header whose date, in h, ends at i.
func scanWAHeaderRest(line []byte, i int, h waHeader) (waHeader, bool) {
	var ok bool
	// Between date and time: a comma (or an Arabic one), spaces, or both.
	j := i
	if j < len(line) && line[j] == ',' {
		j++
	} else if hasPrefixAt(line, j, "،") {
		j += len("،")
	}
	j = skipSpaces(line, j)
	if j == i {
		return h, false
	}
	if i, ok = scanWATime(line, j, &h); !ok {
		return h, false
	}
	h.rest, h.form, ok = scanWATerminator(line, i, h.bracket)
	return h, ok
}

// dateWords stands for the separator of a date written with unit words,
// "2024년 1월 15일" or "2024年1月15日", which is always year, month, day.
const dateWords byte = 'w'

// scanWADate reads "n sep n sep n" with sep one of / . - (the same twice),
// optional spaces after each separator and an optional trailing separator
// ("2020. 1. 15."), or a date written with unit words.
func scanWADate(line []byte, i int, h *waHeader) (int, bool) {
	for f := range 3 {
		v, n := scanNumber(line, i, 4)
		if n == 0 || n == 3 || (f == 1 && n > 2) {
			return i, false
		}
		h.date[f], h.digits[f] = v, uint8(n)
		i += n
		if f == 0 && i < len(line) && line[i] >= utf8.RuneSelf {
			return scanWordDate(line, i, h)
		}
		if f == 2 {
			break
		}
		if i >= len(line) {
			return i, false
		}
		sep := line[i]
		if f == 0 {
			if sep != '/' && sep != '.' && sep != '-' {
				return i, false
			}
			h.dateSep = sep
		} else if sep != h.dateSep {
			return i, false
		}
		i = skipSpaces(line, i+1)
	}
	if h.digits[0] == 4 && h.digits[2] == 4 {
		return i, false
	}
	if i < len(line) && line[i] == h.dateSep && h.dateSep != '-' {
		i++
	}
	return i, true
}

// scanWordDate reads the rest of a date written with unit words after its
// year: "년 1월 15일" (Korean) or "年1月15日" (Chinese, Japanese), with
// optional spaces after each word. The year has four digits, or the fields
// could be read in another order.
func scanWordDate(line []byte, i int, h *waHeader) (int, bool) {
	if h.digits[0] != 4 {
		return i, false
	}
	for _, units := range waDateWords {
		j := i
		ok := true
		for f := range 3 {
			if !hasPrefixAt(line, j, units[f]) {
				ok = false
				break
			}
			if j += len(units[f]); f == 2 {
				break
			}
			j = skipSpaces(line, j)
			v, n := scanNumber(line, j, 2)
			if n == 0 {
				ok = false
				break
			}
			h.date[f+1], h.digits[f+1] = v, uint8(n)
			j += n
		}
		if ok {
			h.dateSep = dateWords
			return j, true
		}
	}
	return i, false
}

// scanWATime reads an optional day-period marker written before the time
// (Chinese, Japanese, Korean, Turkish), "h:mm" or "h.mm" with optional
// seconds, and an optional marker after it (AM, a. m., ص).
func scanWATime(line []byte, i int, h *waHeader) (int, bool) {
	if p, n := periodBefore(line[i:]); n > 0 {
		h.period = p
		i = skipSpaces(line, i+n)
	}
	v, n := scanNumber(line, i, 2)
	if n == 0 || i+n >= len(line) {
		return i, false
	}
	h.hour = v
	i += n
	sep := line[i]
	if sep != ':' && sep != '.' {
		return i, false
	}
	if h.min, n = scanNumber(line, i+1, 2); n != 2 {
		return i, false
	}
	i += 3
	if i+2 < len(line) && line[i] == sep && isDigit(line[i+1]) && isDigit(line[i+2]) {
		h.sec = int(line[i+1]-'0')*10 + int(line[i+2]-'0')
		i += 3
	}
	if h.period == noPeriod {
		if p, n := periodAfter(line, i); n > 0 {
			h.period = p
			i += n
		}
	}
	return i, true
}

// scanWATerminator reads what closes the header: "] " for iOS, " - " for
// Android, or ": " for old iOS exports without brackets.
func scanWATerminator(line []byte, i int, bracket bool) (int, waForm, bool) {
	if bracket {
		if i >= len(line) || line[i] != ']' {
			return i, formIOS, false
		}
		return skipOneSpace(line, i+1), formIOS, true
	}
	j := skipSpaces(line, i)
	switch {
	case j < len(line) && line[j] == '-' && j > i:
		return skipOneSpace(line, j+1), formAndroid, true
	case hasPrefixAt(line, j, "\u2013") && j > i: // en dash
		return skipOneSpace(line, j+3), formAndroid, true
	case j == i && j+1 < len(line) && line[j] == ':' && line[j+1] == ' ':
		return j + 2, formIOSColon, true
	}
	return i, formAndroid, false
}

// periodAfter reads a marker after the time and optional spaces: AM, am,
// a.m., a. m., A.M. and the same for p, or one of waDayPeriods written
// after the time. It must not be followed by a letter, so the "a" of
// "12:00 - anna: …" is never taken for one.
func periodAfter(line []byte, i int) (uint8, int) {
	j := skipSpaces(line, i)
	if j >= len(line) {
		return noPeriod, 0
	}
	if line[j] >= utf8.RuneSelf {
		p, n := periodAt(line[j:], false)
		if n == 0 || startsLetter(line[j+n:]) {
			return noPeriod, 0
		}
		return p, j + n - i
	}
	var p uint8
	switch line[j] | 0x20 {
	case 'a':
		p = periodAM
	case 'p':
		p = periodPM
	default:
		return noPeriod, 0
	}
	j++
	if j < len(line) && line[j] == '.' {
		j = skipSpaces(line, j+1)
	}
	if j >= len(line) || line[j]|0x20 != 'm' {
		return noPeriod, 0
	}
	j++
	if j < len(line) && line[j] == '.' {
		j++
	}
	if j < len(line) && isLetter(line[j]) {
		return noPeriod, 0
	}
	return p, j - i
}

// periodBefore reads a marker written before the time; a digit must follow
// (after optional spaces), which scanWATime checks.
func periodBefore(b []byte) (uint8, int) {
	if len(b) < 3 || b[0] < utf8.RuneSelf {
		return noPeriod, 0
	}
	return periodAt(b, true)
}

// periodAt finds the longest marker of waDayPeriods at the start of b
// written on the given side of the time.
func periodAt(b []byte, before bool) (uint8, int) {
	best, n := noPeriod, 0
	for k := int(periodBase); k < len(waDayPeriods); k++ {
		d := &waDayPeriods[k]
		if d.before == before && len(d.text) > n && hasPrefixAt(b, 0, d.text) {
			best, n = uint8(k), len(d.text)
		}
	}
	return best, n
}

// startsLetter reports whether b starts with a letter of any script.
func startsLetter(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] < utf8.RuneSelf {
		return isLetter(b[0])
	}
	r, _ := utf8.DecodeRune(b)
	return unicode.IsLetter(r)
}

// scanNumber reads up to maxDigits ASCII digits at i.
func scanNumber(line []byte, i, maxDigits int) (v, n int) {
	for i+n < len(line) && n < maxDigits && isDigit(line[i+n]) {
		v = v*10 + int(line[i+n]-'0')
		n++
	}
	if i+n < len(line) && isDigit(line[i+n]) {
		return 0, 0 // too many digits: not a date or time field
	}
	return v, n
}

// skipSpaces skips ASCII spaces, NO-BREAK SPACE and NARROW NO-BREAK SPACE
// (WhatsApp writes U+202F before AM/PM since 2023).
func skipSpaces(line []byte, i int) int {
	for i < len(line) {
		switch c := line[i]; {
		case c == ' ' || c == '\t':
			i++
		case c < utf8.RuneSelf:
			return i
		case hasPrefixAt(line, i, "\u00a0"):
			i += 2
		case hasPrefixAt(line, i, "\u202f"):
			i += 3
		default:
			return i
		}
	}
	return i
}

func skipOneSpace(line []byte, i int) int {
	if i < len(line) && line[i] == ' ' {
		return i + 1
	}
	return i
}

func hasPrefixAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= utf8.RuneSelf }
