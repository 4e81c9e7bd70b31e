package chart

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"
)

// DayCount is a number of messages on one calendar day, the shape of
// chatstats.DayCount.
type DayCount struct {
	// Date is the day: its year, month and day are read in its own location
	// (chatstats gives midnight UTC); the time of day is ignored.
	Date time.Time
	// Messages counts every participant's messages that day.
	Messages int
	// ByAuthor splits Messages by author; it may leave authors out (all but
	// the most active, say): what it does not cover counts as "Others". A
	// day whose ByAuthor adds up to more than Messages counts that sum.
	ByAuthor []AuthorCount
}

// AuthorCount is one author's messages on one day.
type AuthorCount struct {
	Author   int // index in TimelineInput.Authors; any other counts as "Others"
	Messages int
}

// TimelineInput is what the timeline shows: chatstats.Result's ByDay, and
// its authors' names.
type TimelineInput struct {
	// Title is the chat's title (any text).
	Title string
	// Location is the time zone the days were counted in (an IANA name);
	// empty when each message's own clock was used.
	Location string
	// Authors names the authors AuthorCount.Author points at (any text: it
	// is cleaned, escaped and shortened to fit the legend; an empty name
	// shows as "(no name)").
	Authors []string
	// Days holds the messages per day, in any order; a day may come more
	// than once (its counts add up). The timeline stacks the MaxSeries-1
	// authors with the most messages in Days (ties: the earlier in Authors)
	// and puts the rest of each day under "Others". Without any ByAuthor it
	// has one series, every participant's messages.
	Days []DayCount
}

// MaxSeries is the most series a timeline stacks: nine authors and
// "Others" (so a qualitative palette can keep them apart).
const MaxSeries = 10

// Unit is the length of a timeline's bars.
type Unit int

const (
	Day   Unit = iota
	Week       // ISO 8601: Monday to Sunday
	Month      // calendar months
	Year
)

func (u Unit) String() string {
	return [...]string{"day", "week", "month", "year"}[u]
}

// UnitFor chooses the bars for a span of days (from the first day with
// messages to the last, both counted): days up to 90 days (at most 90
// bars), weeks up to two years (at most 106), months up to 20 years (at
// most 241), years beyond.
func UnitFor(spanDays int) Unit {
	switch {
	case spanDays <= 90:
		return Day
	case spanDays <= 731:
		return Week
	case spanDays <= 20*366:
		return Month
	}
	return Year
}

// Timeline geometry, in pixels.
const (
	tlWidth   = 900
	tlHeight  = 500
	tlLeft    = 72
	tlRight   = 690
	tlTop     = 78
	tlBottom  = 426
	tlLegendX = 712
	tlMaxBar  = 48
)

// Civil days: days since 1970-01-01 for a proleptic Gregorian date, and
// back (H. Hinnant's algorithms), so bucketing needs no time.Time.
func civilDay(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era--
	}
	yoe := yy - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilDate(z int64) (int, time.Month, int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := (mp+2)%12 + 1
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(d)
}

func dayOf(t time.Time) int64 {
	y, m, d := t.Date()
	return civilDay(y, m, d)
}

// key numbers the bucket a civil day falls in: the day itself, its week's
// Monday, months or years since year 0.
func (u Unit) key(day int64) int64 {
	switch u {
	case Week:
		return day - floorMod(day+3, 7) // 1970-01-01 was a Thursday
	case Month:
		y, m, _ := civilDate(day)
		return int64(y)*12 + int64(m) - 1
	case Year:
		y, _, _ := civilDate(day)
		return int64(y)
	}
	return day
}

// next returns the key of the bucket after k.
func (u Unit) next(k int64) int64 {
	if u == Week {
		return k + 7
	}
	return k + 1
}

// first returns the first civil day of bucket k.
func (u Unit) first(k int64) int64 {
	switch u {
	case Month:
		return civilDay(int(floorDiv(k, 12)), time.Month(floorMod(k, 12)+1), 1)
	case Year:
		return civilDay(int(k), time.January, 1)
	}
	return k
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// bucketer maps a civil day to its bar, fast for the common case of days
// in order (a month's key needs a date conversion).
type bucketer struct {
	u        Unit
	firstKey int64
	// the civil days [lo, hi) of the last bucket found, and its index
	lo, hi int64
	idx    int
}

func (b *bucketer) index(day int64) int {
	if day >= b.lo && day < b.hi {
		return b.idx
	}
	k := b.u.key(day)
	i := 0
	switch b.u {
	case Week:
		i = int((k - b.firstKey) / 7)
	default:
		i = int(k - b.firstKey)
	}
	b.lo, b.hi, b.idx = b.u.first(k), b.u.first(b.u.next(k)), i
	return i
}

// series is one stacked layer: its name, colour and a count per bar.
type series struct {
	name   string
	colour string
	counts []int
	total  int
}

// Timeline draws the messages per day, week, month or year (see UnitFor)
// as stacked bars, one layer per author (the most active MaxSeries-1) and
// one for the others, with a legend and a scale of 1, 2 or 5 × 10^n. A
// chat without timed messages gets a picture that says so.
func Timeline(in TimelineInput) []byte {
	// First pass: the span (every day with a message) and each author's
	// messages.
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	authorTotals := make([]int, len(in.Authors))
	split := false
	for _, d := range in.Days {
		byAuthor := 0
		for _, c := range d.ByAuthor {
			if c.Messages > 0 {
				byAuthor += c.Messages
				if c.Author >= 0 && c.Author < len(in.Authors) {
					authorTotals[c.Author] += c.Messages
					split = true
				}
			}
		}
		if d.Messages > 0 || byAuthor > 0 {
			z := dayOf(d.Date)
			lo, hi = min(lo, z), max(hi, z)
		}
	}
	title := chatTitle(in.Title)
	clock := clockLabel(in.Location)
	if lo > hi {
		return emptyTimeline(title, clock)
	}

	u := UnitFor(int(hi - lo + 1))
	firstKey, lastKey := u.key(lo), u.key(hi)
	n := int(lastKey-firstKey) + 1
	if u == Week {
		n = int((lastKey-firstKey)/7) + 1
	}

	// The layers: the most active authors, bottom up, then the others.
	var order []int
	for i, t := range authorTotals {
		if t > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(authorTotals[j], authorTotals[i]) })
	shown := min(len(order), MaxSeries-1)
	layerOf := make([]int, len(in.Authors))
	for i := range layerOf {
		layerOf[i] = -1
	}
	var layers []series
	for r, i := range order[:shown] {
		layerOf[i] = r
		name := clean(in.Authors[i])
		if name == "" {
			name = "(no name)"
		}
		layers = append(layers, series{name: name, colour: seriesColours[r], counts: make([]int, n)})
	}
	others := series{name: "Others", colour: othersColour, counts: make([]int, n)}
	if len(order) > shown {
		others.name = "Others (" + formatCount(len(order)-shown) + ")"
	}
	if !split {
		others = series{name: "All participants", colour: seriesColours[0], counts: make([]int, n)}
	}

	// Second pass: each day into its bar.
	bk := bucketer{u: u, firstKey: firstKey, lo: 1, hi: 0}
	for _, d := range in.Days {
		byAuthor, assigned := 0, 0
		for _, c := range d.ByAuthor {
			if c.Messages > 0 {
				byAuthor += c.Messages
			}
		}
		total := max(d.Messages, byAuthor, 0)
		if total == 0 {
			continue
		}
		b := bk.index(dayOf(d.Date))
		for _, c := range d.ByAuthor {
			if c.Messages > 0 && c.Author >= 0 && c.Author < len(in.Authors) && layerOf[c.Author] >= 0 {
				layers[layerOf[c.Author]].counts[b] += c.Messages
				assigned += c.Messages
			}
		}
		others.counts[b] += total - assigned
	}
	for i := range layers {
		layers[i].total = authorTotals[order[i]]
	}
	for _, c := range others.counts {
		others.total += c
	}
	if others.total > 0 {
		layers = append(layers, others)
	}

	// Bar totals and the scale.
	barTotals := make([]int, n)
	grand, most := 0, 0
	for b := range n {
		for _, l := range layers {
			barTotals[b] += l.counts[b]
		}
		grand += barTotals[b]
		most = max(most, barTotals[b])
	}
	step := niceStep(float64(most) / 5)
	top := max((most+step-1)/step*step, step)
	// Positions are computed in integer tenths of a pixel, so the output is
	// the same on every machine (no float rounding or fused operations).
	plotW10, plotH10 := (tlRight-tlLeft)*10, (tlBottom-tlTop)*10
	yAt := func(v int) int { return tlBottom*10 - int(int64(v)*int64(plotH10)/int64(top)) }
	xAt := func(b int) int { return tlLeft*10 + b*plotW10/n }
	centre := func(b int) int { return tlLeft*10 + (2*b+1)*plotW10/(2*n) }

	from, to := longDate(lo), longDate(hi)
	desc := "Stacked bar chart of " + messages(grand) + " per " + u.String() + " from " + from + " to " + to + ", " + clock + "."
	if split {
		desc += " Layers from the bottom:"
		for i, l := range layers {
			if i > 0 {
				desc += ","
			}
			desc += " " + truncate(l.name, 12, 240) + " " + formatCount(l.total)
		}
		desc += "."
	}

	var s svg
	s.b = make([]byte, 0, 64<<10+n*len(layers)*160)
	s.open(tlWidth, tlHeight, "Messages per "+u.String()+": "+truncate(title, 12, 2400), desc)
	s.textAt(24, 32, 18, "start", inkColour, `font-weight="bold"`, truncate(title, 18, tlWidth-48))
	s.textAt(24, 54, 12, "start", mutedColour, "",
		truncate("Messages per "+u.String()+", "+from+" – "+to+" · "+messages(grand)+" · "+clock, 12, tlWidth-48))

	// The value axis: grid lines and ticks.
	for v := 0; v <= top; v += step {
		y := tenths(yAt(v))
		colour := gridColour
		if v == 0 {
			colour = mutedColour
		}
		s.line(tlLeft, y, tlRight, y, colour)
		s.textAt(tlLeft-8, y+4, 11, "end", inkColour, "", formatTick(v))
	}
	mid := float64(tlTop+tlBottom) / 2
	s.raw(`<text x="18" y="`)
	s.num(mid)
	s.raw(`" font-size="12" text-anchor="middle" fill="`, mutedColour, `" transform="rotate(-90 18 `)
	s.num(mid)
	s.raw(`)">Messages per `, u.String(), "</text>\n")

	// The bars, one group each, a rect per layer with messages.
	s.raw(`<g class="bars">`, "\n")
	key := firstKey
	for b := range n {
		slot := xAt(b+1) - xAt(b)
		bar := slot
		if slot >= 40 {
			bar = slot * 8 / 10
		}
		bar = min(bar, tlMaxBar*10)
		x, w := tenths(xAt(b)+(slot-bar)/2), tenths(bar)
		start := u.first(key)
		s.raw(`<g data-start="`, isoDate(start), `" data-total="`)
		s.int(barTotals[b])
		s.raw(`"><title>`, bucketName(u, start), ": ", messages(barTotals[b]), "</title>\n")
		cum := 0
		for i, l := range layers {
			c := l.counts[b]
			if c == 0 {
				continue
			}
			y0 := yAt(cum)
			cum += c
			y1 := yAt(cum)
			s.rectOpen(x, tenths(y1), w, tenths(y0-y1), l.colour)
			s.raw(` data-series="`)
			s.int(i)
			s.raw(`" data-count="`)
			s.int(c)
			s.raw(`"><title>`)
			s.esc(truncate(l.name, 12, 240))
			s.raw(": ", messages(c), "</title></rect>\n")
		}
		s.raw("</g>\n")
		key = u.next(key)
	}
	s.raw("</g>\n")

	// The time axis: tick labels that do not overlap, and its title.
	for _, t := range timeTicks(u, firstKey, n, centre) {
		x := tenths(centre(t.index))
		s.line(x, tlBottom, x, tlBottom+4, mutedColour)
		s.textAt(x, tlBottom+17, 11, "middle", inkColour, "", t.text)
	}
	axis := [...]string{"Day", "Week (Monday to Sunday)", "Month", "Year"}[u]
	s.textAt((tlLeft+tlRight)/2, tlBottom+44, 12, "middle", mutedColour, "", axis)

	// The legend, top layer first as in the bars.
	s.raw(`<g class="legend">`, "\n")
	for j := range layers {
		i := len(layers) - 1 - j
		l := layers[i]
		y := float64(tlTop + j*22)
		s.raw(`<g data-series="`)
		s.int(i)
		s.raw(`" data-count="`)
		s.int(l.total)
		s.raw(`"><title>`)
		s.esc(truncate(l.name, 12, 240))
		s.raw(": ", messages(l.total), "</title>")
		s.rectOpen(tlLegendX, y, 14, 14, l.colour)
		s.raw("/>")
		s.textAt(tlLegendX+22, y+11.5, 12, "start", inkColour, "", truncate(l.name, 12, tlWidth-tlLegendX-22-8))
		s.raw("</g>\n")
	}
	s.raw("</g>\n")
	return s.close()
}

func tenths(v int) float64 { return float64(v) / 10 }

// emptyTimeline is the picture of a chat without timed messages.
func emptyTimeline(title, clock string) []byte {
	var s svg
	s.open(tlWidth, tlHeight, "Messages over time: "+truncate(title, 12, 2400),
		"No timed messages in this chat, so there is no timeline to draw.")
	s.textAt(24, 32, 18, "start", inkColour, `font-weight="bold"`, truncate(title, 18, tlWidth-48))
	s.textAt(24, 54, 12, "start", mutedColour, "", "Messages over time, "+clock)
	s.rectOpen(tlLeft, tlTop, tlRight-tlLeft, tlBottom-tlTop, "#fafafa")
	s.raw(` stroke="`, gridColour, `"/>`, "\n")
	s.textAt((tlLeft+tlRight)/2, (tlTop+tlBottom)/2, 16, "middle", inkColour, "", "No timed messages in this chat")
	return s.close()
}

var shortMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// longDate writes a civil day as "4 Mar 2024".
func longDate(z int64) string {
	y, m, d := civilDate(z)
	return strconv.Itoa(d) + " " + shortMonths[m-1] + " " + strconv.Itoa(y)
}

// isoDate writes a civil day as "2024-03-04".
func isoDate(z int64) string {
	y, m, d := civilDate(z)
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// bucketName names the bar that starts on civil day z.
func bucketName(u Unit, z int64) string {
	y, m, _ := civilDate(z)
	switch u {
	case Week:
		return "Week of " + longDate(z)
	case Month:
		return m.String() + " " + strconv.Itoa(y)
	case Year:
		return strconv.Itoa(y)
	}
	return time.Weekday(floorMod(z+4, 7)).String()[:3] + " " + longDate(z)
}

type tick struct {
	index int
	text  string
}

// timeTicks chooses the labels of the time axis: the finest of a few
// calendar steps whose labels do not overlap. Days are labelled "4 Mar"
// (every day, every other day, Mondays, every other or fourth Monday);
// weeks and months by the month they start, with the year for January
// ("2024") (every month, 2, 3 or 6 months, every year, 2, 5, 10 years);
// years every 1, 2, 5, 10, 20, 50 or 100 years.
func timeTicks(u Unit, firstKey int64, n int, centre func(int) int) []tick {
	var candidates [][]tick
	switch u {
	case Day:
		for _, every := range []int64{1, 2, 7, 14, 28} {
			var ts []tick
			for b := range n {
				z := firstKey + int64(b)
				switch {
				case every < 7 && floorMod(z, every) != 0:
					continue
				case every >= 7 && (floorMod(z+3, 7) != 0 || floorMod(floorDiv(z+3, 7), every/7) != 0):
					continue // not a Monday, or not every second or fourth
				}
				_, m, d := civilDate(z)
				ts = append(ts, tick{b, strconv.Itoa(d) + " " + shortMonths[m-1]})
			}
			candidates = append(candidates, ts)
		}
	case Week, Month:
		for _, every := range []int64{1, 2, 3, 6, 12, 24, 60, 120, 240} {
			var ts []tick
			key := firstKey
			for b := range n {
				z := u.first(key)
				key = u.next(key)
				y, m, d := civilDate(z)
				if u == Week && d > 7 { // not the first Monday of its month
					continue
				}
				if floorMod(int64(y)*12+int64(m)-1, every) != 0 {
					continue
				}
				text := shortMonths[m-1]
				if m == time.January {
					text = strconv.Itoa(y)
				}
				ts = append(ts, tick{b, text})
			}
			candidates = append(candidates, ts)
		}
	case Year:
		for _, every := range []int64{1, 2, 5, 10, 20, 50, 100} {
			var ts []tick
			for b := range n {
				if floorMod(firstKey+int64(b), every) == 0 {
					ts = append(ts, tick{b, strconv.Itoa(int(firstKey) + b)})
				}
			}
			candidates = append(candidates, ts)
		}
	}
	for _, ts := range candidates {
		if fits(ts, centre) && len(ts) > 0 {
			return ts
		}
	}
	// Nothing fits (a very long span by years): thin the coarsest.
	ts := candidates[len(candidates)-1]
	for every := 2; !fits(ts, centre); every++ {
		var thin []tick
		for i, t := range candidates[len(candidates)-1] {
			if i%every == 0 {
				thin = append(thin, t)
			}
		}
		ts = thin
	}
	return ts
}

// fits reports whether tick labels at 11 px, centred on their bars (centre
// gives a bar's centre in tenths of a pixel), leave at least 8 px between
// each other.
func fits(ts []tick, centre func(int) int) bool {
	for i := 1; i < len(ts); i++ {
		a, b := ts[i-1], ts[i]
		gap := float64(centre(b.index)-centre(a.index))/10 - (textWidth(a.text, 11)+textWidth(b.text, 11))/2
		if gap < 8 {
			return false
		}
	}
	return true
}
