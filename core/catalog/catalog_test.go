package catalog_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/ai/local"
	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/aiinsight"
	"github.com/chatlens/chatlens/core/catalog"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/internal/storetest"
	"github.com/chatlens/chatlens/ports"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newService is the catalog over the generators the app registers: the
// statistical ones and the AI ones (on the local writer).
func newService(s ports.UnitOfWork) *catalog.Service {
	reg := insights.NewRegistry()
	if err := aiinsight.Register(reg, local.New(), aiinsight.Config{}); err != nil {
		panic(err)
	}
	return catalog.NewService(s, system.Clock{}, reg)
}

// listed flattens a listing for comparison, without the edit times.
func listed(t *testing.T, svc *catalog.Service) ([]core.InsightCategory, []core.InsightType) {
	t.Helper()
	cats, err := svc.List(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	var cs []core.InsightCategory
	var ts []core.InsightType
	for _, c := range cats {
		c.UpdatedAt = time.Time{}
		cs = append(cs, c.InsightCategory)
		for _, ty := range c.Types {
			ty.UpdatedAt = time.Time{}
			ts = append(ts, ty)
		}
	}
	return cs, ts
}

func sameCatalog(t *testing.T, svc *catalog.Service) {
	t.Helper()
	gotCats, gotTypes := listed(t, svc)
	wantCats, wantTypes := catalog.Defaults()
	if len(gotCats) != len(wantCats) || len(gotTypes) != len(wantTypes) {
		t.Fatalf("catalog has %d categories and %d types, want %d and %d", len(gotCats), len(gotTypes), len(wantCats), len(wantTypes))
	}
	for i := range wantCats {
		if gotCats[i] != wantCats[i] {
			t.Errorf("category %d = %+v\nwant %+v", i, gotCats[i], wantCats[i])
		}
	}
	for i := range wantTypes {
		if gotTypes[i] != wantTypes[i] {
			t.Errorf("type %d = %+v\nwant %+v", i, gotTypes[i], wantTypes[i])
		}
	}
}

// TestDefaultsMatchTheMigration: the catalog the migration seeds is
// Defaults, so memory (Seed) and PostgreSQL start alike.
func TestDefaultsMatchTheMigration(t *testing.T) {
	sameCatalog(t, newService(storetest.Postgres(t)))
}

func TestSeedFillsMemoryOnce(t *testing.T) {
	svc := newService(memory.New(ports.DefaultStoreOptions()))
	for range 2 {
		if err := svc.Seed(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	sameCatalog(t, svc)
}

func TestEditPreconditions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		ctx, svc := context.Background(), newService(s)
		c := core.InsightCategory{Slug: "tests", Name: "Tests", Position: 5}
		put := func(v int64) (core.InsightCategory, bool, error) { return svc.PutCategory(ctx, c, v) }
		if got, created, err := put(catalog.NoVersion); err != nil || !created || got.Version != 1 {
			t.Fatalf("create: %+v %v %v", got, created, err)
		}
		if _, _, err := put(catalog.NoVersion); !errors.Is(err, catalog.ErrPreconditionRequired) {
			t.Fatalf("replace without If-Match: %v", err)
		}
		if got, created, err := put(1); err != nil || created || got.Version != 2 {
			t.Fatalf("replace version 1: %+v %v %v", got, created, err)
		}
		if _, _, err := put(1); !errors.Is(err, catalog.ErrVersionMismatch) {
			t.Fatalf("replace a stale version: %v", err)
		}
		if got, _, err := put(catalog.AnyVersion); err != nil || got.Version != 3 {
			t.Fatalf("replace any version: %+v %v", got, err)
		}
		missing := core.InsightCategory{Slug: "missing", Name: "Missing"}
		if _, _, err := svc.PutCategory(ctx, missing, catalog.AnyVersion); !errors.Is(err, catalog.ErrVersionMismatch) {
			t.Fatalf("If-Match * on a missing category: %v", err)
		}
		ty := core.InsightType{Slug: "t", Category: "tests", Name: "T", Cost: 1, Generator: "activity-report",
			Timeout: time.Minute, MaxAttempts: 2, Active: true}
		for name, bad := range map[string]core.InsightType{
			"unknown generator": func() core.InsightType { b := ty; b.Generator = "no-such"; return b }(),
			"unknown category":  func() core.InsightType { b := ty; b.Category = "no-such"; return b }(),
			"zero attempts":     func() core.InsightType { b := ty; b.MaxAttempts = 0; return b }(),
			"negative cost":     func() core.InsightType { b := ty; b.Cost = -1; return b }(),
		} {
			if _, _, err := svc.PutType(ctx, bad, catalog.NoVersion); !errors.Is(err, core.ErrInvalid) {
				t.Errorf("%s: %v, want a validation error", name, err)
			}
		}
		if got, created, err := svc.PutType(ctx, ty, catalog.NoVersion); err != nil || !created || got.Version != 1 {
			t.Fatalf("create a type: %+v %v %v", got, created, err)
		}
		// Twenty admins replace version 1 at once: one lands.
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() {
				edit := ty
				edit.Cost = int64(10 + i)
				_, _, errs[i] = svc.PutType(ctx, edit, 1)
			})
		}
		wg.Wait()
		landed := 0
		for _, err := range errs {
			switch {
			case err == nil:
				landed++
			case !errors.Is(err, catalog.ErrVersionMismatch) && !errors.Is(err, core.ErrBusy):
				t.Errorf("concurrent edit: %v", err)
			}
		}
		got, err := svc.Type(ctx, "t")
		if landed != 1 || err != nil || got.Version != 2 {
			t.Fatalf("%d of 20 edits of version 1 landed, the type is at version %d (%v); want 1 and 2", landed, got.Version, err)
		}
	})
}
