package chatstats

import (
	"math/bits"
	"math/rand/v2"
)

// wordTable maps words to small integers with open addressing and linear
// probing: the word path's one lookup per word, done on the message text
// itself (ASCII words are lower-cased while hashing and comparing, never
// copied): a Go map's job in fewer instructions, where they count, as the
// word path is most of the cost of the statistics. An entry is 16 bytes:
// the word's first eight bytes, and a tag of 24 bits of its hash and its
// length, so that a word of up to eight bytes (most chat words; no word
// holds a NUL) is found without reading the word itself.
//
// Hashes are seeded per process, so that no export can be made to collide
// on purpose; nothing a Result reports depends on the seed.
type wordTable struct {
	entries []wordEntry
	n       int
}

type wordEntry struct {
	prefix uint64 // the word's first eight bytes, little-endian, zero-padded
	tag    uint32 // hash bits 8-31, and the length (255 for 255 or more); 0: empty
	val    int32
}

// wordKey is a word to look up: raw ASCII letters and digits (compared in
// lower case), text that is its own fold, or a folded word.
type wordKey struct {
	hash, prefix uint64
	tag          uint32 // see wordEntry
	ascii        bool   // text is ASCII letters and digits, to compare in lower case
	text         string // the word as the message has it, when folded is nil
	folded       []byte // the folded word, when the text is not its own fold
}

func (k *wordKey) size() int { return len(k.text) + len(k.folded) }

// first is the word's first byte, folded.
func (k *wordKey) first() byte {
	switch {
	case k.ascii:
		return k.text[0] | 0x20
	case k.folded != nil:
		return k.folded[0]
	}
	return k.text[0]
}

// bytes returns the folded word of a key made from text, in buf.
func (k *wordKey) bytes(buf []byte) []byte {
	switch {
	case k.ascii:
		buf = append(buf[:0], k.text...)
		for i := range buf {
			buf[i] |= 0x20
		}
		return buf
	}
	return append(buf[:0], k.text...)
}

// tagOf is the entry tag of a word; never 0, as a word has at least one
// byte.
func tagOf(hash uint64, size int) uint32 {
	return uint32(hash)&^0xFF | uint32(min(size, 255))
}

// hashSeed keys the word hash; nothing a Result reports depends on it.
var hashSeed = rand.Uint64()

const (
	hashMul1 = 0x9E3779B97F4A7C15
	hashMul2 = 0xC2B2AE3D27D4EB4F
	lowerAll = 0x2020202020202020 // OR-ed in, lower-cases ASCII letters and keeps digits
)

// keyOf returns the key of the folded word b.
func keyOf(b []byte) wordKey {
	h, p := hashWord(b, 0)
	return wordKey{hash: h, prefix: p, tag: tagOf(h, len(b)), folded: b}
}

// asciiKey returns the key of the lower case of s, ASCII letters and digits.
func asciiKey(s string) wordKey {
	h, p := hashWord(s, lowerAll)
	return wordKey{hash: h, prefix: p, tag: tagOf(h, len(s)), text: s, ascii: true}
}

// hashWord hashes w eight bytes at a time, each OR-ed with lower, and
// returns the hash (never 0, the empty mark) and w's first eight bytes
// (little-endian, OR-ed, zero-padded).
func hashWord[W string | []byte](w W, lower uint64) (hash, prefix uint64) {
	h := hashSeed ^ uint64(len(w))*hashMul1
	i := 0
	for ; len(w)-i >= 8; i += 8 {
		v := (uint64(w[i]) | uint64(w[i+1])<<8 | uint64(w[i+2])<<16 | uint64(w[i+3])<<24 |
			uint64(w[i+4])<<32 | uint64(w[i+5])<<40 | uint64(w[i+6])<<48 | uint64(w[i+7])<<56) | lower
		if i == 0 {
			prefix = v
		}
		hi, lo := bits.Mul64(h^v, hashMul2)
		h = hi ^ lo
	}
	if n := len(w) - i; n > 0 {
		// The last one to seven bytes, read in at most two overlapping
		// loads that put every byte at its place.
		var v uint64
		if n >= 4 {
			e := len(w) - 4
			v = uint64(uint32(w[i])|uint32(w[i+1])<<8|uint32(w[i+2])<<16|uint32(w[i+3])<<24) |
				uint64(uint32(w[e])|uint32(w[e+1])<<8|uint32(w[e+2])<<16|uint32(w[e+3])<<24)<<(8*(n-4))
		} else {
			v = uint64(w[i]) | uint64(w[i+n/2])<<(8*(n/2)) | uint64(w[len(w)-1])<<(8*(n-1))
		}
		v |= lower >> (64 - 8*n)
		if i == 0 {
			prefix = v
		}
		hi, lo := bits.Mul64(h^v, hashMul2)
		h = hi ^ lo
	}
	return finishHash(h), prefix
}

// hashText is hashWord(text[start:end], lower), read from text with loads of
// eight bytes that may reach past the word (never past text), so that the
// last bytes of a word cost one load and a shift rather than one load each
// (TestHashTextIsHashWord checks).
func hashText(text string, start, end int, lower uint64) (hash, prefix uint64) {
	n := end - start
	h := hashSeed ^ uint64(n)*hashMul1
	if n <= 8 {
		v := loadPadded(text, start) & byteMasks[n&15]
		v |= lower & byteMasks[n&15]
		hi, lo := bits.Mul64(h^v, hashMul2)
		return finishHash(hi ^ lo), v
	}
	prefix = load64(text, start) | lower
	i := start
	for ; end-i >= 8; i += 8 {
		hi, lo := bits.Mul64(h^(load64(text, i)|lower), hashMul2)
		h = hi ^ lo
	}
	if r := end - i; r > 0 {
		// The last one to seven bytes, from a load that ends with them.
		v := load64(text, end-8)>>(uint(64-8*r)&63) | lower&byteMasks[r&15]
		hi, lo := bits.Mul64(h^v, hashMul2)
		h = hi ^ lo
	}
	return finishHash(h), prefix
}

// loadPadded returns the eight bytes from text[i] on, little-endian, zero
// past the end of text.
func loadPadded(text string, i int) uint64 {
	switch {
	case i+8 <= len(text):
		return load64(text, i)
	case len(text) >= 8:
		return load64(text, len(text)-8) >> (uint(8*(i+8-len(text))) & 63)
	}
	return loadShort(text, i)
}

// dict maps words to small ids: a wordTable and the words by id. The chat's
// vocabulary, each author's overflow words and emoji, and the stop words
// are dicts.
type dict struct {
	table wordTable
	keys  []string // by id, the folded word
}

// lookup returns the id of the word k.
func (d *dict) lookup(k *wordKey) (int32, bool) {
	t := &d.table
	if t.n == 0 {
		return 0, false
	}
	for i, mask := t.probe(k.hash); t.entries[i].tag != 0; i = (i + 1) & mask {
		e := &t.entries[i]
		if k.head(e) && (k.size() <= 8 || k.tail(d.keys[e.val])) {
			return e.val, true
		}
	}
	return 0, false
}

// countText counts the word text[start:end], its own fold when its ASCII
// letters are lower-cased by OR-ing lower (lowerAll for a word of ASCII
// letters and digits, else 0), among the author's words.
func (s *Stats) countText(a *author, text string, start, end int, lower uint64) {
	if h, prefix, tag, id, ok := s.vocab.findText(text, start, end, lower); ok {
		a.countID(id)
	} else {
		s.countNew(a, text, start, end, lower, h, prefix, tag)
	}
}

// countNew counts the word that findText did not find in the vocabulary.
func (s *Stats) countNew(a *author, text string, start, end int, lower, h, prefix uint64, tag uint32) {
	k := wordKey{hash: h, prefix: prefix, tag: tag, ascii: lower != 0, text: text[start:end]}
	s.countUnknown(a, &k)
}

// findText returns the id of text[start:end], lower-cased as countText
// says, if d holds it, and in any case its hash, first eight bytes and tag
// (see wordKey). hashText and the table lookup are inlined for a word of
// up to 16 bytes (a CJK word of up to five characters), so that a word
// found, as almost every word is, costs no key and no call.
func (d *dict) findText(text string, start, end int, lower uint64) (h, prefix uint64, tag uint32, id int32, ok bool) {
	n := end - start
	var last uint64
	switch {
	case n <= 8:
		if start+8 <= len(text) {
			prefix = load64(text, start)
		} else {
			prefix = loadPadded(text, start)
		}
		prefix = prefix&byteMasks[n&15] | lower&byteMasks[n&15]
		h = shortHash(prefix, n)
	case n <= 16:
		// Two blocks: the first eight bytes, and the rest, shifted down
		// from the load that ends with them.
		prefix = load64(text, start) | lower
		last = load64(text, end-8) | lower
		hi, lo := bits.Mul64(lengthSeeds[n&31]^prefix, hashMul2)
		r := n - 8
		hi, lo = bits.Mul64((hi^lo)^(last>>(uint(64-8*r)&63)), hashMul2)
		h = finishHash(hi ^ lo)
	default:
		h, prefix = hashText(text, start, end, lower)
	}
	tag = tagOf(h, n)
	if tab := &d.table; tab.n > 0 {
		mask := uint32(len(tab.entries) - 1)
		for j := uint32(h) >> 8 & mask; tab.entries[j].tag != 0; j = (j + 1) & mask {
			e := &tab.entries[j]
			if e.tag != tag || e.prefix != prefix {
				continue
			}
			// The tag holds the length (below 255), and the first
			// eight bytes agree: that settles a word of up to eight
			// bytes, and its last eight one of up to 16.
			if n > 8 {
				key := d.keys[e.val]
				if n <= 16 && load64(key, n-8) != last || n > 16 && !tailEqual(key, text[start:end], lower) {
					continue
				}
			}
			return h, prefix, tag, e.val, true
		}
	}
	return h, prefix, tag, 0, false
}

// tailEqual reports whether key, the folded word, is w with its ASCII
// letters lower-cased by OR-ing lower, past the first eight bytes.
func tailEqual(key, w string, lower uint64) bool {
	if len(key) != len(w) {
		return false
	}
	if lower == 0 {
		return key[8:] == w[8:]
	}
	for i := 8; i < len(key); i++ {
		if key[i] != w[i]|byte(lower) {
			return false
		}
	}
	return true
}

// finishHash spreads h over the bits the table uses (8 to 31); never 0. h is
// already the high and low halves of a 128-bit product folded, well mixed:
// folding its top half onto the bits the table uses is enough, and a
// multiply fewer on the path of every word.
func finishHash(h uint64) uint64 {
	return (h ^ h>>32) | 1
}

// head reports whether entry e may hold k's word: tag and first eight
// bytes agree, which settles it for a word of up to eight bytes.
func (k *wordKey) head(e *wordEntry) bool {
	return e.tag == k.tag && e.prefix == k.prefix
}

// tail reports whether key, whose head matched, is k's word.
func (k *wordKey) tail(key string) bool {
	switch {
	case k.folded != nil:
		return key[8:] == string(k.folded[8:])
	case !k.ascii:
		return key[8:] == k.text[8:]
	}
	for i := 8; i < len(key); i++ {
		if key[i] != k.text[i]|0x20 {
			return false
		}
	}
	return true
}

// probe returns where the search for hash h starts, and the mask to step
// with; callers step until an empty entry or a match.
func (t *wordTable) probe(h uint64) (i, mask uint32) {
	mask = uint32(len(t.entries) - 1)
	return uint32(h) >> 8 & mask, mask
}

// home is where an entry's search starts.
func (t *wordTable) home(e *wordEntry, mask uint32) uint32 { return e.tag >> 8 & mask }

// insert stores v for k's word, which the table does not hold.
func (t *wordTable) insert(k *wordKey, v int32) {
	t.put(wordEntry{prefix: k.prefix, tag: k.tag, val: v})
}

func (t *wordTable) put(e wordEntry) {
	if 2*(t.n+1) > len(t.entries) {
		t.grow()
	}
	mask := uint32(len(t.entries) - 1)
	i := t.home(&e, mask)
	for t.entries[i].tag != 0 {
		i = (i + 1) & mask
	}
	t.entries[i] = e
	t.n++
}

// remove deletes the entry of value v for the word of hash h and size
// bytes, shifting back the entries after it (no tombstones, so probes stay
// short).
func (t *wordTable) remove(h uint64, size int, v int32) {
	i, mask := t.probe(h)
	tag := tagOf(h, size)
	for t.entries[i].tag != tag || t.entries[i].val != v {
		if t.entries[i].tag == 0 {
			return
		}
		i = (i + 1) & mask
	}
	t.n--
	for j := (i + 1) & mask; t.entries[j].tag != 0; j = (j + 1) & mask {
		home := t.home(&t.entries[j], mask)
		// Move j back into the hole at i unless its home lies in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.entries[i] = t.entries[j]
			i = j
		}
	}
	t.entries[i] = wordEntry{}
}

func (t *wordTable) grow() {
	old := t.entries
	t.entries, t.n = make([]wordEntry, max(64, 2*len(old))), 0
	for _, e := range old {
		if e.tag != 0 {
			t.put(e)
		}
	}
}
