package credits_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/ports"
)

func setup(t *testing.T) (*credits.Service, core.User) {
	t.Helper()
	store := memory.New(ports.DefaultStoreOptions())
	ids := &system.UUIDv7{}
	u, _, err := users.NewService(store, system.Clock{}, ids).SignUp(context.Background(), "c@example.com", "C")
	if err != nil {
		t.Fatal(err)
	}
	return credits.NewService(store, system.Clock{}, ids, credits.DefaultOptions()), u
}

func TestGrantSpendAndRepeats(t *testing.T) {
	ctx := context.Background()
	svc, u := setup(t)
	// The user id of a grant is input: upper case names the same user.
	if r, err := svc.Grant(ctx, core.UserID(strings.ToUpper(string(u.ID))), 10, "grant-1"); err != nil || !r.Applied || r.Entry.BalanceAfter != 10 || r.Entry.UserID != u.ID {
		t.Fatalf("Grant = %+v, %v", r, err)
	}
	if r, err := svc.Spend(ctx, u.ID, 4, "spend-1"); err != nil || !r.Applied || r.Entry.BalanceAfter != 6 || r.Entry.Amount != -4 {
		t.Fatalf("Spend = %+v, %v", r, err)
	}
	// A repeat returns the first entry and changes nothing.
	r, err := svc.Spend(ctx, u.ID, 4, "spend-1")
	if err != nil || r.Applied || r.Entry.BalanceAfter != 6 {
		t.Fatalf("repeated Spend = %+v, %v; want the first entry, not applied", r, err)
	}
	// The same reference for a different operation is a conflict.
	if _, err := svc.Spend(ctx, u.ID, 5, "spend-1"); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("reused reference = %v; want ErrConflict", err)
	}
	if _, err := svc.Spend(ctx, u.ID, 7, "spend-2"); !errors.Is(err, core.ErrInsufficientCredits) {
		t.Fatalf("overspend = %v; want ErrInsufficientCredits", err)
	}
	acc, err := svc.Balance(ctx, u.ID)
	if err != nil || acc.Balance != 6 {
		t.Fatalf("Balance = %+v, %v; want 6", acc, err)
	}
	page, err := svc.Ledger(ctx, u.ID, "", 0)
	if err != nil || len(page.Items) != 2 || page.Next != "" || page.Items[0].Reference != "spend-1" {
		t.Fatalf("Ledger = %+v, %v; want spend-1 then grant-1", page, err)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	svc, u := setup(t)
	if _, err := svc.Grant(ctx, u.ID, 5, "start"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"zero grant", func() error { _, err := svc.Grant(ctx, u.ID, 0, "g0"); return err }, core.ErrInvalid},
		{"negative grant", func() error { _, err := svc.Grant(ctx, u.ID, -3, "g1"); return err }, core.ErrInvalid},
		{"huge grant", func() error { _, err := svc.Grant(ctx, u.ID, core.MaxCreditAmount+1, "g2"); return err }, core.ErrInvalid},
		{"negative spend", func() error { _, err := svc.Spend(ctx, u.ID, -1, "s1"); return err }, core.ErrInvalid},
		{"empty reference", func() error { _, err := svc.Grant(ctx, u.ID, 1, ""); return err }, core.ErrInvalid},
		{"long reference", func() error { _, err := svc.Grant(ctx, u.ID, 1, strings.Repeat("r", 201)); return err }, core.ErrInvalid},
		{"unknown user", func() error { _, err := svc.Grant(ctx, "0190a000-0000-7000-8000-000000000000", 1, "g3"); return err }, core.ErrNotFound},
		{"unknown user balance", func() error { _, err := svc.Balance(ctx, "0190a000-0000-7000-8000-000000000000"); return err }, core.ErrNotFound},
		{"bad limit", func() error { _, err := svc.Ledger(ctx, u.ID, "", 201); return err }, core.ErrInvalid},
		{"tampered cursor", func() error { _, err := svc.Ledger(ctx, u.ID, "djEuMTIz", 10); return err }, core.ErrInvalid},
		{"garbage cursor", func() error { _, err := svc.Ledger(ctx, u.ID, "!!!", 10); return err }, core.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); !errors.Is(err, c.want) {
				t.Fatalf("error = %v; want %v", err, c.want)
			}
		})
	}
	acc, err := svc.Balance(ctx, u.ID)
	if err != nil || acc.Balance != 5 {
		t.Fatalf("balance %d, %v after bad input; want 5", acc.Balance, err)
	}
}

func TestLedgerPages(t *testing.T) {
	ctx := context.Background()
	svc, u := setup(t)
	for i := range 7 {
		if _, err := svc.Grant(ctx, u.ID, 1, "g-"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	var refs []string
	cursor := ""
	for {
		page, err := svc.Ledger(ctx, u.ID, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			refs = append(refs, e.Reference)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if got := strings.Join(refs, ","); got != "g-g,g-f,g-e,g-d,g-c,g-b,g-a" {
		t.Fatalf("pages gave %s; want newest first, each once", got)
	}
}

func TestDeletedUserCannotBeGranted(t *testing.T) {
	ctx := context.Background()
	store := memory.New(ports.DefaultStoreOptions())
	ids := &system.UUIDv7{}
	us := users.NewService(store, system.Clock{}, ids)
	svc := credits.NewService(store, system.Clock{}, ids, credits.DefaultOptions())
	u, _, err := us.SignUp(ctx, "gone@example.com", "Gone")
	if err != nil {
		t.Fatal(err)
	}
	if err := us.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Grant(ctx, u.ID, 1, "late"); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("grant to a deleted user = %v; want ErrNotFound", err)
	}
}
