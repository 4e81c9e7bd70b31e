package chatstats

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// TestWordTableAgainstMap inserts and removes random words, many of them
// colliding on purpose in a small table, and checks every lookup against a
// map.
func TestWordTableAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var tab wordTable
	words := make([]string, 3000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d%s", i, "-long-enough-to-need-a-tail"[:rng.IntN(20)])
	}
	want := map[string]int32{}
	find := func(w string) (int32, bool) {
		k := keyOf([]byte(w))
		for i, mask := tab.probe(k.hash); tab.entries[i].tag != 0; i = (i + 1) & mask {
			e := &tab.entries[i]
			if k.head(e) && (k.size() <= 8 || k.tail(words[e.val])) {
				return e.val, true
			}
		}
		return 0, false
	}
	for step := range 200_000 {
		id := int32(rng.IntN(len(words)))
		w := words[id]
		if _, ok := want[w]; ok && rng.IntN(2) == 0 {
			tab.remove(keyOf([]byte(w)).hash, len(w), id)
			delete(want, w)
		} else if !ok {
			k := keyOf([]byte(w))
			tab.insert(&k, id)
			want[w] = id
		}
		if step%1000 == 0 {
			for i, w := range words {
				got, ok := find(w)
				if wantID, wantOK := want[w]; ok != wantOK || (ok && got != wantID) {
					t.Fatalf("step %d: word %d: got %d %v, want %d %v", step, i, got, ok, wantID, wantOK)
				}
			}
			if tab.n != len(want) {
				t.Fatalf("step %d: %d entries, want %d", step, tab.n, len(want))
			}
		}
	}
}

func TestASCIIKeyIsTheKeyOfTheLowerCase(t *testing.T) {
	for _, w := range []string{"a", "OK", "Hello", "12345678", "ABCDEFGH", "internationalization", "MiXeD123CaSe"} {
		lower := []byte(w)
		for i, c := range lower {
			if 'A' <= c && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		a, b := asciiKey(w), keyOf(lower)
		if a.hash != b.hash || a.prefix != b.prefix || a.tag != b.tag {
			t.Errorf("%q: ascii key %x/%x, folded key %x/%x", w, a.hash, a.prefix, b.hash, b.prefix)
		}
	}
}

func TestAlnumBytesAndShortKeys(t *testing.T) {
	for b := range 256 {
		for pos := range 8 {
			v := uint64(b) << (8 * pos)
			want := b < 0x80 && asciiWordByte[b]
			if got := alnumBytes(v)&(0x80<<(8*pos)) != 0; got != want {
				t.Fatalf("byte %#x at %d: alnum %v, want %v", b, pos, got, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(8, 9))
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for range 10_000 {
		n := 1 + rng.IntN(8)
		b := make([]byte, n, 8)
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		w := string(b)
		padded := string(append(b, "        "[:8-n]...))
		// The short path (findText, and asciiRun's inline copy of its
		// lookup) finds what asciiKey keys, and the other way round.
		st := New(Options{})
		a := st.newAuthor("", "Ann")
		st.countText(a, padded, 0, n, lowerAll)
		k := asciiKey(w)
		if id, ok := st.vocab.lookup(&k); !ok || a.counts[id/pageIDs][id%pageIDs] != 1 {
			t.Fatalf("%q: counted by the short path, not found by its key", w)
		}
		st.countWord(a, &k)
		if got := st.wordCounts(a, 0); len(got) != 1 || got[0].Count != 2 {
			t.Fatalf("%q: %v", w, got)
		}
		if end, _ := asciiWordEnd(padded+" more", 0); end != n {
			t.Fatalf("%q: word ends at %d, want %d", padded, end, n)
		}
	}
}

// TestHashTextIsHashWord checks hashText, which reads past a word's ends
// within its text, against hashWord on the word alone: every length up to
// 40 at every place in texts of every length up to 48, raw and lower-cased.
func TestHashTextIsHashWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for size := 1; size <= 48; size++ {
		b := make([]byte, size)
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		text := string(b)
		for start := 0; start < size; start++ {
			for end := start + 1; end <= size && end-start <= 40; end++ {
				for _, lower := range []uint64{0, lowerAll} {
					h, p := hashText(text, start, end, lower)
					wh, wp := hashWord(text[start:end], lower)
					if h != wh || p != wp {
						t.Fatalf("%q[%d:%d], lower %x: hashText %x/%x, hashWord %x/%x", text, start, end, lower, h, p, wh, wp)
					}
				}
			}
		}
	}
}

// TestLetterBytes checks the SWAR letter test byte by byte, alone and among
// random neighbours (no byte's sum may carry into the next).
func TestLetterBytes(t *testing.T) {
	isLetter := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	rng := rand.New(rand.NewPCG(10, 11))
	for b := range 256 {
		for pos := range 8 {
			for trial := range 20 {
				v := uint64(b) << (8 * pos)
				if trial > 0 {
					v = rng.Uint64()&^(0xFF<<(8*pos)) | v
				}
				for k := range 8 {
					c := byte(v >> (8 * k))
					if got := letterBytes(v)&(0x80<<(8*k)) != 0; got != isLetter(c) {
						t.Fatalf("%#016x, byte %d (%#x): letter %v", v, k, c, got)
					}
				}
			}
		}
	}
}

// TestLatin1Word checks the words asciiRun reads with Latin-1 letters: how
// far each goes, and that it is lowered to its fold.
func TestLatin1Word(t *testing.T) {
	for _, c := range []struct{ in, word string }{
		{"für uns", "für"},
		{"FÜR", "für"},
		{"Straße.", "straße"},
		{"GRÖSSE", "grösse"},
		{"ÀÞàþÿ", "àþàþ"}, // ÿ cut by the end of the eight bytes
		{"naïve!", "naïve"},
		{"abcdefä", "abcdefä"},
		{"abcdefgä", "abcdefg"}, // ä cut by the end of the eight bytes
		{"Öl3", "öl"},
		{"a×b", "a×b"}, // × lowered to ÷: no word the table holds
	} {
		v := loadPadded(c.in, 0)
		n, lower := latin1Word(v)
		got := make([]byte, 8)
		binary.LittleEndian.PutUint64(got, v&byteMasks[n&15]|lower)
		if string(got[:n]) != strings.Map(func(r rune) rune {
			if r == '×' {
				return '÷'
			}
			return unicode.ToLower(r)
		}, c.word) {
			t.Errorf("latin1Word(%q) = %q, want the fold of %q", c.in, got[:n], c.word)
		}
	}
}
