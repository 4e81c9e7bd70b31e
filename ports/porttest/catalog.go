package porttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// uniqueSlug is prefix and random hex: a slug no seed and no other case
// uses, in the characters every slug allows.
func uniqueSlug(prefix string) string {
	return prefix + "-" + strings.ReplaceAll(newID(), "-", "")[:16]
}

// categoryOf is a category with every field set.
func categoryOf(slug core.CategorySlug, position int) core.InsightCategory {
	return core.InsightCategory{
		Slug: slug, Name: "Category " + string(slug), Description: "What it groups.\n\tA second line.",
		Position: position, Version: 1, UpdatedAt: now(),
	}
}

// typeOf is an active type of category with every field set.
func typeOf(slug core.InsightTypeSlug, category core.CategorySlug, cost int64) core.InsightType {
	return core.InsightType{
		Slug: slug, Category: category, Name: "Type " + string(slug), Description: "What it tells.",
		Cost: cost, Generator: "activity", Timeout: 90 * time.Second, MaxAttempts: 3,
		Active: true, Version: 1, UpdatedAt: now(),
	}
}

// putCategory stores c and returns it as stored.
func putCategory(t *testing.T, s ports.UnitOfWork, c core.InsightCategory) core.InsightCategory {
	t.Helper()
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return second(tx.Catalog().PutCategory(ctx, c)) })
	c.UpdatedAt = core.StorageTime(c.UpdatedAt)
	return c
}

// putType stores typ and returns it as stored.
func putType(t *testing.T, s ports.UnitOfWork, typ core.InsightType) core.InsightType {
	t.Helper()
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return second(tx.Catalog().PutType(ctx, typ)) })
	typ.UpdatedAt = core.StorageTime(typ.UpdatedAt)
	return typ
}

// newTypes stores a category of its own and n types in it, costing 10
// credits each.
func newTypes(t *testing.T, s ports.UnitOfWork, n int) []core.InsightType {
	t.Helper()
	c := putCategory(t, s, categoryOf(core.CategorySlug(uniqueSlug("cat")), 1))
	types := make([]core.InsightType, n)
	for i := range types {
		types[i] = putType(t, s, typeOf(core.InsightTypeSlug(uniqueSlug("type")), c.Slug, 10))
	}
	return types
}

// sameCategory reports how got differs from want, or nil.
func sameCategory(got, want core.InsightCategory) error {
	g, w := got, want
	g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
	if g != w || !got.UpdatedAt.Equal(want.UpdatedAt) {
		return fmt.Errorf("category %+v; want %+v (times at microseconds)", got, want)
	}
	return nil
}

// sameType reports how got differs from want, or nil.
func sameType(got, want core.InsightType) error {
	g, w := got, want
	g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
	if g != w || !got.UpdatedAt.Equal(want.UpdatedAt) {
		return fmt.Errorf("type %+v; want %+v (times at microseconds)", got, want)
	}
	return nil
}

// putErr runs put in a unit of its own (a refused write fails its unit)
// and returns its error.
func putErr(s ports.UnitOfWork, put func(ctx context.Context, c ports.Catalog) (bool, error)) error {
	return s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error { return second(put(ctx, tx.Catalog())) })
}

// testCatalogPut: a Put stores its row only over the version before it
// (or as version 1 when there is none), every field as given; any other
// version is core.ErrConflict and writes nothing.
func testCatalogPut(t *testing.T, s ports.UnitOfWork) {
	cat := categoryOf(core.CategorySlug(uniqueSlug("put")), 7)
	other := putCategory(t, s, categoryOf(core.CategorySlug(uniqueSlug("other")), 8))
	typ := typeOf(core.InsightTypeSlug(uniqueSlug("put")), cat.Slug, 25)
	putCat := func(c core.InsightCategory) error {
		return putErr(s, func(ctx context.Context, cl ports.Catalog) (bool, error) { return cl.PutCategory(ctx, c) })
	}
	putTyp := func(typ core.InsightType) error {
		return putErr(s, func(ctx context.Context, cl ports.Catalog) (bool, error) { return cl.PutType(ctx, typ) })
	}
	if err := putTyp(typ); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("PutType(category not yet put) = %v; want ErrNotFound", err)
	}
	ahead := cat
	ahead.Version = 2
	if err := putCat(ahead); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("PutCategory(new, version 2) = %v; want ErrConflict (a new category is version 1)", err)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Catalog().Category(ctx, cat.Slug); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Category(refused, never put) = %v; want ErrNotFound", err)
		}
		if created, err := tx.Catalog().PutCategory(ctx, cat); err != nil || !created {
			return fmt.Errorf("PutCategory(new) = %v, %v; want created", created, err)
		}
		if created, err := tx.Catalog().PutType(ctx, typ); err != nil || !created {
			return fmt.Errorf("PutType(new) = %v, %v; want created", created, err)
		}
		return nil
	})
	// The next version replaces every field as given.
	cat2 := cat
	cat2.Name, cat2.Description, cat2.Position, cat2.Version, cat2.UpdatedAt = "Renamed", "", 3, 2, now()
	typ2 := typ
	typ2.Category, typ2.Name, typ2.Description, typ2.Cost, typ2.Generator = other.Slug, "Retyped", "Now longer.\nTwo lines.", 0, "activity-v2"
	typ2.Timeout, typ2.MaxAttempts, typ2.Active, typ2.Version, typ2.UpdatedAt = 10*time.Minute, 10, false, 2, now()
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if created, err := tx.Catalog().PutCategory(ctx, cat2); err != nil || created {
			return fmt.Errorf("PutCategory(version 2 over 1) = %v, %v; want replaced, not created", created, err)
		}
		if created, err := tx.Catalog().PutType(ctx, typ2); err != nil || created {
			return fmt.Errorf("PutType(version 2 over 1) = %v, %v; want replaced, not created", created, err)
		}
		return nil
	})
	// Edits of a version that is not the stored one change nothing.
	for _, v := range []int64{1, 2, 4} {
		stale := cat2
		stale.Name, stale.Version = "stale", v
		if err := putCat(stale); !errors.Is(err, core.ErrConflict) {
			t.Errorf("PutCategory(version %d over 2) = %v; want ErrConflict", v, err)
		}
		staleType := typ2
		staleType.Name, staleType.Version = "stale", v
		if err := putTyp(staleType); !errors.Is(err, core.ErrConflict) {
			t.Errorf("PutType(version %d over 2) = %v; want ErrConflict", v, err)
		}
	}
	moved := typ2
	moved.Category, moved.Version = core.CategorySlug(uniqueSlug("missing")), 3
	if err := putTyp(moved); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("PutType(next version, into a category that does not exist) = %v; want ErrNotFound", err)
	}
	cat2.UpdatedAt, typ2.UpdatedAt = core.StorageTime(cat2.UpdatedAt), core.StorageTime(typ2.UpdatedAt)
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Catalog().Category(ctx, cat.Slug)
		if err != nil {
			return fmt.Errorf("Category(put) = %v", err)
		}
		if err := sameCategory(got, cat2); err != nil {
			return fmt.Errorf("Category(slug) after an edit and refused ones: %w", err)
		}
		gotType, err := tx.Catalog().Type(ctx, typ.Slug)
		if err != nil {
			return fmt.Errorf("Type(inactive) = %v; want it: Type returns inactive types too", err)
		}
		if err := sameType(gotType, typ2); err != nil {
			return fmt.Errorf("Type(slug) after an edit and refused ones: %w", err)
		}
		if _, err := tx.Catalog().Type(ctx, core.InsightTypeSlug(uniqueSlug("unknown"))); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Type(unknown) = %v; want ErrNotFound", err)
		}
		all, err := tx.Catalog().Types(ctx)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(all, func(x core.InsightType) bool { return x.Slug == typ.Slug && !x.Active }) {
			return fmt.Errorf("Types() does not list the inactive type %s; it lists every type", typ.Slug)
		}
		return nil
	}, ports.ReadOnly())
}

// testConcurrentCatalogEdits: 20 edits of one version of a category, and
// of a type, at once: exactly one of each lands, and it is the one stored.
func testConcurrentCatalogEdits(t *testing.T, stores []ports.UnitOfWork) {
	const n = 20
	s := stores[0]
	cat := putCategory(t, s, categoryOf(core.CategorySlug(uniqueSlug("edited")), 1))
	typ := putType(t, s, typeOf(core.InsightTypeSlug(uniqueSlug("edited")), cat.Slug, 1))
	catWins := race(t, stores, n, func(i int) func(ctx context.Context, tx ports.Tx) error {
		c := cat
		c.Name, c.Version = fmt.Sprint("edit ", i), 2
		return func(ctx context.Context, tx ports.Tx) error { return second(tx.Catalog().PutCategory(ctx, c)) }
	}, core.ErrConflict)
	typeWins := race(t, stores, n, func(i int) func(ctx context.Context, tx ports.Tx) error {
		x := typ
		x.Name, x.Version = fmt.Sprint("edit ", i), 2
		return func(ctx context.Context, tx ports.Tx) error { return second(tx.Catalog().PutType(ctx, x)) }
	}, core.ErrConflict)
	if catWins != 1 || typeWins != 1 {
		t.Fatalf("%d edits of one category version and %d of one type version landed; want exactly 1 each", catWins, typeWins)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		c, err := tx.Catalog().Category(ctx, cat.Slug)
		if err != nil || c.Version != 2 || !strings.HasPrefix(c.Name, "edit ") {
			return fmt.Errorf("the category after the edits = %+v, %v; want version 2 under one edit's name", c, err)
		}
		got, err := tx.Catalog().Type(ctx, typ.Slug)
		if err != nil || got.Version != 2 || !strings.HasPrefix(got.Name, "edit ") {
			return fmt.Errorf("the type after the edits = %+v, %v; want version 2 under one edit's name", got, err)
		}
		return nil
	}, ports.ReadOnly())
}

// testCatalogOrder: categories by position, then slug; types by category,
// then cost, then slug. The types' two categories sort alike by position
// and by slug, so either reading of "by category" gives the one order.
func testCatalogOrder(t *testing.T, s ports.UnitOfWork) {
	p := uniqueSlug("order")
	slug := func(suffix string) string { return p + "-" + suffix }
	// Made in an order that is none of the listings'.
	c := map[string]core.InsightCategory{}
	for _, x := range []struct {
		suffix   string
		position int
	}{{"b", 5}, {"z", 1}, {"a", 5}} {
		c[x.suffix] = putCategory(t, s, categoryOf(core.CategorySlug(slug(x.suffix)), x.position))
	}
	wantCats := []core.CategorySlug{c["z"].Slug, c["a"].Slug, c["b"].Slug}
	for _, x := range []struct {
		suffix   string
		category core.CategorySlug
		cost     int64
	}{{"t1", c["b"].Slug, 5}, {"t2", c["a"].Slug, 10}, {"t3", c["a"].Slug, 2}, {"t5", c["a"].Slug, 10}, {"t4", c["a"].Slug, 10}, {"t0", c["b"].Slug, 0}} {
		putType(t, s, typeOf(core.InsightTypeSlug(slug(x.suffix)), x.category, x.cost))
	}
	// a before b, though b's are cheaper; in a, cost 2 before 10, then by
	// slug.
	wantTypes := []core.InsightTypeSlug{
		core.InsightTypeSlug(slug("t3")), core.InsightTypeSlug(slug("t2")), core.InsightTypeSlug(slug("t4")),
		core.InsightTypeSlug(slug("t5")), core.InsightTypeSlug(slug("t0")), core.InsightTypeSlug(slug("t1")),
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		cats, err := tx.Catalog().Categories(ctx)
		if err != nil {
			return err
		}
		var gotCats []core.CategorySlug
		for _, x := range cats {
			if strings.HasPrefix(string(x.Slug), p) {
				gotCats = append(gotCats, x.Slug)
				if err := sameCategory(x, c[string(x.Slug)[len(p)+1:]]); err != nil {
					return fmt.Errorf("Categories(): %w", err)
				}
			}
		}
		if !slices.Equal(gotCats, wantCats) {
			return fmt.Errorf("Categories() lists this case's categories as %v; want %v (by position, then slug)", gotCats, wantCats)
		}
		types, err := tx.Catalog().Types(ctx)
		if err != nil {
			return err
		}
		var gotTypes []core.InsightTypeSlug
		for _, x := range types {
			if strings.HasPrefix(string(x.Slug), p) {
				gotTypes = append(gotTypes, x.Slug)
			}
		}
		if !slices.Equal(gotTypes, wantTypes) {
			return fmt.Errorf("Types() lists this case's types as %v; want %v (by category, then cost, then slug)", gotTypes, wantTypes)
		}
		return nil
	}, ports.ReadOnly())
}
