package local

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core/aiinsight"
)

// Tone is read with the lexicon (lexicon.go): each message scores its
// positive and negative words, and a pair of participants, From answering
// To, scores all of From's answers to To together.

const (
	// A score is (pos - neg) / (pos + neg + k): k keeps one word from
	// making a message, or a pair, warm. A pair gets the larger k since
	// many messages add up.
	messageK = 1
	pairK    = 2
	// replyReach is how far back the message a reply answers may be.
	replyReach = 5
	// negationReach is how many words after a negator it flips.
	negationReach = 3
)

// labelScores are the scores the tone labels stand for, in a reduce.
var labelScores = map[string]float64{"hostile": -0.8, "tense": -0.4, "neutral": 0, "friendly": 0.4, "warm": 0.8}

// feel is the sentiment of a text: how many positive and negative words.
type feel struct{ pos, neg int }

func (f feel) score(k float64) float64 {
	if f.pos+f.neg == 0 {
		return 0
	}
	return float64(f.pos-f.neg) / (float64(f.pos+f.neg) + k)
}

func (f feel) strength() int { return abs(f.pos - f.neg) }

func abs(n int) int { return max(n, -n) }

// hit is one sentiment word found in a text.
type hit struct {
	pol     int8
	word    int // the index of the spaced word it is, for post-negators
	flipped bool
}

// sentiment scores a text with the lexicon.
func sentiment(text string) feel {
	l := lexiconIndex()
	s := lower(text)
	var hits []hit
	word := 0     // spaced words read so far
	pending := 0  // words a negator still flips
	consumed := 0 // the end of the last CJK match: what lies before is its own
	var emoji []rune
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		c := classOf(r)
		if c == classHan || c == classHiragana || c == classKatakana || isHangul(r) {
			if e, ok := l.matchCJK(s, i); ok {
				if e.pol != 0 {
					pol := e.pol
					if preNegated(s, i, consumed) != postNegated(s, i+len(e.s)) {
						pol = -pol
					}
					hits = append(hits, hit{pol: pol, word: -1})
				}
				i += len(e.s)
				consumed = i
				continue
			}
			i += w
			continue
		}
		if c == classWord {
			j := runEnd(s, i+w, c)
			wd := s[i:j]
			i = j
			word++
			last := len(hits) - 1
			switch pol, ok := l.lookup(wd); {
			case l.post[wd]:
				// "iyi değil", "अच्छा नहीं": the word before is flipped,
				// unless a negator before it flipped it already.
				if last >= 0 && hits[last].word == word-1 && !hits[last].flipped {
					hits[last].pol = -hits[last].pol
					hits[last].flipped = true
				}
			case l.negators[wd]:
				pending = negationReach
			case ok:
				h := hit{pol: pol, word: word}
				if pending > 0 {
					h.pol, h.flipped, pending = -pol, true, 0
				}
				hits = append(hits, h)
			case pending > 0:
				pending--
			}
			continue
		}
		if p := l.emoji[r]; p != 0 {
			// "😂😂😂" is one laugh, not three.
			if !slices.Contains(emoji, r) {
				emoji = append(emoji, r)
				hits = append(hits, hit{pol: p, word: -1})
			}
		} else if r == ':' || r == ';' {
			for _, e := range emoticons {
				if strings.HasPrefix(s[i:], e.s) {
					hits = append(hits, hit{pol: e.pol, word: -1})
					w = len(e.s)
					break
				}
			}
		}
		if strings.ContainsRune(".,!?;:。，！？、", r) {
			pending = 0
		}
		i += w
	}
	var f feel
	for _, h := range hits {
		switch {
		case h.pol > 0:
			f.pos++
		case h.pol < 0:
			f.neg++
		}
	}
	return f
}

// lookup returns the polarity of a word of a spaced script. Laughter
// ("haha", "jajaja", "kkkk") is warmth; an Arabic word is also tried
// without the "و" (and) and "ال" (the) written onto it.
func (l *lex) lookup(w string) (int8, bool) {
	if p, ok := l.words[w]; ok {
		return p, p != 0
	}
	if isLaughter(w) {
		return 1, true
	}
	for _, prefix := range []string{"وال", "و", "ال"} {
		if rest, ok := strings.CutPrefix(w, prefix); ok && rest != "" {
			if p, ok := l.words[rest]; ok {
				return p, p != 0
			}
		}
	}
	return 0, false
}

// matchCJK returns the longest lexicon entry at s[i:].
func (l *lex) matchCJK(s string, i int) (cjkEntry, bool) {
	r, _ := utf8.DecodeRuneInString(s[i:])
	for _, e := range l.cjk[r] {
		if strings.HasPrefix(s[i:], e.s) {
			return e, true
		}
	}
	return cjkEntry{}, false
}

// preNegated reports whether the CJK word at s[i:] has a negator before
// it: "不" or the like within the three characters before (不好, 不太好,
// 不是很好), or Korean "안"/"못" just before, as a word or written on
// ("안 좋아", "안좋아"). Nothing before floor counts: it belongs to an
// earlier match.
func preNegated(s string, i, floor int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if isHangul(r) {
		before := strings.TrimSuffix(s[floor:i], " ")
		for _, n := range koreanNegators {
			if rest, ok := strings.CutSuffix(before, n); ok {
				prev, _ := utf8.DecodeLastRuneInString(rest)
				return rest == "" || !isHangul(prev)
			}
		}
		return false
	}
	j := i
	for range 3 {
		if j <= floor {
			return false
		}
		p, w := utf8.DecodeLastRuneInString(s[floor:j])
		if classOf(p) != classHan {
			return false
		}
		if slices.Contains(cjkPreNegators, p) {
			return true
		}
		j -= w
	}
	return false
}

// postNegated reports whether a Japanese or Korean negating ending follows
// a word that ends at s[j:], allowing two characters of the word's own
// ending between ("楽し|くない", "행복|하지 않아").
func postNegated(s string, j int) bool {
	for k := 0; k <= 2 && j < len(s); k++ {
		for _, n := range cjkPostNegators {
			if strings.HasPrefix(s[j:], n) {
				return true
			}
		}
		r, w := utf8.DecodeRuneInString(s[j:])
		if c := classOf(r); c != classHiragana && c != classKatakana && !isHangul(r) {
			return false
		}
		j += w
	}
	return false
}

// round2 rounds a score to two decimals, as an answer shows it (and
// never as -0).
func round2(x float64) float64 {
	if r := math.Round(x*100) / 100; r != 0 {
		return r
	}
	return 0
}

func toneMap(ctx context.Context, lines []aiinsight.Line) (draft, error) {
	feels := make([]feel, len(lines))
	t := ticker{ctx: ctx}
	for i, l := range lines {
		if err := t.tick(); err != nil {
			return nil, err
		}
		feels[i] = sentiment(l.Text)
	}
	sum, scored := 0.0, 0
	for _, f := range feels {
		if f.pos+f.neg > 0 {
			sum += f.score(messageK)
			scored++
		}
	}
	overall := 0.0
	if scored > 0 {
		overall = sum / float64(scored)
	}

	type key struct{ from, to string }
	type acc struct {
		key
		feel
		msgs []int // line indexes
	}
	index := map[key]int{}
	var accs []*acc
	for i, l := range lines {
		to := ""
		for j := i - 1; j >= 0 && j >= i-replyReach; j-- {
			if lines[j].Author != l.Author {
				to = lines[j].Author
				break
			}
		}
		if to == "" {
			continue
		}
		k := key{l.Author, to}
		n, ok := index[k]
		if !ok {
			n = len(accs)
			index[k] = n
			accs = append(accs, &acc{key: k})
		}
		a := accs[n]
		a.pos += feels[i].pos
		a.neg += feels[i].neg
		a.msgs = append(a.msgs, i)
	}
	// Pairs of one message say little, when there are others.
	if slices.ContainsFunc(accs, func(a *acc) bool { return len(a.msgs) >= 2 }) {
		accs = slices.DeleteFunc(accs, func(a *acc) bool { return len(a.msgs) < 2 })
	}
	slices.SortStableFunc(accs, func(a, b *acc) int {
		return cmp.Or(cmp.Compare(len(b.msgs), len(a.msgs)), strings.Compare(a.from, b.from), strings.Compare(a.to, b.to))
	})
	pairs := make([]aiinsight.TonePair, 0, min(len(accs), aiinsight.MaxPairs))
	for _, a := range accs[:min(len(accs), aiinsight.MaxPairs)] {
		// The messages with the strongest words are the evidence.
		var strong []int
		for _, i := range a.msgs {
			if feels[i].pos+feels[i].neg > 0 {
				strong = append(strong, i)
			}
		}
		slices.SortStableFunc(strong, func(x, y int) int {
			return cmp.Or(cmp.Compare(feels[y].strength(), feels[x].strength()),
				cmp.Compare(feels[y].pos+feels[y].neg, feels[x].pos+feels[x].neg))
		})
		seqs := []int64{}
		for _, i := range strong[:min(len(strong), aiinsight.MaxCitations)] {
			seqs = append(seqs, lines[i].Seq)
		}
		slices.Sort(seqs)
		score := round2(a.score(pairK))
		pairs = append(pairs, aiinsight.TonePair{From: a.from, To: a.to, Tone: aiinsight.ToneOf(score), Score: score, Messages: seqs})
	}
	return &toneDraft{tone: aiinsight.Tone{Overall: aiinsight.ToneOf(round2(overall)), Pairs: pairs}}, nil
}

func toneReduce(ctx context.Context, ps []aiinsight.Partial) (draft, error) {
	tones, err := decodeResults[aiinsight.Tone](ps)
	if err != nil {
		return nil, err
	}
	weights := partialWeights(ps)
	sum, whole := 0.0, 0.0
	for i, t := range tones {
		if s, ok := labelScores[t.Overall]; ok {
			sum += weights[i] * s
			whole += weights[i]
		}
	}
	overall := 0.0
	if whole > 0 {
		overall = sum / whole
	}

	// Heavier partials first, so their citations are kept.
	order := make([]int, len(tones))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(weights[b], weights[a]) })
	type key struct{ from, to string }
	type acc struct {
		key
		weight, sum float64
		seqs        []int64
	}
	index := map[key]int{}
	var accs []*acc
	t := ticker{ctx: ctx}
	for _, i := range order {
		for _, p := range tones[i].Pairs {
			if err := t.tick(); err != nil {
				return nil, err
			}
			if p.From == "" || p.To == "" || p.From == p.To || math.IsNaN(p.Score) {
				continue
			}
			k := key{p.From, p.To}
			n, ok := index[k]
			if !ok {
				n = len(accs)
				index[k] = n
				accs = append(accs, &acc{key: k})
			}
			a := accs[n]
			a.weight += weights[i]
			a.sum += weights[i] * max(-1, min(1, p.Score))
			for _, q := range p.Messages {
				if len(a.seqs) < aiinsight.MaxCitations && !slices.Contains(a.seqs, q) {
					a.seqs = append(a.seqs, q)
				}
			}
		}
	}
	slices.SortStableFunc(accs, func(a, b *acc) int {
		return cmp.Or(cmp.Compare(b.weight, a.weight), strings.Compare(a.from, b.from), strings.Compare(a.to, b.to))
	})
	pairs := make([]aiinsight.TonePair, 0, min(len(accs), aiinsight.MaxPairs))
	for _, a := range accs[:min(len(accs), aiinsight.MaxPairs)] {
		score := 0.0
		if a.weight > 0 {
			score = round2(a.sum / a.weight)
		}
		slices.Sort(a.seqs)
		pairs = append(pairs, aiinsight.TonePair{From: a.from, To: a.to, Tone: aiinsight.ToneOf(score), Score: score, Messages: nonNil(a.seqs)})
	}
	return &toneDraft{tone: aiinsight.Tone{Overall: aiinsight.ToneOf(round2(overall)), Pairs: pairs}}, nil
}

// toneDraft is a tone answer that fit can shrink.
type toneDraft struct{ tone aiinsight.Tone }

func (d *toneDraft) answer() any { return d.tone }

// shrink drops the pairs with the fewest messages first, then citations.
func (d *toneDraft) shrink() bool {
	ps := d.tone.Pairs
	most := 0
	for i, p := range ps {
		if len(p.Messages) > len(ps[most].Messages) {
			most = i
		}
	}
	switch {
	case len(ps) > 10:
		d.tone.Pairs = ps[:len(ps)-1]
	case len(ps) > 0 && len(ps[most].Messages) > 2:
		ps[most].Messages = ps[most].Messages[:len(ps[most].Messages)-1]
	case len(ps) > 0:
		d.tone.Pairs = ps[:len(ps)-1]
	default:
		return false
	}
	return true
}
