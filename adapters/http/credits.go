package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
)

// Balance is a user's credits.
type Balance struct {
	Balance   int64     `json:"balance" doc:"Credits available now; never negative." example:"120"`
	UpdatedAt time.Time `json:"updated_at" doc:"When the balance last changed."`
}

// LedgerEntry is one change of a balance.
type LedgerEntry struct {
	ID           string    `json:"id" format:"uuid" doc:"The entry's id." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d30"`
	Amount       int64     `json:"amount" doc:"Positive adds credits, negative takes them." example:"100"`
	BalanceAfter int64     `json:"balance_after" doc:"The balance right after this entry." example:"120"`
	Kind         string    `json:"kind" enum:"grant,purchase,spend,refund" doc:"Why the balance changed: grant and purchase add credits, spend takes them, refund gives back what a failed job spent."`
	Reference    string    `json:"reference" doc:"Unique per account: the same reference is applied once." example:"welcome-2025"`
	CreatedAt    time.Time `json:"created_at" doc:"When the entry was made."`
}

func toEntry(e core.LedgerEntry) LedgerEntry {
	return LedgerEntry{
		ID: string(e.ID), Amount: e.Amount, BalanceAfter: e.BalanceAfter, Kind: string(e.Kind),
		Reference: e.Reference, CreatedAt: e.CreatedAt,
	}
}

// LedgerPage is one page of the ledger, newest first.
type LedgerPage struct {
	Items      []LedgerEntry `json:"items" nullable:"false"`
	NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// CreditChangeRequest gives credits to a user (a grant) or takes them (a charge).
type CreditChangeRequest struct {
	UserID    string `json:"user_id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The id of the user whose balance changes (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e"`
	Amount    int64  `json:"amount" minimum:"1" maximum:"1000000000" doc:"Credits to add (grant) or take (charge)." example:"100"`
	Reference string `json:"reference" minLength:"1" maxLength:"200" doc:"Your unique name for this change: sending it again changes nothing and returns the first entry. At most 200 bytes of UTF-8 as well as 200 characters, with no spaces at either end and no control or text-direction characters (U+0000–U+001F, U+007F–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069); stored exactly as sent." example:"welcome-2025"`
}

// CreditChange is the ledger entry of a grant or charge and whether this call applied it.
type CreditChange struct {
	Entry   LedgerEntry `json:"entry"`
	Applied bool        `json:"applied" doc:"false when the reference had been applied before (status 200); nothing changed."`
}

type balanceOutput struct {
	Body Balance
}

type ledgerOutput struct {
	Body LedgerPage
}

type grantInput struct {
	Body CreditChangeRequest
}

type grantOutput struct {
	Status int
	Body   CreditChange
}

// ledger serves balances, the ledger and admins' corrections.
type ledger struct {
	svc Credits
}

// registerCredits registers the operations on /v1/credits and
// /v1/admin/credits.
func registerCredits(api huma.API, svc Credits) {
	r := ledger{svc: svc}
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-balance", Method: http.MethodGet, Path: "/v1/credits", Tags: []string{"credits"},
		Summary: "Get your balance", Description: "Returns the caller's credit balance; the ledger explains every change.",
		Responses: successes(success{http.StatusOK, "The caller's balance.", Balance{Balance: 120, UpdatedAt: exampleTime.Add(3 * time.Hour)}}),
	}, Answers: []int{http.StatusNotFound}}, authed(r.balance))
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-ledger", Method: http.MethodGet, Path: "/v1/credits/ledger", Tags: []string{"credits"},
		Summary:     "List your ledger",
		Description: "Pages through the caller's ledger, newest first. Entries added while paging are neither skipped nor repeated.",
		Responses:   successes(success{http.StatusOK, "One page of the caller's ledger.", exampleLedgerPage}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, authed(r.list))
	grant := operation{Operation: huma.Operation{
		OperationID: "grant-credits", Method: http.MethodPost, Path: "/v1/admin/credits/grants", Tags: []string{"admin"},
		Summary:       "Grant credits (admin)",
		Description:   "Adds credits to a user's balance, once per (user, reference): a new grant answers 201, a repeat of the same grant 200 with the first entry and `applied: false`, and a reference reused with another amount 409. An unknown or deleted user is a 404.",
		DefaultStatus: http.StatusCreated,
		Responses: successes(
			success{http.StatusCreated, "Applied now.", CreditChange{Entry: exampleGrant, Applied: true}},
			success{http.StatusOK, "The same grant had been applied before; nothing changed.", CreditChange{Entry: exampleGrant, Applied: false}},
		),
	}, Answers: []int{http.StatusNotFound, http.StatusConflict}, Echo: []string{"body.amount"}}
	register(api, grant, r.grant)
	charge := operation{Operation: huma.Operation{
		OperationID: "charge-credits", Method: http.MethodPost, Path: "/v1/admin/credits/charges", Tags: []string{"admin"},
		Summary:       "Charge credits (admin)",
		Description:   "Takes credits from a user's balance, to correct a grant made by mistake; once per (user, reference) like a grant (201 new, 200 repeat, 409 reused). A charge beyond the balance is a 402 and changes nothing.",
		DefaultStatus: http.StatusCreated,
		Responses: successes(
			success{http.StatusCreated, "Applied now.", CreditChange{Entry: exampleCharge, Applied: true}},
			success{http.StatusOK, "The same charge had been applied before; nothing changed.", CreditChange{Entry: exampleCharge, Applied: false}},
		),
	}, Answers: []int{http.StatusPaymentRequired, http.StatusNotFound, http.StatusConflict}, Echo: []string{"body.amount"}}
	register(api, charge, r.charge)
}

func (r ledger) balance(ctx context.Context, p principal, _ *noInput) (*balanceOutput, error) {
	acc, err := r.svc.Balance(ctx, p.user.ID)
	if err != nil {
		return nil, err
	}
	return &balanceOutput{Body: Balance{Balance: acc.Balance, UpdatedAt: acc.UpdatedAt}}, nil
}

func (r ledger) list(ctx context.Context, p principal, in *pageInput) (*ledgerOutput, error) {
	page, err := r.svc.Ledger(ctx, p.user.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &ledgerOutput{Body: LedgerPage{Items: make([]LedgerEntry, 0, len(page.Items)), NextCursor: page.Next}}
	for _, e := range page.Items {
		out.Body.Items = append(out.Body.Items, toEntry(e))
	}
	return out, nil
}

func (r ledger) grant(ctx context.Context, in *grantInput) (*grantOutput, error) {
	res, err := r.svc.Grant(ctx, core.UserID(in.Body.UserID), in.Body.Amount, in.Body.Reference)
	return entryResult(res, err)
}

func (r ledger) charge(ctx context.Context, in *grantInput) (*grantOutput, error) {
	res, err := r.svc.Spend(ctx, core.UserID(in.Body.UserID), in.Body.Amount, in.Body.Reference)
	return entryResult(res, err)
}

// entryResult answers a grant or charge: 201 when applied now, 200 when the
// reference had been applied before.
func entryResult(res credits.Result, err error) (*grantOutput, error) {
	if err != nil {
		err = explain(err, core.ErrNotFound, "no live user has that id")
		return nil, explain(err, core.ErrConflict, "that reference was already used for a different grant or charge to this user")
	}
	status := http.StatusCreated
	if !res.Applied {
		status = http.StatusOK
	}
	return &grantOutput{Status: status, Body: CreditChange{Entry: toEntry(res.Entry), Applied: res.Applied}}, nil
}

// Examples of the document: a welcome grant, a correction, and a ledger
// page that has another after it.
var (
	exampleGrant = LedgerEntry{ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d30", Amount: 100, BalanceAfter: 150,
		Kind: string(core.KindGrant), Reference: "welcome-2025", CreatedAt: exampleTime.Add(time.Hour)}
	exampleCharge = LedgerEntry{ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d32", Amount: -30, BalanceAfter: 120,
		Kind: string(core.KindSpend), Reference: "fix-1", CreatedAt: exampleTime.Add(3 * time.Hour)}
	exampleLedgerPage = LedgerPage{
		Items:      []LedgerEntry{exampleCharge, exampleGrant},
		NextCursor: core.EncodeCursor(core.PageKey{Time: exampleGrant.CreatedAt, ID: exampleGrant.ID}),
	}
)
