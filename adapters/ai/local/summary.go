package local

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core/aiinsight"
)

// A summary is extractive: the chat's most central sentences are its key
// points, in chat order, each citing its message; the summary text states
// who wrote how much and what about, and quotes the best of them.

const (
	maxPoints     = 7
	quoteChars    = 200
	nameChars     = 40
	dupCosine     = 0.6 // sentences this alike make one point
	supportCosine = 0.5 // a message this like a point's is cited with it
)

// summaryDraft is a summary that fit can shrink.
type summaryDraft struct {
	facts  func(about []string) string // the opening sentence
	about  []string                    // the terms the chat is mostly about
	quotes []quote                     // the best sentences, best first
	points []point                     // the key points in chat order

	nQuotes, quoteLen, pointLen, summaryLen, cites int
}

type quote struct{ text, author string }

type point struct {
	text  string
	cites []int64
	rank  int // 0 is the best point
	order int64
}

func newSummaryDraft(facts func([]string) string, about []string, quotes []quote, points []point) *summaryDraft {
	return &summaryDraft{
		facts: facts, about: about, quotes: quotes, points: points,
		nQuotes: min(3, len(quotes)), quoteLen: quoteChars, pointLen: aiinsight.MaxPointChars,
		summaryLen: aiinsight.MaxSummaryChars, cites: aiinsight.MaxCitations,
	}
}

func (d *summaryDraft) text() string {
	var b strings.Builder
	b.WriteString(d.facts(d.about))
	end := "" // the last quote's last character
	for i, q := range d.quotes[:d.nQuotes] {
		if i == 0 {
			b.WriteString(" Central points: ")
		} else {
			b.WriteString("; ")
		}
		text := cut(q.text, d.quoteLen)
		b.WriteString("“" + text + "”")
		_, w := utf8.DecodeLastRuneInString(text)
		end = text[len(text)-w:]
		if q.author != "" {
			b.WriteString(" (" + q.author + ")")
			end = ")"
		}
	}
	// A quote that ends a sentence ends the summary's too.
	if end != "" && !strings.ContainsAny(end, ".!?…。！？") {
		b.WriteString(".")
	}
	return cut(b.String(), d.summaryLen)
}

func (d *summaryDraft) answer() any {
	s := aiinsight.Summary{Summary: d.text(), KeyPoints: make([]aiinsight.KeyPoint, len(d.points))}
	for i, p := range d.points {
		s.KeyPoints[i] = aiinsight.KeyPoint{Text: cut(p.text, d.pointLen), Messages: p.cites[:min(len(p.cites), d.cites)]}
	}
	return s
}

// shrink drops the least central points first, then quotes, then shortens
// what is left.
func (d *summaryDraft) shrink() bool {
	switch {
	case len(d.points) > 3:
		d.dropWorst()
	case d.nQuotes > 1:
		d.nQuotes--
	case d.pointLen > 80:
		d.pointLen = d.pointLen * 3 / 4
		d.quoteLen = min(d.quoteLen, d.pointLen)
	case len(d.points) > 1:
		d.dropWorst()
	case d.nQuotes > 0:
		d.nQuotes = 0
	case len(d.about) > 0:
		d.about = d.about[:len(d.about)-1]
	case d.cites > 1:
		d.cites = 1
	// Last, texts down to a few characters: CJK costs a token a byte.
	case d.pointLen > 4 || d.summaryLen > 8:
		d.pointLen = max(4, d.pointLen*3/4)
		d.summaryLen = max(8, min(d.summaryLen, utf8.RuneCountInString(d.text()))*3/4)
	default:
		return false
	}
	return true
}

func (d *summaryDraft) dropWorst() {
	worst := 0
	for i, p := range d.points {
		if p.rank > d.points[worst].rank {
			worst = i
		}
	}
	d.points = slices.Delete(d.points, worst, worst+1)
}

// sentence is a candidate key point: a sentence of a message (a map), or a
// partial's key point (a reduce).
type sentence struct {
	text   string
	author string
	seq    int64   // the message it comes from (a map)
	cites  []int64 // what it cites (a reduce)
	weight float64 // its partial's weight (a reduce)
}

// pointCount is how many key points n candidates make.
func pointCount(n int) int { return min(n, maxPoints, 3+n/10) }

func summaryMap(ctx context.Context, lines []aiinsight.Line) (draft, error) {
	if len(lines) == 0 {
		return nil, unavailable(errEmpty)
	}
	authors := participants(lines)
	var cands []sentence
	t := ticker{ctx: ctx}
	for _, l := range lines {
		if err := t.tick(); err != nil {
			return nil, err
		}
		for _, s := range sentences(clean(l.Text)) {
			if s = squeeze(s); substantive(s) {
				cands = append(cands, sentence{text: s, author: l.Author, seq: l.Seq})
			}
		}
	}
	if len(cands) == 0 {
		// Nothing but "ok"s, emoji and links: the messages themselves.
		for _, l := range lines {
			if s := squeeze(l.Text); s != "" {
				cands = append(cands, sentence{text: s, author: l.Author, seq: l.Seq})
			}
		}
	}
	if len(cands) == 0 {
		return nil, unavailable(errEmpty)
	}
	texts := make([]string, len(cands))
	for i, c := range cands {
		texts[i] = c.text
	}
	c, err := analyse(ctx, texts, nameWords(authors), false)
	if err != nil {
		return nil, err
	}
	vs := tfidf(c)
	scores, err := rank(ctx, vs)
	if err != nil {
		return nil, err
	}
	seqs := make([]int64, len(cands))
	for i, c := range cands {
		seqs[i] = c.seq
	}
	picked := pick(scores, vs, pointCount(len(cands)), dupCosine, seqs)
	points := make([]point, len(picked))
	quotes := make([]quote, len(picked))
	for r, i := range picked {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		points[r] = point{text: cands[i].text, cites: supporting(cands, vs, i), rank: r, order: int64(i)}
		quotes[r] = quote{text: cands[i].text, author: cut(cands[i].author, nameChars)}
	}
	slices.SortFunc(points, func(a, b point) int { return cmp.Compare(a.order, b.order) })
	facts := func(about []string) string { return opening(authors, len(lines), about) }
	return newSummaryDraft(facts, topTerms(c, vs, 3), quotes, points), nil
}

// supporting returns the messages a point cites: its own, and those of
// the sentences most like it, up to the limit, in chat order.
func supporting(cands []sentence, vs []vector, i int) []int64 {
	type near struct {
		seq int64
		sim float64
	}
	var ns []near
	for j := range cands {
		if cands[j].seq == cands[i].seq {
			continue
		}
		if s := dot(vs[i], vs[j]); s >= supportCosine {
			ns = append(ns, near{cands[j].seq, s})
		}
	}
	slices.SortStableFunc(ns, func(a, b near) int { return cmp.Compare(b.sim, a.sim) })
	cites := []int64{cands[i].seq}
	for _, n := range ns {
		if len(cites) == aiinsight.MaxCitations {
			break
		}
		if !slices.Contains(cites, n.seq) {
			cites = append(cites, n.seq)
		}
	}
	slices.Sort(cites)
	return cites
}

// substantive reports whether a sentence says enough to be a point: three
// words, or five CJK characters. "ok", "lol", "see you" and emoji do not.
func substantive(s string) bool {
	words, cjk := 0, 0
	for _, t := range tokens(nil, lower(s)) {
		n := utf8.RuneCountInString(t.text)
		if t.class != classWord {
			cjk += n
		} else if n >= 2 {
			words++
		}
	}
	return words >= 3 || cjk >= 5
}

// participants are the authors of the lines, the most active first.
func participants(lines []aiinsight.Line) []string {
	count := map[string]int{}
	var authors []string
	for _, l := range lines {
		if count[l.Author] == 0 {
			authors = append(authors, l.Author)
		}
		count[l.Author]++
	}
	slices.SortStableFunc(authors, func(a, b string) int {
		return cmp.Or(cmp.Compare(count[b], count[a]), strings.Compare(a, b))
	})
	return authors
}

// opening states who wrote how many messages, and about what: "Alice, Bob
// and 2 others exchanged 340 messages, mostly about trip, train and hostel."
func opening(authors []string, messages int, about []string) string {
	s := who(authors, messages)
	if len(about) > 0 {
		s += ", mostly about " + list(about)
	}
	return s + "."
}

func who(authors []string, messages int) string {
	names := make([]string, 0, 3)
	for _, a := range authors[:min(3, len(authors))] {
		names = append(names, cut(a, nameChars))
	}
	if len(authors) == 1 {
		return names[0] + " wrote " + plural(messages, "message", "messages")
	}
	if len(authors) > 3 {
		names = append(names[:2], plural(len(authors)-2, "other", "others"))
	}
	return list(names) + " exchanged " + plural(messages, "message", "messages")
}

func summaryReduce(ctx context.Context, ps []aiinsight.Partial) (draft, error) {
	sums, err := decodeResults[aiinsight.Summary](ps)
	if err != nil {
		return nil, err
	}
	weights := partialWeights(ps)
	var cands []sentence
	for i, s := range sums {
		for _, p := range s.KeyPoints {
			if t := squeeze(p.Text); t != "" {
				cands = append(cands, sentence{text: t, cites: distinct(p.Messages), weight: weights[i]})
			}
		}
	}
	if len(cands) == 0 {
		// Partials without points: the sentences of their summaries.
		for i, s := range sums {
			for _, t := range sentences(s.Summary) {
				cands = append(cands, sentence{text: squeeze(t), weight: weights[i]})
			}
		}
	}
	if len(cands) == 0 {
		return nil, unavailable(errEmpty)
	}
	texts := make([]string, len(cands))
	heaviest := 0.0
	for i, c := range cands {
		texts[i] = c.text
		heaviest = max(heaviest, c.weight)
	}
	c, err := analyse(ctx, texts, nil, false)
	if err != nil {
		return nil, err
	}
	vs := tfidf(c)
	scores, err := rank(ctx, vs)
	if err != nil {
		return nil, err
	}
	// A point of a part that read many messages speaks for more of the chat.
	for i := range scores {
		scores[i] *= cands[i].weight / heaviest
	}
	picked := pick(scores, vs, pointCount(len(cands)), dupCosine, nil)
	points := make([]point, len(picked))
	quotes := make([]quote, len(picked))
	for r, i := range picked {
		points[r] = point{text: cands[i].text, cites: slices.Clone(cands[i].cites), rank: r}
		quotes[r] = quote{text: cands[i].text}
	}
	// A point left out for repeating a picked one lends it its citations.
	for j := range cands {
		if slices.Contains(picked, j) {
			continue
		}
		best, bestSim := -1, dupCosine
		for r, i := range picked {
			if s := dot(vs[i], vs[j]); s >= bestSim {
				best, bestSim = r, s
			}
		}
		if best >= 0 {
			for _, q := range cands[j].cites {
				if len(points[best].cites) < aiinsight.MaxCitations && !slices.Contains(points[best].cites, q) {
					points[best].cites = append(points[best].cites, q)
				}
			}
		}
	}
	for r := range points {
		slices.Sort(points[r].cites)
		if points[r].cites == nil {
			points[r].cites = []int64{}
		}
		points[r].order = 1<<62 + int64(points[r].rank)
		if len(points[r].cites) > 0 {
			points[r].order = points[r].cites[0]
		}
	}
	slices.SortStableFunc(points, func(a, b point) int { return cmp.Compare(a.order, b.order) })
	facts := func(about []string) string { return reduceOpening(ps, about) }
	return newSummaryDraft(facts, topTerms(c, vs, 3), quotes, points), nil
}

// distinct returns seqs without repeats, at most the citation limit.
func distinct(seqs []int64) []int64 {
	out := []int64{}
	for _, q := range seqs {
		if len(out) < aiinsight.MaxCitations && !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

// reduceOpening states how much of the chat the partials read, and what
// it is mostly about: "The chat's 1,234 messages, read in 3 parts, were
// mostly about trip, train and hostel."
func reduceOpening(ps []aiinsight.Partial, about []string) string {
	total := 0
	for _, p := range ps {
		total += max(0, p.Messages)
	}
	parts := plural(len(ps), "part", "parts")
	were := "were"
	if total == 1 {
		were = "was"
	}
	switch {
	case total == 0 && len(about) == 0:
		return "The chat was read in " + parts + "."
	case total == 0:
		return "The chat, read in " + parts + ", was mostly about " + list(about) + "."
	case len(about) == 0:
		return "The chat's " + plural(total, "message", "messages") + " " + were + " read in " + parts + "."
	}
	return "The chat's " + plural(total, "message", "messages") + ", read in " + parts + ", " + were + " mostly about " + list(about) + "."
}
