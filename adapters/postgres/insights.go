package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The insights module's tables (migrations/20261217000001_insights).
// Insights have no deleted_at: they are hidden through their chat, so no
// cascade lists them; a chat's purge deletes them by its foreign key.

type insightRow struct {
	bun.BaseModel `bun:"table:insights,alias:ins"`

	ID          string          `bun:"id,pk,type:uuid"`
	UserID      string          `bun:"user_id,notnull,type:uuid"`
	ChatID      string          `bun:"chat_id,notnull,type:uuid"`
	Type        string          `bun:"type,notnull"`
	Generation  int64           `bun:"generation,notnull"`
	Status      string          `bun:"status,notnull"`
	Cost        int64           `bun:"cost,notnull"`
	JobID       string          `bun:"job_id,nullzero"`
	Attempts    int             `bun:"attempts,notnull"`
	ErrorClass  string          `bun:"error_class,nullzero"`
	Result      json.RawMessage `bun:"result,nullzero"` // no type:json, with which bun would re-marshal (compact) it: written as given
	CreatedAt   time.Time       `bun:"created_at,notnull"`
	UpdatedAt   time.Time       `bun:"updated_at,notnull"`
	CompletedAt time.Time       `bun:"completed_at,nullzero"`
}

func fromInsight(in core.Insight) *insightRow {
	return &insightRow{
		ID: string(in.ID), UserID: string(in.UserID), ChatID: string(in.ChatID), Type: string(in.Type),
		Generation: in.Generation, Status: string(in.Status), Cost: in.Cost, JobID: in.JobID, Attempts: in.Attempts,
		ErrorClass: string(in.ErrorClass), Result: document(in.Result),
		CreatedAt: micro(in.CreatedAt), UpdatedAt: micro(in.UpdatedAt), CompletedAt: micro(in.CompletedAt),
	}
}

func (r *insightRow) toInsight() core.Insight {
	return core.Insight{
		ID: core.InsightID(r.ID), UserID: core.UserID(r.UserID), ChatID: core.ChatID(r.ChatID), Type: core.InsightTypeSlug(r.Type),
		Generation: r.Generation, Status: core.InsightStatus(r.Status), Cost: r.Cost, JobID: r.JobID, Attempts: r.Attempts,
		ErrorClass: core.JobErrorClass(r.ErrorClass), Result: document(r.Result),
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt), CompletedAt: utc(r.CompletedAt),
	}
}

func (u *unit) Insights() ports.Insights { return (*insights)(u) }

type insights unit

func (r *insights) u() *unit { return (*unit)(r) }

var errInsightNotFound = fmt.Errorf("insight: %w", core.ErrNotFound)

// insightParents names what each foreign key of insights points to, for
// a Start that names no such row.
var insightParents = map[string]string{
	"insights_user_id_fkey": "user",
	"insights_chat_id_fkey": "chat",
	"insights_type_fkey":    "insight type",
}

// Start is one statement, so concurrent Starts of a pair never meet a
// duplicate key: each waits for the row the first one inserts and then
// updates it. Under REPEATABLE READ that row is newer than the waiter's
// snapshot, which PostgreSQL reports as a serialization failure: the unit
// replays and updates the row it now sees. A fresh row's generation is 1,
// whatever in says (core.Insight.Generation: 1 for the first).
func (r *insights) Start(ctx context.Context, in core.Insight) (core.Insight, error) {
	if err := canonical(string(in.ID), string(in.UserID), string(in.ChatID)); err != nil {
		return core.Insight{}, err
	}
	row := fromInsight(in)
	row.Generation = 1
	err := r.u().tx.NewInsert().Model(row).
		On("CONFLICT (chat_id, type) DO UPDATE").
		Set("generation = ins.generation + 1, status = EXCLUDED.status, cost = EXCLUDED.cost").
		Set("job_id = EXCLUDED.job_id, attempts = EXCLUDED.attempts, error_class = EXCLUDED.error_class").
		Set("result = EXCLUDED.result, updated_at = EXCLUDED.updated_at, completed_at = EXCLUDED.completed_at").
		Returning("*").Scan(ctx)
	if parent, ok := insightParents[constraint(err)]; ok {
		return core.Insight{}, fmt.Errorf("%s: %w: %w", parent, core.ErrNotFound, err)
	}
	if err := r.u().check(err); err != nil {
		return core.Insight{}, err
	}
	return row.toInsight(), nil
}

func (r *insights) Get(ctx context.Context, id core.InsightID) (core.Insight, error) {
	if !validUUID(string(id)) {
		return core.Insight{}, errInsightNotFound
	}
	return r.one(ctx, r.u().tx.NewSelect().Where("ins.id = ?", string(id)))
}

func (r *insights) ByChatType(ctx context.Context, chat core.ChatID, typ core.InsightTypeSlug) (core.Insight, error) {
	if !validUUID(string(chat)) {
		return core.Insight{}, errInsightNotFound
	}
	return r.one(ctx, r.u().tx.NewSelect().Where("ins.chat_id = ? AND ins.type = ?", string(chat), string(typ)))
}

// one reads the insight q selects, or errInsightNotFound.
func (r *insights) one(ctx context.Context, q *bun.SelectQuery) (core.Insight, error) {
	var row insightRow
	if err := r.u().one(ctx, q.Model(&row), errInsightNotFound); err != nil {
		return core.Insight{}, err
	}
	return row.toInsight(), nil
}

// Lock takes the insight's row lock under the unit's policy.
func (r *insights) Lock(ctx context.Context, id core.InsightID) (in core.Insight, err error) {
	if !validUUID(string(id)) {
		return core.Insight{}, errInsightNotFound
	}
	err = r.u().lockRow(ctx, rowKey("insights", string(id)), func(clause lockClause) error {
		in, err = r.one(ctx, r.u().tx.NewSelect().Where("ins.id = ?", string(id)).For(string(clause)))
		return err
	})
	return in, err
}

// Update writes the columns that change; the rest never do.
func (r *insights) Update(ctx context.Context, in core.Insight) error {
	if !validUUID(string(in.ID)) {
		return errInsightNotFound
	}
	res, err := r.u().tx.NewUpdate().Model(fromInsight(in)).
		Column("status", "cost", "job_id", "attempts", "error_class", "result", "updated_at", "completed_at").
		WherePK().Exec(ctx)
	return r.u().wrote(res, err, errInsightNotFound)
}

func (r *insights) List(ctx context.Context, chat core.ChatID, after *core.PageKey, limit int) ([]core.Insight, error) {
	from, err := pageFrom(after)
	if err != nil {
		return nil, err
	}
	if !validUUID(string(chat)) {
		return nil, nil
	}
	q := r.u().tx.NewSelect().Where("ins.chat_id = ?", string(chat))
	return r.all(ctx, page(q, "ins.created_at, ins.id", from, !newestFirst, limit))
}

// Pending reads the partial index insights_pending in its order.
func (r *insights) Pending(ctx context.Context, updatedBefore time.Time, limit int) ([]core.Insight, error) {
	if limit <= 0 {
		return nil, nil
	}
	q := r.u().tx.NewSelect().Where("ins.status = ? AND ins.updated_at < ?", string(core.InsightPending), micro(updatedBefore)).
		OrderExpr("ins.updated_at ASC, ins.id ASC").Limit(int64(limit))
	return r.all(ctx, q)
}

func (r *insights) PendingOfChat(ctx context.Context, chat core.ChatID) ([]core.Insight, error) {
	if !validUUID(string(chat)) {
		return nil, nil
	}
	q := r.u().tx.NewSelect().Where("ins.chat_id = ? AND ins.status = ?", string(chat), string(core.InsightPending)).
		OrderExpr("ins.created_at ASC, ins.id ASC")
	return r.all(ctx, q)
}

// all reads the insights q selects.
func (r *insights) all(ctx context.Context, q *bun.SelectQuery) ([]core.Insight, error) {
	var rows []insightRow
	if err := q.Model(&rows).Scan(ctx); err != nil {
		return nil, r.u().check(err)
	}
	return all(rows, (*insightRow).toInsight), nil
}

// Idempotency keys (core.IdempotencyRecord). They belong to a user but are
// in no cascade: see the migration.

type idempotencyRow struct {
	bun.BaseModel `bun:"table:idempotency_keys,alias:idem"`

	UserID      string    `bun:"user_id,pk,type:uuid"`
	Key         string    `bun:"key,pk"`
	Fingerprint string    `bun:"fingerprint,notnull"`
	Resource    string    `bun:"resource,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	ExpiresAt   time.Time `bun:"expires_at,notnull"`
}

func fromIdempotency(rec core.IdempotencyRecord) *idempotencyRow {
	return &idempotencyRow{UserID: string(rec.UserID), Key: rec.Key, Fingerprint: rec.Fingerprint, Resource: rec.Resource,
		CreatedAt: micro(rec.CreatedAt), ExpiresAt: micro(rec.ExpiresAt)}
}

func (r *idempotencyRow) toIdempotency() core.IdempotencyRecord {
	return core.IdempotencyRecord{UserID: core.UserID(r.UserID), Key: r.Key, Fingerprint: r.Fingerprint, Resource: r.Resource,
		CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt)}
}

func (u *unit) Idempotency() ports.Idempotency { return (*idempotency)(u) }

type idempotency unit

func (r *idempotency) u() *unit { return (*unit)(r) }

var errIdempotencyNotFound = fmt.Errorf("idempotency key: %w", core.ErrNotFound)

func (r *idempotency) Find(ctx context.Context, user core.UserID, key string, now time.Time) (core.IdempotencyRecord, error) {
	if !validUUID(string(user)) {
		return core.IdempotencyRecord{}, errIdempotencyNotFound
	}
	var row idempotencyRow
	q := r.u().tx.NewSelect().Model(&row).
		Where("user_id = ? AND key = ? AND expires_at > ?", string(user), key, micro(now))
	if err := r.u().one(ctx, q, errIdempotencyNotFound); err != nil {
		return core.IdempotencyRecord{}, err
	}
	return row.toIdempotency(), nil
}

// Claim inserts, or replaces an expired record, in one statement: a live
// record makes the update's WHERE false, so nothing is written and no row
// comes back. Concurrent Claims of a key wait for the first one's row;
// under REPEATABLE READ that row is newer than their snapshots, a
// serialization failure the unit replays, and the replay finds it live.
// So only the caller whose statement wrote the row learns created.
func (r *idempotency) Claim(ctx context.Context, rec core.IdempotencyRecord, now time.Time) (core.IdempotencyRecord, bool, error) {
	if err := canonical(string(rec.UserID)); err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	row := fromIdempotency(rec)
	res, err := r.u().tx.NewInsert().Model(row).
		On("CONFLICT (user_id, key) DO UPDATE").
		Set("fingerprint = EXCLUDED.fingerprint, resource = EXCLUDED.resource").
		Set("created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at").
		Where("idem.expires_at <= ?", micro(now)).Exec(ctx)
	if constraint(err) == "idempotency_keys_user_id_fkey" {
		return core.IdempotencyRecord{}, false, fmt.Errorf("user: %w: %w", core.ErrNotFound, err)
	}
	if err := r.u().check(err); err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return row.toIdempotency(), true, nil
	}
	// The conflicting row is live and visible to this statement's snapshot
	// (else the insert had failed), and it stays: Expire deletes only
	// expired records, and replacing it would take this key's row lock,
	// which the insert above now holds.
	var held idempotencyRow
	q := r.u().tx.NewSelect().Model(&held).Where("user_id = ? AND key = ?", row.UserID, row.Key)
	if err := r.u().one(ctx, q, errIdempotencyNotFound); err != nil {
		return core.IdempotencyRecord{}, false, err
	}
	return held.toIdempotency(), false, nil
}

// Expire deletes a batch of expired records, oldest expiry first (the
// expiry index serves the pick); a large backlog takes several calls.
func (r *idempotency) Expire(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	tx := r.u().tx
	pick := tx.NewSelect().Model((*idempotencyRow)(nil)).Column("idem.user_id", "idem.key").
		Where("idem.expires_at <= ?", micro(now)).OrderExpr("idem.expires_at").Limit(int64(limit))
	res, err := tx.NewDelete().Model((*idempotencyRow)(nil)).Where("(user_id, key) IN (?)", pick).Exec(ctx)
	if err := r.u().check(err); err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
