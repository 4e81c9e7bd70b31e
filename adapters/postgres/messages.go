package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

type messages unit

func (u *unit) Messages() ports.Messages { return (*messages)(u) }

func (r *messages) u() *unit { return (*unit)(r) }

type messageRow struct {
	bun.BaseModel `bun:"table:messages,alias:m"`

	ChatID      string          `bun:"chat_id,pk,type:uuid"`
	Seq         int64           `bun:"seq,pk"`
	Local       time.Time       `bun:"local,type:timestamp,nullzero"`
	At          time.Time       `bun:"at,nullzero"`
	FilterAt    time.Time       `bun:"filter_at,notnull"`
	Author      string          `bun:"author,notnull"`
	AuthorID    string          `bun:"author_id,notnull"`
	Kind        string          `bun:"kind,notnull"`
	Text        string          `bun:"text,notnull"`
	MediaType   string          `bun:"media_type,notnull"`
	Attachment  string          `bun:"attachment,notnull"`
	Attachments json.RawMessage `bun:"attachments,type:jsonb,nullzero"`
	Reactions   json.RawMessage `bun:"reactions,type:jsonb,nullzero"`
	GeoLat      *float64        `bun:"geo_lat"`
	GeoLon      *float64        `bun:"geo_lon"`
	Event       json.RawMessage `bun:"event,type:jsonb,nullzero"`
	Edited      bool            `bun:"edited,notnull"`
	ReplyTo     string          `bun:"reply_to,notnull"`
	PlatformID  string          `bun:"platform_id,notnull"`
}

// The parts of a message stored as JSON, with names of their own so that
// renaming a core field never changes stored data. No omitempty: nil and
// empty lists both come back as they were written.
type (
	attachmentDoc struct {
		Name      string `json:"name"`
		MediaType string `json:"media_type"`
		Size      int64  `json:"size"`
	}
	reactionDoc struct {
		Emoji string       `json:"emoji"`
		Count int          `json:"count"`
		By    []reactorDoc `json:"by"`
	}
	reactorDoc struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	}
	eventDoc struct {
		Action   string        `json:"action"`
		Actor    string        `json:"actor"`
		ActorID  string        `json:"actor_id"`
		Members  []string      `json:"members"`
		Title    string        `json:"title"`
		Duration time.Duration `json:"duration_ns"`
		Outcome  string        `json:"outcome"`
	}
)

// messageColumns are the columns Insert copies, in the order of
// messageValues.
var messageColumns = []string{
	"chat_id", "seq", "local", "at", "filter_at", "author", "author_id", "kind", "text",
	"media_type", "attachment", "attachments", "reactions", "geo_lat", "geo_lon", "event",
	"edited", "reply_to", "platform_id",
}

// messageValues is one message as a row of messageColumns. Times are cut
// to microseconds, as PostgreSQL keeps them; a zero time is NULL.
func messageValues(chat pgtype.UUID, m core.Message) ([]any, error) {
	attachments, reactions, event, err := messageParts(m)
	if err != nil {
		return nil, err
	}
	var lat, lon any
	if m.Geo != nil {
		lat, lon = m.Geo.Lat, m.Geo.Lon
	}
	return []any{
		chat, m.Seq, nullTime(micro(m.Local)), nullTime(micro(m.At)), micro(core.MessageTime(m)),
		m.Author, m.AuthorID, m.Kind.String(), m.Text, m.MediaType, m.Attachment,
		attachments, reactions, lat, lon, event, m.Edited, m.ReplyTo, m.PlatformID,
	}, nil
}

// nullTime is t, or nil (NULL) for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// messageParts encodes the attachments, reactions and event as JSON, each
// nil (NULL) when the message has none.
func messageParts(m core.Message) (attachments, reactions, event []byte, err error) {
	if m.Attachments != nil {
		docs := make([]attachmentDoc, len(m.Attachments))
		for i, a := range m.Attachments {
			docs[i] = attachmentDoc{Name: a.Name, MediaType: a.MediaType, Size: a.Size}
		}
		if attachments, err = json.Marshal(docs); err != nil {
			return nil, nil, nil, err
		}
	}
	if m.Reactions != nil {
		docs := make([]reactionDoc, len(m.Reactions))
		for i, r := range m.Reactions {
			docs[i] = reactionDoc{Emoji: r.Emoji, Count: r.Count}
			if r.By != nil {
				docs[i].By = make([]reactorDoc, len(r.By))
				for j, by := range r.By {
					docs[i].By[j] = reactorDoc{Name: by.Name, ID: by.ID}
				}
			}
		}
		if reactions, err = json.Marshal(docs); err != nil {
			return nil, nil, nil, err
		}
	}
	if e := m.Event; e != nil {
		doc := eventDoc{Action: e.Action, Actor: e.Actor, ActorID: e.ActorID, Members: e.Members,
			Title: e.Title, Duration: e.Duration, Outcome: e.Outcome}
		if event, err = json.Marshal(doc); err != nil {
			return nil, nil, nil, err
		}
	}
	return attachments, reactions, event, nil
}

func (r *messageRow) toMessage() (core.Message, error) {
	kind, err := core.ParseMessageKind(r.Kind)
	if err != nil {
		return core.Message{}, err
	}
	m := core.Message{
		Seq: r.Seq, Local: utc(r.Local), At: utc(r.At), Author: r.Author, AuthorID: r.AuthorID,
		Kind: kind, Text: r.Text, MediaType: r.MediaType, Attachment: r.Attachment,
		Edited: r.Edited, ReplyTo: r.ReplyTo, PlatformID: r.PlatformID,
	}
	if r.GeoLat != nil && r.GeoLon != nil {
		m.Geo = &core.GeoPoint{Lat: *r.GeoLat, Lon: *r.GeoLon}
	}
	if r.Attachments != nil {
		var docs []attachmentDoc
		if err := json.Unmarshal(r.Attachments, &docs); err != nil {
			return core.Message{}, err
		}
		m.Attachments = make([]core.Attachment, len(docs))
		for i, d := range docs {
			m.Attachments[i] = core.Attachment{Name: d.Name, MediaType: d.MediaType, Size: d.Size}
		}
	}
	if r.Reactions != nil {
		var docs []reactionDoc
		if err := json.Unmarshal(r.Reactions, &docs); err != nil {
			return core.Message{}, err
		}
		m.Reactions = make([]core.Reaction, len(docs))
		for i, d := range docs {
			m.Reactions[i] = core.Reaction{Emoji: d.Emoji, Count: d.Count}
			if d.By != nil {
				m.Reactions[i].By = make([]core.Reactor, len(d.By))
				for j, by := range d.By {
					m.Reactions[i].By[j] = core.Reactor{Name: by.Name, ID: by.ID}
				}
			}
		}
	}
	if r.Event != nil {
		var d eventDoc
		if err := json.Unmarshal(r.Event, &d); err != nil {
			return core.Message{}, err
		}
		m.Event = &core.Event{Action: d.Action, Actor: d.Actor, ActorID: d.ActorID, Members: d.Members,
			Title: d.Title, Duration: d.Duration, Outcome: d.Outcome}
	}
	return m, nil
}

// liveChat is the condition that the chat exists and is live: messages are
// hidden through their chat.
const liveChat = "EXISTS (SELECT 1 FROM chats c WHERE c.id = m.chat_id AND c.deleted_at IS NULL)"

// Insert copies the messages in with COPY on the unit's own connection
// (pgx's CopyFrom, reached through database/sql's Conn.Raw: bun has no
// COPY), in one pass over msgs: pgx sends them in chunks of about 64 KiB as
// msgs yields them, so memory stays flat however long the chat. An error
// msgs yields aborts the COPY (and so the unit) and is returned as is.
func (r *messages) Insert(ctx context.Context, chat core.ChatID, msgs iter.Seq2[core.Message, error]) (int64, error) {
	if !validUUID(string(chat)) {
		return 0, errChatNotFound
	}
	live, err := r.u().tx.NewSelect().Model((*chatRow)(nil)).Where("c.id = ?", string(chat)).Exists(ctx)
	if err := r.u().check(err); err != nil {
		return 0, err
	}
	if !live {
		return 0, errChatNotFound
	}
	next, stop := iter.Pull2(msgs)
	defer stop()
	// The chat's id goes in as a UUID, parsed once: as a Go string, pgx
	// fails its binary encoding on every row and falls back to parsing the
	// text, which cost a quarter of the server's CPU in an import.
	var id pgtype.UUID
	if err := id.Scan(string(chat)); err != nil {
		return 0, errChatNotFound
	}
	src := &messageSource{chat: id, next: next}
	var n int64
	err = r.u().conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: COPY needs pgx's driver, not %T", dc)
		}
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{"messages"}, messageColumns, src)
		return err
	})
	if src.err != nil { // the caller's error, or a message that cannot be encoded
		return 0, src.err
	}
	if err != nil {
		return 0, fmt.Errorf("copying messages: %w", r.u().check(err))
	}
	return n, nil
}

// messageSource feeds CopyFrom from an iterator, one message at a time.
type messageSource struct {
	chat pgtype.UUID
	next func() (core.Message, error, bool)
	row  []any
	err  error
}

func (s *messageSource) Next() bool {
	m, err, ok := s.next()
	switch {
	case !ok:
		return false
	case err != nil:
		s.err = err
		return false
	}
	s.row, s.err = messageValues(s.chat, m)
	if s.err != nil {
		s.err = fmt.Errorf("message %d: %w", m.Seq, s.err)
		return false
	}
	return true
}

func (s *messageSource) Values() ([]any, error) { return s.row, nil }
func (s *messageSource) Err() error             { return s.err }

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
