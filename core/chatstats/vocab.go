package chatstats

// vocab is the chat's vocabulary: its first Options.ChatWords distinct
// words (folded), numbered in the order they first come, which every
// author counts exactly, by id, in pages of its own (author.counts).
// Words that come after it is full go to the author's bounded top counter
// (author.topWords, Filtered Space-Saving).
//
// One table for the chat rather than one per author: a chat's common words
// come early and are shared by its authors, so the lookup that every word
// costs stays in the processor's first-level cache, where eight authors'
// tables did not; and the words most likely to make a top list are counted
// exactly. The memory it adds is bounded: the table and its words, and a
// page of counts per author for every pageIDs ids in which the author used a
// word (TestMemoryStaysFlat, TestQuietAuthorsStaySmall).
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

// pageIDs is the number of vocabulary ids per page of an author's counts.
const pageIDs = 64

// countPages are an author's counts of the vocabulary's words, by id, in
// pages of pageIDs allocated as the author uses a word of theirs: an author
// who says little (a large group has thousands) keeps little, whichever
// words they used (TestQuietAuthorsStaySmall). The page table is made whole
// with the author (newCountPages), so that finding a page is one load.
type countPages []*[pageIDs]uint32

// newCountPages returns the page table for a vocabulary of limit words.
func newCountPages(limit int) countPages {
	return make(countPages, (limit+pageIDs-1)/pageIDs)
}

// has reports whether the page that holds id is there.
func (c countPages) has(id int32) bool { return c[uint32(id)/pageIDs] != nil }

// add counts one more use of id, whose page is there.
func (c countPages) add(id int32) { c[uint32(id)/pageIDs][uint32(id)%pageIDs]++ }

// countID counts one more use of the vocabulary's word id.
func (a *author) countID(id int32) {
	if !a.counts.has(id) {
		a.counts.addPage(id)
	}
	a.counts.add(id)
}

// addPage adds the page that holds id.
func (c countPages) addPage(id int32) { c[uint32(id)/pageIDs] = new([pageIDs]uint32) }

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

// each calls f with the id of each word counted, and its count.
func (c countPages) each(f func(id int, n uint32)) {
	for p, page := range c {
		if page == nil {
			continue
		}
		for k, n := range page {
			if n > 0 {
				f(p*pageIDs+k, n)
			}
		}
	}
}

// wordCounts returns the author's candidates for the top words: the words
// of the vocabulary it used and those its top counter holds, but the stop
// words of languages in langs.
func (s *Stats) wordCounts(a *author, langs uint32) []Count {
	keep := func(stop int32) bool { return s.stops.langs[stop]&langs == 0 }
	out := a.topWords.counts(keep)
	a.counts.each(func(id int, n uint32) {
		if stop := s.vocab.stops[id]; stop < 0 || keep(stop) {
			out = append(out, Count{Text: s.vocab.keys[id], Count: int(n)})
		}
	})
	return out
}

// stopUses calls use with each stop word's id in stopDict and the number of
// times a used it.
func (s *Stats) stopUses(a *author, use func(stop int32, n int64)) {
	a.counts.each(func(id int, n uint32) {
		if stop := s.vocab.stops[id]; stop >= 0 {
			use(stop, int64(n))
		}
	})
	for _, slot := range a.topWords.slots {
		if slot.stop >= 0 {
			use(slot.stop, slot.count)
		}
	}
}
