package chatparse

import "unicode/utf8"

// meridiem is the AM/PM marker of a 12-hour time, if any.
type meridiem uint8

const (
	noMeridiem meridiem = iota
	ante                // AM, a. m., 上午, 午前, 오전
	post                // PM, p. m., 下午, 午後, 오후
)

// waHeader is what starts a WhatsApp message line: date, time and where the
// rest ("Author: text", or a system notice) begins. The date's three numbers
// are kept as written, because which is the day is decided per file.
type waHeader struct {
	date      [3]int
	digits    [3]uint8 // digits of each date field; 4 marks a year
	hour, min int
	sec       int
	mer       meridiem
	form      waForm
	bracket   bool // the line opened with "["
	dateSep   byte
	rest      int // offset of what follows the header
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

// scanWAHeader parses the header at the start of a cleaned line (invisible
// marks already removed). It is hand-written rather than a regular
// expression: it runs once per line of exports with millions of lines.
func scanWAHeader(line []byte) (h waHeader, ok bool) {
	i := 0
	if len(line) > 0 && line[0] == '[' {
		h.bracket = true
		i++
	}
	if i, ok = scanWADate(line, i, &h); !ok {
		return h, false
	}
	// Between date and time: a comma, spaces, or both.
	j := i
	if j < len(line) && line[j] == ',' {
		j++
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

// scanWADate reads "n sep n sep n" with sep one of / . - (the same twice),
// optional spaces after each separator and an optional trailing separator
// ("2020. 1. 15.").
func scanWADate(line []byte, i int, h *waHeader) (int, bool) {
	for f := range 3 {
		v, n := scanNumber(line, i, 4)
		if n == 0 || n == 3 || (f == 1 && n > 2) {
			return i, false
		}
		h.date[f], h.digits[f] = v, uint8(n)
		i += n
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

// scanWATime reads an optional CJK marker, "h:mm" or "h.mm" with optional
// seconds, and an optional AM/PM marker after it.
func scanWATime(line []byte, i int, h *waHeader) (int, bool) {
	if m, n := cjkMeridiem(line[i:]); n > 0 {
		h.mer = m
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
	if h.mer == noMeridiem {
		if m, n := latinMeridiem(line, i); n > 0 {
			h.mer = m
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

// latinMeridiem reads an AM/PM marker after optional spaces: AM, am, a.m.,
// a. m., A.M. and the same for p. It must not be followed by a letter, so the
// "a" of "12:00 - anna: …" is never taken for one.
func latinMeridiem(line []byte, i int) (meridiem, int) {
	j := skipSpaces(line, i)
	if j >= len(line) {
		return noMeridiem, 0
	}
	var m meridiem
	switch line[j] | 0x20 {
	case 'a':
		m = ante
	case 'p':
		m = post
	default:
		return noMeridiem, 0
	}
	j++
	if j < len(line) && line[j] == '.' {
		j = skipSpaces(line, j+1)
	}
	if j >= len(line) || line[j]|0x20 != 'm' {
		return noMeridiem, 0
	}
	j++
	if j < len(line) && line[j] == '.' {
		j++
	}
	if j < len(line) && isLetter(line[j]) {
		return noMeridiem, 0
	}
	return m, j - i
}

// cjkMeridiem reads a marker written before the time in Chinese, Japanese
// and Korean exports.
func cjkMeridiem(b []byte) (meridiem, int) {
	if len(b) < 6 || b[0] < utf8.RuneSelf {
		return noMeridiem, 0
	}
	for _, c := range cjkMeridiems {
		if hasPrefixAt(b, 0, c.text) {
			return c.mer, len(c.text)
		}
	}
	return noMeridiem, 0
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
		switch {
		case line[i] == ' ' || line[i] == '\t':
			i++
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
