package chatstats

import (
	"cmp"
	"slices"
)

// topCounter finds the most frequent keys of a stream in bounded memory with
// Filtered Space-Saving (Homem and Carvalho, "Finding top-k elements in data
// streams", Information Sciences 2010), Space-Saving (Metwally, Agrawal and
// El Abbadi, 2005) with a filter in front: it monitors at most size keys in
// slots; a key not monitored bumps one of 2*size hash counters instead, and
// takes the slot of the least counted key only once its hash counter reaches
// that key's count. Rare words, most of a chat's vocabulary, then cost a
// counter increment instead of an eviction.
//
// Guarantees (checked by TestTopCounterGuarantees): a slot's count is at
// least its key's true count and at most over more; a key that took a slot
// while slots were free has over == 0 and is counted exactly, which is every
// key while at most size distinct keys have been seen; a key without a slot
// occurred at most as many times as the smallest count the slots hold.
//
// Stop words (Stats.countUnknown) take slots of their own, besides size:
// they are counted exactly and never evicted. The top counter of an
// author's words counts only those past the chat's vocabulary (vocab).
type topCounter struct {
	size    int
	content int // slots of words other than stop words
	dict        // the keys by slot
	slots   []topSlot
	// heap orders the content slots as a min-heap by count, once size of
	// them are taken and the least counted key matters; before, it is nil.
	heap  []int32
	alpha []uint32 // hash counters of keys without a slot, once the slots are full
}

type topSlot struct {
	hash  uint64 // the key's wordTable hash
	count int64
	over  int64 // the key's true count is in [count-over, count]
	pos   int32 // the slot's place in heap
	stop  int32 // the stop word's id in stopDict, or -1
}

// add counts one occurrence of key, a table of its own (emoji).
func (t *topCounter) add(key []byte) {
	k := keyOf(key)
	if id, ok := t.lookup(&k); ok {
		t.hit(id)
		return
	}
	t.miss(&k, key)
}

// hit counts one more occurrence of the key in slot id.
func (t *topCounter) hit(id int32) {
	s := &t.slots[id]
	s.count++
	if t.heap != nil && s.stop < 0 {
		t.down(int(s.pos))
	}
}

// addStop gives the stop word k, id in stopDict, its slot and counts it.
func (t *topCounter) addStop(k *wordKey, id int32, word string) {
	t.table.insert(k, int32(len(t.slots)))
	t.keys = append(t.keys, word)
	t.slots = append(t.slots, topSlot{hash: k.hash, count: 1, stop: id})
}

// miss counts one occurrence of the word k, whose folded bytes are key,
// which holds no slot; key is copied only when it takes one.
func (t *topCounter) miss(k *wordKey, key []byte) {
	if t.content < t.size {
		t.table.insert(k, int32(len(t.slots)))
		t.keys = append(t.keys, string(key))
		t.slots = append(t.slots, topSlot{hash: k.hash, count: 1, stop: -1})
		if t.content++; t.content == t.size {
			for id, s := range t.slots {
				if s.stop < 0 {
					t.slots[id].pos = int32(len(t.heap))
					t.heap = append(t.heap, int32(id))
				}
			}
			for i := len(t.heap)/2 - 1; i >= 0; i-- {
				t.down(i)
			}
		}
		return
	}
	if t.size <= 0 {
		return
	}
	if t.alpha == nil {
		t.alpha = make([]uint32, 2*t.size)
	}
	// The filter's counters are indexed by a hash without the process's
	// seed, so that the same chat always gives the same top lists.
	a := fnv32(key) % uint32(len(t.alpha))
	root := t.heap[0]
	s := &t.slots[root]
	if int64(t.alpha[a])+1 < s.count {
		t.alpha[a]++
		return
	}
	// The least counted key leaves; its hash counter keeps its count as a
	// bound for when it comes back.
	if e := fnv32([]byte(t.keys[root])) % uint32(len(t.alpha)); int64(t.alpha[e]) < s.count {
		t.alpha[e] = uint32(min(s.count, 1<<32-1))
	}
	t.table.remove(s.hash, len(t.keys[root]), root)
	t.keys[root], s.hash = string(key), k.hash
	s.over = int64(t.alpha[a])
	s.count = s.over + 1
	t.table.insert(k, root)
	t.down(0)
}

// minCount is the smallest count the slots hold (0 while one is free).
func (t *topCounter) minCount() int64 {
	if t.heap == nil {
		return 0
	}
	return t.slots[t.heap[0]].count
}

// fnv32 is FNV-1a.
func fnv32(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

func (t *topCounter) less(i, j int) bool {
	return t.slots[t.heap[i]].count < t.slots[t.heap[j]].count
}

func (t *topCounter) swap(i, j int) {
	t.heap[i], t.heap[j] = t.heap[j], t.heap[i]
	t.slots[t.heap[i]].pos = int32(i)
	t.slots[t.heap[j]].pos = int32(j)
}

func (t *topCounter) down(i int) {
	n := len(t.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && t.less(r, l) {
			m = r
		}
		if !t.less(m, i) {
			return
		}
		t.swap(i, m)
		i = m
	}
}

// counts returns what the slots hold, as top-list entries: the content
// words, and the stop words keep says to keep.
func (t *topCounter) counts(keep func(stop int32) bool) []Count {
	out := make([]Count, 0, len(t.slots))
	for id, s := range t.slots {
		if s.stop < 0 || (keep != nil && keep(s.stop)) {
			out = append(out, Count{Text: t.keys[id], Count: int(s.count), MaxOvercount: int(s.over)})
		}
	}
	return out
}

// topOf sorts counts most frequent first (ties by text) and keeps k.
func topOf(counts []Count, k int) []Count {
	slices.SortFunc(counts, func(a, b Count) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Text, b.Text)
	})
	if len(counts) > k {
		counts = counts[:k]
	}
	return counts
}
