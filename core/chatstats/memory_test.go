package chatstats

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
)

// generated yields n chat messages: eight authors, a Zipf vocabulary with a
// long tail of new words (so that the top lists fill and evict), emoji,
// minutes apart over months.
func generated(n int, yield func(core.Message)) {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.2, 1, 1<<30)
	authors := []string{"Anna", "José", "Zoë", "Mike", "Priya", "+44 7700 900123", "Lena 🌻", "Tom"}
	common := strings.Fields("ok yes the and to you I it that haha see later 😂 👍 dinner coffee train home")
	t := time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := range n {
		t = t.Add(time.Duration(rng.ExpFloat64()*90) * time.Second)
		b.Reset()
		for j := range 1 + int(rng.ExpFloat64()*7) {
			if j > 0 {
				b.WriteByte(' ')
			}
			if w := zipf.Uint64(); w < uint64(len(common)) {
				b.WriteString(common[w])
			} else {
				fmt.Fprintf(&b, "w%d", w)
			}
		}
		yield(core.Message{Seq: int64(i + 1), Author: authors[rng.IntN(len(authors))], Local: t,
			Kind: core.MessageText, Text: b.String()})
	}
}

// TestMemoryStaysFlat computes the statistics of 20,000 and 200,000
// messages and compares the live heap: per-author tables are bounded, so
// ten times the messages must not take ten times the memory.
func TestMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("adds 220,000 messages")
	}
	heap := func(n int) uint64 {
		s := New(Options{})
		generated(n, func(m core.Message) { s.Add(&m) })
		_ = s.Result()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(s)
		return ms.HeapAlloc
	}
	small, large := heap(20_000), heap(200_000)
	t.Logf("live heap: %d KiB after 20k messages, %d KiB after 200k", small>>10, large>>10)
	if large > small+512<<10 {
		t.Errorf("live heap grew from %d KiB to %d KiB", small>>10, large>>10)
	}
}

// BenchmarkAdd adds chat messages: "tail" draws words from a Zipf
// distribution over an unbounded vocabulary (every author's top list is full
// and most words are rare), "bench" from bench/parse/gen's hundred words.
func BenchmarkAdd(b *testing.B) {
	benchWords := strings.Fields(`ok yes no maybe tomorrow today tonight dinner lunch coffee train late sorry
		thanks great see you soon meeting work home weekend trip photo call later haha lol really nice good
		morning night where when what who why how the a to and of in is it on for at with this that we I you
		they just will be can not have do get go know think need want time day week plan idea check send
		😂 👍 ❤️ 🙏 🎉 done ready leaving arrived almost there running minutes`)
	for _, c := range []struct {
		name string
		msgs func() []core.Message
	}{
		{"tail", func() (msgs []core.Message) {
			generated(100_000, func(m core.Message) { msgs = append(msgs, m) })
			return msgs
		}},
		{"bench", func() (msgs []core.Message) {
			generated(100_000, func(m core.Message) {
				w := strings.Fields(m.Text)
				for i := range w {
					w[i] = benchWords[fnv32([]byte(w[i]))%uint32(len(benchWords))]
				}
				m.Text = strings.Join(w, " ")
				msgs = append(msgs, m)
			})
			return msgs
		}},
	} {
		msgs := c.msgs()
		bytes := 0
		for _, m := range msgs {
			bytes += len(m.Text)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(bytes / len(msgs)))
			b.ReportAllocs()
			s := New(Options{})
			for i := 0; b.Loop(); i++ {
				if i == len(msgs) {
					i, s = 0, New(Options{})
				}
				s.Add(&msgs[i])
			}
		})
	}
}

// TestQuietAuthorsStaySmall fills the chat's vocabulary, then has two
// thousand authors say two words each, one of them among the last the
// vocabulary took: an author who says little must keep little, whichever
// words they used (a large group has thousands of such members).
func TestQuietAuthorsStaySmall(t *testing.T) {
	s := New(Options{})
	var b strings.Builder
	for i := range 4096 {
		fmt.Fprintf(&b, "w%d ", i)
	}
	m := core.Message{Seq: 1, Author: "Ann", Kind: core.MessageText, Text: b.String(),
		Local: time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)}
	s.Add(&m)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	const quiet = 2000
	for i := range quiet {
		m := core.Message{Seq: int64(i + 2), Author: fmt.Sprintf("member %d", i), Kind: core.MessageText,
			Text: "w1 w4095", Local: time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)}
		s.Add(&m)
	}
	perAuthor := (heap() - before) / quiet
	runtime.KeepAlive(s)
	t.Logf("%d bytes a quiet author", perAuthor)
	if perAuthor > 2048 {
		t.Errorf("a quiet author takes %d bytes", perAuthor)
	}
}
