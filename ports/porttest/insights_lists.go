package porttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

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
