// Package chart draws a chat's statistics as self-contained SVG pictures,
// on the server: an activity heatmap (weekday × hour) and a timeline of
// messages per day, week, month or year, stacked by author.
//
// The pictures are plain SVG 1.1 documents with a viewBox, a <title> and a
// <desc>, a generic font family and nothing that reaches outside the
// document: no script, no event attributes, no links, images or fonts. Every
// piece of user text (a chat's title, author names, the time zone) is
// cleaned of what XML 1.0 cannot hold (invalid UTF-8, control characters)
// and of bidirectional overrides, then escaped. The same input always gives
// the same bytes.
//
// The package knows nothing of core/chatstats (adapters may not import a
// module's package): its inputs are plain types the HTTP adapter fills from
// chatstats.Result.
//
// Counts are readable by machines as well as people: every heatmap cell and
// every bar segment carries data-count (and a <title> a screen reader or a
// tooltip shows), every timeline bar data-total.
package chart

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// svgNS is the one URI a picture holds: the SVG namespace, a name, never
// fetched.
const svgNS = "http://www.w3.org/2000/svg"

// Colours. The heatmap uses a viridis ramp (perceptually uniform, readable
// with every common colour-vision deficiency and in grey scale), light for
// few messages and dark for many; the timeline uses Tableau 10, whose tenth
// colour, a neutral grey, is kept for "others".
var (
	viridis = [...][3]float64{
		{0x44, 0x01, 0x54}, {0x48, 0x28, 0x78}, {0x3e, 0x4a, 0x89}, {0x31, 0x68, 0x8e}, {0x26, 0x82, 0x8e},
		{0x1f, 0x9e, 0x89}, {0x35, 0xb7, 0x79}, {0x6e, 0xce, 0x58}, {0xb5, 0xde, 0x2b}, {0xfd, 0xe7, 0x25},
	}
	seriesColours = [...]string{
		"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
		"#edc948", "#b07aa1", "#ff9da7", "#9c755f",
	}
)

const (
	othersColour = "#bab0ac"
	zeroColour   = "#efefef"
	inkColour    = "#222222"
	mutedColour  = "#555555"
	gridColour   = "#dddddd"
)

// viridisAt returns the ramp's colour at t in [0, 1] (0 dark purple, 1
// yellow), interpolated between its anchors.
func viridisAt(t float64) string {
	t = math.Max(0, math.Min(1, t))
	x := t * float64(len(viridis)-1)
	i := int(x)
	if i >= len(viridis)-1 {
		i = len(viridis) - 2
	}
	f := x - float64(i)
	var b strings.Builder
	b.WriteByte('#')
	for c := range 3 {
		// explicit conversions: no fused multiply-add, the same colour on
		// every architecture
		v := int(math.Round(float64(viridis[i][c]*(1-f)) + float64(viridis[i+1][c]*f)))
		b.WriteString(hex2(v))
	}
	return b.String()
}

func hex2(v int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4&15], digits[v&15]})
}

// svg builds one document. Attribute values and text go through attr and
// text, which escape them; numbers through num, which rounds them to a
// tenth so the output is short and the same on every machine.
type svg struct {
	b []byte
}

func (s *svg) raw(parts ...string) {
	for _, p := range parts {
		s.b = append(s.b, p...)
	}
}

// num writes v rounded to one decimal, without a trailing ".0".
func (s *svg) num(v float64) {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	s.b = strconv.AppendFloat(s.b, v, 'f', -1, 64)
}

// int writes an integer.
func (s *svg) int(v int) { s.b = strconv.AppendInt(s.b, int64(v), 10) }

// esc writes already clean text escaped for XML, in content or in a quoted
// attribute.
func (s *svg) esc(t string) {
	for i := 0; i < len(t); i++ {
		switch c := t[i]; c {
		case '&':
			s.b = append(s.b, "&amp;"...)
		case '<':
			s.b = append(s.b, "&lt;"...)
		case '>':
			s.b = append(s.b, "&gt;"...)
		case '"':
			s.b = append(s.b, "&#34;"...)
		case '\'':
			s.b = append(s.b, "&#39;"...)
		default:
			s.b = append(s.b, c)
		}
	}
}

// open writes the root element, its <title> and <desc>, and a white
// background.
func (s *svg) open(width, height int, title, desc string) {
	s.raw(`<svg xmlns="`, svgNS, `" version="1.1" width="`)
	s.int(width)
	s.raw(`" height="`)
	s.int(height)
	s.raw(`" viewBox="0 0 `)
	s.int(width)
	s.raw(" ")
	s.int(height)
	s.raw(`" font-family="sans-serif" role="img">`, "\n<title>")
	s.esc(title)
	s.raw("</title>\n<desc>")
	s.esc(desc)
	s.raw("</desc>\n", `<rect x="0" y="0" width="`)
	s.int(width)
	s.raw(`" height="`)
	s.int(height)
	s.raw(`" fill="#ffffff"/>`, "\n")
}

func (s *svg) close() []byte {
	s.raw("</svg>\n")
	return s.b
}

// textAt writes one <text> element; anchor is "start", "middle" or "end";
// extra is further attributes, written as given (never user text).
func (s *svg) textAt(x, y float64, size float64, anchor, fill, extra, content string) {
	s.raw(`<text x="`)
	s.num(x)
	s.raw(`" y="`)
	s.num(y)
	s.raw(`" font-size="`)
	s.num(size)
	s.raw(`"`)
	if anchor != "start" {
		s.raw(` text-anchor="`, anchor, `"`)
	}
	s.raw(` fill="`, fill, `"`)
	if extra != "" {
		s.raw(" ", extra)
	}
	s.raw(">")
	s.esc(content)
	s.raw("</text>\n")
}

// line writes a one-pixel line.
func (s *svg) line(x1, y1, x2, y2 float64, stroke string) {
	s.raw(`<line x1="`)
	s.num(x1)
	s.raw(`" y1="`)
	s.num(y1)
	s.raw(`" x2="`)
	s.num(x2)
	s.raw(`" y2="`)
	s.num(y2)
	s.raw(`" stroke="`, stroke, `" stroke-width="1"/>`, "\n")
}

// rectOpen writes the start of a <rect> with its geometry and fill; the
// caller adds attributes and closes it.
func (s *svg) rectOpen(x, y, w, h float64, fill string) {
	s.raw(`<rect x="`)
	s.num(x)
	s.raw(`" y="`)
	s.num(y)
	s.raw(`" width="`)
	s.num(w)
	s.raw(`" height="`)
	s.num(h)
	s.raw(`" fill="`, fill, `"`)
}

// clean makes user text safe to hold in XML 1.0 and to show on one line:
// invalid UTF-8 and the characters XML 1.0 forbids (most C0 controls,
// U+FFFE, U+FFFF) are dropped, as are the C1 controls, the byte order mark
// and the bidirectional controls (an override such as U+202E would reorder
// the text around the name); line breaks and tabs become spaces, runs of
// spaces one space, and the ends are trimmed. The result still needs
// escaping.
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue // invalid UTF-8
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			continue // C0 and C1 controls
		case r == 0x200e || r == 0x200f || r == 0x061c || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			continue // bidirectional marks, embeddings, overrides and isolates
		case r == 0xfeff || r == 0xfffe || r == 0xffff || (r >= 0xd800 && r <= 0xdfff):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// runeWidth is a rune's width in tenths of about 0.6 em, the advance of
// an average Latin letter in a sans-serif font: combining marks and joiners
// take none, wide scripts (CJK, Hangul) and emoji twice as much. Widths are
// integers so that where text is cut does not depend on how a machine
// rounds.
func runeWidth(r rune) int {
	switch {
	case r == 0x200d || (r >= 0xfe00 && r <= 0xfe0f) || (r >= 0xe0100 && r <= 0xe01ef) ||
		unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		return 0
	case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) || (r >= 0x1f000 && r <= 0x1faff) || (r >= 0x20000 && r <= 0x3fffd)):
		return 20
	case r == 'i' || r == 'l' || r == 'j' || r == 'I' || r == '.' || r == ',' || r == '\'' || r == ' ' || r == '|' || r == '!':
		return 5
	case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '@':
		return 14
	case r >= 'A' && r <= 'Z':
		return 12
	}
	return 10
}

// textWidth estimates the width of s at a font size, in pixels.
func textWidth(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return float64(w) * (0.06 * size)
}

// truncate shortens clean text to at most max pixels at a font size,
// ending it with an ellipsis when it had to cut.
func truncate(s string, size, max float64) string {
	if textWidth(s, size) <= max {
		return s
	}
	limit := int(max/(0.06*size)) - runeWidth('…')
	w := 0
	cut := 0
	for i, r := range s {
		w += runeWidth(r)
		if w > limit {
			break
		}
		cut = i + utf8.RuneLen(r)
	}
	head := strings.TrimRightFunc(s[:cut], func(r rune) bool {
		return unicode.IsSpace(r) || r == 0x200d || (r >= 0xfe00 && r <= 0xfe0f)
	})
	return head + "…"
}

// niceStep returns the smallest step of the form 1, 2 or 5 × 10^n that is
// at least raw, and at least 1.
func niceStep(raw float64) int {
	if raw <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw-1e-9 {
			return int(math.Round(m * p))
		}
	}
	return int(10 * p)
}

// formatCount writes a count with thousands separators: 1234567 is
// "1,234,567".
func formatCount(n int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	d := strconv.Itoa(n)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(d) {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(d[i])
	}
	return b.String()
}

// formatTick writes an axis value briefly: 500, 1.5k, 20k, 2M.
func formatTick(n int) string {
	switch {
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
	case n >= 1000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', -1, 64) + "k"
	}
	return strconv.Itoa(n)
}

// messages writes "1 message" or "1,234 messages".
func messages(n int) string {
	if n == 1 {
		return "1 message"
	}
	return formatCount(n) + " messages"
}

// clockLabel says which clock the times are on.
func clockLabel(location string) string {
	if loc := clean(location); loc != "" {
		return "times in " + truncate(loc, 12, 300)
	}
	return "times on the chat's own clock"
}

// chatTitle is the chat's title to show, cleaned, or a stand-in.
func chatTitle(title string) string {
	if t := clean(title); t != "" {
		return t
	}
	return "Untitled chat"
}
