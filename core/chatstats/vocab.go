package chatstats

import "slices"

// vocab is the chat's vocabulary: its first Options.ChatWords distinct
// words (folded), numbered in the order they first come, which every
// author counts exactly in an array of its own (author.counts, by id).
// Words that come after it is full go to the author's bounded top counter
// (author.topWords, Filtered Space-Saving).
//
// One table for the chat rather than one per author: a chat's common words
// come early and are shared by its authors, so the lookup that every word
// costs stays in the processor's first-level cache, where eight authors'
// tables did not; and the words most likely to make a top list are counted
// exactly. The memory it adds is bounded: the table and its words, and four
// bytes per author and word that author used (TestMemoryStaysFlat).
type vocab struct {
	dict
	stops []int32 // by id, the word's id in stopDict, or -1
	limit int     // Options.ChatWords
}

// full reports whether the vocabulary takes no more words.
func (v *vocab) full() bool { return len(v.keys) >= v.limit }

// add gives the word k, folded key, not in the vocabulary, the next id;
// stop is its id in stopDict, or -1.
func (v *vocab) add(k *wordKey, key []byte, stop int32) int32 {
	id := int32(len(v.keys))
	v.table.insert(k, id)
	v.keys = append(v.keys, string(key))
	v.stops = append(v.stops, stop)
	return id
}

// countID counts one more use of the vocabulary's word id (small enough to
// be inlined: the array grows in a call of its own).
func (a *author) countID(id int32) {
	if int(id) < len(a.counts) {
		a.counts[id]++
		return
	}
	a.growCounts(id)
	a.counts[id]++
}

// growCounts makes room in a.counts for id, and for more ids after it. Not
// inlined, so that countID is.
//
//go:noinline
func (a *author) growCounts(id int32) {
	a.counts = slices.Grow(a.counts, int(id)+1-len(a.counts))
	a.counts = a.counts[:cap(a.counts)]
}

// countWord counts one word for author a.
func (s *Stats) countWord(a *author, k *wordKey) {
	if id, ok := s.vocab.lookup(k); ok {
		a.countID(id)
		return
	}
	s.countUnknown(a, k)
}

// countUnknown counts the word k, which the vocabulary does not hold: it
// joins the vocabulary while there is room, else the author's top counter
// counts it (a stop word in a slot of its own, exactly; any other as the
// counter decides).
func (s *Stats) countUnknown(a *author, k *wordKey) {
	t := &a.topWords
	if s.vocab.full() {
		if id, ok := t.lookup(k); ok {
			t.hit(id)
			return
		}
	}
	stop := int32(-1)
	if s.stops.mayHold(k.first(), k.size()) {
		if id, ok := s.stops.lookup(k); ok {
			stop = id
		}
	}
	key := k.folded
	if key == nil {
		s.key = k.bytes(s.key)
		key = s.key
	}
	switch {
	case !s.vocab.full():
		a.countID(s.vocab.add(k, key, stop))
	case stop >= 0:
		t.addStop(k, stop, s.stops.keys[stop])
	default:
		t.miss(k, key)
	}
}

// used returns a's counts of the vocabulary's words, by id (an author's
// array may run past the vocabulary, with zeros).
func (s *Stats) used(a *author) []uint32 {
	return a.counts[:min(len(a.counts), len(s.vocab.keys))]
}

// wordCounts returns the author's candidates for the top words: the words
// of the vocabulary it used and those its top counter holds, but the stop
// words of languages in langs.
func (s *Stats) wordCounts(a *author, langs uint32) []Count {
	keep := func(stop int32) bool { return s.stops.langs[stop]&langs == 0 }
	out := a.topWords.counts(keep)
	for id, n := range s.used(a) {
		if stop := s.vocab.stops[id]; n > 0 && (stop < 0 || keep(stop)) {
			out = append(out, Count{Text: s.vocab.keys[id], Count: int(n)})
		}
	}
	return out
}

// stopUses calls use with each stop word's id in stopDict and the number of
// times a used it.
func (s *Stats) stopUses(a *author, use func(stop int32, n int64)) {
	for id, n := range s.used(a) {
		if stop := s.vocab.stops[id]; n > 0 && stop >= 0 {
			use(stop, int64(n))
		}
	}
	for _, slot := range a.topWords.slots {
		if slot.stop >= 0 {
			use(slot.stop, slot.count)
		}
	}
}
