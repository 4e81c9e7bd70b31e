package porttest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("ChatSearch", runChatSearch) }

// runChatSearch holds every adapter to one full-text search: the same
// corpus, the same queries (parsed as a person's by core.ParseSearchQuery),
// the same matching messages. core.SearchTokens defines the terms, and
// PostgreSQL's index agrees with it (adapters/postgres
// TestSearchTokensAgree), so these expectations are the product's.
func runChatSearch(t *testing.T, newDatabase NewDatabase) {
	t.Run("Queries", func(t *testing.T) {
		t.Parallel()
		testSearchQueries(t, store(t, newDatabase, options(ports.LockNoWait, 3)))
	})
	t.Run("WithFiltersAndPages", func(t *testing.T) {
		t.Parallel()
		testSearchFiltersAndPages(t, store(t, newDatabase, options(ports.LockNoWait, 3)))
	})
	t.Run("LongChat", func(t *testing.T) {
		t.Parallel()
		testSearchLongChat(t, store(t, newDatabase, options(ports.LockNoWait, 3)))
	})
}

// searchCorpus is the text of a chat's messages, by seq (from 1).
var searchCorpus = []string{
	"Café au lait at the Øresund bridge",   // 1
	"CAFE closed today",                    // 2
	"a well-known problem",                 // 3
	"it's a well known fact",               // 4
	"mail me at Ada@Example.com",           // 5
	"see https://example.com/path?x=1&y=2", // 6
	"my-site.com:8080/admin is down",       // 7
	"version 1.2.3 released, pi is 3.14",   // 8
	"Привет мир",                           // 9
	"ΣΊΣΥΦΟΣ was here",                     // 10
	"我爱北京天安门",                              // 11
	"北京",                                   // 12
	"👍🏽 great 😀",                           // 13
	"<Media omitted>",                      // 14
	"straße and strasse",                   // 15
	"naïve NAIVE naive",                    // 16
	"and/or yes/no",                        // 17
	"e-mail me",                            // 18
	"O’Neil's pub",                         // 19
	"100% sure, #hashtag @mention",         // 20
	"quote ' and \\ backslash",             // 21
}

// searchChat imports searchCorpus as one chat, a message a minute, by Ada
// and Bob in turn.
func searchChat(t *testing.T, s ports.UnitOfWork, user core.UserID, file string) (core.Chat, time.Time) {
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	msgs := make([]core.Message, len(searchCorpus))
	for i, text := range searchCorpus {
		msgs[i] = core.Message{Seq: int64(i + 1), Local: base.Add(time.Duration(i) * time.Minute),
			Author: []string{"Ada", "Bob"}[i%2], Kind: core.MessageText, Text: text}
	}
	return mustImport(t, s, user, file, msgs), base
}

// searchSeqs runs q over chat's messages with f, pages of size, and
// returns the matching seqs.
func searchSeqs(t *testing.T, s ports.UnitOfWork, chat core.ChatID, q string, f core.MessageFilter, size int) []int64 {
	t.Helper()
	query, err := core.ParseSearchQuery(q)
	if err != nil {
		t.Fatalf("ParseSearchQuery(%q): %v", q, err)
	}
	f.Search = &query
	var got []core.Message
	err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		got, err = allMessages(ctx, tx, chat, f, size, nil)
		return err
	}, ports.ReadOnly())
	if err != nil {
		t.Fatalf("searching %q: %v", q, err)
	}
	return seqs(got)
}

func testSearchQueries(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "searcher@example.com", 0)
	chat, _ := searchChat(t, s, u.ID, "corpus.txt")
	// Another chat holding the same words: a search never leaves its chat.
	searchChat(t, s, u.ID, "other.txt")
	for _, c := range []struct {
		q    string
		want []int64
	}{
		{"cafe", []int64{1, 2}},                          // accents and case folded
		{"CAFÉ", []int64{1, 2}},                          // in the query too
		{"café øresund", []int64{1}},                     // every term
		{"oresund bridge lait", []int64{1}},              // in any order
		{"well-known", []int64{3}},                       // the compound, and its parts
		{"well known", []int64{3, 4}},                    // the parts alone
		{"it's", []int64{4}},                             // "it" and "s"
		{"ada@example.com", []int64{5}},                  // an address is one term
		{"Ada@EXAMPLE.com", []int64{5}},                  // lower-cased
		{"example.com", []int64{6}},                      // a URL's host
		{"https://example.com/path?x=1&y=2", []int64{6}}, // '&', '?' and '=' inside one quoted term
		{"my-site.com:8080", []int64{7}},                 // a host with its port (':' inside a term)
		{"1.2.3", []int64{8}},                            // a version
		{"3.14", []int64{8}},                             // a decimal
		{"привет", []int64{9}},                           // Cyrillic, lower-cased
		{"ПРИВЕТ МИР", []int64{9}},
		{"ΣΊΣΥΦΟΣ", []int64{10}}, // Greek, accents removed
		{"我爱北京天安门", []int64{11}}, // a run without spaces is one term…
		{"北京", []int64{12}},      // …so part of one finds only the same whole run
		{"great", []int64{13}},   // emoji are no terms, and do not glue
		{"omitted", nil},         // tags are not indexed
		{"strasse", []int64{15}}, // ß is ss
		{"straße", []int64{15}},
		{"naive", []int64{16}},
		{"yes", nil}, // "yes/no" is one term, a path
		{"yes/no", []int64{17}},
		{"mail", []int64{5, 18}},  // "e-mail" holds "mail"
		{"o'neil", []int64{19}},   // any apostrophe separates
		{"#hashtag", []int64{20}}, // punctuation is no part of a term
		{"100%", []int64{20}},
		{"quote", []int64{21}},
		{"nothing-like-this", nil},
	} {
		if got := searchSeqs(t, s, chat.ID, c.q, core.MessageFilter{}, 50); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("search %q found seqs %v; want %v", c.q, got, c.want)
		}
	}
}

func testSearchFiltersAndPages(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "filters@example.com", 0)
	chat, base := searchChat(t, s, u.ID, "corpus.txt")
	for _, c := range []struct {
		name string
		q    string
		f    core.MessageFilter
		size int
		want []int64
	}{
		{"pages of one", "well", core.MessageFilter{}, 1, []int64{3, 4}},
		{"an author", "well", core.MessageFilter{Author: "Ada"}, 50, []int64{3}},
		{"from", "cafe", core.MessageFilter{From: base.Add(time.Minute)}, 50, []int64{2}},
		{"to", "cafe", core.MessageFilter{To: base.Add(time.Minute)}, 50, []int64{1}},
		{"pages of one under filters", "mail", core.MessageFilter{Author: "Bob", From: base}, 1, []int64{18}},
	} {
		if got := searchSeqs(t, s, chat.ID, c.q, c.f, c.size); !slices.Equal(got, c.want) {
			t.Errorf("%s: search %q found seqs %v; want %v", c.name, c.q, got, c.want)
		}
	}
	// A deleted chat's messages are hidden through it, search included.
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, chat.ID, now()) })
	if got := searchSeqs(t, s, chat.ID, "cafe", core.MessageFilter{}, 50); len(got) != 0 {
		t.Errorf("search in a deleted chat found seqs %v", got)
	}
}

// testSearchLongChat lists a chat of 20,000 messages, long enough that an
// adapter reading in steps (a window in seq order, then an index) meets
// every step: terms in every message, in one in three, in a handful far
// apart, in none; time windows narrow and wide, early and late; pages
// small and large. The expected seqs are the filter applied message by
// message, in order.
func testSearchLongChat(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "long@example.com", 0)
	const n = 20000
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	needles := map[int64]bool{2: true, 4001: true, 4002: true, 7777: true, 9999: true, 10000: true}
	msgs := make([]core.Message, n)
	for i := range msgs {
		seq := int64(i + 1)
		text := "every"
		if seq%3 == 0 {
			text += " third"
		}
		if needles[seq] {
			text += " needle"
		}
		if seq > 9000 {
			text += " late"
		}
		if (seq <= 4000 && seq%100 == 0) || seq == 19000 || seq == 19500 {
			text += " early" // frequent at first, then rare
		}
		msgs[i] = core.Message{Seq: seq, Local: base.Add(time.Duration(i) * time.Minute),
			Author: []string{"Ada", "Bob"}[i%2], Kind: core.MessageText, Text: text}
	}
	chat := mustImport(t, s, u.ID, "long.txt", msgs)
	// Another chat where the rare term is everywhere: a search never
	// leaves its chat, however frequent a term is elsewhere.
	other := make([]core.Message, 500)
	for i := range other {
		other[i] = core.Message{Seq: int64(i + 1), Local: base.Add(time.Duration(i) * time.Minute),
			Author: "Ada", Kind: core.MessageText, Text: "needle absent"}
	}
	mustImport(t, s, u.ID, "other.txt", other)
	at := func(seq int64) time.Time { return base.Add(time.Duration(seq-1) * time.Minute) }
	for _, c := range []struct {
		q    string
		f    core.MessageFilter
		size int
	}{
		{"needle", core.MessageFilter{}, 1},
		{"needle", core.MessageFilter{}, 2},
		{"needle", core.MessageFilter{}, 50},
		{"absent", core.MessageFilter{}, 50},
		{"every", core.MessageFilter{}, 200},
		{"third", core.MessageFilter{}, 200},
		{"third needle", core.MessageFilter{}, 3},
		{"late", core.MessageFilter{}, 120},
		{"early", core.MessageFilter{}, 51},
		{"early", core.MessageFilter{}, 41},
		{"early", core.MessageFilter{}, 7},
		{"early third", core.MessageFilter{}, 5},
		{"needle", core.MessageFilter{Author: "Bob"}, 1},
		{"needle", core.MessageFilter{From: at(4002)}, 2},
		{"needle", core.MessageFilter{To: at(9999)}, 2},
		{"third", core.MessageFilter{From: at(8000), To: at(8100)}, 7},
		{"", core.MessageFilter{From: at(8000), To: at(8100)}, 30},
		{"", core.MessageFilter{From: at(8000), To: at(8100), Author: "Ada"}, 30},
		{"", core.MessageFilter{From: at(3000), To: at(9500)}, 1000},
		{"", core.MessageFilter{From: at(9990)}, 4},
		{"", core.MessageFilter{To: at(5)}, 2},
	} {
		f := c.f
		var want []int64
		for _, m := range msgs {
			mt := core.MessageTime(m)
			if (!f.From.IsZero() && mt.Before(f.From)) || (!f.To.IsZero() && !mt.Before(f.To)) ||
				(f.Author != "" && m.Author != f.Author) {
				continue
			}
			if c.q != "" {
				query, err := core.ParseSearchQuery(c.q)
				if err != nil {
					t.Fatalf("ParseSearchQuery(%q): %v", c.q, err)
				}
				if !query.Matches(m.Text) {
					continue
				}
			}
			want = append(want, m.Seq)
		}
		var got []int64
		if c.q != "" {
			got = searchSeqs(t, s, chat.ID, c.q, f, c.size)
		} else {
			var msgs []core.Message
			do(t, s, func(ctx context.Context, tx ports.Tx) (err error) {
				msgs, err = allMessages(ctx, tx, chat.ID, f, c.size, nil)
				return err
			})
			got = seqs(msgs)
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q with %+v in pages of %d found %d seqs %v…; want %d %v…",
				c.q, f, c.size, len(got), head(got), len(want), head(want))
		}
	}
}

// head is the first ten of seqs.
func head(seqs []int64) []int64 { return seqs[:min(len(seqs), 10)] }
