package porttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

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
