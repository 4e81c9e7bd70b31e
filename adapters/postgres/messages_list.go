package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
)

// List reads a chat's messages in seq order. With no search and no time
// filter it is one query in the order of an index (the primary key, or
// messages_author for one author). A search or a time window can match
// few rows spread over a long chat, where walking the chat in seq order
// reads it all, or many, where an index of matches reads them all before
// sorting; no single plan serves both, and the planner's guess of a
// term's frequency (table-wide, not this chat's) picks the wrong one. So
// List reads in at most three steps, each with a plan fixed by the
// query's shape, whatever the statistics say:
//
//  1. the next listWindow messages after the key (the author's, with an
//     author filter), in seq order through the primary key (or
//     messages_author), filtered: a page of a term in more than about one
//     message in 80 (limit 51) is found here, in one query;
//  2. when the window did not fill the page, where it ended and whether
//     the chat goes on past it (an index-only read of the same index); if
//     not, that was all;
//  3. the rest after the window through an index of the filter, sorted:
//     for a time window of at most narrowTime messages (counted in
//     messages_time, up to that), the time index; for a search, the GIN
//     index of (chat, lexemes, chat and bucket of seqs), which no other
//     index can serve (its conditions are written on arrays), first over
//     the buckets ahead that should hold the page at the rate the window
//     found, then over the rest of the chat (searched); a wider time
//     window with no search continues in seq order. What step 3 reads is
//     a narrow window, or the matches of a term rarer than step 1 filled a
//     page with, in a range of the chat that should hold a page of them.
//
// The window and the rest after it partition the chat after the key, so
// the rows and their order are those of one query in seq order.
func (r *messages) List(ctx context.Context, chat core.ChatID, filter core.MessageFilter, after *core.SeqKey, limit int) ([]core.Message, error) {
	if !validUUID(string(chat)) {
		return nil, nil
	}
	l := messageList{u: r.u(), chat: string(chat), filter: filter}
	var from int64
	if after != nil {
		from = int64(*after)
	}
	search := filter.Search != nil && len(filter.Search.Terms) > 0 // no terms: every message holds them all
	timed := !filter.From.IsZero() || !filter.To.IsZero()
	if limit <= 0 || (!search && !timed) {
		rows, err := l.ordered(ctx, after != nil, from, limit)
		if err != nil {
			return nil, err
		}
		return toMessages(rows)
	}
	rows, err := l.window(ctx, from, limit)
	if err != nil || len(rows) >= limit {
		return toMessagesErr(rows, err)
	}
	to, more, err := l.windowEnd(ctx, from)
	if err != nil || !more {
		return toMessagesErr(rows, err)
	}
	var rest []messageRow
	narrow := false
	if timed {
		if narrow, err = l.narrow(ctx); err != nil {
			return nil, err
		}
	}
	switch {
	case narrow:
		rest, err = l.selective(ctx, to, limit-len(rows), l.inTime())
	case search:
		rest, err = l.searched(ctx, to, limit-len(rows), len(rows))
	default:
		rest, err = l.ordered(ctx, true, to, limit-len(rows))
	}
	if err != nil {
		return nil, err
	}
	return toMessages(append(rows, rest...))
}

// listWindow is how many messages List's first step reads in seq order,
// and narrowTime the most of a time window it reads through the time
// index: each costs a few milliseconds. A term step 1 cannot fill a page
// of 51 with is in fewer than about one message in 80 near the key; step
// 3 reads it through the index. Measured with TestMessagesPlanBench (on a
// chat of 1M messages among 5M: every class of search at p95 <= 35 ms on
// a shared, loaded machine; a time window wider than narrowTime that
// starts late in a big chat is still read in seq order up to it).
const (
	listWindow = 4000
	narrowTime = 4000
)

// messageList is one List call: the chat and the filter, and the queries
// of its steps.
type messageList struct {
	u      *unit
	chat   string
	filter core.MessageFilter
}

// filtered adds the filter's conditions (and the chat's being live) to q,
// a query over rows aliased m.
func (l *messageList) filtered(q *bun.SelectQuery) *bun.SelectQuery {
	q = q.Where(liveChat)
	if f := l.filter; !f.From.IsZero() {
		q = q.Where("m.filter_at >= ?", micro(f.From))
	}
	if f := l.filter; !f.To.IsZero() {
		q = q.Where("m.filter_at < ?", micro(f.To))
	}
	if l.filter.Author != "" {
		q = q.Where("m.author = ?", l.filter.Author)
	}
	if s := l.filter.Search; s != nil && len(s.Terms) > 0 {
		q = q.Where("m.search @@ ?::tsquery", tsquery(s.Terms))
	}
	return q
}

// ordered is the chat's matching rows in seq order after from (when
// keyed), at most limit: one query, as the planner sees fit.
func (l *messageList) ordered(ctx context.Context, keyed bool, from int64, limit int) ([]messageRow, error) {
	var rows []messageRow
	q := l.filtered(l.u.tx.NewSelect().Model(&rows).Where("m.chat_id = ?", l.chat))
	var key []any
	if keyed {
		key = []any{from}
	}
	if err := page(q, "m.seq", key, !newestFirst, limit).Scan(ctx); err != nil {
		return nil, l.u.check(err)
	}
	return rows, nil
}

// window is the matching rows among the next listWindow of the chat's
// messages after seq from (of its author's, with an author filter), at
// most limit. The subquery reads them in the order of an index, the
// primary key or messages_author, and its LIMIT keeps the filters out of
// it (PostgreSQL pushes no condition into a subquery with LIMIT), so no
// other index can be chosen for them.
func (l *messageList) window(ctx context.Context, from int64, limit int) ([]messageRow, error) {
	var rows []messageRow
	q := l.u.tx.NewSelect().Model(&rows).ModelTableExpr("(?) AS m", l.next(from, "*").Limit(listWindow))
	if err := l.filtered(q).OrderExpr("m.seq ASC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, l.u.check(err)
	}
	return rows, nil
}

// next is the chat's messages after seq from (its author's, with an author
// filter) in seq order, as columns.
func (l *messageList) next(from int64, columns string) *bun.SelectQuery {
	q := l.u.tx.NewSelect().TableExpr("messages").ColumnExpr(columns).Where("chat_id = ?", l.chat)
	if l.filter.Author != "" {
		q = q.Where("author = ?", l.filter.Author)
	}
	return q.Where("seq > ?", from).OrderExpr("seq")
}

// windowEnd is the seq of the last message of the window after from, and
// whether the chat (the author) has a message after it: when the window
// was not full, none does.
func (l *messageList) windowEnd(ctx context.Context, from int64) (int64, bool, error) {
	var seqs []int64
	err := l.next(from, "seq").Offset(listWindow-1).Limit(2).Scan(ctx, &seqs)
	if err := l.u.check(err); err != nil {
		return 0, false, err
	}
	if len(seqs) < 2 {
		return 0, false, nil
	}
	return seqs[0], true, nil
}

// narrow reports whether the time window holds at most narrowTime of the
// chat's messages, counting in messages_time up to one more.
func (l *messageList) narrow(ctx context.Context) (bool, error) {
	q := l.u.tx.NewSelect().TableExpr("messages").ColumnExpr("1").Where("chat_id = ?", l.chat)
	if f := l.filter; !f.From.IsZero() {
		q = q.Where("filter_at >= ?", micro(f.From))
	}
	if f := l.filter; !f.To.IsZero() {
		q = q.Where("filter_at < ?", micro(f.To))
	}
	var n int
	err := l.u.tx.NewSelect().TableExpr("(?) AS w", q.Limit(narrowTime+1)).ColumnExpr("count(*)").Scan(ctx, &n)
	return n <= narrowTime, l.u.check(err)
}

// selective is the matching rows after seq to, at most limit, found
// through the index of the filter and then sorted: inner (the subquery,
// with OFFSET 0 to keep the other conditions outside) holds only the
// conditions that index serves.
func (l *messageList) selective(ctx context.Context, to int64, limit int, inner *bun.SelectQuery) ([]messageRow, error) {
	var rows []messageRow
	q := l.u.tx.NewSelect().Model(&rows).ModelTableExpr("(? OFFSET 0) AS m", inner).
		Where("m.chat_id = ?", l.chat).Where("m.seq > ?", to)
	if err := l.filtered(q).OrderExpr("m.seq ASC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, l.u.check(err)
	}
	return rows, nil
}

// inTime is the chat's time window, as messages_time serves it; the probe
// (narrow) found it small.
func (l *messageList) inTime() *bun.SelectQuery {
	q := l.u.tx.NewSelect().TableExpr("messages").ColumnExpr("*").Where("chat_id = ?", l.chat)
	if f := l.filter; !f.From.IsZero() {
		q = q.Where("filter_at >= ?", micro(f.From))
	}
	if f := l.filter; !f.To.IsZero() {
		q = q.Where("filter_at < ?", micro(f.To))
	}
	return q
}

// bucketShift cuts a chat into buckets of 8,192 seqs, each a key of
// messages_search named chat/bucket (ARRAY[chat_id::text || '/' ||
// (seq >> 13)::text]), so that a search can read its matches in a range of
// one chat only.
const bucketShift = 13

// matching is the chat's messages holding the search's terms; in buckets
// first to last of the chat when last >= first. Its conditions are on
// search and the chat's key (ARRAY[chat_id], or the bucket keys) only,
// which messages_search holds and no other index serves, so the cost is
// the term's matches in this chat (in those buckets) whatever their
// estimate. A chat id is canonical (validUUID), the form uuid::text
// writes.
func (l *messageList) matching(first, last int64) *bun.SelectQuery {
	q := l.u.tx.NewSelect().TableExpr("messages").ColumnExpr("*").
		Where("search @@ ?::tsquery", tsquery(l.filter.Search.Terms))
	if last < first {
		return q.Where("ARRAY[chat_id] @> ARRAY[?::uuid]", l.chat)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := first; i <= last; i++ {
		if i > first {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s/%d", l.chat, i)
	}
	b.WriteByte('}')
	return q.Where("ARRAY[chat_id::text || '/' || (seq >> 13)::text] && ?::text[]", b.String())
}

// maxBuckets bounds the range searched: past it, the rest of the chat.
const maxBuckets = 16

// searched is the search's matches after seq to, at most limit, when the
// window before to held found of them. With some, the matches ahead are
// first read in the buckets that, at the window's rate, hold twice as many
// as needed: the cost is that of the matches in them (and of a GIN key per
// bucket, which is why a term the window did not hold at all, rare, goes
// straight to the rest of the chat). When those buckets do not fill the
// page, the rest of the chat is read.
func (l *messageList) searched(ctx context.Context, to int64, limit, found int) ([]messageRow, error) {
	var rows []messageRow
	if found > 0 && to < math.MaxInt64/2 {
		span := int64(2*limit) * listWindow / int64(found)
		first, last := (to+1)>>bucketShift, (to+span)>>bucketShift
		last = min(last, first+maxBuckets-1)
		got, err := l.selective(ctx, to, limit, l.matching(first, last))
		if err != nil || len(got) >= limit {
			return got, err
		}
		rows, to, limit = got, (last+1)<<bucketShift-1, limit-len(got)
	}
	rest, err := l.selective(ctx, to, limit, l.matching(1, 0))
	if err != nil {
		return nil, err
	}
	return append(rows, rest...), nil
}

func toMessagesErr(rows []messageRow, err error) ([]core.Message, error) {
	if err != nil {
		return nil, err
	}
	return toMessages(rows)
}

func toMessages(rows []messageRow) ([]core.Message, error) {
	out := make([]core.Message, len(rows))
	for i := range rows {
		m, err := rows[i].toMessage()
		if err != nil {
			return nil, fmt.Errorf("reading message %d: %w", rows[i].Seq, err)
		}
		out[i] = m
	}
	return out, nil
}

// tsquery is the text of a query holding every term as one quoted lexeme:
// 'a' & 'b'. Terms are search tokens already (core.SearchTokens), so no
// dictionary runs over them; quoting makes every character literal (a
// quote is doubled, a backslash escaped), and the whole is one bound
// value, never SQL.
func tsquery(terms []string) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteByte('\'')
		for _, r := range t {
			switch r {
			case '\'':
				b.WriteString("''")
			case '\\':
				b.WriteString(`\\`)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('\'')
	}
	return b.String()
}

// Purge deletes a batch of a claimed chat's messages: a bounded DELETE,
// so no statement runs long or holds a million row locks.
func (r *messages) Purge(ctx context.Context, chat core.ChatID, limit int) (int, error) {
	if !validUUID(string(chat)) || limit <= 0 {
		return 0, nil
	}
	tx := r.u().tx
	batch := tx.NewSelect().Model((*messageRow)(nil)).Column("m.chat_id", "m.seq").
		Where("m.chat_id = ?", string(chat)).
		Where("EXISTS (SELECT 1 FROM chats c WHERE c.id = m.chat_id AND c.purging)").
		OrderExpr("m.seq").Limit(int64(limit))
	res, err := tx.NewDelete().Model((*messageRow)(nil)).Where("(chat_id, seq) IN (?)", batch).Exec(ctx)
	if err := r.u().check(err); err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, errors.Join(errors.New("counting purged messages"), err)
	}
	return int(n), nil
}
