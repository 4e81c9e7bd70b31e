package porttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Pagination", runPagination) }

func runPagination(t *testing.T, newDatabase NewDatabase) {
	t.Run("LedgerStableWhileRowsAreAdded", func(t *testing.T) {
		t.Parallel()
		s := store(t, newDatabase, options(ports.LockNoWait, 3))
		u := newUser(t, s, "pages@example.com", 0)
		// Entries share timestamps in groups of three, so the order must
		// fall back to the id to be total.
		base := time.Now().UTC().Truncate(time.Second)
		appendAt := func(i int, at time.Time) core.LedgerEntry {
			e := core.LedgerEntry{
				ID: core.EntryID(newID()), UserID: u.ID, Amount: 1, BalanceAfter: int64(i + 1),
				Kind: core.KindGrant, Reference: fmt.Sprintf("r-%d", i), CreatedAt: at,
			}
			do(t, s, func(ctx context.Context, tx ports.Tx) error {
				_, err := tx.Credits().Append(ctx, e)
				return err
			})
			return e
		}
		want := map[core.EntryID]bool{}
		for i := range 120 {
			want[appendAt(i, base.Add(time.Duration(i/3)*time.Millisecond)).ID] = true
		}
		seen := map[core.EntryID]bool{}
		var before *core.PageKey
		var prev *core.LedgerEntry
		for page := 0; ; page++ {
			var entries []core.LedgerEntry
			do(t, s, func(ctx context.Context, tx ports.Tx) error {
				var err error
				entries, err = tx.Credits().Ledger(ctx, u.ID, before, 50)
				return err
			}, ports.ReadOnly())
			for i := range entries {
				e := entries[i]
				if seen[e.ID] {
					t.Fatalf("page %d repeats entry %s", page, e.ID)
				}
				seen[e.ID] = true
				if prev != nil && prev.PageKey().Compare(e.PageKey()) <= 0 {
					t.Fatalf("page %d: %v/%s listed after %v/%s: not newest first", page, e.CreatedAt, e.ID, prev.CreatedAt, prev.ID)
				}
				prev = &e
			}
			// Rows added between pages: newer ones, and ones sharing the
			// cursor's own timestamp, must not disturb what remains.
			appendAt(1000+page, base.Add(time.Hour))
			if len(entries) < 50 {
				break
			}
			key := entries[len(entries)-1].PageKey()
			before = &key
		}
		for id := range want {
			if !seen[id] {
				t.Fatalf("entry %s was skipped", id)
			}
		}
		if len(seen) != len(want) {
			t.Fatalf("saw %d entries; want the %d present when paging began", len(seen), len(want))
		}
	})
}
