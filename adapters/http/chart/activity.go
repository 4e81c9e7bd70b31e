package chart

import (
	"strconv"
	"time"
)

// ActivityInput is what the activity heatmap shows.
type ActivityInput struct {
	// Title is the chat's title (any text: it is cleaned and escaped).
	Title string
	// Location is the time zone the counts were taken in (an IANA name);
	// empty when each message's own clock was used.
	Location string
	// Counts holds the messages by weekday and hour of the day: index 0 is
	// Sunday, as time.Weekday (chatstats.Result.ByWeekdayHour). Negative
	// counts are taken as zero.
	Counts [7][24]int
}

// weekdayRows is the order of the rows: the week starts on Monday (ISO
// 8601), as the timeline's weeks do.
var weekdayRows = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Heatmap geometry, in pixels.
const (
	actWidth   = 900
	actHeight  = 320
	actLeft    = 64
	actTop     = 76
	actPitch   = 26 // a cell and its gap
	actCell    = 23
	actLegendX = 720
)

// class is one step of the heatmap's colour scale: counts from lo to hi.
type class struct {
	lo, hi int
	fill   string
}

// activityClasses cuts 1..max into at most 7 classes of equal width, a
// step of 1, 2 or 5 × 10^n, light to dark; zero has a class of its own,
// light grey. A discrete scale makes the legend exact: each colour is one
// range of counts.
func activityClasses(max int) []class {
	out := []class{{0, 0, zeroColour}}
	if max <= 0 {
		return out
	}
	step := niceStep(float64(max) / 7)
	n := (max + step - 1) / step
	for i := range n {
		t := 0.5
		if n > 1 {
			t = 1 - float64(i)/float64(n-1)*0.95 // yellow for few, dark purple for the most
		}
		out = append(out, class{i*step + 1, (i + 1) * step, viridisAt(t)})
	}
	return out
}

func classOf(classes []class, n int) class {
	if n <= 0 {
		return classes[0]
	}
	step := classes[1].hi
	return classes[1+(n-1)/step]
}

func (c class) label() string {
	if c.lo == c.hi {
		return formatCount(c.lo)
	}
	return formatCount(c.lo) + "–" + formatCount(c.hi)
}

// Activity draws the messages by weekday (rows, Monday first) and hour of
// the day (columns, 0 to 23) as a heatmap with a legend of its colour
// scale. A chat without timed messages gets the empty grid and a note
// saying so.
func Activity(in ActivityInput) []byte {
	var counts [7][24]int
	total, max := 0, 0
	busyDay, busyHour := time.Weekday(0), 0
	for _, d := range weekdayRows {
		for h := range 24 {
			n := in.Counts[d][h]
			if n < 0 {
				n = 0
			}
			counts[d][h] = n
			total += n
			if n > max {
				max, busyDay, busyHour = n, d, h
			}
		}
	}
	title := truncate(chatTitle(in.Title), 12, 2400)
	clock := clockLabel(in.Location)
	desc := "Heatmap of " + messages(total) + " by weekday (rows, Monday to Sunday) and hour of the day (columns, 0 to 23), " + clock + "."
	if max > 0 {
		desc += " The busiest hour is " + busyDay.String() + " " + hourRange(busyHour) + " with " + messages(max) + "."
	}

	var s svg
	s.b = make([]byte, 0, 32<<10)
	s.open(actWidth, actHeight, "Activity by weekday and hour: "+title, desc)
	s.textAt(24, 32, 18, "start", inkColour, `font-weight="bold"`, truncate(chatTitle(in.Title), 18, actWidth-48))
	s.textAt(24, 54, 12, "start", mutedColour, "", "Messages by weekday and hour, "+clock+" · "+messages(total))

	classes := activityClasses(max)
	s.raw(`<g class="cells">`, "\n")
	for row, d := range weekdayRows {
		y := float64(actTop + row*actPitch)
		for h := range 24 {
			n := counts[d][h]
			s.rectOpen(float64(actLeft+h*actPitch), y, actCell, actCell, classOf(classes, n).fill)
			s.raw(` data-weekday="`)
			s.int(int(d))
			s.raw(`" data-hour="`)
			s.int(h)
			s.raw(`" data-count="`)
			s.int(n)
			s.raw(`"><title>`, d.String(), " ", hourRange(h), ": ", messages(n), "</title></rect>\n")
		}
	}
	s.raw("</g>\n")

	// Axes: weekday names on the left, hours below, an axis title.
	for row, d := range weekdayRows {
		s.textAt(actLeft-8, float64(actTop+row*actPitch)+actCell/2+4, 12, "end", inkColour, "", d.String()[:3])
	}
	bottom := float64(actTop + 7*actPitch)
	for h := range 24 {
		s.textAt(float64(actLeft+h*actPitch)+actCell/2, bottom+14, 11, "middle", inkColour, "", strconv.Itoa(h))
	}
	s.textAt(actLeft+24*actPitch/2, bottom+38, 12, "middle", mutedColour, "", "Hour of the day ("+clock+")")

	if total == 0 {
		mid := float64(actTop + 7*actPitch/2)
		s.rectOpen(actLeft+24*actPitch/2-150, mid-20, 300, 34, "#ffffff")
		s.raw(` stroke="`, gridColour, `"/>`, "\n")
		s.textAt(actLeft+24*actPitch/2, mid+2, 14, "middle", inkColour, "", "No timed messages in this chat")
	}

	// The legend: one swatch per class, and the range it stands for.
	s.raw(`<g class="legend">`, "\n")
	s.textAt(actLegendX, actTop+10, 12, "start", inkColour, `font-weight="bold"`, "Messages")
	for i, c := range classes {
		y := float64(actTop + 22 + i*20)
		s.rectOpen(actLegendX, y, 14, 14, c.fill)
		s.raw(` data-min="`)
		s.int(c.lo)
		s.raw(`" data-max="`)
		s.int(c.hi)
		s.raw(`"/>`, "\n")
		s.textAt(actLegendX+22, y+11, 12, "start", inkColour, "", c.label())
	}
	s.raw("</g>\n")
	return s.close()
}

// hourRange writes hour h as "14:00–15:00".
func hourRange(h int) string {
	two := func(v int) string {
		if v < 10 {
			return "0" + strconv.Itoa(v)
		}
		return strconv.Itoa(v)
	}
	return two(h) + ":00–" + two((h+1)%24) + ":00"
}
