package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
)

// Helpers every repository shares: reading one row or many, keyset pages,
// and the soft-delete cascade. Soft-deleted tables carry bun's
// `soft_delete,nullzero` tag, so every bun query here already skips
// deleted rows unless it asks for them (WhereDeleted).

// one runs q, which scans one row; no row is notFound.
func (u *unit) one(ctx context.Context, q *bun.SelectQuery, notFound error) error {
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound
	}
	return u.check(err)
}

// wrote checks a write that must change a row: its error as check sees
// it, and no row changed is notFound.
func (u *unit) wrote(res sql.Result, err error, notFound error) error {
	if err := u.check(err); err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound
	}
	return nil
}

// all converts the rows a query scanned into domain values.
func all[R, V any](rows []R, to func(*R) V) []V {
	out := make([]V, len(rows))
	for i := range rows {
		out[i] = to(&rows[i])
	}
	return out
}

// newestFirst asks page for descending keys.
const newestFirst = true

// page orders q by the sort key's columns and keeps at most limit rows
// strictly after the key values from (nil for the first page): a keyset
// page over any sort key, (created_at, id) for a ledger, a sequence number
// for messages. An index on the same columns in the same order serves it.
func page(q *bun.SelectQuery, columns string, from []any, desc bool, limit int) *bun.SelectQuery {
	order, cmp := " ASC", " > "
	if desc {
		order, cmp = " DESC", " < "
	}
	if from != nil {
		q = q.Where("("+columns+")"+cmp+"(?)", bun.List(from))
	}
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = strings.TrimSpace(c) + order
	}
	return q.OrderExpr(strings.Join(cols, ", ")).Limit(int64(limit))
}

// userPage reads a page of a user's rows of one table in (created_at, id)
// order, strictly after the key (before it, newest first) when one is
// given: the listing of keys, ledger entries, payments and chats. An id
// that is not a UUID names no user, so its page is empty.
func userPage[R, V any](ctx context.Context, u *unit, user string, key *core.PageKey, desc bool, limit int, to func(*R) V) ([]V, error) {
	from, err := pageFrom(key)
	if err != nil {
		return nil, err
	}
	if !validUUID(user) {
		return nil, nil
	}
	var rows []R
	q := u.tx.NewSelect().Model(&rows).Where("user_id = ?", user)
	if err := page(q, "created_at, id", from, desc, limit).Scan(ctx); err != nil {
		return nil, u.check(err)
	}
	return all(rows, to), nil
}

// pageFrom is a (time, id) page key as page's key values, checked once
// more (core.PageKey.Check): an unchecked key is refused, never sent.
func pageFrom(key *core.PageKey) ([]any, error) {
	if key == nil {
		return nil, nil
	}
	if err := key.Check(); err != nil {
		return nil, err
	}
	return []any{micro(key.Time), key.ID}, nil
}

// cascade is a table whose rows belong to a parent row through column and
// are soft-deleted and restored with it.
type cascade struct {
	model  any // a nil pointer to the table's row struct
	column string
	// restorable, when set, is a further condition on the rows a restore
	// brings back (a chat a purge has claimed is gone for good).
	restorable string
}

// userChildren are the tables whose rows a user owns: deleting the user
// marks them with the user's deletion time, restoring brings back exactly
// those. A module that adds rows owned by a user adds its table here.
var userChildren = []cascade{
	{model: (*apiKeyRow)(nil), column: "user_id"},
	{model: (*chatRow)(nil), column: "user_id", restorable: "NOT purging"},
}

// cascadeDelete marks the live rows of every child table of parent with at.
func (u *unit) cascadeDelete(ctx context.Context, children []cascade, parent string, at time.Time) error {
	for _, c := range children {
		_, err := u.tx.NewUpdate().Model(c.model).Set("deleted_at = ?", at).
			Where("? = ?", bun.Ident(c.column), parent).Exec(ctx)
		if err := u.check(err); err != nil {
			return err
		}
	}
	return nil
}

// cascadeRestore brings back the rows of every child table of parent that
// were deleted at at, with the parent, and no others.
func (u *unit) cascadeRestore(ctx context.Context, children []cascade, parent string, at time.Time) error {
	for _, c := range children {
		q := u.tx.NewUpdate().Model(c.model).WhereDeleted().Set("deleted_at = NULL").
			Where("? = ?", bun.Ident(c.column), parent).Where("deleted_at = ?", at)
		if c.restorable != "" {
			q = q.Where(c.restorable)
		}
		_, err := q.Exec(ctx)
		if err := u.check(err); err != nil {
			return err
		}
	}
	return nil
}
