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
