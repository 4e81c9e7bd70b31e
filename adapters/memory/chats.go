package memory

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The chats module's tables: chats by id, listed by their user, one live
// chat per (user, file); and each chat's messages as one row. A chat may
// hold a million messages, so they are not a row each: an import stages
// them as one slice, published whole when its unit commits. A published
// slice is never changed in place (Insert and Purge stage new ones), so a
// reader may scan it without holding the store's mutex.

// chatRow is a stored chat and whether a purge has claimed it.
type chatRow struct {
	core.Chat
	statistics []byte // the chat's statistics document (Chats.Statistics)
	claimed    bool   // by ClaimPurge: no restore brings the chat back
}

var chatsSpec = tableSpec[chatRow]{
	parent:    func(v chatRow) string { return string(v.User) },
	deletedAt: func(v *chatRow) *time.Time { return &v.DeletedAt },
	claimed:   func(v chatRow) bool { return v.claimed },
	unique: map[string]uniqueKey[chatRow]{
		// chats_user_sha256_live: one live chat per user and file.
		"user_sha256_live": func(v chatRow) (string, bool) {
			return string(v.User) + "\x00" + v.SHA256, v.DeletedAt.IsZero()
		},
	},
}

// messageRows are one chat's messages, by Seq.
type messageRows struct {
	chat core.ChatID
	list []core.Message
}

func newChatTables(d *data) {
	d.chats = newTable(d, "chats", func(v chatRow) core.ChatID { return v.ID }, chatsSpec)
	d.chatMessages = newTable(d, "chat_messages", func(v messageRows) core.ChatID { return v.chat }, tableSpec[messageRows]{})
}

type chats unit
type messages unit

func (u *unit) Chats() ports.Chats       { return (*chats)(u) }
func (u *unit) Messages() ports.Messages { return (*messages)(u) }

func (r *chats) u() *unit { return (*unit)(r) }

var errChatNotFound = fmt.Errorf("chat: %w", core.ErrNotFound)

// storedChat is c as storage keeps it: times in microseconds, documents
// copied so that the caller's slices are not the stored ones.
func storedChat(c core.Chat) core.Chat {
	c.CreatedAt, c.UpdatedAt, c.DeletedAt = micro(c.CreatedAt), micro(c.UpdatedAt), micro(c.DeletedAt)
	c.Report = bytes.Clone(c.Report)
	return c
}

// chatOut is a stored chat handed to a caller, who may change its
// documents without changing the store.
func chatOut(v chatRow) core.Chat {
	c := v.Chat
	c.Report = bytes.Clone(c.Report)
	return c
}

func (r *chats) Create(ctx context.Context, c core.Chat) error {
	if err := canonical(string(c.ID), string(c.User)); err != nil {
		return err
	}
	// As PostgreSQL's foreign key: the user's row must exist, deleted or not.
	if _, ok := r.u().s.users.row(r.u(), c.User); !ok {
		return fmt.Errorf("user: %w", core.ErrNotFound)
	}
	_, err := r.u().s.chats.insert(ctx, r.u(), chatRow{Chat: storedChat(c)}, false)
	if errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: the user has a live chat of that file", core.ErrConflict)
	}
	return err
}

// live returns the user's live chat as the unit sees it.
func (r *chats) live(user core.UserID, id core.ChatID) (chatRow, error) {
	v, ok := r.u().s.chats.get(r.u(), id)
	if !ok || v.User != user {
		return chatRow{}, errChatNotFound
	}
	return v, nil
}

func (r *chats) Get(_ context.Context, user core.UserID, id core.ChatID) (core.Chat, error) {
	if err := r.u().statement(); err != nil {
		return core.Chat{}, err
	}
	v, err := r.live(user, id)
	return chatOut(v), err
}

func (r *chats) ByHash(_ context.Context, user core.UserID, sha256 string) (core.Chat, error) {
	if err := r.u().statement(); err != nil {
		return core.Chat{}, err
	}
	if v, ok := r.u().s.chats.byUnique(r.u(), "user_sha256_live", string(user)+"\x00"+sha256); ok {
		return chatOut(v), nil
	}
	return core.Chat{}, errChatNotFound
}

// Lock locks only a row its query would return, as SELECT … FOR UPDATE
// does: another user's chat, or a deleted one, is not found and not
// locked. The chat is read again under the lock.
func (r *chats) Lock(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error) {
	if err := r.u().writable(); err != nil {
		return core.Chat{}, err
	}
	if _, err := r.live(user, id); err != nil {
		return core.Chat{}, err
	}
	if err := r.u().lock(ctx, r.u().s.chats.lockKey(id)); err != nil {
		return core.Chat{}, err
	}
	return r.Get(ctx, user, id)
}

// change edits the user's live chat as an UPDATE does: waiting for the
// row, then finding the live row of that user or nothing.
func (r *chats) change(ctx context.Context, user core.UserID, id core.ChatID, edit func(*chatRow)) error {
	u, t := r.u(), r.u().s.chats
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(id)); err != nil {
		return err
	}
	v, err := r.live(user, id)
	if err != nil {
		return err
	}
	edit(&v)
	return t.update(ctx, u, v)
}

// Update writes what a chat may change.
func (r *chats) Update(ctx context.Context, c core.Chat) error {
	c = storedChat(c)
	return r.change(ctx, c.User, c.ID, func(v *chatRow) {
		v.Title, v.TimeZone, v.Messages = c.Title, c.TimeZone, c.Messages
		v.Report, v.Version, v.UpdatedAt = c.Report, c.Version, c.UpdatedAt
	})
}

// SetStatistics replaces the chat's statistics document.
func (r *chats) SetStatistics(ctx context.Context, user core.UserID, id core.ChatID, doc []byte) error {
	doc = bytes.Clone(doc)
	return r.change(ctx, user, id, func(v *chatRow) { v.statistics = doc })
}

func (r *chats) Statistics(_ context.Context, user core.UserID, id core.ChatID) ([]byte, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	v, err := r.live(user, id)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(v.statistics), nil
}

func (r *chats) List(_ context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.Chat, error) {
	rows, err := listPage(r.u().s.chats, r.u(), string(user), before, newestFirst, limit)
	if err != nil {
		return nil, err
	}
	out := make([]core.Chat, len(rows))
	for i, v := range rows {
		out[i] = chatOut(v)
	}
	return out, nil
}

func (r *chats) Usage(_ context.Context, user core.UserID, since time.Time) (uploads int, size int64, err error) {
	if err := r.u().statement(); err != nil {
		return 0, 0, err
	}
	since = micro(since)
	for _, v := range r.u().s.chats.group(r.u(), string(user)) {
		if !v.CreatedAt.Before(since) {
			uploads++
		}
		if v.DeletedAt.IsZero() {
			size += v.Bytes
		}
	}
	return uploads, size, nil
}

// Delete marks the chat. Its messages are hidden through it and stay as
// they are.
func (r *chats) Delete(ctx context.Context, user core.UserID, id core.ChatID, at time.Time) error {
	return r.change(ctx, user, id, func(v *chatRow) { v.DeletedAt = micro(at) })
}

// Restore locks the deleted chat's row first (under the unit's policy, as
// SELECT … FOR UPDATE does), so that concurrent restores and a purge's
// claim meet there.
func (r *chats) Restore(ctx context.Context, user core.UserID, id core.ChatID) error {
	u, t := r.u(), r.u().s.chats
	if err := u.lock(ctx, t.lockKey(id)); err != nil {
		return err
	}
	v, ok := t.getDeleted(u, id)
	if !ok || v.User != user || v.claimed {
		return fmt.Errorf("deleted chat: %w", core.ErrNotFound)
	}
	v.DeletedAt = time.Time{}
	if err := t.update(ctx, u, v); errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: a live chat of that file exists now", core.ErrConflict)
	} else if err != nil {
		return err
	}
	return nil
}

// ClaimPurge claims the chats deleted longest ago first, and returns every
// claimed chat in that order. Each is read again under its row lock, so a
// restore that committed meanwhile is not claimed.
func (r *chats) ClaimPurge(ctx context.Context, deletedBefore time.Time, limit int) ([]core.ChatID, error) {
	u, t := r.u(), r.u().s.chats
	if err := u.writable(); err != nil {
		return nil, err
	}
	deletedBefore = micro(deletedBefore)
	var out, candidates []chatRow
	for _, v := range t.scan(u, func(v chatRow) bool { return t.isDeleted(v) }) {
		switch {
		case v.claimed:
			out = append(out, v)
		case v.DeletedAt.Before(deletedBefore):
			candidates = append(candidates, v)
		}
	}
	oldestFirst := func(a, b chatRow) int {
		return cmp.Or(a.DeletedAt.Compare(b.DeletedAt), cmp.Compare(a.ID, b.ID))
	}
	slices.SortFunc(candidates, oldestFirst)
	claimed := 0
	for _, c := range candidates {
		if claimed == limit {
			break
		}
		if err := u.reserve(ctx, t.lockKey(c.ID)); err != nil {
			return nil, err
		}
		v, ok := t.getDeleted(u, c.ID)
		if !ok || v.claimed || !v.DeletedAt.Before(deletedBefore) {
			continue
		}
		v.claimed = true
		if err := t.update(ctx, u, v); err != nil {
			return nil, err
		}
		out = append(out, v)
		claimed++
	}
	slices.SortFunc(out, oldestFirst)
	ids := make([]core.ChatID, len(out))
	for i, v := range out {
		ids[i] = v.ID
	}
	return ids, nil
}

// Purge removes the claimed chat's row. Like the messages' foreign key on
// PostgreSQL, it refuses while messages are left (Messages.Purge empties
// them first, in batches); the chat's insights go with it, as the
// insights' foreign key cascades.
func (r *chats) Purge(ctx context.Context, id core.ChatID) error {
	u, t := r.u(), r.u().s.chats
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(id)); err != nil {
		return err
	}
	if v, ok := t.getDeleted(u, id); !ok || !v.claimed {
		return fmt.Errorf("chat claimed for purging: %w", core.ErrNotFound)
	}
	if left, _ := u.s.chatMessages.row(u, id); len(left.list) > 0 {
		return u.fail(fmt.Errorf("purging chat %s: %d messages are left", id, len(left.list)))
	}
	if err := (*insights)(u).purgeChat(ctx, id); err != nil {
		return err
	}
	_, err := t.remove(ctx, u, id)
	return err
}

func (r *messages) u() *unit { return (*unit)(r) }

// copyMessage returns m sharing no memory with it: what a caller holds and
// what the store holds are never the same slices.
func copyMessage(m core.Message) core.Message {
	m.Attachments = slices.Clone(m.Attachments)
	if m.Reactions != nil {
		rs := make([]core.Reaction, len(m.Reactions))
		for i, rc := range m.Reactions {
			rc.By = slices.Clone(rc.By)
			rs[i] = rc
		}
		m.Reactions = rs
	}
	if m.Geo != nil {
		g := *m.Geo
		m.Geo = &g
	}
	if m.Event != nil {
		e := *m.Event
		e.Members = slices.Clone(e.Members)
		m.Event = &e
	}
	return m
}

func bySeq(a, b core.Message) int { return cmp.Compare(a.Seq, b.Seq) }

// Insert reads msgs whole before staging anything, so an error msgs yields
// leaves nothing behind; it fails the statement, as a failed COPY aborts
// a PostgreSQL transaction. The messages are visible to other units only
// once this one commits.
func (r *messages) Insert(ctx context.Context, chat core.ChatID, msgs iter.Seq2[core.Message, error]) (int64, error) {
	u, t := r.u(), r.u().s.chatMessages
	if err := u.writable(); err != nil {
		return 0, err
	}
	if _, ok := u.s.chats.get(u, chat); !ok { // a live chat, as on PostgreSQL
		return 0, errChatNotFound
	}
	if err := u.reserve(ctx, t.lockKey(chat)); err != nil {
		return 0, err
	}
	var batch []core.Message
	for m, err := range msgs {
		if err != nil {
			return 0, u.fail(err)
		}
		if err := ctx.Err(); err != nil {
			return 0, u.fail(err)
		}
		m = copyMessage(m)
		m.Local, m.At = micro(m.Local), micro(m.At)
		batch = append(batch, m)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	// A slice this unit staged is its own to append to; a published one is
	// clipped, so appending copies it.
	cur, mine := t.staged(u)[chat]
	if !mine {
		cur, _ = t.row(u, chat)
		cur.chat, cur.list = chat, slices.Clip(cur.list)
	}
	all := batch
	if len(cur.list) > 0 {
		all = append(cur.list, batch...)
	}
	if !slices.IsSortedFunc(all, bySeq) {
		slices.SortStableFunc(all, bySeq)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq == all[i-1].Seq { // the primary key (chat, seq)
			return 0, u.fail(fmt.Errorf("%w: message %d of the chat exists", core.ErrConflict, all[i].Seq))
		}
	}
	cur.list = all
	if err := t.update(ctx, u, cur); err != nil {
		return 0, err
	}
	return int64(len(batch)), nil
}

// passes reports whether m passes f (whose times are in storage precision).
func passes(f core.MessageFilter, m core.Message) bool {
	at := core.MessageTime(m)
	switch {
	case !f.From.IsZero() && at.Before(f.From),
		!f.To.IsZero() && !at.Before(f.To),
		f.Author != "" && m.Author != f.Author,
		f.Search != nil && !f.Search.Matches(m.Text):
		return false
	}
	return true
}

func (r *messages) List(_ context.Context, chat core.ChatID, filter core.MessageFilter, after *core.SeqKey, limit int) ([]core.Message, error) {
	u := r.u()
	if err := u.statement(); err != nil {
		return nil, err
	}
	if _, live := u.s.chats.get(u, chat); !live { // hidden through their chat
		return []core.Message{}, nil
	}
	// Pages by seq as pageAfter would, but seeks its start by binary search
	// and filters while it fills the page: a chat holds up to millions of
	// messages, and a page must not cost a pass over all of them.
	rows, _ := u.s.chatMessages.row(u, chat)
	list := rows.list
	if after != nil {
		i, _ := slices.BinarySearchFunc(list, int64(*after)+1, func(m core.Message, seq int64) int { return cmp.Compare(m.Seq, seq) })
		list = list[i:]
	}
	filter.From, filter.To = micro(filter.From), micro(filter.To)
	out := []core.Message{}
	for _, m := range list {
		if len(out) >= limit {
			break
		}
		if passes(filter, m) {
			out = append(out, copyMessage(m))
		}
	}
	return out, nil
}

// Purge deletes the chat's first messages, up to limit, when the chat is
// claimed for purging; the row goes with the last of them.
func (r *messages) Purge(ctx context.Context, chat core.ChatID, limit int) (int, error) {
	u, t := r.u(), r.u().s.chatMessages
	if err := u.writable(); err != nil {
		return 0, err
	}
	if c, ok := u.s.chats.row(u, chat); !ok || !c.claimed || limit <= 0 {
		return 0, nil
	}
	if err := u.reserve(ctx, t.lockKey(chat)); err != nil {
		return 0, err
	}
	cur, ok := t.row(u, chat)
	if !ok || len(cur.list) == 0 {
		return 0, nil
	}
	n := min(limit, len(cur.list))
	if n == len(cur.list) {
		_, err := t.remove(ctx, u, chat)
		return n, err
	}
	cur.list = slices.Clip(cur.list[n:])
	return n, t.update(ctx, u, cur)
}
