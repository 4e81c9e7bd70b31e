package local

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/chatlens/chatlens/core/aiinsight"
)

// Topics are the words one part of the chat uses much more than the rest
// (TF-IDF over windows of the chat: a word used everywhere, a function
// word, a filler, weighs little; termScores), grouped around the best of
// them by how often they are used together.

const (
	maxTopics    = 8
	minTopics    = 3
	candidates   = 48   // terms considered for topics (at most 64: they are bits)
	contextSpan  = 3    // messages read together for co-occurrence (in a chat of a dozen or more)
	minAssoc     = 0.15 // association that puts a term in a seed's topic
	pairAssoc    = 0.4  // association that names a topic after two terms
	minTopicPart = 0.1  // a topic weighing less than this part of the first is dropped beyond minTopics
)

// windowSize is how many consecutive messages make one document of the
// TF-IDF background: single messages for a short chat, windows of 25 to
// 50 for a long one, so a word is specific to a stretch of the chat rather
// than to a message.
func windowSize(messages int) int {
	if messages < 150 {
		return 1
	}
	return min(50, max(25, messages/10))
}

func topicsMap(ctx context.Context, lines []aiinsight.Line) (draft, error) {
	if len(lines) == 0 {
		return nil, unavailable(errEmpty)
	}
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.Text
	}
	names := nameWords(participants(lines))
	c, err := analyse(ctx, texts, names, false)
	if err == nil && len(c.vocab) == 0 {
		// Only function words and fillers: better those than nothing.
		c, err = analyse(ctx, texts, names, true)
	}
	if err != nil {
		return nil, err
	}
	if len(c.vocab) == 0 {
		return nil, unavailable(errEmpty)
	}
	topics, err := findTopics(ctx, c, lines)
	if err != nil {
		return nil, err
	}
	return &topicsDraft{topics: topics}, nil
}

// termScores weighs each term by how much more some windows of the chat
// use it than the chat as a whole does: over the windows, the sum of its
// frequency in a window times the log of how many times its expected
// frequency there that is (its frequency in the chat, scaled to the
// window's length), where that is more than one. It is TF-IDF with an idf
// measured per window: a word spread evenly over the chat (a function
// word, a filler, a name) weighs nothing however often it is used, and a
// word a stretch of the chat keeps using weighs the most. With single
// messages as the windows it comes down to count × ln(N / count), the
// classic weight. It also returns in how many messages each term is.
func termScores(c *corpus) (scores []float64, messages []int) {
	n := len(c.docs)
	size := windowSize(n)
	terms := len(c.vocab)
	total := make([]int, terms)
	messages = make([]int, terms)
	seen := make([]int, terms) // the last message+1 a term was counted in
	length := 0
	for m, doc := range c.docs {
		length += len(doc)
		for _, t := range doc {
			total[t]++
			if seen[t] != m+1 {
				seen[t] = m + 1
				messages[t]++
			}
		}
	}
	scores = make([]float64, terms)
	tf := make([]int, terms)
	var touched []int32
	for start := 0; start < n; start += size {
		touched = touched[:0]
		window := 0
		for _, doc := range c.docs[start:min(n, start+size)] {
			window += len(doc)
			for _, t := range doc {
				if tf[t] == 0 {
					touched = append(touched, t)
				}
				tf[t]++
			}
		}
		for _, t := range touched {
			expected := float64(total[t]) * float64(window) / float64(length)
			if f := float64(tf[t]); f > expected {
				scores[t] += f * math.Log(f/expected)
			}
			tf[t] = 0
		}
	}
	return scores, messages
}

// topic is a topic being made: its keywords (term ids, the seed first).
type topic struct {
	terms  []int32
	assoc  []float64 // each keyword's association with the seed
	weight float64
	seqs   []int64
	share  float64
}

func findTopics(ctx context.Context, c *corpus, lines []aiinsight.Line) ([]aiinsight.Topic, error) {
	scores, messages := termScores(c)
	// The candidates: the best terms, used in two messages or more when
	// enough are.
	minUse := 2
	if countFunc(messages, func(m int) bool { return m >= 2 }) < minTopics {
		minUse = 1
	}
	var cands []int32
	for t := range c.vocab {
		if messages[t] >= minUse {
			cands = append(cands, int32(t))
		}
	}
	slices.SortStableFunc(cands, func(a, b int32) int { return cmp.Compare(scores[b], scores[a]) })
	cands = cands[:min(len(cands), candidates)]
	slot := make(map[int32]int, len(cands))
	for i, t := range cands {
		slot[t] = i
	}

	// Co-occurrence over spans of a few consecutive messages: in a chat a
	// subject runs over several short messages, rarely in one.
	m := len(cands)
	inMsg := make([]uint64, len(c.docs))
	for i, doc := range c.docs {
		for _, t := range doc {
			if s, ok := slot[t]; ok {
				inMsg[i] |= 1 << s
			}
		}
	}
	one := make([]int, m)
	both := make([][]int, m)
	for i := range both {
		both[i] = make([]int, m)
	}
	// A chat of a few messages has too few spans for chance to even out:
	// there a message is the span.
	span := contextSpan
	if len(inMsg) < 12 {
		span = 1
	}
	t := ticker{ctx: ctx}
	for start := range max(1, len(inMsg)-span+1) {
		if err := t.tick(); err != nil {
			return nil, err
		}
		var set uint64
		for _, b := range inMsg[start:min(len(inMsg), start+span)] {
			set |= b
		}
		for a := set; a != 0; a &= a - 1 {
			i := bits.TrailingZeros64(a)
			one[i]++
			for b := a & (a - 1); b != 0; b &= b - 1 {
				j := bits.TrailingZeros64(b)
				both[i][j]++
				both[j][i]++
			}
		}
	}
	// Association is the phi coefficient of two terms' presence in the
	// spans: how much more they are used together than chance would have
	// it. Frequent words meet often by chance; that is not a topic.
	spans := float64(max(1, len(inMsg)-span+1))
	assoc := func(i, j int) float64 {
		a, b, ab := float64(one[i]), float64(one[j]), float64(both[i][j])
		d := a * b * (spans - a) * (spans - b)
		if d <= 0 {
			return 0
		}
		return (spans*ab - a*b) / math.Sqrt(d)
	}
	minBoth := 2
	if len(lines) < 30 {
		minBoth = 1
	}

	// Greedy grouping: the best term left is a seed, and takes the terms
	// used most with it.
	var topics []*topic
	used := make([]bool, m)
	// A chat has about a topic for every four messages at most: two
	// messages do not make eight subjects.
	most := min(maxTopics, max(1, (len(lines)+3)/4))
	for s := 0; s < m && len(topics) < most; s++ {
		if used[s] {
			continue
		}
		used[s] = true
		// A seed used much with an earlier one is what was left out of a
		// full topic, not a topic of its own.
		if slices.ContainsFunc(topics, func(tp *topic) bool { return assoc(slot[tp.terms[0]], s) >= minAssoc }) {
			continue
		}
		var mates []int
		for j := range m {
			if !used[j] && both[s][j] >= minBoth && assoc(s, j) >= minAssoc {
				mates = append(mates, j)
			}
		}
		slices.SortStableFunc(mates, func(a, b int) int { return cmp.Compare(assoc(s, b), assoc(s, a)) })
		tp := &topic{terms: []int32{cands[s]}, assoc: []float64{1}, weight: scores[cands[s]]}
		for _, j := range mates[:min(len(mates), aiinsight.MaxKeywords-1)] {
			used[j] = true
			tp.terms = append(tp.terms, cands[j])
			tp.assoc = append(tp.assoc, assoc(s, j))
			tp.weight += scores[cands[j]]
		}
		topics = append(topics, tp)
	}
	if len(topics) > minTopics {
		keep := minTopics
		for keep < len(topics) && topics[keep].weight >= minTopicPart*topics[0].weight {
			keep++
		}
		topics = topics[:keep]
	}

	// Shares and citations: the messages that use a topic's keywords, the
	// ones that use them most cited.
	owner := map[int32]int{}
	for i, tp := range topics {
		for _, t := range tp.terms {
			owner[t] = i
		}
	}
	type use struct {
		seq int64
		n   int
	}
	uses := make([][]use, len(topics))
	count := make([]int, len(topics))
	for i, doc := range c.docs {
		clear(count)
		for _, t := range doc {
			if o, ok := owner[t]; ok {
				count[o]++
			}
		}
		for o, n := range count {
			if n > 0 {
				uses[o] = append(uses[o], use{lines[i].Seq, n})
			}
		}
	}
	total := 0.0
	for i, tp := range topics {
		tp.share = float64(len(uses[i])) / float64(len(c.docs))
		total += tp.share
		slices.SortStableFunc(uses[i], func(a, b use) int { return cmp.Compare(b.n, a.n) })
		for _, u := range uses[i][:min(len(uses[i]), aiinsight.MaxCitations)] {
			tp.seqs = append(tp.seqs, u.seq)
		}
		slices.Sort(tp.seqs)
	}
	// A message on two topics counts for both: scale the shares so they
	// still add up to at most the whole.
	if total > 1 {
		for _, tp := range topics {
			tp.share /= total
		}
	}
	out := make([]aiinsight.Topic, len(topics))
	for i, tp := range topics {
		kw := make([]string, len(tp.terms))
		for k, t := range tp.terms {
			kw[k] = c.vocab[t]
		}
		label := kw[0]
		if len(kw) > 1 && tp.assoc[1] >= pairAssoc {
			label += " / " + kw[1]
		}
		out[i] = aiinsight.Topic{Label: cut(label, aiinsight.MaxLabelChars), Keywords: kw, Share: floorShare(tp.share), Messages: nonNil(tp.seqs)}
	}
	sortTopics(out)
	return out, nil
}

func countFunc[T any](s []T, f func(T) bool) int {
	n := 0
	for _, x := range s {
		if f(x) {
			n++
		}
	}
	return n
}

// floorShare rounds a share down to three decimals, so rounding never
// makes shares add up to more than they did (the epsilon keeps 0.275,
// computed as 0.27499999…, at 0.275).
func floorShare(s float64) float64 { return math.Floor(s*1000+1e-9) / 1000 }

func nonNil(seqs []int64) []int64 {
	if seqs == nil {
		return []int64{}
	}
	return seqs
}

// sortTopics puts the topics with the most messages first.
func sortTopics(ts []aiinsight.Topic) {
	slices.SortStableFunc(ts, func(a, b aiinsight.Topic) int {
		return cmp.Or(cmp.Compare(b.Share, a.Share), strings.Compare(a.Label, b.Label))
	})
}

// topicsDraft is a topics answer that fit can shrink.
type topicsDraft struct {
	topics []aiinsight.Topic
}

func (d *topicsDraft) answer() any { return aiinsight.Topics{Topics: d.topics} }

// shrink drops the smallest topics first, then keywords and citations.
func (d *topicsDraft) shrink() bool {
	most := func(f func(aiinsight.Topic) int) int {
		best := 0
		for i, t := range d.topics {
			if f(t) > f(d.topics[best]) {
				best = i
			}
		}
		return best
	}
	keywords := func(t aiinsight.Topic) int { return len(t.Keywords) }
	cites := func(t aiinsight.Topic) int { return len(t.Messages) }
	labelChars := func(t aiinsight.Topic) int { return len(t.Label) }
	switch {
	case len(d.topics) > minTopics:
		d.topics = d.topics[:len(d.topics)-1]
	case keywords(d.topics[most(keywords)]) > 4:
		i := most(keywords)
		d.topics[i].Keywords = d.topics[i].Keywords[:len(d.topics[i].Keywords)-1]
	case cites(d.topics[most(cites)]) > 2:
		i := most(cites)
		d.topics[i].Messages = d.topics[i].Messages[:len(d.topics[i].Messages)-1]
	case len(d.topics) > 1:
		d.topics = d.topics[:len(d.topics)-1]
	case len(d.topics[0].Keywords) > 1:
		d.topics[0].Keywords = d.topics[0].Keywords[:len(d.topics[0].Keywords)-1]
	case len(d.topics[0].Messages) > 0:
		d.topics[0].Messages = d.topics[0].Messages[:len(d.topics[0].Messages)-1]
	case labelChars(d.topics[0]) > 12:
		d.topics[0].Label = cut(d.topics[0].Label, 12)
		d.topics[0].Keywords[0] = cut(d.topics[0].Keywords[0], 12)
	default:
		return false
	}
	return true
}

func topicsReduce(ctx context.Context, ps []aiinsight.Partial) (draft, error) {
	parts, err := decodeResults[aiinsight.Topics](ps)
	if err != nil {
		return nil, err
	}
	weights := partialWeights(ps)
	whole := 0.0
	for _, w := range weights {
		whole += w
	}
	type member struct {
		topic  aiinsight.Topic
		keys   []string // the keywords, normalised
		weight float64  // the part of the chat on it: share × the partial's messages
	}
	var ms []member
	for i, p := range parts {
		for _, tp := range p.Topics {
			if len(tp.Keywords) == 0 || strings.TrimSpace(tp.Label) == "" {
				continue
			}
			keys := make([]string, len(tp.Keywords))
			for k, kw := range tp.Keywords {
				keys[k] = norm(kw)
			}
			ms = append(ms, member{topic: tp, keys: keys, weight: max(0, tp.Share) * weights[i]})
		}
	}
	if len(ms) == 0 {
		return nil, unavailable(errEmpty)
	}

	// Topics with the same label, or sharing two keywords (one when either
	// has only one), are one topic.
	root := make([]int, len(ms))
	for i := range root {
		root[i] = i
	}
	find := func(i int) int {
		for root[i] != i {
			root[i] = root[root[i]]
			i = root[i]
		}
		return i
	}
	union := func(a, b int) {
		if ra, rb := find(a), find(b); ra != rb {
			root[max(ra, rb)] = min(ra, rb)
		}
	}
	byLabel := map[string]int{}
	byKey := map[string][]int{}
	overlap := make([]int, len(ms))
	t := ticker{ctx: ctx}
	for i, m := range ms {
		if err := t.tick(); err != nil {
			return nil, err
		}
		if j, ok := byLabel[norm(m.topic.Label)]; ok {
			union(i, j)
		} else {
			byLabel[norm(m.topic.Label)] = i
		}
		var touched []int
		for _, k := range m.keys {
			for _, j := range byKey[k] {
				if overlap[j] == 0 {
					touched = append(touched, j)
				}
				overlap[j]++
			}
		}
		for _, j := range touched {
			if overlap[j] >= min(2, len(m.keys), len(ms[j].keys)) {
				union(i, j)
			}
			overlap[j] = 0
		}
		for _, k := range slices.Compact(slices.Sorted(slices.Values(m.keys))) {
			byKey[k] = append(byKey[k], i)
		}
	}

	groups := map[int][]int{}
	var roots []int
	for i := range ms {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	out := make([]aiinsight.Topic, 0, len(roots))
	total := 0.0
	for _, r := range roots {
		g := groups[r]
		slices.SortStableFunc(g, func(a, b int) int { return cmp.Compare(ms[b].weight, ms[a].weight) })
		var w float64
		keyScore := map[string]float64{}
		var keys []string
		shown := map[string]string{}
		var seqs []int64
		for _, i := range g {
			m := ms[i]
			w += m.weight
			for k, key := range m.keys {
				if _, ok := shown[key]; !ok {
					shown[key] = m.topic.Keywords[k]
					keys = append(keys, key)
				}
				// An earlier keyword is a more central one.
				keyScore[key] += (m.weight + 1e-9) / float64(k+1)
			}
			for _, q := range m.topic.Messages {
				if len(seqs) < aiinsight.MaxCitations && !slices.Contains(seqs, q) {
					seqs = append(seqs, q)
				}
			}
		}
		slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(keyScore[b], keyScore[a]) })
		kw := make([]string, 0, aiinsight.MaxKeywords)
		for _, k := range keys[:min(len(keys), aiinsight.MaxKeywords)] {
			kw = append(kw, cut(shown[k], aiinsight.MaxKeywordChars))
		}
		slices.Sort(seqs)
		share := 0.0
		if whole > 0 {
			share = w / whole
		}
		total += share
		out = append(out, aiinsight.Topic{Label: cut(squeeze(ms[g[0]].topic.Label), aiinsight.MaxLabelChars), Keywords: kw, Share: share, Messages: nonNil(seqs)})
	}
	for i := range out {
		if total > 1 {
			out[i].Share /= total
		}
		out[i].Share = floorShare(min(1, out[i].Share))
	}
	sortTopics(out)
	return &topicsDraft{topics: out[:min(len(out), maxTopics)]}, nil
}

// norm is the form labels and keywords are compared in.
func norm(s string) string { return lower(squeeze(s)) }
