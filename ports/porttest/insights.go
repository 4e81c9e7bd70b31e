package porttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
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
