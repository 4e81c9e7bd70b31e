package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

type chats unit

func (u *unit) Chats() ports.Chats { return (*chats)(u) }

func (r *chats) u() *unit { return (*unit)(r) }

var errChatNotFound = fmt.Errorf("chat: %w", core.ErrNotFound)

type chatRow struct {
	bun.BaseModel `bun:"table:chats,alias:c"`

	ID        string          `bun:"id,pk,type:uuid"`
	UserID    string          `bun:"user_id,notnull,type:uuid"`
	Title     string          `bun:"title,notnull"`
	SHA256    string          `bun:"sha256,notnull"`
	Bytes     int64           `bun:"bytes,notnull"`
	Format    string          `bun:"format,notnull"`
	TimeZone  string          `bun:"time_zone,notnull"`
	Messages  int64           `bun:"messages,notnull"`
	Report    json.RawMessage `bun:"report,type:json,nullzero"` // written as is: bun would encode a []byte as a JSON string
	Version   int64           `bun:"version,notnull"`
	CreatedAt time.Time       `bun:"created_at,notnull"`
	UpdatedAt time.Time       `bun:"updated_at,notnull"`
	DeletedAt time.Time       `bun:"deleted_at,soft_delete,nullzero"`
	Purging   bool            `bun:"purging,notnull"`
}

func fromChat(c core.Chat) *chatRow {
	return &chatRow{
		ID: string(c.ID), UserID: string(c.User), Title: c.Title, SHA256: c.SHA256, Bytes: c.Bytes,
		Format: c.Format, TimeZone: c.TimeZone, Messages: c.Messages,
		Report: document(c.Report), Version: c.Version,
		CreatedAt: micro(c.CreatedAt), UpdatedAt: micro(c.UpdatedAt), DeletedAt: micro(c.DeletedAt),
	}
}

func (r *chatRow) toChat() core.Chat {
	return core.Chat{
		ID: core.ChatID(r.ID), User: core.UserID(r.UserID), Title: r.Title, SHA256: r.SHA256, Bytes: r.Bytes,
		Format: r.Format, TimeZone: r.TimeZone, Messages: r.Messages,
		Report: document(r.Report), Version: r.Version,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt), DeletedAt: utc(r.DeletedAt),
	}
}

// document is a stored document as given, or nil (SQL NULL) for none.
func document(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// chatChildren are the tables whose rows belong to a chat and are deleted
// and restored with it, with its deletion time. Messages are not among
// them: they are hidden through their chat, never rewritten (a chat can
// hold a million). Insights and conversations will be.
var chatChildren []cascade

func (r *chats) Create(ctx context.Context, c core.Chat) error {
	if err := canonical(string(c.ID), string(c.User)); err != nil {
		return err
	}
	_, err := r.u().tx.NewInsert().Model(fromChat(c)).Exec(ctx)
	name := constraint(err)
	switch err = r.u().check(err); {
	case errors.Is(err, core.ErrConflict) && name == "chats_user_sha256_live":
		return fmt.Errorf("%w: a live chat of that file exists", core.ErrConflict)
	case err != nil && name == "chats_user_id_fkey":
		return fmt.Errorf("user: %w", core.ErrNotFound)
	}
	return err
}

// live selects the user's live chat by id (bun adds deleted_at IS NULL).
func (r *chats) live(row *chatRow, user core.UserID, id core.ChatID) *bun.SelectQuery {
	return r.u().tx.NewSelect().Model(row).Where("c.id = ? AND c.user_id = ?", string(id), string(user))
}

func (r *chats) Get(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error) {
	if !validUUID(string(user)) || !validUUID(string(id)) {
		return core.Chat{}, errChatNotFound
	}
	var row chatRow
	if err := r.u().one(ctx, r.live(&row, user, id), errChatNotFound); err != nil {
		return core.Chat{}, err
	}
	return row.toChat(), nil
}

func (r *chats) ByHash(ctx context.Context, user core.UserID, sha256 string) (core.Chat, error) {
	if !validUUID(string(user)) {
		return core.Chat{}, errChatNotFound
	}
	var row chatRow
	q := r.u().tx.NewSelect().Model(&row).Where("c.user_id = ? AND c.sha256 = ?", string(user), sha256)
	if err := r.u().one(ctx, q, errChatNotFound); err != nil {
		return core.Chat{}, err
	}
	return row.toChat(), nil
}

func (r *chats) Lock(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error) {
	if !validUUID(string(user)) || !validUUID(string(id)) {
		return core.Chat{}, errChatNotFound
	}
	var row chatRow
	err := r.u().lockRow(ctx, rowKey("chats", string(id)), func(clause lockClause) error {
		return r.u().one(ctx, r.live(&row, user, id).For(string(clause)), errChatNotFound)
	})
	if err != nil {
		return core.Chat{}, err
	}
	return row.toChat(), nil
}

func (r *chats) Update(ctx context.Context, c core.Chat) error {
	if !validUUID(string(c.ID)) {
		return errChatNotFound
	}
	row := fromChat(c)
	res, err := r.u().tx.NewUpdate().Model(row).
		Column("title", "time_zone", "messages", "report", "version", "updated_at").
		WherePK().Where("user_id = ?", string(c.User)).Exec(ctx)
	return r.u().wrote(res, err, errChatNotFound)
}

// The statistics column is not in chatRow: a chat is read often (before
// every page of its messages) and its statistics, 0.8 MB for a million
// messages, only by the statistics operations, through these two.

func (r *chats) SetStatistics(ctx context.Context, user core.UserID, id core.ChatID, doc []byte) error {
	if !validUUID(string(user)) || !validUUID(string(id)) {
		return errChatNotFound
	}
	res, err := r.u().tx.NewUpdate().Model((*chatRow)(nil)).Set("statistics = ?", json.RawMessage(document(doc))).
		Where("id = ? AND user_id = ?", string(id), string(user)).Exec(ctx)
	return r.u().wrote(res, err, errChatNotFound)
}

func (r *chats) Statistics(ctx context.Context, user core.UserID, id core.ChatID) ([]byte, error) {
	if !validUUID(string(user)) || !validUUID(string(id)) {
		return nil, errChatNotFound
	}
	var doc []json.RawMessage // a slice: Scan reads a NULL document as nil
	q := r.u().tx.NewSelect().Model((*chatRow)(nil)).Column("statistics").
		Where("c.id = ? AND c.user_id = ?", string(id), string(user))
	if err := q.Scan(ctx, &doc); err != nil {
		return nil, r.u().check(err)
	}
	if len(doc) == 0 {
		return nil, errChatNotFound
	}
	return document(doc[0]), nil
}

func (r *chats) List(ctx context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.Chat, error) {
	return userPage(ctx, r.u(), string(user), before, newestFirst, limit, (*chatRow).toChat)
}

func (r *chats) Usage(ctx context.Context, user core.UserID, since time.Time) (int, int64, error) {
	if !validUUID(string(user)) {
		return 0, 0, nil
	}
	var uploads int
	var bytes int64
	err := r.u().tx.NewSelect().Model((*chatRow)(nil)).WhereAllWithDeleted().
		ColumnExpr("count(*) FILTER (WHERE c.created_at >= ?)", micro(since)).
		ColumnExpr("COALESCE(sum(c.bytes) FILTER (WHERE c.deleted_at IS NULL), 0)").
		Where("c.user_id = ?", string(user)).Scan(ctx, &uploads, &bytes)
	if err != nil {
		return 0, 0, r.u().check(err)
	}
	return uploads, bytes, nil
}

// Delete marks the live chat and, with the same timestamp, the rows that
// belong to it (chatChildren). Its messages stay as they are, hidden
// through it.
func (r *chats) Delete(ctx context.Context, user core.UserID, id core.ChatID, at time.Time) error {
	if !validUUID(string(user)) || !validUUID(string(id)) {
		return errChatNotFound
	}
	at = micro(at)
	res, err := r.u().tx.NewUpdate().Model((*chatRow)(nil)).Set("deleted_at = ?", at).
		Where("id = ? AND user_id = ?", string(id), string(user)).Exec(ctx)
	if err := r.u().wrote(res, err, errChatNotFound); err != nil {
		return err
	}
	return r.u().cascadeDelete(ctx, chatChildren, string(id), at)
}

// Restore locks the deleted chat's row first (one a purge has claimed is
// not restorable), then brings back the chat and exactly the rows deleted
// with it. The live-only unique key refuses it while a live chat of the
// same file exists.
func (r *chats) Restore(ctx context.Context, user core.UserID, id core.ChatID) error {
	notFound := fmt.Errorf("deleted chat: %w", core.ErrNotFound)
	if !validUUID(string(user)) || !validUUID(string(id)) {
		return notFound
	}
	tx := r.u().tx
	var row chatRow
	err := r.u().lockRow(ctx, rowKey("chats", string(id)), func(clause lockClause) error {
		q := tx.NewSelect().Model(&row).WhereDeleted().
			Where("c.id = ? AND c.user_id = ? AND NOT c.purging", string(id), string(user)).For(string(clause))
		return r.u().one(ctx, q, notFound)
	})
	if err != nil {
		return err
	}
	_, err = tx.NewUpdate().Model((*chatRow)(nil)).WhereDeleted().Set("deleted_at = NULL").
		Where("id = ?", string(id)).Exec(ctx)
	if err = r.u().check(err); errors.Is(err, core.ErrConflict) {
		return fmt.Errorf("%w: a live chat of the same file exists", core.ErrConflict)
	} else if err != nil {
		return err
	}
	return r.u().cascadeRestore(ctx, chatChildren, string(id), row.DeletedAt)
}

// ClaimPurge marks deleted chats as being purged, oldest deletion first.
// The UPDATE takes each row's lock: a restore under way holds it, and
// then one of the two waits (bounded by lock_timeout) and, at REPEATABLE
// READ, fails with a serialization failure that replays its unit, which
// then sees the other's outcome.
func (r *chats) ClaimPurge(ctx context.Context, deletedBefore time.Time, limit int) ([]core.ChatID, error) {
	tx := r.u().tx
	if limit > 0 {
		pick := tx.NewSelect().Model((*chatRow)(nil)).WhereDeleted().Column("c.id").
			Where("c.deleted_at < ? AND NOT c.purging", micro(deletedBefore)).
			OrderExpr("c.deleted_at, c.id").Limit(int64(limit))
		_, err := tx.NewUpdate().Model((*chatRow)(nil)).WhereDeleted().Set("purging = true").
			Where("id IN (?)", pick).Exec(ctx)
		if err := r.u().check(err); err != nil {
			return nil, err
		}
	}
	var ids []string
	err := tx.NewSelect().Model((*chatRow)(nil)).WhereDeleted().Column("c.id").
		Where("c.purging").OrderExpr("c.deleted_at, c.id").Scan(ctx, &ids)
	if err != nil {
		return nil, r.u().check(err)
	}
	out := make([]core.ChatID, len(ids))
	for i, id := range ids {
		out[i] = core.ChatID(id)
	}
	return out, nil
}

// Purge deletes a claimed chat whose messages are gone. The foreign key
// from messages refuses it while any is left.
func (r *chats) Purge(ctx context.Context, id core.ChatID) error {
	notFound := fmt.Errorf("chat claimed for purging: %w", core.ErrNotFound)
	if !validUUID(string(id)) {
		return notFound
	}
	res, err := r.u().tx.NewDelete().Model((*chatRow)(nil)).ForceDelete().WhereDeleted().
		Where("id = ? AND purging", string(id)).Exec(ctx)
	if err := r.u().check(err); err != nil {
		return fmt.Errorf("purging chat %s (are its messages purged?): %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound
	}
	return nil
}
