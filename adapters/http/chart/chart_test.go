package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// node is an element of a parsed picture.
type node struct {
	name     string
	attr     map[string]string
	children []*node
	text     string // character data directly inside
	parent   *node
}

// parse reads a picture with encoding/xml, failing the test when it is not
// well-formed, and returns its root.
func parse(t *testing.T, doc []byte) *node {
	t.Helper()
	if !utf8.Valid(doc) {
		t.Fatal("the document is not valid UTF-8")
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var root, cur *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				name := a.Name.Local
				if a.Name.Space != "" && a.Name.Space != "http://www.w3.org/2000/svg" {
					name = a.Name.Space + ":" + name
				}
				n.attr[name] = a.Value
			}
			if cur == nil {
				if root != nil {
					t.Fatal("more than one root element")
				}
				root = n
				if tok.Name.Space != svgNS {
					t.Fatalf("root namespace %q", tok.Name.Space)
				}
			} else {
				cur.children = append(cur.children, n)
			}
			cur = n
		case xml.EndElement:
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				cur.text += string(tok)
			}
		case xml.ProcInst, xml.Directive:
			t.Fatalf("unexpected %T in the picture", tok)
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

func (n *node) walk(f func(*node)) {
	f(n)
	for _, c := range n.children {
		c.walk(f)
	}
}

func (n *node) all(name string) []*node {
	var out []*node
	n.walk(func(m *node) {
		if m.name == name {
			out = append(out, m)
		}
	})
	return out
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// group returns the <g> whose class is class.
func (n *node) group(t *testing.T, class string) *node {
	t.Helper()
	var out *node
	n.walk(func(m *node) {
		if m.name == "g" && m.attr["class"] == class {
			out = m
		}
	})
	if out == nil {
		t.Fatalf("no <g class=%q>", class)
	}
	return out
}

// texts returns the content of every <text>.
func (n *node) texts() []string {
	var out []string
	for _, m := range n.all("text") {
		out = append(out, m.text)
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not an integer: %q", s)
	}
	return v
}

// checkDocument checks what every picture must be: an svg root with its
// namespace, size and viewBox, a title and a description first, a generic
// font, and nothing active or external.
func checkDocument(t *testing.T, doc []byte) *node {
	t.Helper()
	root := parse(t, doc)
	if root.name != "svg" {
		t.Fatalf("root is <%s>", root.name)
	}
	for _, a := range []string{"viewBox", "width", "height", "version"} {
		if root.attr[a] == "" {
			t.Errorf("root has no %s", a)
		}
	}
	if root.attr["font-family"] != "sans-serif" {
		t.Errorf("font-family %q", root.attr["font-family"])
	}
	if len(root.children) < 2 || root.children[0].name != "title" || root.children[1].name != "desc" {
		t.Fatal("the first children are not <title> and <desc>")
	}
	if strings.TrimSpace(root.children[0].text) == "" || strings.TrimSpace(root.children[1].text) == "" {
		t.Error("empty <title> or <desc>")
	}
	root.walk(func(n *node) {
		switch n.name {
		case "script", "foreignObject", "image", "a", "use", "style", "iframe", "object", "embed":
			t.Errorf("forbidden element <%s>", n.name)
		}
		for k, v := range n.attr {
			if strings.HasPrefix(strings.ToLower(k), "on") || strings.Contains(strings.ToLower(k), "href") {
				t.Errorf("forbidden attribute %s=%q on <%s>", k, v, n.name)
			}
			if strings.Contains(v, "url(") {
				t.Errorf("external reference %s=%q", k, v)
			}
		}
	})
	// "http" appears in the xmlns URI, and nowhere else but in text a
	// user wrote (shown as text, never followed).
	inText := 0
	root.walk(func(n *node) { inText += strings.Count(n.text, "http") })
	if c := bytes.Count(doc, []byte("http")); c != 1+inText || !bytes.Contains(doc, []byte(`xmlns="http://www.w3.org/2000/svg"`)) {
		t.Errorf(`"http" appears %d times, %d in text; want only the xmlns URI besides`, c, inText)
	}
	for _, bad := range []string{"<script", "url(", "@import", "javascript:", "<!DOCTYPE", "<!ENTITY"} {
		if bytes.Contains(bytes.ToLower(doc), []byte(strings.ToLower(bad))) {
			t.Errorf("the document contains %q", bad)
		}
	}
	return root
}

// --- Activity --------------------------------------------------------------

func randomCounts(seed uint64, scale int) [7][24]int {
	r := rand.New(rand.NewPCG(seed, 1))
	var c [7][24]int
	for d := range 7 {
		for h := range 24 {
			// quiet nights, busy evenings
			w := 1 + h/3
			if h < 7 {
				w = 0
			}
			c[d][h] = r.IntN(scale*w + 1)
		}
	}
	return c
}

func TestActivityStructure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		count [7][24]int
	}{
		{"random", randomCounts(1, 40)},
		{"large", randomCounts(2, 100000)},
		{"single message", func() (c [7][24]int) { c[3][14] = 1; return }()},
		{"few", func() (c [7][24]int) { c[0][0], c[1][1], c[2][2] = 1, 2, 3; return }()},
		{"empty", [7][24]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := Activity(ActivityInput{Title: "Family", Location: "Europe/Paris", Counts: tc.count})
			if !bytes.Equal(doc, Activity(ActivityInput{Title: "Family", Location: "Europe/Paris", Counts: tc.count})) {
				t.Error("two renderings differ")
			}
			root := checkDocument(t, doc)
			cells := root.group(t, "cells").all("rect")
			if len(cells) != 7*24 {
				t.Fatalf("%d cells, want 168", len(cells))
			}
			seen := map[[2]int]bool{}
			type cell struct {
				count int
				fill  string
			}
			var got []cell
			for _, c := range cells {
				d, h, n := atoi(t, c.attr["data-weekday"]), atoi(t, c.attr["data-hour"]), atoi(t, c.attr["data-count"])
				if seen[[2]int{d, h}] {
					t.Fatalf("cell %d/%d twice", d, h)
				}
				seen[[2]int{d, h}] = true
				if n != tc.count[d][h] {
					t.Errorf("cell %d/%d shows %d, want %d", d, h, n, tc.count[d][h])
				}
				if c.child("title") == nil {
					t.Errorf("cell %d/%d has no <title>", d, h)
				}
				got = append(got, cell{n, c.attr["fill"]})
			}
			if got[0].count != tc.count[time.Monday][0] {
				t.Error("the first row is not Monday")
			}

			// The legend: classes that cover 0..max without gaps, one
			// colour each, and every cell coloured by its class, so the
			// colour grows with the count.
			legend := root.group(t, "legend")
			var classes []class
			for _, r := range legend.all("rect") {
				classes = append(classes, class{atoi(t, r.attr["data-min"]), atoi(t, r.attr["data-max"]), r.attr["fill"]})
			}
			if len(classes) == 0 || classes[0].lo != 0 || classes[0].hi != 0 {
				t.Fatalf("legend %v does not start with 0", classes)
			}
			if len(classes) > 8 {
				t.Errorf("%d classes in the legend", len(classes))
			}
			fills := map[string]int{}
			for i, c := range classes {
				if _, dup := fills[c.fill]; dup {
					t.Errorf("colour %s twice in the legend", c.fill)
				}
				fills[c.fill] = i
				if i > 0 && c.lo != classes[i-1].hi+1 {
					t.Errorf("legend gap between %v and %v", classes[i-1], c)
				}
			}
			if len(legend.all("text")) != len(classes)+1 {
				t.Errorf("legend has %d texts for %d classes", len(legend.all("text")), len(classes))
			}
			slices.SortStableFunc(got, func(a, b cell) int { return a.count - b.count })
			prev := -1
			for _, c := range got {
				i, ok := fills[c.fill]
				if !ok {
					t.Fatalf("fill %s of a cell is not in the legend", c.fill)
				}
				if c.count < classes[i].lo || c.count > classes[i].hi {
					t.Errorf("count %d coloured as %v", c.count, classes[i])
				}
				if i < prev {
					t.Errorf("count %d has a lower class than a smaller count", c.count)
				}
				prev = i
			}
			if max := got[len(got)-1].count; max > 0 && classes[len(classes)-1].hi < max {
				t.Errorf("legend ends at %d below the maximum %d", classes[len(classes)-1].hi, max)
			}

			texts := strings.Join(root.texts(), "|")
			for _, want := range []string{"|Mon|", "|Sun|", "|0|", "|23|", "Family", "Europe/Paris"} {
				if !strings.Contains("|"+texts+"|", want) {
					t.Errorf("no %q among the texts", want)
				}
			}
			if strings.Contains(texts, "No timed messages") != (tc.name == "empty") {
				t.Errorf("the empty-chat note is wrong: %s", texts)
			}
		})
	}
}

func TestActivityClock(t *testing.T) {
	doc := Activity(ActivityInput{Title: "x", Counts: randomCounts(3, 5)})
	if !bytes.Contains(doc, []byte("chat&#39;s own clock")) {
		t.Error("no mention of the chat's own clock")
	}
	checkDocument(t, doc)
}

// --- Timeline --------------------------------------------------------------

var base = time.Date(2015, time.January, 1, 0, 0, 0, 0, time.UTC)

// chat makes a deterministic chat: authors whose activity falls off with
// their index, over days days from start, with quiet days.
func chat(seed uint64, authors, days int, start time.Time) TimelineInput {
	r := rand.New(rand.NewPCG(seed, 7))
	in := TimelineInput{Title: "Chat " + strconv.Itoa(authors), Location: "Europe/Berlin"}
	for a := range authors {
		in.Authors = append(in.Authors, fmt.Sprintf("Author number %d", a+1))
	}
	for d := range days {
		day := DayCount{Date: start.AddDate(0, 0, d)}
		for a := range authors {
			if r.IntN(3) == 0 {
				continue
			}
			if n := r.IntN(40/(a+1) + 2); n > 0 {
				day.ByAuthor = append(day.ByAuthor, AuthorCount{Author: a, Messages: n})
				day.Messages += n
			}
		}
		if day.Messages > 0 {
			in.Days = append(in.Days, day)
		}
	}
	return in
}

// authorTotals sums each author's messages, by name.
func authorTotals(in TimelineInput) map[string]int {
	out := map[string]int{}
	for _, d := range in.Days {
		for _, c := range d.ByAuthor {
			out[in.Authors[c.Author]] += c.Messages
		}
	}
	return out
}

// bucketStart is an independent reading of the buckets, with the time
// package: the first day of the day, ISO week, month or year of t.
func bucketStart(u Unit, t time.Time) string {
	switch u {
	case Week:
		wd := (int(t.Weekday()) + 6) % 7 // Monday 0
		t = t.AddDate(0, 0, -wd)
	case Month:
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case Year:
		t = time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Format(time.DateOnly)
}

type bar struct {
	start    string
	total    int
	segments map[int]int // series → count
}

// checkTimeline checks the document and the bars against the input, and
// returns the bars.
func checkTimeline(t *testing.T, in TimelineInput, wantUnit Unit) (*node, []bar) {
	t.Helper()
	doc := Timeline(in)
	root := checkDocument(t, doc)
	if !bytes.Equal(doc, Timeline(in)) {
		t.Error("two renderings differ")
	}
	// The expected totals per bucket, read with the time package.
	want := map[string]int{}
	for _, d := range in.Days {
		byAuthor := 0
		for _, c := range d.ByAuthor {
			byAuthor += max(c.Messages, 0)
		}
		want[bucketStart(wantUnit, d.Date)] += max(d.Messages, byAuthor, 0)
	}
	var bars []bar
	series := map[int]bool{}
	for _, g := range root.group(t, "bars").children {
		b := bar{start: g.attr["data-start"], total: atoi(t, g.attr["data-total"]), segments: map[int]int{}}
		if g.child("title") == nil {
			t.Errorf("bar %s has no <title>", b.start)
		}
		sum := 0
		// Segments stack upwards without gaps or overlaps, each as tall
		// as its count, on one baseline.
		prevTop := -1.0
		for _, r := range g.all("rect") {
			y, _ := strconv.ParseFloat(r.attr["y"], 64)
			h, _ := strconv.ParseFloat(r.attr["height"], 64)
			if h < 0 || y < tlTop-0.05 || y+h > tlBottom+0.05 {
				t.Errorf("bar %s: segment y=%v height=%v outside the plot", b.start, y, h)
			}
			if prevTop >= 0 && math.Abs(y+h-prevTop) > 0.05 {
				t.Errorf("bar %s: segment ends at %v, the one below starts at %v", b.start, y+h, prevTop)
			}
			if prevTop < 0 && math.Abs(y+h-tlBottom) > 0.05 {
				t.Errorf("bar %s: first segment ends at %v, not on the baseline", b.start, y+h)
			}
			prevTop = y
			s, c := atoi(t, r.attr["data-series"]), atoi(t, r.attr["data-count"])
			if c <= 0 {
				t.Errorf("an empty segment in bar %s", b.start)
			}
			b.segments[s] += c
			series[s] = true
			sum += c
		}
		if sum != b.total {
			t.Errorf("bar %s: segments sum to %d, data-total %d", b.start, sum, b.total)
		}
		if b.total != want[b.start] {
			t.Errorf("bar %s: %d messages, want %d", b.start, b.total, want[b.start])
		}
		delete(want, b.start)
		bars = append(bars, b)
	}
	for start, n := range want {
		if n > 0 {
			t.Errorf("no bar for %s (%d messages)", start, n)
		}
	}
	for i := 1; i < len(bars); i++ {
		if bars[i].start <= bars[i-1].start {
			t.Errorf("bars out of order: %s after %s", bars[i].start, bars[i-1].start)
		}
	}
	if len(series) > MaxSeries {
		t.Errorf("%d series", len(series))
	}
	legend := root.group(t, "legend").children
	if len(legend) > MaxSeries || len(legend) < len(series) {
		t.Errorf("%d legend entries for %d series", len(legend), len(series))
	}
	if !strings.Contains(root.children[0].text, "per "+wantUnit.String()) {
		t.Errorf("title %q does not say per %s", root.children[0].text, wantUnit)
	}
	return root, bars
}

func TestUnitFor(t *testing.T) {
	for _, tc := range []struct {
		days int
		want Unit
	}{{1, Day}, {60, Day}, {90, Day}, {91, Week}, {365, Week}, {731, Week}, {732, Month}, {3653, Month}, {7320, Month}, {7321, Year}} {
		if got := UnitFor(tc.days); got != tc.want {
			t.Errorf("UnitFor(%d) = %s, want %s", tc.days, got, tc.want)
		}
	}
}

func TestTimelineSpans(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start time.Time
		days  int
		unit  Unit
		bars  int
	}{
		{"1 day", base, 1, Day, 1},
		{"60 days", base, 60, Day, 60},
		{"1 year", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 366, Week, 53},               // 2024-01-01 is a Monday
		{"1 year from a Sunday", time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), 365, Week, 53}, // weeks of 2022-12-26 to 2023-12-25
		{"10 years", base, 3653, Month, 120},
		{"30 years", time.Date(1996, 1, 1, 0, 0, 0, 0, time.UTC), 30 * 365, Year, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := chat(11, 3, tc.days, tc.start)
			// the span is the input's first and last day with messages
			in.Days = append(in.Days, DayCount{Date: tc.start, Messages: 1}, DayCount{Date: tc.start.AddDate(0, 0, tc.days-1), Messages: 1})
			_, bars := checkTimeline(t, in, tc.unit)
			if len(bars) != tc.bars {
				t.Errorf("%d bars, want %d", len(bars), tc.bars)
			}
		})
	}
}

func TestTimelineAuthors(t *testing.T) {
	for _, authors := range []int{1, 2, 9, 10, 11, 50} {
		t.Run(strconv.Itoa(authors), func(t *testing.T) {
			in := chat(uint64(authors), authors, 400, base)
			root, _ := checkTimeline(t, in, Week)
			legend := root.group(t, "legend")
			entries := len(legend.children)
			if want := min(authors, MaxSeries); entries != want {
				t.Errorf("%d legend entries, want %d", entries, want)
			}
			hasOthers := strings.Contains(strings.Join(legend.texts(), "|"), "Others")
			if hasOthers != (authors > MaxSeries-1) {
				t.Errorf("others in the legend: %v with %d authors", hasOthers, authors)
			}
		})
	}
}

// The series are the most active authors, in order, whatever the order of
// the input; "Others" is the rest of the totals.
func TestTimelineTopAuthors(t *testing.T) {
	in := chat(5, 20, 50, base)
	// the least active first
	slices.Reverse(in.Authors)
	for _, d := range in.Days {
		for j := range d.ByAuthor {
			d.ByAuthor[j].Author = len(in.Authors) - 1 - d.ByAuthor[j].Author
		}
	}
	root, bars := checkTimeline(t, in, Day)
	want := authorTotals(in)
	prev := -1
	for i := len(root.group(t, "legend").children) - 1; i >= 0; i-- { // bottom layer last in the legend
		e := root.group(t, "legend").children[i]
		name := e.all("text")[0].text
		n := atoi(t, e.attr["data-count"])
		if !strings.HasPrefix(name, "Others") && want[name] != n {
			t.Errorf("%s: %d in the legend, want %d", name, n, want[name])
		}
		if prev >= 0 && n > prev && !strings.HasPrefix(name, "Others") {
			t.Errorf("%s (%d) stacked above a less active author", name, n)
		}
		prev = n
	}
	// Only the top nine authors' totals given, and the chat's totals:
	// "Others" makes up the difference.
	ranked := slices.Clone(in.Authors)
	slices.SortStableFunc(ranked, func(a, b string) int { return want[b] - want[a] })
	in2 := in
	in2.Days = nil
	for _, d := range in.Days {
		d2 := DayCount{Date: d.Date, Messages: d.Messages}
		for _, c := range d.ByAuthor {
			if slices.Contains(ranked[:9], in.Authors[c.Author]) {
				d2.ByAuthor = append(d2.ByAuthor, c)
			}
		}
		in2.Days = append(in2.Days, d2)
	}
	_, bars2 := checkTimeline(t, in2, Day)
	if len(bars2) != len(bars) {
		t.Fatal("different bars")
	}
	for i := range bars {
		if !maps2equal(bars[i].segments, bars2[i].segments) {
			t.Errorf("bar %s: %v from all authors, %v from nine and the totals", bars[i].start, bars[i].segments, bars2[i].segments)
		}
	}
}

func maps2equal(a, b map[int]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTimelineTotalsOnly(t *testing.T) {
	in := chat(9, 4, 700, base)
	in.Authors = nil
	for i := range in.Days {
		in.Days[i].ByAuthor = nil
	}
	root, _ := checkTimeline(t, in, Week)
	if n := len(root.group(t, "legend").children); n != 1 {
		t.Errorf("%d legend entries for one series", n)
	}
}

// Input that does not add up is drawn all the same: unknown author indexes
// count as others, a split larger than the day's count wins.
func TestTimelineInconsistent(t *testing.T) {
	in := TimelineInput{Authors: []string{"Ann", "Bo"}, Days: []DayCount{
		{Date: base, Messages: 5, ByAuthor: []AuthorCount{{Author: 7, Messages: 3}, {Author: -1, Messages: 2}, {Author: 0, Messages: 4}}},
		{Date: base.AddDate(0, 0, 1), Messages: 10, ByAuthor: []AuthorCount{{Author: 1, Messages: 2}, {Author: 0, Messages: -4}}},
		{Date: base.AddDate(0, 0, 2), Messages: -3},
	}}
	_, bars := checkTimeline(t, in, Day)
	want := []map[int]int{{0: 4, 2: 5}, {1: 2, 2: 8}} // no bar for a day without messages at the end
	if len(bars) != 2 {
		t.Fatalf("%d bars", len(bars))
	}
	for i, b := range bars {
		if !maps2equal(b.segments, want[i]) {
			t.Errorf("bar %s: %v, want %v", b.start, b.segments, want[i])
		}
	}
}

func TestTimelineEmpty(t *testing.T) {
	for _, in := range []TimelineInput{
		{},
		{Title: "Quiet", Authors: []string{"a", "b"}, Days: []DayCount{{Date: base, ByAuthor: []AuthorCount{{Author: 1}}}}},
	} {
		doc := Timeline(in)
		root := checkDocument(t, doc)
		if !strings.Contains(strings.Join(root.texts(), "|"), "No timed messages") {
			t.Errorf("the empty picture does not say so: %s", doc)
		}
	}
}

// --- Hostile text ----------------------------------------------------------

var hostile = []string{
	"<script>alert(1)</script>",
	"&",
	"&amp; &lt;",
	"\x00\x07bell",
	"bad \xff\xfe utf-8 \xc3",
	"\u202Eevil\u202C override",
	`"quoted" 'single' ]]> <![CDATA[x]]>`,
	"<!-- comment -->",
	"emoji 👨‍👩‍👧‍👦 family and a long name that does not fit in the legend at all",
	"مرحبا بالعالم",
	"שלום עולם",
	"\u0085next line\u2028line separator\ttab\r\n",
	"\uFFFE\uFFFF\uFEFF",
	"",
	"   ",
	strings.Repeat("x", 10000),
	"onload=alert(1) href=http://evil.example/",
}

func TestHostileText(t *testing.T) {
	check := func(t *testing.T, doc []byte, script bool) {
		t.Helper()
		root := checkDocument(t, doc)
		for _, bad := range [][]byte{{0}, {7}, []byte("\u202E"), []byte("\uFEFF"), []byte("\uFFFE"), []byte("\u0085"), []byte("<script")} {
			if bytes.Contains(doc, bad) {
				t.Errorf("the document contains %q", bad)
			}
		}
		// The script text is shown as text, escaped.
		if script && !bytes.Contains(doc, []byte("&lt;script&gt;")) {
			t.Error("the escaped script text is missing")
		}
		root.walk(func(n *node) {
			if n.name != "text" && n.name != "title" && n.name != "desc" && strings.TrimSpace(n.text) != "" {
				t.Errorf("text inside <%s>: %q", n.name, n.text)
			}
		})
	}
	for _, title := range hostile {
		t.Run(fmt.Sprintf("%.20q", title), func(t *testing.T) {
			check(t, Activity(ActivityInput{Title: title, Location: title, Counts: randomCounts(4, 3)}), strings.Contains(title, "<script>"))
			in := chat(4, len(hostile), 30, base)
			in.Title, in.Location = title, title
			for i := range in.Authors {
				in.Authors[i] = hostile[(i+1)%len(hostile)]
			}
			in.Authors[0] = "<script>alert(1)</script>"
			check(t, Timeline(in), true)
			check(t, Timeline(TimelineInput{Title: "<script>" + title}), true)
		})
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"<b>&":                    "<b>&",
		"\x00a\x07b\x1f":          "ab",
		"a\xffb":                  "ab",
		"\u202Eabc\u202C":         "abc",
		"  a \t\n b  ":            "a b",
		"\u0080\u009fc":           "c",
		"👨‍👩‍👧":                   "👨‍👩‍👧",
		"\ufeffx\uffff":           "x",
		"\u2066isolated\u2069 ok": "isolated ok",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := truncate("Alexandra Konstantinopoulou-Smith", 12, 100); !strings.HasSuffix(got, "…") || textWidth(got, 12) > 100 {
		t.Errorf("truncate: %q (%.0f px)", got, textWidth(got, 12))
	}
	if got := truncate("Bob", 12, 100); got != "Bob" {
		t.Errorf("truncate(Bob) = %q", got)
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]int{0: 1, 0.2: 1, 1: 1, 1.5: 2, 2: 2, 3: 5, 7: 10, 11: 20, 45: 50, 51: 100, 2001: 5000, 1e6: 1000000} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %d, want %d", raw, got, want)
		}
	}
}

func TestCivilDays(t *testing.T) {
	for d := time.Date(1899, 12, 25, 0, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 13) {
		z := civilDay(d.Date())
		if z != d.Unix()/86400 {
			t.Fatalf("civilDay(%s) = %d", d.Format(time.DateOnly), z)
		}
		if y, m, dd := civilDate(z); time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) != d {
			t.Fatalf("civilDate(%d) = %d-%d-%d", z, y, m, dd)
		}
	}
}

// A date in another zone is read as the day it names there.
func TestDatesInTheirOwnZone(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	in := TimelineInput{Days: []DayCount{{Date: time.Date(2024, 3, 4, 0, 30, 0, 0, tokyo), Messages: 3}}}
	root := checkDocument(t, Timeline(in))
	if g := root.group(t, "bars").children[0]; g.attr["data-start"] != "2024-03-04" {
		t.Errorf("bar starts %s", g.attr["data-start"])
	}
}

// --- Benchmark and samples -------------------------------------------------

func BenchmarkTimeline10Years50Authors(b *testing.B) {
	in := chat(1, 50, 3653, base)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		size = len(Timeline(in))
	}
	b.ReportMetric(float64(size), "bytes/svg")
}

func BenchmarkActivity(b *testing.B) {
	in := ActivityInput{Title: "Family", Counts: randomCounts(1, 500)}
	b.ReportAllocs()
	for b.Loop() {
		Activity(in)
	}
}

// TestWriteSamples writes sample pictures to $CHART_SAMPLES, to look at.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("CHART_SAMPLES")
	if dir == "" {
		t.Skip("CHART_SAMPLES names no directory")
	}
	names := []string{"Ana", "Ben 🎸"}
	small := chat(21, 2, 21, time.Date(2024, 5, 27, 0, 0, 0, 0, time.UTC))
	small.Title = "Weekend trip <planning> & more"
	copy(small.Authors, names)
	big := chat(22, 50, 3653, base)
	big.Title = "Extended family & friends 👨‍👩‍👧‍👦 — the big group chat that never sleeps"
	big.Location = ""
	bigNames := []string{"Alexandra Konstantinopoulou-Smith", "محمد عبد الله", "李小龙", "<script>alert(1)</script>", "José", "Zoë 🌻🌻", "O'Brien & Sons", "Bob", "שרה כהן", "Dmitri"}
	copy(big.Authors, bigNames)
	var busy [7][24]int
	for _, d := range big.Days {
		for _, c := range d.ByAuthor {
			h := (d.Date.YearDay()*7 + c.Messages) % 24
			if h < 7 {
				h += 12
			}
			busy[d.Date.Weekday()][h] += c.Messages
		}
	}
	files := map[string][]byte{
		"chart-small-timeline.svg": Timeline(small),
		"chart-small-activity.svg": Activity(ActivityInput{Title: small.Title, Location: "Europe/Lisbon", Counts: randomCounts(5, 3)}),
		"chart-big-timeline.svg":   Timeline(big),
		"chart-big-activity.svg":   Activity(ActivityInput{Title: big.Title, Counts: busy}),
		"chart-empty-timeline.svg": Timeline(TimelineInput{Title: "Nothing yet"}),
		"chart-empty-activity.svg": Activity(ActivityInput{Title: "Nothing yet"}),
		"chart-year-timeline.svg":  Timeline(chat(23, 12, 400, time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC))),
		"chart-day-timeline.svg":   Timeline(chat(24, 1, 1, base)),
		"chart-edge-90.svg":        Timeline(chat(25, 3, 90, time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC))),
		"chart-edge-91.svg":        Timeline(chat(26, 3, 91, time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC))),
		"chart-edge-731.svg":       Timeline(chat(27, 3, 731, time.Date(2023, 3, 9, 0, 0, 0, 0, time.UTC))),
		"chart-edge-740.svg":       Timeline(chat(28, 3, 740, time.Date(2023, 3, 9, 0, 0, 0, 0, time.UTC))),
		"chart-edge-30y.svg":       Timeline(chat(29, 3, 30*365, time.Date(1996, 3, 9, 0, 0, 0, 0, time.UTC))),
		"chart-edge-huge.svg":      Timeline(huge()),
	}
	for name, doc := range files {
		checkDocument(t, doc)
		if err := os.WriteFile(filepath.Join(dir, name), doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// huge is a chat of millions of messages over 60 days, with long names.
func huge() TimelineInput {
	in := chat(30, 12, 60, base)
	for i := range in.Authors {
		in.Authors[i] = strings.Repeat("Wolfgang Amadeus ", i+1)
	}
	for _, d := range in.Days {
		for j := range d.ByAuthor {
			d.ByAuthor[j].Messages *= 9999
		}
	}
	in.Days[0].Messages = 0 // a day counted by author only
	in.Title = strings.Repeat("A very long title indeed ", 10)
	return in
}
