package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// What only PostgreSQL can get wrong in the insights module: the seeded
// catalog, races settled by single statements (ON CONFLICT) rather than
// locks, and the purge's ON DELETE CASCADE. The port's behaviour is the
// conformance suite's (ports/porttest).

// newOwner stores a user and an empty chat of theirs.
func newOwner(t testing.TB, s *postgres.Store) (core.UserID, core.ChatID) {
	t.Helper()
	at := time.Now().UTC().Truncate(time.Microsecond)
	u := core.User{ID: core.UserID(randomID()), Email: randomID()[:8] + "@example.com", DisplayName: "T", Role: core.RoleUser, CreatedAt: at}
	c := core.Chat{ID: core.ChatID(randomID()), User: u.ID, Title: "t", SHA256: strings.Repeat("cd", 32),
		Format: "whatsapp", CreatedAt: at, UpdatedAt: at}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Users().Create(ctx, u); err != nil {
			return err
		}
		return tx.Chats().Create(ctx, c)
	})
	return u.ID, c.ID
}

// do runs fn in a unit and fails the test on its error.
func do(t testing.TB, s *postgres.Store, fn func(ctx context.Context, tx ports.Tx) error, opts ...ports.UnitOption) {
	t.Helper()
	if err := s.Do(context.Background(), fn, opts...); err != nil {
		t.Fatal(err)
	}
}

func pendingInsight(user core.UserID, chat core.ChatID, typ core.InsightTypeSlug, at time.Time) core.Insight {
	return core.Insight{ID: core.InsightID(randomID()), UserID: user, ChatID: chat, Type: typ, Generation: 1,
		Status: core.InsightPending, Cost: 5, CreatedAt: at, UpdatedAt: at}
}

// The migration seeds the statistical types the insights module's
// generators make, on the price list in the port's order.
func TestCatalogSeed(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	var cats []core.InsightCategory
	var types []core.InsightType
	do(t, s, func(ctx context.Context, tx ports.Tx) (err error) {
		if cats, err = tx.Catalog().Categories(ctx); err != nil {
			return err
		}
		types, err = tx.Catalog().Types(ctx)
		return err
	}, ports.ReadOnly())
	var slugs []string
	for _, c := range cats {
		slugs = append(slugs, string(c.Slug))
	}
	if !slices.Equal(slugs, []string{"activity", "conversation", "ai"}) {
		t.Fatalf("categories %v", slugs)
	}
	var got []string
	for _, ty := range types {
		timeout := time.Minute
		if ty.Category == "ai" {
			timeout = core.MaxInsightTimeout // many model calls
		}
		if _, err := core.ParseInsightType(ty); err != nil || !ty.Active || ty.Version != 1 || ty.Timeout != timeout || ty.MaxAttempts != 3 {
			t.Errorf("seeded type %+v: %v", ty, err)
		}
		got = append(got, string(ty.Slug)+"/"+string(ty.Category)+"/"+ty.Generator)
	}
	want := []string{"activity-report/activity/activity-report", "main-topics/ai/ai-topics", "tone/ai/ai-tone", "summary/ai/ai-summary",
		"response-times/conversation/response-times", "who-replies-to-whom/conversation/reply-graph"}
	if !slices.Equal(got, want) {
		t.Fatalf("types %v; want %v", got, want)
	}
}

// A catalog entry is written over the version before its own only: a
// stale edit is core.ErrConflict and leaves the unit usable.
func TestCatalogPutIsCompareAndSet(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	at := time.Now()
	c := core.InsightCategory{Slug: "fun", Name: "Fun", Position: 5, Version: 1, UpdatedAt: at}
	ty := core.InsightType{Slug: "jokes", Category: "fun", Name: "Jokes", Cost: 1, Generator: "jokes",
		Timeout: 90 * time.Second, MaxAttempts: 2, Version: 1, UpdatedAt: at}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		cat := tx.Catalog()
		if created, err := cat.PutCategory(ctx, c); err != nil || !created {
			return errors.Join(errors.New("first put"), err)
		}
		if _, err := cat.PutCategory(ctx, c); !errors.Is(err, core.ErrConflict) {
			return errors.Join(errors.New("second put of version 1"), err)
		}
		c.Version, c.Name = 2, "More fun"
		if created, err := cat.PutCategory(ctx, c); err != nil || created {
			return errors.Join(errors.New("put of version 2"), err)
		}
		c.Version = 5
		if _, err := cat.PutCategory(ctx, c); !errors.Is(err, core.ErrConflict) {
			return errors.Join(errors.New("put of version 5 over 2"), err)
		}
		if created, err := cat.PutType(ctx, ty); err != nil || !created {
			return errors.Join(errors.New("put type"), err)
		}
		got, err := cat.Type(ctx, ty.Slug)
		if err != nil || got.Timeout != ty.Timeout || !got.UpdatedAt.Equal(core.StorageTime(at)) {
			return errors.Join(errors.New("type read back"), err)
		}
		return nil
	})
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.Catalog().PutType(ctx, core.InsightType{Slug: "orphan", Category: "nowhere", Name: "O", Generator: "g",
			Timeout: time.Minute, MaxAttempts: 1, Version: 1, UpdatedAt: at})
		return err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("a type of a missing category: %v; want ErrNotFound", err)
	}
}

// Concurrent Starts of one (chat, type) make one row and never fail on
// its unique key. At READ COMMITTED every one of them counts a
// generation; at REPEATABLE READ one that meets a newer row replays, and
// one whose replays run out is ErrBusy, never a duplicate key.
func TestConcurrentStartsMakeOneInsight(t *testing.T) {
	t.Parallel()
	for _, iso := range []ports.Isolation{ports.ReadCommitted, ports.RepeatableRead} {
		t.Run(iso.String(), func(t *testing.T) {
			t.Parallel()
			dsn := newDatabase(t)
			stores := []*postgres.Store{openStoreOn(t, dsn, ports.DefaultStoreOptions()), openStoreOn(t, dsn, ports.DefaultStoreOptions())}
			user, chat := newOwner(t, stores[0])
			const n = 50
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					in := pendingInsight(user, chat, "activity-report", time.Now())
					errs[i] = stores[i%2].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
						_, err := tx.Insights().Start(ctx, in)
						return err
					}, ports.WithIsolation(iso))
				})
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case iso == ports.ReadCommitted || !errors.Is(err, core.ErrBusy):
					t.Errorf("Start: %v", err)
				}
			}
			var list []core.Insight
			do(t, stores[0], func(ctx context.Context, tx ports.Tx) (err error) {
				list, err = tx.Insights().List(ctx, chat, nil, 100)
				return err
			})
			if len(list) != 1 || list[0].Generation != int64(ok) {
				t.Fatalf("%d Starts succeeded, stored %+v; want one row at that generation", ok, list)
			}
			t.Logf("%d of %d Starts succeeded", ok, n)
			if iso == ports.ReadCommitted && ok != n {
				t.Fatalf("%d of %d Starts succeeded at READ COMMITTED", ok, n)
			}
		})
	}
}

// Of concurrent Claims of one key exactly one stores its record; the
// others get that record.
func TestConcurrentClaimsCreateOnce(t *testing.T) {
	t.Parallel()
	dsn := newDatabase(t)
	stores := []*postgres.Store{openStoreOn(t, dsn, ports.DefaultStoreOptions()), openStoreOn(t, dsn, ports.DefaultStoreOptions())}
	user, _ := newOwner(t, stores[0])
	const n = 50
	now := time.Now()
	var wg sync.WaitGroup
	type outcome struct {
		rec     core.IdempotencyRecord
		created bool
		err     error
	}
	out := make([]outcome, n)
	for i := range n {
		wg.Go(func() {
			rec := core.IdempotencyRecord{UserID: user, Key: "k-1", Fingerprint: "f", Resource: randomID(),
				CreatedAt: now, ExpiresAt: now.Add(core.IdempotencyTTL)}
			out[i].err = stores[i%2].Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
				out[i].rec, out[i].created, err = tx.Idempotency().Claim(ctx, rec, now)
				return err
			})
		})
	}
	wg.Wait()
	created, resources := 0, map[string]bool{}
	for _, o := range out {
		if o.err != nil {
			t.Fatalf("Claim: %v", o.err)
		}
		if o.created {
			created++
		}
		resources[o.rec.Resource] = true
	}
	if created != 1 || len(resources) != 1 {
		t.Fatalf("%d callers created, %d records returned; want one of each", created, len(resources))
	}
}

// An expired record is replaced by a Claim and deleted by Expire, in
// batches of at most limit.
func TestIdempotencyExpiry(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	user, _ := newOwner(t, s)
	t0 := time.Now()
	rec := func(key, resource string) core.IdempotencyRecord {
		return core.IdempotencyRecord{UserID: user, Key: key, Fingerprint: "f", Resource: resource, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		idem := tx.Idempotency()
		for _, k := range []string{"a", "b", "c"} {
			if _, created, err := idem.Claim(ctx, rec(k, "r1"), t0); err != nil || !created {
				return errors.Join(errors.New("claim "+k), err)
			}
		}
		later := t0.Add(2 * time.Hour)
		again := rec("a", "r2")
		again.ExpiresAt = later.Add(time.Hour)
		if got, created, err := idem.Claim(ctx, again, later); err != nil || !created || got.Resource != "r2" {
			return errors.Join(errors.New("claim of an expired key"), err)
		}
		if got, err := idem.Find(ctx, user, "a", later); err != nil || got.Resource != "r2" {
			return errors.Join(errors.New("find the replacement"), err)
		}
		if _, err := idem.Find(ctx, user, "b", later); !errors.Is(err, core.ErrNotFound) {
			return errors.Join(errors.New("find an expired record"), err)
		}
		if n, err := idem.Expire(ctx, later, 1); err != nil || n != 1 {
			return errors.Join(errors.New("expire 1"), err)
		}
		if n, err := idem.Expire(ctx, later, 10); err != nil || n != 1 {
			return errors.Join(errors.New("expire the rest"), err)
		}
		if _, err := idem.Find(ctx, user, "a", later); err != nil {
			return errors.Join(errors.New("the live record went"), err)
		}
		return nil
	})
}

// The result comes back as the very bytes written, and a chat's purge
// takes its insights with it (ON DELETE CASCADE); its deletion alone
// rewrites none.
func TestInsightRowsAndPurge(t *testing.T) {
	t.Parallel()
	s := openStore(t, ports.DefaultStoreOptions())
	user, chat := newOwner(t, s)
	at := time.Now()
	in := pendingInsight(user, chat, "reply-graph-not-a-type", at)
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		_, err := tx.Insights().Start(ctx, in)
		return err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Start of an unknown type: %v; want ErrNotFound", err)
	}
	in.Type = "who-replies-to-whom"
	doc := []byte(`{"b": 1,  "a":[2, 3]}`)
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		started, err := tx.Insights().Start(ctx, in)
		if err != nil {
			return err
		}
		started.Status, started.Result, started.JobID, started.ErrorClass = core.InsightReady, doc, "42", core.ErrClassTimeout
		started.UpdatedAt, started.CompletedAt = at.Add(time.Second), at.Add(time.Second)
		return tx.Insights().Update(ctx, started)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Insights().Get(ctx, in.ID)
		if err != nil {
			return err
		}
		if string(got.Result) != string(doc) || got.JobID != "42" || !got.CreatedAt.Equal(core.StorageTime(at)) ||
			!got.CompletedAt.Equal(core.StorageTime(at.Add(time.Second))) || got.Generation != 1 {
			t.Errorf("read back %+v", got)
		}
		return tx.Chats().Delete(ctx, user, chat, at)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Insights().Get(ctx, in.ID); err != nil {
			return errors.Join(errors.New("an insight of a deleted chat"), err)
		}
		if _, err := tx.Chats().ClaimPurge(ctx, at.Add(time.Second), 10); err != nil {
			return err
		}
		if err := tx.Chats().Purge(ctx, chat); err != nil {
			return err
		}
		if _, err := tx.Insights().Get(ctx, in.ID); !errors.Is(err, core.ErrNotFound) {
			return errors.Join(errors.New("an insight of a purged chat"), err)
		}
		return nil
	})
}
