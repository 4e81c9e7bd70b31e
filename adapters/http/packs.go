package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
)

// Pack is a credit pack on sale.
type Pack struct {
	Slug       string `json:"slug" doc:"The pack's name in requests (POST /v1/payments)." example:"starter"`
	Name       string `json:"name" doc:"The pack's name for people." example:"Starter"`
	Credits    int64  `json:"credits" doc:"Credits the pack adds to the balance." example:"100"`
	PriceMinor int64  `json:"price_minor" doc:"The price in the currency's minor unit (cents): 500 is 5.00." example:"500"`
	Currency   string `json:"currency" doc:"The deployment's one currency, ISO 4217 in lower case." example:"usd"`
}

// PackList is the price list.
type PackList struct {
	Currency string `json:"currency" doc:"The currency every pack is priced in, ISO 4217 in lower case." example:"usd"`
	Items    []Pack `json:"items" nullable:"false" doc:"The packs on sale, cheapest first."`
}

// AdminPack is a pack as admins see it, on sale or not.
type AdminPack struct {
	Pack
	Active    bool      `json:"active" doc:"Whether the pack is on sale; payments already made for it stay valid either way."`
	UpdatedAt time.Time `json:"updated_at" doc:"When the pack was last written."`
}

// AdminPackList is every pack.
type AdminPackList struct {
	Items []AdminPack `json:"items" nullable:"false" doc:"Every pack, on sale or not, cheapest first."`
}

// PutPackRequest writes a pack.
type PutPackRequest struct {
	Name       string `json:"name" minLength:"1" maxLength:"100" doc:"1 to 100 characters, not only spaces, with no control or text-direction characters (U+0000–U+001F, U+007F–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Spaces at either end are removed." example:"Starter"`
	Credits    int64  `json:"credits" minimum:"1" maximum:"1000000000" doc:"Credits the pack adds." example:"100"`
	PriceMinor int64  `json:"price_minor" minimum:"1" maximum:"99999999" doc:"The price in the deployment currency's minor unit." example:"500"`
	Active     bool   `json:"active" doc:"Whether the pack is on sale." example:"true"`
}

// TransformSchema states the rule of a pack's name as a pattern (text.go).
func (PutPackRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	withPattern(s, "name", labelPattern)
	return s
}

type packListOutput struct {
	Body PackList
}

type adminPackListOutput struct {
	Body AdminPackList
}

type putPackInput struct {
	Slug string `path:"slug" minLength:"1" maxLength:"40" pattern:"^[a-z0-9][a-z0-9-]*$" patternDescription:"lower-case letters, digits and '-', starting with a letter or digit" doc:"The pack's slug." example:"starter"`
	Body PutPackRequest
}

type putPackOutput struct {
	Status int
	Body   AdminPack
}

// packs serves the price list and admins' edits of it.
type packs struct {
	svc Payments
}

// registerPacks registers the operations on /v1/packs and /v1/admin/packs.
func registerPacks(api huma.API, svc Payments) {
	r := packs{svc: svc}
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-packs", Method: http.MethodGet, Path: "/v1/packs", Tags: []string{"credits"},
		Summary:     "List the credit packs on sale",
		Description: "The price list: every pack on sale, cheapest first, priced in the deployment's one currency. No key needed.",
		Responses:   successes(success{http.StatusOK, "The packs on sale.", PackList{Currency: "usd", Items: examplePacks}}),
	}}, r.list)
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-all-packs", Method: http.MethodGet, Path: "/v1/admin/packs", Tags: []string{"admin"},
		Summary:     "List every credit pack (admin)",
		Description: "Every pack, those no longer on sale included, cheapest first.",
		Responses: successes(success{http.StatusOK, "Every pack.", AdminPackList{Items: []AdminPack{
			{Pack: examplePacks[0], Active: true, UpdatedAt: exampleTime}, {Pack: examplePacks[1], Active: false, UpdatedAt: exampleTime}}}}),
	}}, r.all)
	register(api, operation{Operation: huma.Operation{
		OperationID: "put-pack", Method: http.MethodPut, Path: "/v1/admin/packs/{slug}", Tags: []string{"admin"},
		Summary:       "Create or replace a credit pack (admin)",
		Description:   "Writes the pack named by the slug: 201 when it is new, 200 when it replaced one. Payments already made keep the credits and price they were made with; set `active` to false to stop selling a pack.",
		DefaultStatus: http.StatusOK,
		Responses: successes(
			success{http.StatusCreated, "The pack is new.", AdminPack{Pack: examplePacks[0], Active: true, UpdatedAt: exampleTime}},
			success{http.StatusOK, "The pack replaced the one with its slug.", AdminPack{Pack: examplePacks[0], Active: true, UpdatedAt: exampleTime}},
		),
	}, Answers: []int{http.StatusUnprocessableEntity}, Echo: []string{"body.credits", "body.price_minor"}}, r.put)
}

func (r packs) list(ctx context.Context, _ *noInput) (*packListOutput, error) {
	all, err := r.svc.Packs(ctx)
	if err != nil {
		return nil, err
	}
	out := &packListOutput{Body: PackList{Currency: r.svc.Currency(), Items: make([]Pack, 0, len(all))}}
	for _, p := range all {
		out.Body.Items = append(out.Body.Items, toPack(p, r.svc.Currency()))
	}
	return out, nil
}

func (r packs) all(ctx context.Context, _ *noInput) (*adminPackListOutput, error) {
	all, err := r.svc.AllPacks(ctx)
	if err != nil {
		return nil, err
	}
	out := &adminPackListOutput{Body: AdminPackList{Items: make([]AdminPack, 0, len(all))}}
	for _, p := range all {
		out.Body.Items = append(out.Body.Items, toAdminPack(p, r.svc.Currency()))
	}
	return out, nil
}

func (r packs) put(ctx context.Context, in *putPackInput) (*putPackOutput, error) {
	p, created, err := r.svc.PutPack(ctx, core.CreditPack{
		Slug: core.PackSlug(in.Slug), Name: in.Body.Name, Credits: in.Body.Credits, PriceMinor: in.Body.PriceMinor, Active: in.Body.Active,
	})
	if err != nil {
		return nil, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return &putPackOutput{Status: status, Body: toAdminPack(p, r.svc.Currency())}, nil
}

func toPack(p core.CreditPack, currency string) Pack {
	return Pack{Slug: string(p.Slug), Name: p.Name, Credits: p.Credits, PriceMinor: p.PriceMinor, Currency: currency}
}

func toAdminPack(p core.CreditPack, currency string) AdminPack {
	return AdminPack{Pack: toPack(p, currency), Active: p.Active, UpdatedAt: p.UpdatedAt}
}

var examplePacks = []Pack{
	{Slug: "starter", Name: "Starter", Credits: 100, PriceMinor: 500, Currency: "usd"},
	{Slug: "standard", Name: "Standard", Credits: 500, PriceMinor: 2000, Currency: "usd"},
}
