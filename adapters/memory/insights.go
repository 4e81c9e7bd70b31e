package memory

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The insights module's tables: the catalog's categories and types by
// slug (empty at first: catalog.Service.Seed stores the defaults that
// PostgreSQL's migration seeds); insights by id, listed by their chat, one per (chat, type); and
// idempotency records by (user, key).

var insightsSpec = tableSpec[core.Insight]{
	parent: func(v core.Insight) string { return string(v.ChatID) },
	unique: map[string]uniqueKey[core.Insight]{
		// insights_chat_type: one insight per chat and type.
		"chat_type": func(v core.Insight) (string, bool) { return chatTypeKey(v.ChatID, v.Type), true },
	},
}

func chatTypeKey(chat core.ChatID, typ core.InsightTypeSlug) string {
	return string(chat) + "\x00" + string(typ)
}

func idempotencyKey(user core.UserID, key string) string { return string(user) + "\x00" + key }

func newInsightTables(d *data) {
	d.categories = newTable(d, "insight_categories", func(v core.InsightCategory) core.CategorySlug { return v.Slug }, tableSpec[core.InsightCategory]{})
	d.insightTypes = newTable(d, "insight_types", func(v core.InsightType) core.InsightTypeSlug { return v.Slug }, tableSpec[core.InsightType]{})
	d.insights = newTable(d, "insights", func(v core.Insight) core.InsightID { return v.ID }, insightsSpec)
	d.idempotency = newTable(d, "idempotency_keys", func(v core.IdempotencyRecord) string { return idempotencyKey(v.UserID, v.Key) }, tableSpec[core.IdempotencyRecord]{})
}

func (u *unit) Catalog() ports.Catalog         { return (*catalog)(u) }
func (u *unit) Insights() ports.Insights       { return (*insights)(u) }
func (u *unit) Idempotency() ports.Idempotency { return (*idempotency)(u) }

type catalog unit

func (r *catalog) u() *unit { return (*unit)(r) }

var errVersionConflict = fmt.Errorf("%w: another edit came first", core.ErrConflict)

func (r *catalog) Categories(_ context.Context) ([]core.InsightCategory, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	out := r.u().s.categories.scan(r.u(), func(core.InsightCategory) bool { return true })
	slices.SortFunc(out, func(a, b core.InsightCategory) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.Slug, b.Slug))
	})
	return out, nil
}

func (r *catalog) Category(_ context.Context, slug core.CategorySlug) (core.InsightCategory, error) {
	if err := r.u().statement(); err != nil {
		return core.InsightCategory{}, err
	}
	if v, ok := r.u().s.categories.get(r.u(), slug); ok {
		return v, nil
	}
	return core.InsightCategory{}, fmt.Errorf("insight category: %w", core.ErrNotFound)
}

func (r *catalog) PutCategory(ctx context.Context, c core.InsightCategory) (bool, error) {
	c.UpdatedAt = micro(c.UpdatedAt)
	return putVersioned(ctx, r.u(), r.u().s.categories, c, c.Slug, func(v core.InsightCategory) int64 { return v.Version }, nil)
}

func (r *catalog) Types(_ context.Context) ([]core.InsightType, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	out := r.u().s.insightTypes.scan(r.u(), func(core.InsightType) bool { return true })
	slices.SortFunc(out, func(a, b core.InsightType) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.Cost, b.Cost), cmp.Compare(a.Slug, b.Slug))
	})
	return out, nil
}

func (r *catalog) Type(_ context.Context, slug core.InsightTypeSlug) (core.InsightType, error) {
	if err := r.u().statement(); err != nil {
		return core.InsightType{}, err
	}
	if v, ok := r.u().s.insightTypes.get(r.u(), slug); ok {
		return v, nil
	}
	return core.InsightType{}, fmt.Errorf("insight type: %w", core.ErrNotFound)
}

// PutType checks the category as the foreign key of the PostgreSQL schema
// does: only for a row it writes, and failing the statement. Categories
// are never deleted, so the check needs no lock.
func (r *catalog) PutType(ctx context.Context, t core.InsightType) (bool, error) {
	u := r.u()
	t.UpdatedAt = micro(t.UpdatedAt)
	return putVersioned(ctx, u, u.s.insightTypes, t, t.Slug, func(v core.InsightType) int64 { return v.Version }, func() error {
		if _, ok := u.s.categories.row(u, t.Category); !ok {
			return u.fail(fmt.Errorf("insight category: %w", core.ErrNotFound))
		}
		return nil
	})
}

// putVersioned stores v over the row with its key only when v's version
// follows the stored one (1 when there is none): a compare and set, made
// one statement by holding the row's key while comparing, as INSERT … ON
// CONFLICT DO UPDATE … WHERE version = excluded.version - 1 does. A lost
// race writes nothing and is core.ErrConflict without aborting the unit.
// Check, when given, runs before the write (the foreign keys).
func putVersioned[K comparable, V any](ctx context.Context, u *unit, t *table[K, V], v V, k K, version func(V) int64, check func() error) (bool, error) {
	if err := u.writable(); err != nil {
		return false, err
	}
	if err := u.reserve(ctx, t.lockKey(k)); err != nil {
		return false, err
	}
	old, exists := t.row(u, k)
	switch {
	case !exists && version(v) != 1, exists && version(v) != version(old)+1:
		return false, errVersionConflict
	}
	if check != nil {
		if err := check(); err != nil {
			return false, err
		}
	}
	if exists {
		return false, t.update(ctx, u, v)
	}
	return t.insert(ctx, u, v, false)
}

type insights unit

func (r *insights) u() *unit { return (*unit)(r) }

var errInsightNotFound = fmt.Errorf("insight: %w", core.ErrNotFound)

// storedInsight is in as storage keeps it: times in microseconds, the
// result copied so that the caller's slice is not the stored one.
func storedInsight(in core.Insight) core.Insight {
	in.CreatedAt, in.UpdatedAt, in.CompletedAt = micro(in.CreatedAt), micro(in.UpdatedAt), micro(in.CompletedAt)
	in.Result = document(in.Result)
	return in
}

// insightOut is a stored insight handed to a caller, who may change its
// result without changing the store.
func insightOut(in core.Insight) core.Insight {
	in.Result = document(in.Result)
	return in
}

// document copies a JSON document; an empty one is none (NULL), as
// PostgreSQL keeps it.
func document(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

// changeInsight copies what a new generation or an Update changes.
func changeInsight(dst *core.Insight, src core.Insight) {
	dst.Status, dst.Cost, dst.JobID, dst.Attempts = src.Status, src.Cost, src.JobID, src.Attempts
	dst.ErrorClass, dst.Result, dst.UpdatedAt, dst.CompletedAt = src.ErrorClass, src.Result, src.UpdatedAt, src.CompletedAt
}

// Start holds the (chat, type) key first, as a unique index holds an
// inserted key until its transaction ends: a concurrent Start of the pair
// waits there, then finds the row this one wrote and bumps it, as ON
// CONFLICT DO UPDATE does, instead of inserting a second row.
func (r *insights) Start(ctx context.Context, in core.Insight) (core.Insight, error) {
	if err := canonical(string(in.ID), string(in.UserID), string(in.ChatID)); err != nil {
		return core.Insight{}, err
	}
	u, t := r.u(), r.u().s.insights
	if err := u.writable(); err != nil {
		return core.Insight{}, err
	}
	// The foreign keys of the PostgreSQL schema, whose violation fails the
	// statement; a user's or chat's row counts deleted or not.
	if _, ok := u.s.users.row(u, in.UserID); !ok {
		return core.Insight{}, u.fail(errUserNotFound)
	}
	if _, ok := u.s.chats.row(u, in.ChatID); !ok {
		return core.Insight{}, u.fail(errChatNotFound)
	}
	if _, ok := u.s.insightTypes.row(u, in.Type); !ok {
		return core.Insight{}, u.fail(fmt.Errorf("insight type: %w", core.ErrNotFound))
	}
	in = storedInsight(in)
	if err := u.reserve(ctx, t.name+".chat_type:"+chatTypeKey(in.ChatID, in.Type)); err != nil {
		return core.Insight{}, err
	}
	cur, exists := t.byUnique(u, "chat_type", chatTypeKey(in.ChatID, in.Type))
	if !exists {
		in.Generation = 1
		if _, err := t.insert(ctx, u, in, false); err != nil {
			return core.Insight{}, err
		}
		return insightOut(in), nil
	}
	if err := u.reserve(ctx, t.lockKey(cur.ID)); err != nil {
		return core.Insight{}, err
	}
	cur, _ = t.row(u, cur.ID) // again under the row's lock: an Update may have committed
	cur.Generation++
	changeInsight(&cur, in)
	if err := t.update(ctx, u, cur); err != nil {
		return core.Insight{}, err
	}
	return insightOut(cur), nil
}

func (r *insights) Get(_ context.Context, id core.InsightID) (core.Insight, error) {
	if err := r.u().statement(); err != nil {
		return core.Insight{}, err
	}
	if v, ok := r.u().s.insights.row(r.u(), id); ok {
		return insightOut(v), nil
	}
	return core.Insight{}, errInsightNotFound
}

func (r *insights) ByChatType(_ context.Context, chat core.ChatID, typ core.InsightTypeSlug) (core.Insight, error) {
	if err := r.u().statement(); err != nil {
		return core.Insight{}, err
	}
	if v, ok := r.u().s.insights.byUnique(r.u(), "chat_type", chatTypeKey(chat, typ)); ok {
		return insightOut(v), nil
	}
	return core.Insight{}, errInsightNotFound
}

// Lock locks only a row that exists, as SELECT … FOR UPDATE does, and
// reads it again under the lock.
func (r *insights) Lock(ctx context.Context, id core.InsightID) (core.Insight, error) {
	u, t := r.u(), r.u().s.insights
	if err := u.writable(); err != nil {
		return core.Insight{}, err
	}
	if _, ok := t.row(u, id); !ok {
		return core.Insight{}, errInsightNotFound
	}
	if err := u.lock(ctx, t.lockKey(id)); err != nil {
		return core.Insight{}, err
	}
	return r.Get(ctx, id)
}

// Update writes the changing columns only, as the PostgreSQL UPDATE does.
func (r *insights) Update(ctx context.Context, in core.Insight) error {
	u, t := r.u(), r.u().s.insights
	if err := u.writable(); err != nil {
		return err
	}
	if err := u.reserve(ctx, t.lockKey(in.ID)); err != nil {
		return err
	}
	cur, ok := t.row(u, in.ID)
	if !ok {
		return errInsightNotFound
	}
	changeInsight(&cur, storedInsight(in))
	return t.update(ctx, u, cur)
}

func (r *insights) List(_ context.Context, chat core.ChatID, after *core.PageKey, limit int) ([]core.Insight, error) {
	rows, err := listPage(r.u().s.insights, r.u(), string(chat), after, oldestFirst, limit)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i] = insightOut(rows[i])
	}
	return rows, nil
}

// byUpdate orders insights oldest update first, then by id.
func byUpdate(a, b core.Insight) int {
	return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID))
}

func (r *insights) Pending(_ context.Context, updatedBefore time.Time, limit int) ([]core.Insight, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	updatedBefore = micro(updatedBefore)
	out := r.u().s.insights.scan(r.u(), func(v core.Insight) bool {
		return v.Status == core.InsightPending && v.UpdatedAt.Before(updatedBefore)
	})
	slices.SortFunc(out, byUpdate)
	out = out[:min(max(limit, 0), len(out))]
	for i := range out {
		out[i] = insightOut(out[i])
	}
	return out, nil
}

// PendingOfChat returns them oldest first, as List does.
func (r *insights) PendingOfChat(_ context.Context, chat core.ChatID) ([]core.Insight, error) {
	if err := r.u().statement(); err != nil {
		return nil, err
	}
	out := slices.DeleteFunc(r.u().s.insights.group(r.u(), string(chat)), func(v core.Insight) bool {
		return v.Status != core.InsightPending
	})
	slices.SortFunc(out, func(a, b core.Insight) int { return a.PageKey().Compare(b.PageKey()) })
	for i := range out {
		out[i] = insightOut(out[i])
	}
	return out, nil
}

// purgeChat removes a chat's insights with the chat, as the foreign key's
// ON DELETE CASCADE does on PostgreSQL.
func (r *insights) purgeChat(ctx context.Context, chat core.ChatID) error {
	t := r.u().s.insights
	for _, v := range t.group(r.u(), string(chat)) {
		if _, err := t.remove(ctx, r.u(), v.ID); err != nil {
			return err
		}
	}
	return nil
}

type idempotency unit

func (r *idempotency) u() *unit { return (*unit)(r) }

var errIdempotencyNotFound = fmt.Errorf("idempotency record: %w", core.ErrNotFound)

// live reports whether rec holds its key at now.
func live(rec core.IdempotencyRecord, now time.Time) bool { return rec.ExpiresAt.After(now) }

func (r *idempotency) Find(_ context.Context, user core.UserID, key string, now time.Time) (core.IdempotencyRecord, error) {
	if err := r.u().statement(); err != nil {
		return core.IdempotencyRecord{}, err
	}
	if v, ok := r.u().s.idempotency.row(r.u(), idempotencyKey(user, key)); ok && live(v, micro(now)) {
		return v, nil
	}
	return core.IdempotencyRecord{}, errIdempotencyNotFound
}

// Claim holds the (user, key) row's key while it decides, so concurrent
// Claims queue there and each later one finds the record the first stored.
func (r *idempotency) Claim(ctx context.Context, rec core.IdempotencyRecord, now time.Time) (core.IdempotencyRecord, bool, error) {
	if err := canonical(string(rec.UserID)); err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	u, t := r.u(), r.u().s.idempotency
	if err := u.writable(); err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	if _, ok := u.s.users.row(u, rec.UserID); !ok { // the foreign key
		return core.IdempotencyRecord{}, false, u.fail(errUserNotFound)
	}
	k := idempotencyKey(rec.UserID, rec.Key)
	if err := u.reserve(ctx, t.lockKey(k)); err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	rec.CreatedAt, rec.ExpiresAt = micro(rec.CreatedAt), micro(rec.ExpiresAt)
	cur, exists := t.row(u, k)
	switch {
	case exists && live(cur, micro(now)):
		return cur, false, nil
	case exists: // expired: the key is free again
		return rec, true, t.update(ctx, u, rec)
	}
	_, err := t.insert(ctx, u, rec, false)
	return rec, err == nil, err
}

// Expire deletes the records expired longest ago first. Each is checked
// again under its row's lock: a Claim may have replaced it meanwhile.
func (r *idempotency) Expire(ctx context.Context, now time.Time, limit int) (int, error) {
	u, t := r.u(), r.u().s.idempotency
	if err := u.writable(); err != nil {
		return 0, err
	}
	now = micro(now)
	expired := t.scan(u, func(v core.IdempotencyRecord) bool { return !live(v, now) })
	slices.SortFunc(expired, func(a, b core.IdempotencyRecord) int {
		return cmp.Or(a.ExpiresAt.Compare(b.ExpiresAt), cmp.Compare(t.key(a), t.key(b)))
	})
	n := 0
	for _, v := range expired {
		if n >= limit {
			break
		}
		k := t.key(v)
		if err := u.reserve(ctx, t.lockKey(k)); err != nil {
			return n, err
		}
		if cur, ok := t.row(u, k); !ok || live(cur, now) {
			continue
		}
		if _, err := t.remove(ctx, u, k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
