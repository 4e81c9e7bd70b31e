package local

import (
	"cmp"
	"context"
	"math"
	"slices"
)

// weight is one term of a sparse vector.
type weight struct {
	term int32
	w    float64
}

// vector is a text's TF-IDF vector: its terms in increasing order, of unit
// length (or empty).
type vector []weight

// tfidf returns the corpus's texts as TF-IDF vectors: sublinear term
// frequency (1 + ln tf), so a word repeated in one text does not make it
// central, times a smoothed idf, ln(1 + N/df).
func tfidf(c *corpus) []vector {
	df := make([]int, len(c.vocab))
	counts := make([]int, len(c.vocab))
	for _, doc := range c.docs {
		for _, t := range doc {
			if counts[t] == 0 {
				df[t]++
			}
			counts[t]++
		}
		for _, t := range doc {
			counts[t] = 0
		}
	}
	n := float64(len(c.docs))
	vs := make([]vector, len(c.docs))
	for i, doc := range c.docs {
		for _, t := range doc {
			counts[t]++
		}
		v := make(vector, 0, len(doc))
		for _, t := range doc {
			if counts[t] > 0 {
				idf := math.Log(1 + n/float64(df[t]))
				v = append(v, weight{t, (1 + math.Log(float64(counts[t]))) * idf})
				counts[t] = 0
			}
		}
		slices.SortFunc(v, func(a, b weight) int { return cmp.Compare(a.term, b.term) })
		norm := 0.0
		for _, x := range v {
			norm += x.w * x.w
		}
		norm = math.Sqrt(norm)
		for k := range v {
			v[k].w /= norm
		}
		vs[i] = v
	}
	return vs
}

// dot is the cosine of two vectors.
func dot(a, b vector) float64 {
	s := 0.0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].term < b[j].term:
			i++
		case a[i].term > b[j].term:
			j++
		default:
			s += a[i].w * b[j].w
			i++
			j++
		}
	}
	return s
}

// centroid is the sum of the vectors, dense.
func centroid(vs []vector, terms int) []float64 {
	c := make([]float64, terms)
	for _, v := range vs {
		for _, x := range v {
			c[x.term] += x.w
		}
	}
	return c
}

// textRankLimit is the most texts TextRank ranks: it compares every pair
// of texts that share a term, which is quadratic; above it, centrality
// (one pass) ranks almost alike.
const textRankLimit = 300

// rank scores each text by how central it is to all of them: TextRank on
// the similarity graph for few texts, the cosine to the centroid for many.
// A text of fewer than four terms scores less in proportion: a two-word
// sentence can point straight at the centroid and say little.
func rank(ctx context.Context, vs []vector) ([]float64, error) {
	var (
		scores []float64
		err    error
	)
	if len(vs) <= textRankLimit {
		scores, err = textRank(ctx, vs)
	} else {
		scores, err = centrality(ctx, vs)
	}
	if err != nil {
		return nil, err
	}
	for i, v := range vs {
		if len(v) < 4 {
			scores[i] *= float64(len(v)) / 4
		}
	}
	return scores, nil
}

func centrality(ctx context.Context, vs []vector) ([]float64, error) {
	terms := 0
	for _, v := range vs {
		if len(v) > 0 {
			terms = max(terms, int(v[len(v)-1].term)+1)
		}
	}
	c := centroid(vs, terms)
	norm := 0.0
	for _, x := range c {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	scores := make([]float64, len(vs))
	if norm == 0 {
		return scores, nil
	}
	t := ticker{ctx: ctx}
	for i, v := range vs {
		if err := t.tick(); err != nil {
			return nil, err
		}
		s := 0.0
		for _, x := range v {
			s += x.w * c[x.term]
		}
		scores[i] = s / norm
	}
	return scores, nil
}

// textRank is PageRank over the texts, linked by their cosine similarity
// (Mihalcea and Tarau, 2004).
func textRank(ctx context.Context, vs []vector) ([]float64, error) {
	n := len(vs)
	type edge struct {
		to int
		w  float64
	}
	edges := make([][]edge, n)
	out := make([]float64, n) // each text's total edge weight
	for i := range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for j := i + 1; j < n; j++ {
			if s := dot(vs[i], vs[j]); s > 0 {
				edges[i] = append(edges[i], edge{j, s})
				edges[j] = append(edges[j], edge{i, s})
				out[i] += s
				out[j] += s
			}
		}
	}
	const damping = 0.85
	pr := make([]float64, n)
	next := make([]float64, n)
	for i := range pr {
		pr[i] = 1 / float64(n)
	}
	for range 100 {
		delta := 0.0
		for i := range n {
			s := 0.0
			for _, e := range edges[i] {
				s += e.w / out[e.to] * pr[e.to]
			}
			next[i] = (1-damping)/float64(n) + damping*s
			delta += math.Abs(next[i] - pr[i])
		}
		pr, next = next, pr
		if delta < 1e-9 {
			break
		}
	}
	return pr, nil
}

// pick returns the indexes of up to k texts by score, best first, leaving
// out a text too like one already picked (a cosine of dup or more). Texts
// of one group (a message's sentences; nil: no groups) are picked once
// each while other groups have texts left. Ties go to the earlier text.
func pick(scores []float64, vs []vector, k int, dup float64, group []int64) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	var picked []int
	taken := map[int64]bool{}
	for pass := range 2 {
		for _, i := range order {
			if len(picked) == k {
				return picked
			}
			if group != nil && pass == 0 && taken[group[i]] || slices.Contains(picked, i) {
				continue
			}
			if slices.ContainsFunc(picked, func(p int) bool { return dot(vs[i], vs[p]) >= dup }) {
				continue
			}
			picked = append(picked, i)
			if group != nil {
				taken[group[i]] = true
			}
		}
		if group == nil {
			break
		}
	}
	return picked
}

// topTerms returns the n terms of most weight in the centroid of the
// texts, the words a reader would say the texts are about.
func topTerms(c *corpus, vs []vector, n int) []string {
	w := centroid(vs, len(c.vocab))
	ids := make([]int, len(w))
	for i := range ids {
		ids[i] = i
	}
	slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(w[b], w[a]) })
	var out []string
	for _, id := range ids {
		if len(out) == n || w[id] <= 0 {
			break
		}
		out = append(out, c.vocab[id])
	}
	return out
}
