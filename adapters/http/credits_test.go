package httpapi

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func grantBody(user string, amount int64, ref string) map[string]any {
	return map[string]any{"user_id": user, "amount": amount, "reference": ref}
}

func TestGrantAndLedger(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	id, key := f.signUp("a@example.com")

	resp := f.api.Post("/v1/admin/credits/grants", bearer(admin), grantBody(id, 100, "welcome"))
	if resp.Code != http.StatusCreated {
		t.Fatalf("grant: %d %s", resp.Code, resp.Body)
	}
	var g CreditChange
	decode(t, resp, &g)
	if !g.Applied || g.Entry.Amount != 100 || g.Entry.BalanceAfter != 100 || g.Entry.Kind != "grant" {
		t.Fatalf("grant %+v", g)
	}
	// The same grant again changes nothing and says so with 200.
	resp = f.api.Post("/v1/admin/credits/grants", bearer(admin), grantBody(id, 100, "welcome"))
	var again CreditChange
	decode(t, resp, &again)
	if resp.Code != http.StatusOK || again.Applied || again.Entry.ID != g.Entry.ID {
		t.Fatalf("repeat: %d %+v", resp.Code, again)
	}
	problem(t, f.api.Post("/v1/admin/credits/grants", bearer(admin), grantBody(id, 5, "welcome")), 409, "conflict")

	for i := range 3 {
		f.api.Post("/v1/admin/credits/grants", bearer(admin), grantBody(id, int64(i+1), fmt.Sprintf("bonus-%d", i)))
	}
	var bal Balance
	decode(t, f.api.Get("/v1/credits", bearer(key)), &bal)
	if bal.Balance != 106 {
		t.Fatalf("balance %d, want 106", bal.Balance)
	}

	// Page through the ledger two at a time, newest first.
	var seen []int64
	cursor := ""
	for pages := 0; ; pages++ {
		var page LedgerPage
		decode(t, f.api.Get("/v1/credits/ledger?limit=2&cursor="+cursor, bearer(key)), &page)
		for _, e := range page.Items {
			seen = append(seen, e.Amount)
		}
		if page.NextCursor == "" || pages > 5 {
			break
		}
		cursor = page.NextCursor
	}
	if fmt.Sprint(seen) != "[3 2 1 100]" {
		t.Fatalf("ledger %v, want [3 2 1 100]", seen)
	}

	problem(t, f.api.Get("/v1/credits/ledger?cursor=djEuMTIzLg", bearer(key)), 422, "validation")
	// A cursor that decodes to a time no storage holds (before year 1) or
	// an id in another form is a 422 too, on every adapter.
	for _, raw := range []string{
		"v1.-62198755200000000.0193a7c2-1d2e-7f00-8abc-0123456789ab",
		"v1.0.0193A7C2-1D2E-7F00-8ABC-0123456789AB",
	} {
		tampered := base64.RawURLEncoding.EncodeToString([]byte(raw))
		problem(t, f.api.Get("/v1/credits/ledger?cursor="+tampered, bearer(key)), 422, "validation")
	}
	problem(t, f.api.Get("/v1/credits/ledger?limit=500", bearer(key)), 422, "validation")
}

// TestBadGrants: each gets a useful problem and changes nothing.
func TestBadGrants(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	id, key := f.signUp("a@example.com")
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		slug   string
		value  bool // whether errors[0].value may be echoed
	}{
		{"zero", grantBody(id, 0, "r"), 422, "validation", true},
		{"negative", grantBody(id, -5, "r"), 422, "validation", true},
		{"huge", grantBody(id, 2_000_000_000, "r"), 422, "validation", true},
		{"no reference", grantBody(id, 5, ""), 422, "validation", false},
		{"spaced reference", grantBody(id, 5, " private "), 422, "validation", false},
		{"unknown user", grantBody("0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e", 5, "r"), 404, "not-found", false},
		{"malformed user", grantBody("private-user", 5, "r"), 422, "validation", false}, // the schema says uuid
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.api.Post("/v1/admin/credits/grants", bearer(admin), tc.body)
			p := problem(t, resp, tc.status, tc.slug)
			mustNotContain(t, resp.Body.String(), "private")
			if tc.value && (len(p.Errors) == 0 || p.Errors[0].Value == nil) {
				t.Errorf("amount errors should say the amount: %+v", p.Errors)
			}
		})
	}
	var bal Balance
	decode(t, f.api.Get("/v1/credits", bearer(key)), &bal)
	if bal.Balance != 0 {
		t.Fatalf("bad grants changed the balance to %d", bal.Balance)
	}
}

func TestChargeBeyondBalanceIs402(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	id, key := f.signUp("a@example.com")
	f.api.Post("/v1/admin/credits/grants", bearer(admin), grantBody(id, 10, "welcome"))
	p := problem(t, f.api.Post("/v1/admin/credits/charges", bearer(admin), grantBody(id, 11, "fix-1")), 402, "insufficient-credits")
	if !strings.Contains(p.Detail, "balance") {
		t.Fatalf("detail %q", p.Detail)
	}
	resp := f.api.Post("/v1/admin/credits/charges", bearer(admin), grantBody(id, 4, "fix-2"))
	var c CreditChange
	decode(t, resp, &c)
	if resp.Code != 201 || c.Entry.Amount != -4 || c.Entry.Kind != "spend" || c.Entry.BalanceAfter != 6 {
		t.Fatalf("charge: %d %+v", resp.Code, c)
	}
	var bal Balance
	decode(t, f.api.Get("/v1/credits", bearer(key)), &bal)
	if bal.Balance != 6 {
		t.Fatalf("balance %d, want 6", bal.Balance)
	}
}
