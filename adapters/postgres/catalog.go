package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// The catalog's tables (migrations/20261217000001_insights): a handful of
// rows, read whole and edited by admins.

type categoryRow struct {
	bun.BaseModel `bun:"table:insight_categories,alias:icat"`

	Slug        string    `bun:"slug,pk"`
	Name        string    `bun:"name,notnull"`
	Description string    `bun:"description,notnull"`
	Position    int       `bun:"position,notnull"`
	Version     int64     `bun:"version,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

func fromCategory(c core.InsightCategory) *categoryRow {
	return &categoryRow{Slug: string(c.Slug), Name: c.Name, Description: c.Description, Position: c.Position,
		Version: c.Version, UpdatedAt: micro(c.UpdatedAt)}
}

func (r *categoryRow) toCategory() core.InsightCategory {
	return core.InsightCategory{Slug: core.CategorySlug(r.Slug), Name: r.Name, Description: r.Description,
		Position: r.Position, Version: r.Version, UpdatedAt: utc(r.UpdatedAt)}
}

// insightTypeRow keeps the timeout in whole milliseconds: the API sets it
// in seconds, so only a timeout set in Go with a fraction of a millisecond
// would come back shorter (by that fraction).
type insightTypeRow struct {
	bun.BaseModel `bun:"table:insight_types,alias:ityp"`

	Slug        string    `bun:"slug,pk"`
	Category    string    `bun:"category,notnull"`
	Name        string    `bun:"name,notnull"`
	Description string    `bun:"description,notnull"`
	Cost        int64     `bun:"cost,notnull"`
	Generator   string    `bun:"generator,notnull"`
	TimeoutMS   int64     `bun:"timeout_ms,notnull"`
	MaxAttempts int       `bun:"max_attempts,notnull"`
	Active      bool      `bun:"active,notnull"`
	Version     int64     `bun:"version,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

func fromInsightType(t core.InsightType) *insightTypeRow {
	return &insightTypeRow{Slug: string(t.Slug), Category: string(t.Category), Name: t.Name, Description: t.Description,
		Cost: t.Cost, Generator: t.Generator, TimeoutMS: t.Timeout.Milliseconds(), MaxAttempts: t.MaxAttempts,
		Active: t.Active, Version: t.Version, UpdatedAt: micro(t.UpdatedAt)}
}

func (r *insightTypeRow) toInsightType() core.InsightType {
	return core.InsightType{Slug: core.InsightTypeSlug(r.Slug), Category: core.CategorySlug(r.Category), Name: r.Name,
		Description: r.Description, Cost: r.Cost, Generator: r.Generator, Timeout: time.Duration(r.TimeoutMS) * time.Millisecond,
		MaxAttempts: r.MaxAttempts, Active: r.Active, Version: r.Version, UpdatedAt: utc(r.UpdatedAt)}
}

func (u *unit) Catalog() ports.Catalog { return (*catalog)(u) }

type catalog unit

func (r *catalog) u() *unit { return (*unit)(r) }

var (
	errCategoryNotFound    = fmt.Errorf("insight category: %w", core.ErrNotFound)
	errInsightTypeNotFound = fmt.Errorf("insight type: %w", core.ErrNotFound)
	errCatalogVersion      = fmt.Errorf("%w: another edit of the catalog entry came first", core.ErrConflict)
)

func (r *catalog) Categories(ctx context.Context) ([]core.InsightCategory, error) {
	var rows []categoryRow
	if err := r.u().tx.NewSelect().Model(&rows).OrderExpr("position ASC, slug ASC").Scan(ctx); err != nil {
		return nil, r.u().check(err)
	}
	return all(rows, (*categoryRow).toCategory), nil
}

func (r *catalog) Category(ctx context.Context, slug core.CategorySlug) (core.InsightCategory, error) {
	var row categoryRow
	q := r.u().tx.NewSelect().Model(&row).Where("slug = ?", string(slug))
	if err := r.u().one(ctx, q, errCategoryNotFound); err != nil {
		return core.InsightCategory{}, err
	}
	return row.toCategory(), nil
}

// PutCategory writes c as a compare and set on its version (see put).
func (r *catalog) PutCategory(ctx context.Context, c core.InsightCategory) (bool, error) {
	return r.put(ctx, fromCategory(c), c.Version, "name", "description", "position", "version", "updated_at")
}

func (r *catalog) Types(ctx context.Context) ([]core.InsightType, error) {
	var rows []insightTypeRow
	if err := r.u().tx.NewSelect().Model(&rows).OrderExpr("category ASC, cost ASC, slug ASC").Scan(ctx); err != nil {
		return nil, r.u().check(err)
	}
	return all(rows, (*insightTypeRow).toInsightType), nil
}

func (r *catalog) Type(ctx context.Context, slug core.InsightTypeSlug) (core.InsightType, error) {
	var row insightTypeRow
	q := r.u().tx.NewSelect().Model(&row).Where("slug = ?", string(slug))
	if err := r.u().one(ctx, q, errInsightTypeNotFound); err != nil {
		return core.InsightType{}, err
	}
	return row.toInsightType(), nil
}

// PutType writes t as PutCategory does; the foreign key names a category
// that does not exist.
func (r *catalog) PutType(ctx context.Context, t core.InsightType) (bool, error) {
	created, err := r.put(ctx, fromInsightType(t), t.Version, "category", "name", "description", "cost",
		"generator", "timeout_ms", "max_attempts", "active", "version", "updated_at")
	if constraint(err) == "insight_types_category_fkey" {
		return false, fmt.Errorf("%w: %w", errCategoryNotFound, err)
	}
	return created, err
}

// put stores a catalog row (of a table keyed by slug) only over the
// version before its own, which makes an edit's If-Match race-safe at
// READ COMMITTED, the catalog service's isolation: version 1 creates the
// entry (INSERT … ON CONFLICT DO NOTHING), any other replaces the entry
// whose version is one less (UPDATE … WHERE version = v - 1). Of two edits
// that read one version, the second waits for the first's row and then
// writes nothing: core.ErrConflict, the unit left usable. Under
// REPEATABLE READ it meets a serialization failure instead and its unit
// replays, reading the new version.
func (r *catalog) put(ctx context.Context, row any, version int64, columns ...string) (created bool, err error) {
	tx := r.u().tx
	var res sql.Result
	if version == 1 {
		res, err = tx.NewInsert().Model(row).On("CONFLICT (slug) DO NOTHING").Exec(ctx)
	} else {
		res, err = tx.NewUpdate().Model(row).Column(columns...).WherePK().Where("version = ?", version-1).Exec(ctx)
	}
	if err := r.u().check(err); err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, errCatalogVersion
	}
	return version == 1, nil
}
