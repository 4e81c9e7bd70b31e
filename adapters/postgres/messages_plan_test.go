package postgres_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// TestMessagesPlanBench times Messages.List by query class on a large
// database built beforehand (CHATLENS_PLAN_DSN; skipped without it): a chat
// of 1M messages (CHATLENS_PLAN_CHAT), seq s at 2019-01-01 + 2s minutes,
// authors "Author 0" to "Author 6", among 4M messages of other chats, then
// VACUUM ANALYZE. Words are drawn from a table vocab (id, w) of 60,000
// made-up Latin, Cyrillic and Greek words, rank r with probability about
// 1/r (floor(exp(random()*ln(50000)))), 1 to 12 words a message; in the
// big chat word id = rank, so ids 50,001 and up are absent from it. Half
// the other chats draw the same way, half through a permutation of the
// ranks. CHATLENS_PLAN_ONLY keeps the classes whose names contain one of
// its comma-separated parts; CHATLENS_PLAN_SLOW logs searches over 20 ms.
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
		if only != "" && !slices.ContainsFunc(strings.Split(only, ","), func(o string) bool { return strings.Contains(c.name, o) }) {
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
			if os.Getenv("CHATLENS_PLAN_SLOW") != "" && d > 20*time.Millisecond && f.Search != nil {
				t.Logf("slow: %s %v after %v: %v", c.name, f.Search.Terms, after, d)
			}
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

// planHook keeps the text of every query the store runs.
type planHook struct {
	mu      sync.Mutex
	queries []string
}

func (h *planHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (h *planHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queries = append(h.queries, e.Query)
}

// TestMessagesListPlans holds List's steps to their indexes when the
// statistics mislead: a term in every message of another chat and in few
// of this one, as frequent table-wide as a stop word. Each step's query is
// explained as it ran: the window walks the primary key, the search
// through buckets and the rest of a chat go through messages_search, a
// narrow time window through messages_time.
func TestMessagesListPlans(t *testing.T) {
	t.Parallel()
	dsn := newDatabase(t)
	s := openStoreOn(t, dsn, ports.DefaultStoreOptions())
	ctx := context.Background()
	const chat, other = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
	for _, stmt := range []string{
		`INSERT INTO users (id, email, email_key, display_name, role, created_at)
		 VALUES ('00000000-0000-4000-8000-000000000001', 'a@example.com', 'a@example.com', 'A', 'user', now())`,
		`INSERT INTO chats (id, user_id, title, sha256, bytes, format, time_zone, messages, version, created_at, updated_at)
		 SELECT id::uuid, '00000000-0000-4000-8000-000000000001', 'chat', repeat(n, 64), 0, 'whatsapp', '', 30000, 1, now(), now()
		 FROM (VALUES ('` + chat + `', 'a'), ('` + other + `', 'b')) v (id, n)`,
		// In this chat: "sparse" in one message in 1,000, "skew" in none.
		`INSERT INTO messages (chat_id, seq, filter_at, author, author_id, kind, text, media_type, attachment, edited, reply_to, platform_id)
		 SELECT '` + chat + `', s, timestamptz '2025-01-01' + s * interval '1 min', 'Ada', '', 'text',
		        CASE WHEN s % 1000 = 0 THEN 'word sparse' ELSE 'word' END, '', '', false, '', ''
		 FROM generate_series(1, 30000) s`,
		// In the other: both in every message.
		`INSERT INTO messages (chat_id, seq, filter_at, author, author_id, kind, text, media_type, attachment, edited, reply_to, platform_id)
		 SELECT '` + other + `', s, timestamptz '2025-01-01' + s * interval '1 min', 'Ada', '', 'text', 'word sparse skew', '', '', false, '', ''
		 FROM generate_series(1, 30000) s`,
		`ANALYZE messages`,
	} {
		if _, err := s.DB().ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	hook := &planHook{}
	//lint:ignore SA1019 the store's own *bun.DB must run the hook: WithQueryHook would return a copy the store never uses
	s.DB().AddQueryHook(hook)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	search := func(q string) *core.SearchQuery {
		sq, err := core.ParseSearchQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		return &sq
	}
	for _, c := range []struct {
		f    core.MessageFilter
		want int
	}{
		{core.MessageFilter{Search: search("skew")}, 0},
		{core.MessageFilter{Search: search("sparse")}, 30},
		{core.MessageFilter{From: base.Add(25000 * time.Minute), To: base.Add(25100 * time.Minute)}, 51},
	} {
		err := s.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			got, err := tx.Messages().List(ctx, core.ChatID(chat), c.f, nil, 51)
			if err == nil && len(got) != c.want {
				t.Errorf("List(%+v) = %d messages; want %d", c.f, len(got), c.want)
			}
			return err
		}, ports.ReadOnly())
		if err != nil {
			t.Fatal(err)
		}
	}
	steps := map[string]string{}
	for _, q := range hook.queries {
		var step, index string
		switch {
		case strings.Contains(q, "LIMIT 4000"):
			step, index = "window", "messages_pkey"
		case strings.Contains(q, "(seq >> 13)"):
			step, index = "buckets", "messages_search"
		case strings.Contains(q, "ARRAY[chat_id] @>"):
			step, index = "rest of the chat", "messages_search"
		case strings.Contains(q, "OFFSET 0) AS m"):
			step, index = "time window", "messages_time"
		default:
			continue
		}
		var plan []string
		if err := s.DB().NewRaw("EXPLAIN "+q).Scan(ctx, &plan); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(plan, "\n"), " "+index+" ") {
			t.Errorf("%s: not through %s:\n%s\n%s", step, index, q, strings.Join(plan, "\n"))
		}
		steps[step] = index
	}
	if len(steps) != 4 {
		t.Errorf("steps met: %v; want the window, the buckets, the rest of the chat and the time window", steps)
	}
}
