package postgres_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// TestMessagesPlanBench times Messages.List by query class on a large
// database built beforehand (CHATLENS_PLAN_DSN; skipped without it): a chat
// of 1M messages (CHATLENS_PLAN_CHAT) among other chats, words drawn from
// a Zipf-like vocabulary in the table vocab (id = rank in that chat).
func TestMessagesPlanBench(t *testing.T) {
	dsn := os.Getenv("CHATLENS_PLAN_DSN")
	if dsn == "" {
		t.Skip("CHATLENS_PLAN_DSN is not set")
	}
	chat := core.ChatID(os.Getenv("CHATLENS_PLAN_CHAT"))
	s, err := postgres.Open(postgres.DefaultConfig(dsn))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	word := func(id int) string {
		var w string
		if err := s.DB().NewRaw("SELECT w FROM vocab WHERE id = ?", id).Scan(ctx, &w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	rng := rand.New(rand.NewPCG(1, 2))
	logUniform := func(lo, hi int) int {
		return int(math.Exp(math.Log(float64(lo)) + rng.Float64()*(math.Log(float64(hi))-math.Log(float64(lo)))))
	}
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC) // seq s is at base + 2s minutes
	at := func(seq int) time.Time { return base.Add(time.Duration(seq) * 2 * time.Minute) }
	list := func(f core.MessageFilter, after *core.SeqKey) ([]core.Message, time.Duration) {
		start := time.Now()
		var got []core.Message
		err := s.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			var err error
			got, err = tx.Messages().List(ctx, chat, f, after, 51)
			return err
		}, ports.ReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		return got, time.Since(start)
	}
	search := func(words ...string) *core.SearchQuery {
		q, err := core.ParseSearchQuery(strings.Join(words, " "))
		if err != nil {
			t.Fatal(err)
		}
		return &q
	}
	type class struct {
		name string
		make func() core.MessageFilter
		deep bool // time page 21, after 20 pages
	}
	classes := []class{
		{"common (rank 1-20)", func() core.MessageFilter { return core.MessageFilter{Search: search(word(1 + rng.IntN(20)))} }, false},
		{"medium (rank 100-3000)", func() core.MessageFilter { return core.MessageFilter{Search: search(word(logUniform(100, 3000)))} }, false},
		{"rare (rank 5000-50000)", func() core.MessageFilter { return core.MessageFilter{Search: search(word(logUniform(5000, 49999)))} }, false},
		{"absent here, in other chats", func() core.MessageFilter { return core.MessageFilter{Search: search(word(50001 + rng.IntN(9999)))} }, false},
		{"absent everywhere", func() core.MessageFilter {
			return core.MessageFilter{Search: search(fmt.Sprintf("zzq%d", rng.IntN(1e6)))}
		}, false},
		{"two common", func() core.MessageFilter {
			return core.MessageFilter{Search: search(word(1+rng.IntN(50)), word(1+rng.IntN(50)))}
		}, false},
		{"common + rare", func() core.MessageFilter {
			return core.MessageFilter{Search: search(word(1+rng.IntN(20)), word(logUniform(5000, 49999)))}
		}, false},
		{"two medium", func() core.MessageFilter {
			return core.MessageFilter{Search: search(word(logUniform(100, 3000)), word(logUniform(100, 3000)))}
		}, false},
		{"deep common (page 21)", func() core.MessageFilter { return core.MessageFilter{Search: search(word(1 + rng.IntN(20)))} }, true},
		{"deep medium (page 21, rank 50-300)", func() core.MessageFilter { return core.MessageFilter{Search: search(word(logUniform(50, 300)))} }, true},
		{"time: 1 day late, no search", func() core.MessageFilter {
			s := 850000 + rng.IntN(100000)
			return core.MessageFilter{From: at(s), To: at(s + 720)}
		}, false},
		{"time: 1 day late + common", func() core.MessageFilter {
			s := 850000 + rng.IntN(100000)
			return core.MessageFilter{From: at(s), To: at(s + 720), Search: search(word(1 + rng.IntN(20)))}
		}, false},
		{"time: 1 day late + medium", func() core.MessageFilter {
			s := 850000 + rng.IntN(100000)
			return core.MessageFilter{From: at(s), To: at(s + 720), Search: search(word(logUniform(100, 3000)))}
		}, false},
		{"time: last 20%, no search", func() core.MessageFilter { return core.MessageFilter{From: at(800000 + rng.IntN(1000))} }, false},
		{"author, common term", func() core.MessageFilter {
			return core.MessageFilter{Author: fmt.Sprintf("Author %d", rng.IntN(7)), Search: search(word(1 + rng.IntN(20)))}
		}, false},
	}
	only := os.Getenv("CHATLENS_PLAN_ONLY")
	runs := 30
	var report strings.Builder
	fmt.Fprintf(&report, "\n| class | n | median ms | p95 ms | max ms | rows/page (median) | load avg |\n|---|---|---|---|---|---|---|\n")
	for _, c := range classes {
		if only != "" && !strings.Contains(c.name, only) {
			continue
		}
		load, _ := os.ReadFile("/proc/loadavg")
		var times []time.Duration
		var sizes []int
		var total time.Duration
		for i := 0; i < runs && total < 45*time.Second; i++ {
			f := c.make()
			var after *core.SeqKey
			if c.deep {
				for p := 0; p < 20; p++ {
					got, _ := list(f, after)
					if len(got) < 51 {
						break
					}
					k := core.SeqKey(got[49].Seq)
					after = &k
				}
			}
			got, d := list(f, after)
			times = append(times, d)
			sizes = append(sizes, len(got))
			total += d
		}
		slices.Sort(times)
		slices.Sort(sizes)
		ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
		p95 := times[int(math.Ceil(0.95*float64(len(times))))-1]
		fmt.Fprintf(&report, "| %s | %d | %s | %s | %s | %d | %s |\n", c.name, len(times), ms(times[len(times)/2]), ms(p95), ms(times[len(times)-1]), sizes[len(sizes)/2], strings.Join(strings.Fields(string(load))[:3], " "))
	}
	t.Log(report.String())
}
