package porttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Insights", runInsights) }

// runInsights holds the insights module's storage: the catalog of insight
// types, the insights themselves (one per chat and type, regenerated in
// place), the idempotency keys of their requests, and the request and
// final-failure units as the insights service runs them.
//
// A PostgreSQL database comes seeded with a catalog and a memory one
// empty, so the catalog cases make their own rows under slugs no seed
// uses, and look only at those.
func runInsights(t *testing.T, newDatabase NewDatabase) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, ports.UnitOfWork)
	}{
		{"CatalogPutCreatesThenReplaces", testCatalogPut},
		{"CatalogListsInOrder", testCatalogOrder},
		{"StartMakesGenerations", testInsightStart},
		{"UpdateWritesItsFieldsOnly", testInsightUpdate},
		{"ListOldestFirstStableWhileAdded", testInsightList},
		{"PendingWorkLists", testInsightPending},
		{"DeletedChatKeepsItsInsights", testInsightChatDelete},
		{"PurgeRemovesInsights", testInsightPurge},
		{"ReadOnlyUnitRefusesInsightWrites", testInsightsReadOnly},
		{"IdempotencyClaimOnceThenFind", testIdempotencyClaim},
		{"IdempotencyExpiry", testIdempotencyExpiry},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, store(t, newDatabase, options(ports.LockNoWait, 3)))
		})
	}
	for _, tp := range topologies {
		t.Run("ConcurrentCatalogEditsOneLands/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testConcurrentCatalogEdits(t, tp.open(t, newDatabase, options(ports.LockWait, 30)))
		})
		t.Run("ConcurrentRequestsOneChargeOneJob/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testConcurrentRequests(t, tp.open(t, newDatabase, options(ports.LockWait, 30)))
		})
		for _, p := range policies {
			t.Run("ConcurrentFinalFailuresRefundOnce/"+p.String()+"/"+tp.name, func(t *testing.T) {
				t.Parallel()
				testConcurrentFailures(t, tp.open(t, newDatabase, options(p, 60)))
			})
			for _, iso := range isolations {
				name := p.String() + "/" + iso.String() + "/" + tp.name
				t.Run("ConcurrentStartsOneRow/"+name, func(t *testing.T) {
					t.Parallel()
					testConcurrentStarts(t, tp.open(t, newDatabase, options(p, 100)), iso)
				})
				t.Run("ConcurrentClaimsOneRecord/"+name, func(t *testing.T) {
					t.Parallel()
					testConcurrentClaims(t, tp.open(t, newDatabase, options(p, 100)), iso)
				})
			}
		}
	}
}

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

// insightOf is a first generation of user's insight of typ on chat, as a
// request starts it.
func insightOf(user core.UserID, chat core.ChatID, typ core.InsightTypeSlug, cost int64) core.Insight {
	at := now()
	return core.Insight{
		ID: core.InsightID(newID()), UserID: user, ChatID: chat, Type: typ, Generation: 1,
		Status: core.InsightPending, Cost: cost, CreatedAt: at, UpdatedAt: at,
	}
}

// storedInsight is in as a store gives it back: times at microseconds.
func storedInsight(in core.Insight) core.Insight {
	in.CreatedAt, in.UpdatedAt, in.CompletedAt = core.StorageTime(in.CreatedAt), core.StorageTime(in.UpdatedAt), core.StorageTime(in.CompletedAt)
	return in
}

// sameInsight reports how got differs from want, or nil.
func sameInsight(got, want core.Insight) error {
	g, w := got, want
	for _, p := range []*core.Insight{&g, &w} {
		p.Result = nil
		p.CreatedAt, p.UpdatedAt, p.CompletedAt = time.Time{}, time.Time{}, time.Time{}
	}
	switch {
	case !reflect.DeepEqual(g, w):
		return fmt.Errorf("insight %+v; want %+v", g, w)
	case !bytes.Equal(got.Result, want.Result):
		return fmt.Errorf("insight result %q; want the very bytes %q", got.Result, want.Result)
	case !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) || !got.CompletedAt.Equal(want.CompletedAt):
		return fmt.Errorf("insight times %v, %v, %v; want %v, %v, %v (microseconds)", got.CreatedAt, got.UpdatedAt, got.CompletedAt, want.CreatedAt, want.UpdatedAt, want.CompletedAt)
	}
	return nil
}

func insightIDs(ins []core.Insight) []core.InsightID {
	ids := make([]core.InsightID, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	return ids
}

// startInsight runs Start in a unit and returns what it returned.
func startInsight(t *testing.T, s ports.UnitOfWork, in core.Insight) core.Insight {
	t.Helper()
	var got core.Insight
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		got, err = tx.Insights().Start(ctx, in)
		return err
	})
	return got
}

// getInsight reads an insight by id.
func getInsight(t *testing.T, s ports.UnitOfWork, id core.InsightID) core.Insight {
	t.Helper()
	var got core.Insight
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		got, err = tx.Insights().Get(ctx, id)
		return err
	}, ports.ReadOnly())
	return got
}

// editInsight locks an insight, edits it and writes it back, and returns
// it as edited, in the stored form.
func editInsight(t *testing.T, s ports.UnitOfWork, id core.InsightID, edit func(*core.Insight)) core.Insight {
	t.Helper()
	var in core.Insight
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if in, err = tx.Insights().Lock(ctx, id); err != nil {
			return err
		}
		edit(&in)
		return tx.Insights().Update(ctx, in)
	})
	return storedInsight(in)
}

// insightFixture stores a user, a chat of the user's and an insight type.
func insightFixture(t *testing.T, s ports.UnitOfWork, email string) (core.User, core.Chat, core.InsightType) {
	t.Helper()
	u := newUser(t, s, email, 100)
	return u, newChat(t, s, u.ID, email+".zip"), newTypes(t, s, 1)[0]
}

// testInsightStart: the first Start stores its insight as given; a later
// Start of the same chat and type is the next generation of that same
// insight, as the request gives it; every read returns the row stored.
func testInsightStart(t *testing.T, s ports.UnitOfWork) {
	u, c, typ := insightFixture(t, s, "start@example.com")
	first := insightOf(u.ID, c.ID, typ.Slug, typ.Cost)
	want := storedInsight(first)
	if err := sameInsight(startInsight(t, s, first), want); err != nil {
		t.Fatalf("Start(a new pair) returns: %v", err)
	}
	reads := func(ctx context.Context, tx ports.Tx, want core.Insight) error {
		for name, read := range map[string]func() (core.Insight, error){
			"Get":        func() (core.Insight, error) { return tx.Insights().Get(ctx, want.ID) },
			"ByChatType": func() (core.Insight, error) { return tx.Insights().ByChatType(ctx, want.ChatID, want.Type) },
			"Lock":       func() (core.Insight, error) { return tx.Insights().Lock(ctx, want.ID) },
		} {
			got, err := read()
			if err != nil {
				return fmt.Errorf("%s = %v", name, err)
			}
			if err := sameInsight(got, want); err != nil {
				return fmt.Errorf("%s does not give back the stored insight: %w", name, err)
			}
		}
		return nil
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return reads(ctx, tx, want) })

	// The generation ends ready; then a regenerate starts the next one,
	// taking what the request gives and keeping what the insight is.
	ready := editInsight(t, s, first.ID, func(in *core.Insight) {
		in.Status, in.Attempts, in.ErrorClass, in.JobID = core.InsightReady, 2, core.ErrClassProvider, "41"
		in.Result, in.UpdatedAt, in.CompletedAt = []byte(`{"busiest": "Monday",  "n":3}`), now(), now()
	})
	if got := getInsight(t, s, first.ID); sameInsight(got, ready) != nil {
		t.Fatalf("after Update: %v", sameInsight(got, ready))
	}
	for gen := int64(2); gen <= 3; gen++ {
		again := insightOf(u.ID, c.ID, typ.Slug, 7+gen) // another id and creation time, Generation 1
		again.JobID = fmt.Sprint(40 + gen)
		want = storedInsight(again)
		want.ID, want.CreatedAt, want.Generation = first.ID, core.StorageTime(first.CreatedAt), gen
		if err := sameInsight(startInsight(t, s, again), want); err != nil {
			t.Fatalf("Start(an existing pair) for generation %d returns: %v (it keeps the id, user and creation time, adds one to the generation and takes the rest)", gen, err)
		}
		do(t, s, func(ctx context.Context, tx ports.Tx) error { return reads(ctx, tx, want) })
	}
	// Other pairs are insights of their own.
	otherType := newTypes(t, s, 1)[0]
	otherChat := newChat(t, s, u.ID, "start-other.zip")
	for _, in := range []core.Insight{insightOf(u.ID, c.ID, otherType.Slug, 1), insightOf(u.ID, otherChat.ID, typ.Slug, 1)} {
		if got := startInsight(t, s, in); got.ID != in.ID || got.Generation != 1 {
			t.Fatalf("Start(another pair) = %s generation %d; want a new insight %s, generation 1", got.ID, got.Generation, in.ID)
		}
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for name, err := range map[string]error{
			"Get(unknown)":             second(tx.Insights().Get(ctx, core.InsightID(newID()))),
			"Lock(unknown)":            second(tx.Insights().Lock(ctx, core.InsightID(newID()))),
			"ByChatType(unknown type)": second(tx.Insights().ByChatType(ctx, c.ID, core.InsightTypeSlug(uniqueSlug("none")))),
			"ByChatType(unknown chat)": second(tx.Insights().ByChatType(ctx, core.ChatID(newID()), typ.Slug)),
			"Get(not an id)":           second(tx.Insights().Get(ctx, "not-an-id")),
		} {
			if !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("%s = %v; want ErrNotFound", name, err)
			}
		}
		return nil
	})
	if got := getInsight(t, s, first.ID); got.Generation != 3 {
		t.Fatalf("generation %d after three Starts; want 3", got.Generation)
	}
}

// testInsightUpdate: Update writes the changing fields and never the
// insight's id, user, chat, type, generation or creation time; a caller's
// copy of what it read is its own.
func testInsightUpdate(t *testing.T, s ports.UnitOfWork) {
	u, c, typ := insightFixture(t, s, "update@example.com")
	other := newUser(t, s, "update-other@example.com", 0)
	otherChat := newChat(t, s, other.ID, "update-other.zip")
	otherType := newTypes(t, s, 1)[0]
	in := startInsight(t, s, insightOf(u.ID, c.ID, typ.Slug, typ.Cost))
	want := storedInsight(in)
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Insights().Lock(ctx, in.ID)
		if err != nil {
			return err
		}
		cur.Status, cur.Cost, cur.JobID, cur.Attempts, cur.ErrorClass = core.InsightFailed, 0, "99", 3, core.ErrClassTimeout
		cur.Result, cur.UpdatedAt, cur.CompletedAt = []byte(`{"partial":true}`), now(), now()
		want.Status, want.Cost, want.JobID, want.Attempts, want.ErrorClass = cur.Status, cur.Cost, cur.JobID, cur.Attempts, cur.ErrorClass
		want.Result, want.UpdatedAt, want.CompletedAt = slices.Clone(cur.Result), core.StorageTime(cur.UpdatedAt), core.StorageTime(cur.CompletedAt)
		// What an insight never changes, Update leaves alone.
		cur.UserID, cur.ChatID, cur.Type, cur.Generation, cur.CreatedAt = other.ID, otherChat.ID, otherType.Slug, 9, now()
		return tx.Insights().Update(ctx, cur)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Insights().ByChatType(ctx, c.ID, typ.Slug)
		if err != nil {
			return fmt.Errorf("ByChatType(its own pair) after Update = %v", err)
		}
		if err := sameInsight(got, want); err != nil {
			return fmt.Errorf("after Update (status, cost, job, attempts, error class, result, times; never id, user, chat, type, generation, creation): %w", err)
		}
		if _, err := tx.Insights().ByChatType(ctx, otherChat.ID, otherType.Slug); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("an Update moved the insight to another chat and type: ByChatType = %v", err)
		}
		// The caller's copy is its own: changing it changes nothing stored.
		got.Result[0] = 'X'
		if again, err := tx.Insights().Get(ctx, in.ID); err != nil || !bytes.Equal(again.Result, want.Result) {
			return fmt.Errorf("a caller's edit of an insight it read reached the store: %q, %v", again.Result, err)
		}
		missing := insightOf(u.ID, c.ID, typ.Slug, 1)
		if err := tx.Insights().Update(ctx, missing); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Update(unknown) = %v; want ErrNotFound", err)
		}
		return nil
	})
}

// allInsights pages through a chat's insights, size at a time, calling
// between (when set) once, after the first page.
func allInsights(t *testing.T, s ports.UnitOfWork, chat core.ChatID, size int, between func()) []core.Insight {
	t.Helper()
	var all []core.Insight
	var after *core.PageKey
	for pages := 0; pages < 100; pages++ {
		var page []core.Insight
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			var err error
			page, err = tx.Insights().List(ctx, chat, after, size)
			return err
		}, ports.ReadOnly())
		all = append(all, page...)
		if len(page) < size {
			return all
		}
		k := page[len(page)-1].PageKey()
		after = &k
		if between != nil {
			between()
			between = nil
		}
	}
	t.Fatalf("a chat's insights did not end after 100 pages of %d", size)
	return nil
}

// testInsightList: a chat's insights page oldest first by (creation, id),
// every one once while insights are added and regenerated between pages.
func testInsightList(t *testing.T, s ports.UnitOfWork) {
	u, c, _ := insightFixture(t, s, "list@example.com")
	otherChat := newChat(t, s, u.ID, "list-other.zip")
	types := newTypes(t, s, 8)
	base := core.StorageTime(now())
	var want []core.Insight
	for i := range 6 {
		in := insightOf(u.ID, c.ID, types[i].Slug, 1)
		in.CreatedAt = base.Add(time.Duration(i/2) * time.Millisecond) // pairs share a time: the id orders them
		want = append(want, storedInsight(startInsight(t, s, in)))
	}
	startInsight(t, s, insightOf(u.ID, otherChat.ID, types[0].Slug, 1))
	slices.SortFunc(want, func(a, b core.Insight) int { return a.PageKey().Compare(b.PageKey()) })
	late := insightOf(u.ID, c.ID, types[6].Slug, 1)
	late.CreatedAt = base.Add(time.Hour)
	backdated := insightOf(u.ID, c.ID, types[7].Slug, 1)
	backdated.CreatedAt = base.Add(-time.Hour)
	got := allInsights(t, s, c.ID, 2, func() {
		// A regenerate keeps its place; a newer insight comes at the end;
		// one older than the pages read is not among those left.
		startInsight(t, s, insightOf(u.ID, c.ID, want[0].Type, 1))
		startInsight(t, s, late)
		startInsight(t, s, backdated)
	})
	wantIDs := append(insightIDs(want), late.ID)
	if ids := insightIDs(got); !slices.Equal(ids, wantIDs) {
		t.Fatalf("pages of 2 while insights were added = %v; want %v: oldest first (creation, then id), each once, the newer one last, not the older one nor another chat's", ids, wantIDs)
	}
	all := allInsights(t, s, c.ID, core.MaxPageLimit, nil)
	if ids, want := insightIDs(all), append([]core.InsightID{backdated.ID}, wantIDs...); !slices.Equal(ids, want) {
		t.Fatalf("the chat's insights afterwards = %v; want %v", ids, want)
	}
	if all[1].ID != want[0].ID || all[1].Generation != 2 {
		t.Fatalf("the insight regenerated during paging is %s, generation %d, second in the listing; want %s, generation 2", all[1].ID, all[1].Generation, want[0].ID)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		bad := core.PageKey{Time: now(), ID: "not-an-id"}
		if _, err := tx.Insights().List(ctx, c.ID, &bad, 2); !errors.Is(err, core.ErrInvalid) {
			return fmt.Errorf("List(bad key) = %v; want a validation error", err)
		}
		last := all[len(all)-1].PageKey()
		if page, err := tx.Insights().List(ctx, c.ID, &last, 2); err != nil || len(page) != 0 {
			return fmt.Errorf("List(after the last) = %v, %v; want none", insightIDs(page), err)
		}
		if page, err := tx.Insights().List(ctx, core.ChatID(newID()), nil, 2); err != nil || len(page) != 0 {
			return fmt.Errorf("List(unknown chat) = %v, %v; want none", insightIDs(page), err)
		}
		return nil
	}, ports.ReadOnly())
}

// testInsightPending: Pending lists pending insights of live and deleted
// chats last updated before a time, oldest first, at most limit;
// PendingOfChat lists one chat's.
func testInsightPending(t *testing.T, s ports.UnitOfWork) {
	u, c, _ := insightFixture(t, s, "pending@example.com")
	gone := newChat(t, s, u.ID, "pending-gone.zip")
	types := newTypes(t, s, 5)
	base := core.StorageTime(now())
	at := func(in core.Insight, d time.Duration) core.Insight {
		in.UpdatedAt = base.Add(d)
		return storedInsight(startInsight(t, s, in))
	}
	// Created in the reverse order of their updates: oldest first is by
	// the update.
	p3 := at(insightOf(u.ID, c.ID, types[1].Slug, 1), 3*time.Millisecond)
	p2 := at(insightOf(u.ID, gone.ID, types[0].Slug, 1), 2*time.Millisecond)
	p1 := at(insightOf(u.ID, c.ID, types[0].Slug, 1), 1*time.Millisecond)
	p4 := at(insightOf(u.ID, c.ID, types[2].Slug, 1), time.Hour) // updated after every cutoff
	ready := at(insightOf(u.ID, c.ID, types[3].Slug, 1), 0)
	editInsight(t, s, ready.ID, func(in *core.Insight) {
		in.Status, in.Result, in.UpdatedAt, in.CompletedAt = core.InsightReady, []byte(`{}`), base, base
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, gone.ID, now()) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for _, tc := range []struct {
			before time.Time
			limit  int
			want   []core.InsightID
		}{
			{base.Add(10 * time.Millisecond), 10, []core.InsightID{p1.ID, p2.ID, p3.ID}},
			{base.Add(10 * time.Millisecond), 2, []core.InsightID{p1.ID, p2.ID}},
			{base.Add(1500 * time.Microsecond), 10, []core.InsightID{p1.ID}},
			{base, 10, nil},
			{base.Add(2 * time.Hour), 10, []core.InsightID{p1.ID, p2.ID, p3.ID, p4.ID}},
		} {
			got, err := tx.Insights().Pending(ctx, tc.before, tc.limit)
			if err != nil {
				return err
			}
			if ids := insightIDs(got); !slices.Equal(ids, tc.want) {
				return fmt.Errorf("Pending(updated before +%v, limit %d) = %v; want %v (pending only, of live and deleted chats, oldest update first)",
					tc.before.Sub(base), tc.limit, ids, tc.want)
			}
		}
		for _, tc := range []struct {
			chat core.ChatID
			want []core.InsightID
		}{{c.ID, []core.InsightID{p1.ID, p3.ID, p4.ID}}, {gone.ID, []core.InsightID{p2.ID}}, {core.ChatID(newID()), nil}} {
			got, err := tx.Insights().PendingOfChat(ctx, tc.chat)
			if err != nil {
				return err
			}
			ids := insightIDs(got)
			slices.Sort(ids)
			slices.Sort(tc.want)
			if !slices.Equal(ids, tc.want) {
				return fmt.Errorf("PendingOfChat = %v; want %v (the chat's pending insights, deleted chat or not)", ids, tc.want)
			}
			for _, in := range got {
				if in.ChatID != tc.chat || in.Status != core.InsightPending {
					return fmt.Errorf("PendingOfChat(%s) returned %+v", tc.chat, in)
				}
			}
		}
		return nil
	}, ports.ReadOnly())
}

// testInsightChatDelete: insights hang from their chat: deleting the chat
// (or its user) hides them through it and changes none, and they are
// there as they were when it comes back. Reads by id return them
// throughout.
func testInsightChatDelete(t *testing.T, s ports.UnitOfWork) {
	u, c, typ := insightFixture(t, s, "hidden@example.com")
	pending := storedInsight(startInsight(t, s, insightOf(u.ID, c.ID, typ.Slug, typ.Cost)))
	typ2 := newTypes(t, s, 1)[0]
	ready := startInsight(t, s, insightOf(u.ID, c.ID, typ2.Slug, typ2.Cost))
	ready = editInsight(t, s, ready.ID, func(in *core.Insight) {
		in.Status, in.Result, in.UpdatedAt, in.CompletedAt = core.InsightReady, []byte(`{"ok":1}`), now(), now()
	})
	unchanged := func(when string) {
		t.Helper()
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			for _, want := range []core.Insight{pending, ready} {
				got, err := tx.Insights().Get(ctx, want.ID)
				if err != nil {
					return fmt.Errorf("%s: Get(insight) = %v; reads return an insight whatever its chat's state", when, err)
				}
				if err := sameInsight(got, want); err != nil {
					return fmt.Errorf("%s: %w", when, err)
				}
				if got, err := tx.Insights().ByChatType(ctx, c.ID, want.Type); err != nil || got.ID != want.ID {
					return fmt.Errorf("%s: ByChatType = %v, %v; want %v", when, got.ID, err, want.ID)
				}
			}
			all, err := tx.Insights().List(ctx, c.ID, nil, 10)
			if err != nil || len(all) != 2 {
				return fmt.Errorf("%s: List = %v, %v; want both insights", when, insightIDs(all), err)
			}
			return nil
		}, ports.ReadOnly())
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, c.ID, now()) })
	unchanged("the chat deleted")
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Restore(ctx, u.ID, c.ID) })
	unchanged("the chat restored")
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, u.ID, now()) })
	unchanged("the user deleted")
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Restore(ctx, u.ID) })
	unchanged("the user restored")
}

// testInsightPurge: purging a claimed chat removes its insights for good,
// and no other chat's.
func testInsightPurge(t *testing.T, s ports.UnitOfWork) {
	u, c, typ := insightFixture(t, s, "purge@example.com")
	kept := newChat(t, s, u.ID, "purge-kept.zip")
	typ2 := newTypes(t, s, 1)[0]
	pending := startInsight(t, s, insightOf(u.ID, c.ID, typ.Slug, typ.Cost))
	ready := startInsight(t, s, insightOf(u.ID, c.ID, typ2.Slug, typ2.Cost))
	editInsight(t, s, ready.ID, func(in *core.Insight) { in.Status, in.CompletedAt = core.InsightReady, now() })
	other := storedInsight(startInsight(t, s, insightOf(u.ID, kept.ID, typ.Slug, typ.Cost)))
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, c.ID, now()) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		ids, err := tx.Chats().ClaimPurge(ctx, now(), 10)
		if err != nil || !slices.Equal(ids, []core.ChatID{c.ID}) {
			return fmt.Errorf("ClaimPurge = %v, %v; want the deleted chat", ids, err)
		}
		if n, err := tx.Messages().Purge(ctx, c.ID, 100); err != nil || n != 0 {
			return fmt.Errorf("Messages.Purge(a chat without messages) = %d, %v; want 0", n, err)
		}
		return tx.Chats().Purge(ctx, c.ID)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for _, in := range []core.Insight{pending, ready} {
			if _, err := tx.Insights().Get(ctx, in.ID); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Get(a purged chat's insight) = %v; want ErrNotFound", err)
			}
			if _, err := tx.Insights().ByChatType(ctx, c.ID, in.Type); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("ByChatType(a purged chat) = %v; want ErrNotFound", err)
			}
		}
		if all, err := tx.Insights().List(ctx, c.ID, nil, 10); err != nil || len(all) != 0 {
			return fmt.Errorf("List(purged chat) = %v, %v; want none", insightIDs(all), err)
		}
		if all, err := tx.Insights().PendingOfChat(ctx, c.ID); err != nil || len(all) != 0 {
			return fmt.Errorf("PendingOfChat(purged chat) = %v, %v; want none", insightIDs(all), err)
		}
		all, err := tx.Insights().Pending(ctx, now().Add(time.Hour), 10)
		if err != nil || !slices.Equal(insightIDs(all), []core.InsightID{other.ID}) {
			return fmt.Errorf("Pending(in an hour) after the purge = %v, %v; want only the kept chat's %v", insightIDs(all), err, other.ID)
		}
		got, err := tx.Insights().Get(ctx, other.ID)
		if err != nil {
			return fmt.Errorf("Get(another chat's insight) after a purge = %v", err)
		}
		return sameInsight(got, other)
	}, ports.ReadOnly())
}

// testInsightsReadOnly: every write and row lock of the catalog, insights
// and idempotency keys fails in a read-only unit, and changes nothing.
func testInsightsReadOnly(t *testing.T, s ports.UnitOfWork) {
	u, c, typ := insightFixture(t, s, "ro-insights@example.com")
	in := storedInsight(startInsight(t, s, insightOf(u.ID, c.ID, typ.Slug, typ.Cost)))
	at := core.StorageTime(now())
	expired := core.IdempotencyRecord{UserID: u.ID, Key: "ro-expired", Fingerprint: "f", Resource: newID(), CreatedAt: at.Add(-time.Hour), ExpiresAt: at.Add(-time.Minute)}
	claimKey(t, s, expired, expired.CreatedAt)
	newCat := categoryOf(core.CategorySlug(uniqueSlug("ro")), 1)
	for name, write := range map[string]func(ctx context.Context, tx ports.Tx) error{
		"Catalog.PutCategory": func(ctx context.Context, tx ports.Tx) error { return second(tx.Catalog().PutCategory(ctx, newCat)) },
		"Catalog.PutType": func(ctx context.Context, tx ports.Tx) error {
			renamed := typ
			renamed.Name, renamed.Version = "read-only rename", typ.Version+1
			return second(tx.Catalog().PutType(ctx, renamed))
		},
		"Insights.Start": func(ctx context.Context, tx ports.Tx) error {
			return second(tx.Insights().Start(ctx, insightOf(u.ID, c.ID, typ.Slug, 1)))
		},
		"Insights.Lock": func(ctx context.Context, tx ports.Tx) error { return second(tx.Insights().Lock(ctx, in.ID)) },
		"Insights.Update": func(ctx context.Context, tx ports.Tx) error {
			done := in
			done.Status = core.InsightReady
			return tx.Insights().Update(ctx, done)
		},
		"Idempotency.Claim": func(ctx context.Context, tx ports.Tx) error {
			_, _, err := tx.Idempotency().Claim(ctx, keyOf(u.ID, "ro", at), at)
			return err
		},
		"Idempotency.Expire": func(ctx context.Context, tx ports.Tx) error { return second(tx.Idempotency().Expire(ctx, at, 10)) },
	} {
		if err := s.Do(context.Background(), write, ports.ReadOnly()); !errors.Is(err, ports.ErrReadOnly) {
			t.Errorf("%s in a read-only unit = %v; want ports.ErrReadOnly", name, err)
		}
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Catalog().Category(ctx, newCat.Slug); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a read-only unit created a category: %v", err)
		}
		if got, err := tx.Catalog().Type(ctx, typ.Slug); err != nil || sameType(got, typ) != nil {
			return fmt.Errorf("a read-only unit changed a type: %+v, %v", got, err)
		}
		if got, err := tx.Insights().Get(ctx, in.ID); err != nil || sameInsight(got, in) != nil {
			return fmt.Errorf("a read-only unit changed an insight: %+v, %v", got, err)
		}
		if _, err := tx.Idempotency().Find(ctx, u.ID, "ro", at); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a read-only unit claimed a key: %v", err)
		}
		if _, err := tx.Idempotency().Find(ctx, u.ID, expired.Key, expired.CreatedAt); err != nil {
			return fmt.Errorf("a read-only unit expired a key: %v", err)
		}
		return nil
	})
}

// keyOf is user's record of key, made at at and kept a day.
func keyOf(user core.UserID, key string, at time.Time) core.IdempotencyRecord {
	at = core.StorageTime(at)
	return core.IdempotencyRecord{
		UserID: user, Key: key, Fingerprint: "POST /v1/chats/x/insights " + newID(), Resource: newID(),
		CreatedAt: at, ExpiresAt: at.Add(core.IdempotencyTTL),
	}
}

// sameRecord reports how got differs from want, or nil.
func sameRecord(got, want core.IdempotencyRecord) error {
	g, w := got, want
	g.CreatedAt, g.ExpiresAt, w.CreatedAt, w.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w || !got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		return fmt.Errorf("record %+v; want %+v", got, want)
	}
	return nil
}

// claimKey runs Claim in a unit.
func claimKey(t *testing.T, s ports.UnitOfWork, rec core.IdempotencyRecord, at time.Time) (core.IdempotencyRecord, bool) {
	t.Helper()
	var stored core.IdempotencyRecord
	var created bool
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		stored, created, err = tx.Idempotency().Claim(ctx, rec, at)
		return err
	})
	return stored, created
}

// findKey runs Find in a read-only unit.
func findKey(s ports.UnitOfWork, user core.UserID, key string, at time.Time) (core.IdempotencyRecord, error) {
	var rec core.IdempotencyRecord
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		rec, err = tx.Idempotency().Find(ctx, user, key, at)
		return err
	}, ports.ReadOnly())
	return rec, err
}

// testIdempotencyClaim: a key is claimed once per user; a later claim gets
// the stored record back, and Find finds it.
func testIdempotencyClaim(t *testing.T, s ports.UnitOfWork) {
	a, b := newUser(t, s, "key-a@example.com", 0), newUser(t, s, "key-b@example.com", 0)
	at := now()
	first := keyOf(a.ID, "k-1", at)
	if stored, created := claimKey(t, s, first, at); !created || sameRecord(stored, first) != nil {
		t.Fatalf("Claim(new key) = %+v, created %v; want %+v stored and created", stored, created, first)
	}
	again := keyOf(a.ID, "k-1", at.Add(time.Second)) // another request with the same key
	if stored, created := claimKey(t, s, again, at.Add(time.Second)); created || sameRecord(stored, first) != nil {
		t.Fatalf("Claim(held key) = %+v, created %v; want the first record %+v, not created", stored, created, first)
	}
	if stored, created := claimKey(t, s, keyOf(b.ID, "k-1", at), at); !created || stored.UserID != b.ID {
		t.Fatalf("Claim(another user's same key) = %+v, created %v; want created: keys are per user", stored, created)
	}
	got, err := findKey(s, a.ID, "k-1", at.Add(time.Minute))
	if err != nil || sameRecord(got, first) != nil {
		t.Fatalf("Find(claimed key) = %+v, %v; want %+v", got, err, first)
	}
	for name, f := range map[string]func() error{
		"Find(unknown key)":  func() error { return second(findKey(s, a.ID, "k-2", at)) },
		"Find(unknown user)": func() error { return second(findKey(s, core.UserID(newID()), "k-1", at)) },
	} {
		if err := f(); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("%s = %v; want ErrNotFound", name, err)
		}
	}
}

// testIdempotencyExpiry: a record is live until its ExpiresAt; an expired
// one is found by no one and replaced by the next Claim; Expire deletes
// expired records only, at most limit at a time.
func testIdempotencyExpiry(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "expiry@example.com", 0)
	at := core.StorageTime(now())
	rec := keyOf(u.ID, "expiring", at)
	claimKey(t, s, rec, at)
	if _, err := findKey(s, u.ID, rec.Key, rec.ExpiresAt.Add(-time.Microsecond)); err != nil {
		t.Fatalf("Find a microsecond before the record expires = %v; want it", err)
	}
	if _, err := findKey(s, u.ID, rec.Key, rec.ExpiresAt); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Find at the record's ExpiresAt = %v; want ErrNotFound (live while ExpiresAt is after now)", err)
	}
	later := rec.ExpiresAt.Add(time.Minute)
	next := keyOf(u.ID, rec.Key, later)
	if stored, created := claimKey(t, s, next, later); !created || sameRecord(stored, next) != nil {
		t.Fatalf("Claim(an expired key) = %+v, created %v; want %+v stored in its place, created", stored, created, next)
	}
	if got, err := findKey(s, u.ID, rec.Key, later); err != nil || sameRecord(got, next) != nil {
		t.Fatalf("Find after the replace = %+v, %v; want %+v", got, err, next)
	}

	// Three records expired at the cutoff (one at that very time) and two
	// live ones (one a microsecond longer).
	cutoff := at.Add(time.Hour)
	var old []core.IdempotencyRecord
	for i := range 3 {
		r := keyOf(u.ID, fmt.Sprint("old-", i), at)
		r.ExpiresAt = cutoff.Add(-time.Duration(i) * time.Second)
		claimKey(t, s, r, at)
		old = append(old, r)
	}
	live := []core.IdempotencyRecord{keyOf(u.ID, "live-0", at), keyOf(u.ID, "live-1", at)}
	live[0].ExpiresAt = cutoff.Add(time.Microsecond)
	for _, r := range live {
		claimKey(t, s, r, at)
	}
	var counts []int
	for range 3 {
		var n int
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			var err error
			n, err = tx.Idempotency().Expire(ctx, cutoff, 2)
			return err
		})
		counts = append(counts, n)
	}
	if !slices.Equal(counts, []int{2, 1, 0}) {
		t.Fatalf("Expire(limit 2) three times over three expired records = %v; want [2 1 0]", counts)
	}
	for _, r := range old {
		// Found by no one even at a time it was live: deleted, not hidden.
		if _, err := findKey(s, u.ID, r.Key, at); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Find(an expired record Expire deleted, at a time it was live) = %v; want ErrNotFound", err)
		}
	}
	for _, r := range append(live, next) {
		if got, err := findKey(s, u.ID, r.Key, at); err != nil || sameRecord(got, r) != nil {
			t.Errorf("Find(a live record) after Expire = %+v, %v; want %+v", got, err, r)
		}
	}
}

// testConcurrentStarts: 50 Starts of one chat and type at once make one
// insight, never fail on its key, and each is its own generation.
func testConcurrentStarts(t *testing.T, stores []ports.UnitOfWork, iso ports.Isolation) {
	const n = 50
	s := stores[0]
	u, c, typ := insightFixture(t, s, "starts@example.com")
	ins, got, errs := make([]core.Insight, n), make([]core.Insight, n), make([]error, n)
	for i := range ins {
		ins[i] = insightOf(u.ID, c.ID, typ.Slug, int64(i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = stores[i%len(stores)].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				var err error
				got[i], err = tx.Insights().Start(ctx, ins[i])
				return err
			}, ports.WithIsolation(iso))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Starts of one pair failed (they must never fail on its key): %v", err)
	}
	gens := make([]int64, n)
	winner := -1
	for i, g := range got {
		gens[i] = g.Generation
		if g.Generation == 1 {
			winner = i
		}
	}
	slices.Sort(gens)
	for i, g := range gens {
		if g != int64(i+1) {
			t.Fatalf("the Starts returned generations %v; want each of 1 to %d once", gens, n)
		}
	}
	first := ins[winner]
	for i, g := range got {
		if g.ID != first.ID || !g.CreatedAt.Equal(core.StorageTime(first.CreatedAt)) {
			t.Fatalf("Start %d returned insight %s created %v; want every Start to return the first one's %s, %v", i, g.ID, g.CreatedAt, first.ID, first.CreatedAt)
		}
	}
	all := allInsights(t, s, c.ID, 10, nil)
	if len(all) != 1 || all[0].Generation != n || all[0].ID != first.ID {
		t.Fatalf("after %d Starts the chat has %d insights (%v), generation %d; want one, %s, generation %d", n, len(all), insightIDs(all), all[0].Generation, first.ID, n)
	}
	for i, g := range got {
		if g.Generation == n && (all[0].Cost != ins[i].Cost || !all[0].UpdatedAt.Equal(core.StorageTime(ins[i].UpdatedAt))) {
			t.Fatalf("the stored insight has cost %d, updated %v; want the last Start's %d, %v", all[0].Cost, all[0].UpdatedAt, ins[i].Cost, ins[i].UpdatedAt)
		}
	}
}

// testConcurrentClaims: 50 Claims of one key at once store one record,
// and exactly one of them learns it stored it.
func testConcurrentClaims(t *testing.T, stores []ports.UnitOfWork, iso ports.Isolation) {
	const n = 50
	s := stores[0]
	u := newUser(t, s, "claims@example.com", 0)
	at := now()
	recs, got, created, errs := make([]core.IdempotencyRecord, n), make([]core.IdempotencyRecord, n), make([]bool, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		recs[i] = keyOf(u.ID, "raced", at)
		wg.Go(func() {
			errs[i] = stores[i%len(stores)].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				var err error
				got[i], created[i], err = tx.Idempotency().Claim(ctx, recs[i], at)
				return err
			}, ports.WithIsolation(iso))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Claims of one key failed: %v", err)
	}
	winners := 0
	var won core.IdempotencyRecord
	for i := range n {
		if created[i] {
			winners++
			won = recs[i]
		}
	}
	if winners != 1 {
		t.Fatalf("%d of %d concurrent Claims of one key learned they stored it; want exactly 1", winners, n)
	}
	for i := range n {
		if err := sameRecord(got[i], won); err != nil {
			t.Fatalf("Claim %d returned a record other than the one stored: %v", i, err)
		}
	}
	if rec, err := findKey(s, u.ID, "raced", at); err != nil || sameRecord(rec, won) != nil {
		t.Fatalf("Find after the race = %+v, %v; want %+v", rec, err, won)
	}
}

// insightJobKind is the kind of the jobs the request unit enqueues.
const insightJobKind = "porttest-insight"

// insightJobArgs are an insight job's arguments: the generation it works.
func insightJobArgs(in core.Insight) []byte {
	b, err := json.Marshal(struct {
		Insight    core.InsightID `json:"insight"`
		Generation int64          `json:"generation"`
	}{in.ID, in.Generation})
	if err != nil {
		panic(err)
	}
	return b
}

// insightRequest is a client's request for an insight.
type insightRequest struct {
	user core.UserID
	chat core.ChatID
	typ  core.InsightType
	key  string // its Idempotency-Key
}

// requestUnit is how the insights service runs a request (a READ
// COMMITTED unit that locks the credit account first, the bounded wait):
// a key already claimed answers with the insight it made; otherwise the
// request starts a generation, charges it, enqueues its job, records the
// job on the insight and claims the key, all in the one unit. It returns
// the insight's id and whether this request did the work.
func requestUnit(s ports.UnitOfWork, r insightRequest) (id core.InsightID, did bool, err error) {
	err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		did = false
		acc, err := tx.Credits().Lock(ctx, r.user)
		if err != nil {
			return err
		}
		at := now()
		rec, err := tx.Idempotency().Find(ctx, r.user, r.key, at)
		if err == nil {
			id = core.InsightID(rec.Resource)
			return nil
		}
		if !errors.Is(err, core.ErrNotFound) {
			return err
		}
		in, err := tx.Insights().Start(ctx, insightOf(r.user, r.chat, r.typ.Slug, r.typ.Cost))
		if err != nil {
			return err
		}
		charge := core.LedgerEntry{
			ID: core.EntryID(newID()), UserID: r.user, Amount: -in.Cost, BalanceAfter: acc.Balance - in.Cost,
			Kind: core.KindSpend, Reference: in.ChargeReference(), CreatedAt: at,
		}
		if charge.BalanceAfter < 0 {
			return core.ErrInsufficientCredits
		}
		inserted, err := tx.Credits().Append(ctx, charge)
		if err != nil {
			return err
		}
		if !inserted {
			return fmt.Errorf("the charge %s was applied before, yet its key was not claimed", charge.Reference)
		}
		if err := tx.Credits().SetBalance(ctx, r.user, charge.BalanceAfter, at); err != nil {
			return err
		}
		job, dup, err := tx.Jobs().Enqueue(ctx, ports.NewJob{
			Kind: insightJobKind, Args: insightJobArgs(in), Unique: true, MaxAttempts: r.typ.MaxAttempts, Timeout: r.typ.Timeout,
		})
		if err != nil {
			return err
		}
		if dup {
			return fmt.Errorf("the job of generation %d existed before, yet its key was not claimed", in.Generation)
		}
		if in, err = tx.Insights().Lock(ctx, in.ID); err != nil {
			return err
		}
		in.JobID = job
		if err := tx.Insights().Update(ctx, in); err != nil {
			return err
		}
		key := keyOf(r.user, r.key, at)
		key.Resource = string(in.ID)
		_, created, err := tx.Idempotency().Claim(ctx, key, at)
		if err != nil {
			return err
		}
		if !created {
			return errors.New("another request claimed the key under the account's lock")
		}
		id, did = in.ID, true
		return nil
	}, ports.WithIsolation(ports.ReadCommitted), ports.WithLock(ports.LockWait))
	return id, did, err
}

// getJob reads a job.
func getJob(s ports.UnitOfWork, id string) (ports.Job, error) {
	var j ports.Job
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		j, err = tx.Jobs().Get(ctx, id)
		return err
	}, ports.ReadOnly())
	return j, err
}

// testConcurrentRequests: 50 requests with one idempotency key at once
// charge once, make one generation and enqueue one job; every request
// that succeeds answers with the same insight.
func testConcurrentRequests(t *testing.T, stores []ports.UnitOfWork) {
	const n = 50
	s := stores[0]
	u, c, typ := insightFixture(t, s, "requests@example.com")
	r := insightRequest{user: u.ID, chat: c.ID, typ: typ, key: "one-request"}
	ids, did, errs := make([]core.InsightID, n), make([]bool, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ids[i], did[i], errs[i] = requestUnit(stores[i%len(stores)], r) })
	}
	wg.Wait()
	var id core.InsightID
	worked, ok, busy := 0, 0, 0
	for i := range n {
		switch {
		case errs[i] == nil:
			ok++
			if did[i] {
				worked++
			}
			if id == "" {
				id = ids[i]
			}
			if ids[i] != id {
				t.Fatalf("requests with one key answered with insights %s and %s; want one", id, ids[i])
			}
		case errors.Is(errs[i], core.ErrBusy):
			busy++
		default:
			t.Fatalf("request %d: %v", i, errs[i])
		}
	}
	t.Logf("%d requests answered (%d busy)", ok, busy)
	if worked != 1 {
		t.Fatalf("%d of %d requests with one key did the work; want exactly 1", worked, ok)
	}
	in := getInsight(t, s, id)
	if in.Generation != 1 || in.Status != core.InsightPending || in.JobID == "" {
		t.Fatalf("the insight is generation %d, %s, job %q; want generation 1, pending, its job", in.Generation, in.Status, in.JobID)
	}
	bal, sum, entries := balance(t, s, u.ID)
	spends := 0
	for _, e := range entries {
		if e.Kind == core.KindSpend {
			spends++
			if e.Reference != in.ChargeReference() || e.Amount != -typ.Cost {
				t.Fatalf("the charge is %+v; want %d under %s", e, -typ.Cost, in.ChargeReference())
			}
		}
	}
	if want := 100 - typ.Cost; spends != 1 || bal != want || sum != want {
		t.Fatalf("%d charges, balance %d, ledger sum %d; want one charge, %d, %d", spends, bal, sum, want, want)
	}
	job, err := getJob(s, in.JobID)
	if err != nil || job.Kind != insightJobKind || job.State.Final() || !sameJSON(job.Args, insightJobArgs(in)) {
		t.Fatalf("the insight's job = %+v, %v; want a queued %s job of generation 1", job, err, insightJobKind)
	}
	if q, ok := s.(ports.JobQueue); ok {
		counts, err := q.Counts(context.Background())
		if err != nil {
			t.Fatalf("Counts: %v", err)
		}
		total := 0
		for _, k := range counts[insightJobKind] {
			total += k
		}
		if total != 1 {
			t.Fatalf("the queue holds %d %s jobs (%v); want one", total, insightJobKind, counts[insightJobKind])
		}
	}
}

// failUnit is how an insight's job ends a generation that failed for good,
// in a unit at READ COMMITTED: lock the insight first; if it is still
// pending, mark it failed and refund its charge (insert-if-absent under
// its refund reference). It reports whether this unit marked it.
func failUnit(s ports.UnitOfWork, id core.InsightID) (marked bool, err error) {
	err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		marked = false
		in, err := tx.Insights().Lock(ctx, id)
		if err != nil || in.Status != core.InsightPending {
			return err
		}
		time.Sleep(time.Millisecond) // hold the row a moment, so the units overlap
		at := now()
		in.Status, in.Attempts, in.ErrorClass, in.UpdatedAt, in.CompletedAt = core.InsightFailed, 3, core.ErrClassProvider, at, at
		if err := tx.Insights().Update(ctx, in); err != nil {
			return err
		}
		if _, err := change(ctx, tx, in.UserID, in.Cost, core.KindRefund, in.RefundReference()); err != nil {
			return err
		}
		marked = true
		return nil
	}, ports.WithIsolation(ports.ReadCommitted))
	return marked, err
}

// testConcurrentFailures: a generation's final failure reported by 20
// units at once is marked once and refunded once. Without the insight's
// row lock, several units would read it pending and mark it.
func testConcurrentFailures(t *testing.T, stores []ports.UnitOfWork) {
	const n = 20
	s := stores[0]
	u, c, typ := insightFixture(t, s, "refunds@example.com")
	id, _, err := requestUnit(s, insightRequest{user: u.ID, chat: c.ID, typ: typ, key: "refunded"})
	if err != nil {
		t.Fatalf("the request: %v", err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	marked, busy := 0, 0
	for i := range n {
		wg.Go(func() {
			m, err := failUnit(stores[i%len(stores)], id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && m:
				marked++
			case errors.Is(err, core.ErrBusy):
				busy++
			case err != nil:
				t.Errorf("a final failure's unit: %v", err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d busy", busy)
	in := getInsight(t, s, id)
	if marked != 1 || in.Status != core.InsightFailed {
		t.Fatalf("%d units marked the generation failed, which is %s; want exactly 1 and failed", marked, in.Status)
	}
	bal, sum, entries := balance(t, s, u.ID)
	refunds := 0
	for _, e := range entries {
		if e.Kind == core.KindRefund {
			refunds++
		}
	}
	if refunds != 1 || bal != 100 || sum != 100 {
		t.Fatalf("%d refunds, balance %d, ledger sum %d; want one refund and the 100 credits back", refunds, bal, sum)
	}
}

// sameJSON reports whether a and b are the same JSON value, whatever
// their spacing and key order (a queue may keep args as jsonb).
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
