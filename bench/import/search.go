package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// latency is one request's timings through the API and, for searches,
// the same statement's in psql.
type latency struct {
	Name    string    `json:"name"`
	Query   string    `json:"query,omitempty"`
	Hits    string    `json:"hits,omitempty"` // messages of the chat matching, from ts_stat or counted
	APIp50  float64   `json:"api_p50_ms"`
	APIp95  float64   `json:"api_p95_ms"`
	PSQLp50 float64   `json:"psql_p50_ms,omitempty"`
	PSQLp95 float64   `json:"psql_p95_ms,omitempty"`
	AllP50  float64   `json:"psql_request_p50_ms,omitempty"` // every statement of the request, in psql
	AllP95  float64   `json:"psql_request_p95_ms,omitempty"`
	EachP50 []float64 `json:"psql_each_p50_ms,omitempty"` // each statement of the request, in order
	Bytes   int       `json:"bytes"`                      // of one answer
	Plan    string    `json:"plan,omitempty"`
	Slowest string    `json:"slowest_statement,omitempty"` // of the request, by psql p50
	// SearchStatements counts the request's statements on messages.
	SearchStatements int    `json:"search_statements"`
	SQL              string `json:"sql,omitempty"`
}

// searchQuery is one query of the fixed set.
type searchQuery struct {
	name  string
	q     string
	depth int // page to measure, 1-based (deep pages follow the cursor)
	docs  string
}

// fill adds copies of the target chat under other users' chats until the
// table holds minRows messages, then VACUUM ANALYZE.
func (b *bench) fill(ctx context.Context) error {
	for {
		n, err := b.p.count(ctx)
		if err != nil {
			return err
		}
		b.res.Rows = n
		if n >= b.o.minRows {
			break
		}
		user, _, err := b.newUser(ctx, "other")
		if err != nil {
			return err
		}
		b.fillUsers = append(b.fillUsers, user)
		start := time.Now()
		id, err := b.p.copyChat(ctx, b.target, user)
		if err != nil {
			return err
		}
		fmt.Printf("    filled chat %s of another user (%d messages table-wide before it) in %.1f s\n", id, n, time.Since(start).Seconds())
	}
	start := time.Now()
	if _, err := b.p.psql(ctx, "VACUUM ANALYZE;\n"); err != nil {
		return err
	}
	fmt.Printf("    messages table: %d rows; VACUUM ANALYZE %.1f s\n", b.res.Rows, time.Since(start).Seconds())
	return nil
}

// queries samples the fixed query set from the chat's own words by how
// many of its messages hold each: the most frequent, one at the median
// rank, the rarest, two two-word queries, a word the chat lacks, and the
// most frequent word again 20 pages deep.
func (b *bench) queries(ctx context.Context) ([]searchQuery, error) {
	words, err := b.p.wordFrequencies(ctx, b.target)
	if err != nil {
		return nil, err
	}
	// Letters only: numbers and the like would test the tokenizer, not search.
	var ws []wordFreq
	for _, w := range words {
		if isWord(w.Word) {
			ws = append(ws, w)
		}
	}
	if len(ws) < 3 {
		return nil, fmt.Errorf("the chat has %d distinct words; want at least 3", len(ws))
	}
	top, mid, rare := ws[0], ws[len(ws)/2], ws[len(ws)-1]
	second := ws[1]
	b.res.Words = []wordFreq{top, second, mid, rare}
	docs := func(w wordFreq) string { return strconv.FormatInt(w.Docs, 10) }
	return []searchQuery{
		{"common word", top.Word, 1, docs(top)},
		{"median word", mid.Word, 1, docs(mid)},
		{"rarest word", rare.Word, 1, docs(rare)},
		{"two common words", top.Word + " " + second.Word, 1, ""},
		{"common + rarest", top.Word + " " + rare.Word, 1, ""},
		{"absent word", "zyzzyvaquux", 1, "0"},
		{fmt.Sprintf("common word, page %d", b.o.pages), top.Word, b.o.pages, docs(top)},
	}, nil
}

func isWord(s string) bool {
	if len(s) < 2 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// messagesPath is the search request for q, after cursor.
func (b *bench) messagesPath(q, cursor string) string {
	v := url.Values{"q": {q}}
	if b.o.limit > 0 {
		v.Set("limit", strconv.Itoa(b.o.limit))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return "/v1/chats/" + pathEscape(b.target) + "/messages?" + v.Encode()
}

// search runs the query set: each query's page through the API many times,
// sequentially, then the statement the server ran for it, captured from
// the PostgreSQL log, as many times in psql.
func (b *bench) search(ctx context.Context) error {
	b.res.Env.load("search: fill")
	if err := b.fill(ctx); err != nil {
		return err
	}
	qs, err := b.queries(ctx)
	if err != nil {
		return err
	}
	b.res.Env.load("search")
	var plans strings.Builder
	for _, q := range qs {
		// Follow the cursor to the page measured.
		cursor := ""
		for page := 1; page < q.depth; page++ {
			data, err := b.srv.get(ctx, b.targetKey, b.messagesPath(q.q, cursor))
			if err != nil {
				return err
			}
			var pg struct {
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal(data, &pg); err != nil {
				return err
			}
			if pg.NextCursor == "" {
				return fmt.Errorf("%s: no page %d (the results end at page %d)", q.name, q.depth, page)
			}
			cursor = pg.NextCursor
		}
		path := b.messagesPath(q.q, cursor)
		l := latency{Name: q.name, Query: q.q, Hits: q.docs}
		var hits int64
		if err := b.p.db.QueryRowContext(ctx, "SELECT count(*) FROM messages WHERE chat_id = $1 AND search @@ plainto_tsquery('chatlens_search', $2)",
			b.target, q.q).Scan(&hits); err == nil {
			l.Hits = strconv.FormatInt(hits, 10)
		}
		api, size, err := b.repeat(ctx, path, b.o.searchN)
		if err != nil {
			return err
		}
		l.Bytes = size
		l.APIp50, l.APIp95 = pct(api, 50), pct(api, 95)
		stmts, err := b.p.captureStatements(ctx, func() error {
			_, err := b.srv.get(ctx, b.targetKey, path)
			return err
		})
		if err != nil {
			return err
		}
		// The search may take several statements on messages (windows of
		// the chat read in turn); "psql" is all of them, in one session.
		search := messagesStatements(stmts)
		if len(search) == 0 {
			return fmt.Errorf("%s: no statement on messages in the log (%d statements captured)", q.name, len(stmts))
		}
		st := search[len(search)-1]
		l.SQL = st.SQL
		l.SearchStatements = len(search)
		ds, _, err := b.timeAll(ctx, search)
		if err != nil {
			return fmt.Errorf("%s: timing the search in psql: %w\n%s", q.name, err, st.SQL)
		}
		l.PSQLp50, l.PSQLp95 = pct(ds, 50), pct(ds, 95)
		// Every statement of the request (the key's look-up, the units'
		// BEGIN and COMMIT, the chat's read, the search) in one psql
		// session, as often: the database's share of the whole request.
		all, each, err := b.timeAll(ctx, stmts)
		if err != nil {
			fmt.Printf("    %s: timing the request's statements in psql: %v\n", q.name, err)
		} else {
			l.AllP50, l.AllP95, l.EachP50 = pct(all, 50), pct(all, 95), each
		}
		plan, err := b.p.explain(ctx, st.SQL)
		if err != nil {
			return err
		}
		l.Plan = planSummary(plan)
		fmt.Fprintf(&plans, "### %s (q=%q)\n\nstatements of one request:\n", q.name, q.q)
		for i, s := range stmts {
			each := ""
			if i < len(l.EachP50) {
				each = fmt.Sprintf(", in psql p50 %.3f ms", l.EachP50[i])
			}
			fmt.Fprintf(&plans, "  [%s] logged %.3f ms%s  %s\n", s.PID, s.Duration, each, oneLine(s.SQL))
		}
		fmt.Fprintf(&plans, "\n%s\n\n", plan)
		if i := slowest(l.EachP50); i >= 0 {
			l.Slowest = fmt.Sprintf("%.2f ms: %s", l.EachP50[i], truncate([]byte(oneLine(stmts[i].SQL)), 90))
		}
		b.res.Search = append(b.res.Search, l)
		fmt.Printf("    %-24s q=%-24q %d search statement(s), API p50 %6.2f ms p95 %6.2f ms | psql p50 %6.2f ms p95 %6.2f ms | whole request in psql p50 %6.2f p95 %6.2f | %s\n",
			l.Name, l.Query, l.SearchStatements, l.APIp50, l.APIp95, l.PSQLp50, l.PSQLp95, l.AllP50, l.AllP95, l.Plan)
	}
	if err := os.WriteFile(filepath.Join(b.o.out, "search-plans.txt"), []byte(plans.String()), 0o644); err != nil {
		return err
	}
	fmt.Println("    statements and plans:", filepath.Join(b.o.out, "search-plans.txt"))
	if b.o.profile {
		if err := b.profileSearch(ctx, qs); err != nil {
			fmt.Println("    search profile:", err)
		}
	}
	return nil
}

// timeAll runs the request's statements searchN+5 times over in one psql
// session and returns the sum of each repetition's timings, without the
// first five.
func (b *bench) timeAll(ctx context.Context, stmts []statement) (sums []time.Duration, eachP50 []float64, err error) {
	var script []string
	for range b.o.searchN + 5 {
		for _, s := range stmts {
			script = append(script, s.SQL)
		}
	}
	ds, err := b.p.timed(ctx, script)
	if err != nil {
		return nil, nil, err
	}
	each := make([][]time.Duration, len(stmts))
	for i := 5 * len(stmts); i < len(ds); i += len(stmts) {
		var sum time.Duration
		for j, d := range ds[i : i+len(stmts)] {
			sum += d
			each[j] = append(each[j], d)
		}
		sums = append(sums, sum)
	}
	for _, e := range each {
		eachP50 = append(eachP50, pct(e, 50))
	}
	return sums, eachP50, nil
}

// profileSearch profiles the server for 10 s while the query set runs
// over and over.
func (b *bench) profileSearch(ctx context.Context, qs []searchQuery) error {
	path := filepath.Join(b.o.out, "cpu-search.prof")
	done := make(chan error, 1)
	go func() { done <- b.srv.profile(ctx, 10*time.Second, path) }()
	n := 0
	for {
		select {
		case err := <-done:
			if err == nil {
				fmt.Printf("    CPU profile of the server over %d searches: %s\n", n, path)
			}
			return err
		default:
		}
		q := qs[n%len(qs)]
		if q.depth == 1 {
			if _, err := b.srv.get(ctx, b.targetKey, b.messagesPath(q.q, "")); err != nil {
				return err
			}
		}
		n++
	}
}

// repeat GETs path n times after 5 warm-up requests, one at a time, and
// returns each time and the answer's size.
func (b *bench) repeat(ctx context.Context, path string, n int) ([]time.Duration, int, error) {
	var size int
	ds := make([]time.Duration, 0, n)
	for i := range n + 5 {
		start := time.Now()
		data, err := b.srv.get(ctx, b.targetKey, path)
		d := time.Since(start)
		if err != nil {
			return nil, 0, err
		}
		size = len(data)
		if i >= 5 {
			ds = append(ds, d)
		}
	}
	return ds, size, nil
}

// statistics times the chat's statistics and its two pictures.
func (b *bench) statistics(ctx context.Context) error {
	b.res.Env.load("statistics")
	base := "/v1/chats/" + pathEscape(b.target) + "/statistics"
	for _, p := range []struct{ name, path string }{
		{"statistics", base},
		{"activity.svg", base + "/activity.svg"},
		{"timeline.svg", base + "/timeline.svg"},
	} {
		ds, size, err := b.repeat(ctx, p.path, b.o.statsN)
		if err != nil {
			return err
		}
		l := latency{Name: p.name, APIp50: pct(ds, 50), APIp95: pct(ds, 95), Bytes: size}
		b.res.Stats = append(b.res.Stats, l)
		fmt.Printf("    %-14s p50 %7.2f ms p95 %7.2f ms (%d bytes)\n", l.Name, l.APIp50, l.APIp95, l.Bytes)
	}
	return nil
}

// pct is the p-th percentile (nearest rank) of ds, in milliseconds.
func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.999999) - 1
	i = min(max(i, 0), len(s)-1)
	return float64(s[i]) / float64(time.Millisecond)
}

// planSummary is the plan's node types, outermost first, and its
// execution time: enough to say which index a search used.
func planSummary(plan string) string {
	var nodes []string
	exec := ""
	for line := range strings.SplitSeq(plan, "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "->"))
		if v, ok := strings.CutPrefix(t, "Execution Time: "); ok {
			exec = v
			continue
		}
		if i := strings.Index(t, "  (cost="); i > 0 {
			nodes = append(nodes, t[:i])
		}
	}
	return strings.Join(nodes, " > ") + "; execution " + exec
}

// slowest is the index of the largest value, -1 for none.
func slowest(xs []float64) int {
	best := -1
	for i, x := range xs {
		if best < 0 || x > xs[best] {
			best = i
		}
	}
	return best
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
