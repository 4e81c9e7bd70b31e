package chatstats

import (
	"fmt"
	"math/rand/v2"
	"testing"
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
		if a.hash != b.hash || a.prefix != b.prefix || a.tag() != b.tag() {
			t.Errorf("%q: ascii key %x/%x, folded key %x/%x", w, a.hash, a.prefix, b.hash, b.prefix)
		}
	}
}
