package chatparse

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

// Shapes of WhatsApp bodies that say what a message is whatever the
// language: a label and a map link is a shared location, a label and
// options with vote counts a poll.

// waMapHosts are the map services WhatsApp links a shared location to.
var waMapHosts = []string{"maps.google.", "google.com/maps", "goo.gl/maps", "maps.app.goo.gl", "maps.apple.com"}

// mapLink returns the point of a line that is a label and a map link
// ("location: https://maps.google.com/?q=52.52,13.40", or a place's name
// before the link), or nil. A link alone is a person sharing a link.
func mapLink(first string) *core.GeoPoint {
	i := strings.Index(first, ": http")
	if i <= 0 || i > 200 {
		return nil
	}
	link := first[i+2:]
	if strings.IndexByte(link, ' ') >= 0 {
		return nil
	}
	for _, host := range waMapHosts {
		if strings.Contains(link, host) {
			return geoPoint(link)
		}
	}
	return nil
}

// geoPoint reads the coordinates a map link names: "?q=52.52,13.40",
// "ll=…", "query=…" or "@52.52,13.40,15z"; nil when there are none.
func geoPoint(link string) *core.GeoPoint {
	for _, key := range [...]string{"?q=", "&q=", "?ll=", "&ll=", "query=", "@"} {
		i := strings.Index(link, key)
		if i < 0 {
			continue
		}
		if g, ok := latLon(link[i+len(key):]); ok {
			return g
		}
	}
	return nil
}

// latLon reads "lat,lon" (or "lat%2Clon") at the start of s, up to the
// first character a decimal number does not hold.
func latLon(s string) (*core.GeoPoint, bool) {
	lat, n := decimal(s)
	if n == 0 {
		return nil, false
	}
	s = s[n:]
	switch {
	case strings.HasPrefix(s, ","):
		s = s[1:]
	case strings.HasPrefix(s, "%2C"), strings.HasPrefix(s, "%2c"):
		s = s[3:]
	default:
		return nil, false
	}
	lon, n := decimal(strings.TrimPrefix(s, "+"))
	if n == 0 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, false
	}
	return &core.GeoPoint{Lat: lat, Lon: lon}, true
}

// decimal reads a plain decimal number ("-33.8688") at the start of s:
// strconv alone would also take "NaN", "Inf" and hexadecimal.
func decimal(s string) (float64, int) {
	n := 0
	if n < len(s) && (s[n] == '-' || s[n] == '+') {
		n++
	}
	digits := 0
	for n < len(s) && (isDigit(s[n]) || s[n] == '.') {
		if s[n] != '.' {
			digits++
		}
		n++
	}
	if digits == 0 || n > 32 {
		return 0, 0
	}
	v, err := strconv.ParseFloat(s[:n], 64)
	if err != nil {
		return 0, 0
	}
	return v, n
}

// pollShape returns the length of the label that starts a poll ("POLL:",
// "ENCUESTA:", "投票："), or 0: a body whose first line starts with a label
// in capitals and whose last lines are options with their vote counts,
// "OPTION: Pizza (2 votes)". The question comes between.
func pollShape(text string) int {
	first, rest, _ := strings.Cut(text, "\n")
	n := capitalLabel(first)
	if n == 0 || rest == "" {
		return 0
	}
	lines := strings.Split(rest, "\n")
	options := 0
	for i := len(lines) - 1; i >= 0; i-- {
		if capitalLabel(lines[i]) == 0 || !voteCount(lines[i]) {
			break
		}
		options++
	}
	if options == 0 {
		return 0
	}
	return n
}

// capitalLabel returns the length of "LABEL:" or "LABEL :" (also with a
// full-width colon) at the start of line: at most 30 bytes of letters
// none of which is lower-case.
func capitalLabel(line string) int {
	letters := 0
	for i := 0; i < len(line) && i <= 30; {
		r, n := utf8.DecodeRuneInString(line[i:])
		switch {
		case r == ':' || r == '：':
			if letters == 0 {
				return 0
			}
			return i + n
		case r == ' ' && (strings.HasPrefix(line[i+1:], ":")):
		case unicode.IsLetter(r) && !unicode.IsLower(r):
			letters++
		default:
			return 0
		}
		i += n
	}
	return 0
}

// voteCount reports whether line ends with a vote count: "(1 vote)",
// "(12 votos)", "(0 票)".
func voteCount(line string) bool {
	if !strings.HasSuffix(line, ")") {
		return false
	}
	open := strings.LastIndexByte(line, '(')
	if open < 0 || len(line)-open > 32 {
		return false
	}
	count, word, ok := strings.Cut(line[open+1:len(line)-1], " ")
	return ok && allDigits(count) && word != "" && !strings.ContainsAny(word, "()0123456789")
}
