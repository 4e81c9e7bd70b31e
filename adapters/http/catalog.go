package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/catalog"
)

// Catalog is what the API needs of the catalog module (*catalog.Service).
type Catalog interface {
	List(ctx context.Context, inactiveToo bool) ([]catalog.Category, error)
	Get(ctx context.Context, slug string, inactiveToo bool) (catalog.Category, error)
	Type(ctx context.Context, slug string) (core.InsightType, error)
	PutCategory(ctx context.Context, c core.InsightCategory, ifVersion int64) (core.InsightCategory, bool, error)
	PutType(ctx context.Context, t core.InsightType, ifVersion int64) (core.InsightType, bool, error)
}

// InsightType is a kind of insight on the price list.
type InsightType struct {
	Slug           string    `json:"slug" doc:"The type's name in requests (POST /v1/chats/{id}/insights)." example:"activity-report"`
	Category       string    `json:"category" doc:"The slug of its category." example:"activity"`
	Name           string    `json:"name" doc:"The type's name for people." example:"Activity report"`
	Description    string    `json:"description" doc:"What the insight tells, for people; may hold line breaks." example:"Messages per participant, per day of the week and per hour of the day."`
	Cost           int64     `json:"cost" doc:"Credits one generation costs; 0 is free." example:"5"`
	Generator      string    `json:"generator" doc:"The code that makes it." example:"activity-report"`
	TimeoutSeconds int       `json:"timeout_seconds" doc:"How long one attempt at making it may take." example:"60"`
	MaxAttempts    int       `json:"max_attempts" doc:"Attempts before it fails for good (and its charge is refunded)." example:"3"`
	Active         bool      `json:"active" doc:"Whether it is on sale: an inactive type cannot be requested (insights made of it before stay readable)." example:"true"`
	Version        int64     `json:"version" doc:"1 when created, one more with every edit; the ETag header carries it, quoted." example:"1"`
	UpdatedAt      time.Time `json:"updated_at" doc:"When it was last written."`
}

// Category is a category of the price list.
type Category struct {
	Slug        string    `json:"slug" doc:"The category's name in paths." example:"activity"`
	Name        string    `json:"name" doc:"The category's name for people." example:"Activity"`
	Description string    `json:"description" doc:"What its insights are about, for people; may hold line breaks." example:"When the chat is alive: how many messages are sent, by whom, on which days and at which hours."`
	Position    int       `json:"position" doc:"Categories are listed by position, then slug." example:"10"`
	Version     int64     `json:"version" doc:"1 when created, one more with every edit; the ETag header carries it, quoted." example:"1"`
	UpdatedAt   time.Time `json:"updated_at" doc:"When it was last written."`
}

// CategoryWithTypes is a category with the insight types in it.
type CategoryWithTypes struct {
	Category
	Types []InsightType `json:"types" nullable:"false" doc:"Its insight types, by slug: those on sale (an admin's listing: every one)."`
}

// CategoryList is the price list of insights.
type CategoryList struct {
	Items []CategoryWithTypes `json:"items" nullable:"false" doc:"Every category, by position then slug, including those with no type on sale."`
}

// descriptionPattern: a catalog description. Line breaks and tabs are
// allowed, no other control or text-direction character (core's
// parseDescription).
var descriptionPattern = pattern("text with no control or text-direction characters other than line breaks (U+000A) and tabs",
	func(class func(bool, ...runeSet) string) string {
		return "^" + class(true, descriptionForbidden) + "*$"
	})

// descriptionForbidden is forbidden without the line feed and the tab.
var descriptionForbidden = rangesOf(func(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r))
})

// PutCategoryRequest writes a category.
type PutCategoryRequest struct {
	Name        string `json:"name" minLength:"1" maxLength:"100" doc:"1 to 100 characters, not only spaces, with no control or text-direction characters (U+0000–U+001F, U+007F–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Spaces at either end are removed." example:"Activity"`
	Description string `json:"description" maxLength:"2000" doc:"Up to 2,000 characters, possibly empty; line breaks (U+000A) and tabs are allowed, no other control or text-direction character. Spaces and line breaks at either end are removed." example:"When the chat is alive: how many messages are sent, by whom, on which days and at which hours."`
	Position    int    `json:"position" minimum:"0" maximum:"1000000" doc:"Where the category is listed: by position, then slug." example:"10"`
}

// TransformSchema states the rules of a category's text as patterns.
func (PutCategoryRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	withPattern(s, "name", labelPattern)
	withPattern(s, "description", descriptionPattern)
	return s
}

// PutInsightTypeRequest writes an insight type.
type PutInsightTypeRequest struct {
	Category       string `json:"category" minLength:"1" maxLength:"40" pattern:"^[a-z0-9][a-z0-9-]*$" patternDescription:"a category's slug" doc:"The slug of an existing category (another is a 422)." example:"activity"`
	Name           string `json:"name" minLength:"1" maxLength:"100" doc:"1 to 100 characters, not only spaces, with no control or text-direction characters (U+0000–U+001F, U+007F–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Spaces at either end are removed." example:"Activity report"`
	Description    string `json:"description" maxLength:"2000" doc:"Up to 2,000 characters, possibly empty; line breaks (U+000A) and tabs are allowed, no other control or text-direction character. Spaces and line breaks at either end are removed." example:"Messages per participant, per day of the week and per hour of the day."`
	Cost           int64  `json:"cost" minimum:"0" maximum:"1000000" doc:"Credits one generation costs; 0 makes it free." example:"5"`
	Generator      string `json:"generator" minLength:"1" maxLength:"60" pattern:"^[!-~]+$" patternDescription:"printable ASCII without spaces" doc:"The code that makes it: one of the generators this service has (activity-report, response-times and reply-graph; another name is a 422)." example:"activity-report"`
	TimeoutSeconds int    `json:"timeout_seconds" minimum:"1" maximum:"600" doc:"How long one attempt may take, in seconds." example:"60"`
	MaxAttempts    int    `json:"max_attempts" minimum:"1" maximum:"10" doc:"Attempts before an insight of this type fails for good and its charge is refunded." example:"3"`
	Active         bool   `json:"active" doc:"Whether it is on sale. Insights already made of it stay readable either way." example:"true"`
}

// TransformSchema states the rules of a type's text as patterns.
func (PutInsightTypeRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	withPattern(s, "name", labelPattern)
	withPattern(s, "description", descriptionPattern)
	return s
}

// ifMatchDoc is the If-Match of a catalog edit.
const ifMatchDoc = "The ETag of the entry as last read, e.g. \"3\" with its quotes, or * for whatever version it has. " +
	"Omit it to create the entry: replacing one without it is a 428. An entry that changed since, or that does not exist, is a 412 and nothing changes."

type slugInput struct {
	Slug string `path:"slug" minLength:"1" maxLength:"40" pattern:"^[a-z0-9][a-z0-9-]*$" patternDescription:"lower-case letters, digits and '-', starting with a letter or digit" doc:"The slug." example:"activity"`
}

type putCategoryInput struct {
	Slug    string `path:"slug" minLength:"1" maxLength:"40" pattern:"^[a-z0-9][a-z0-9-]*$" patternDescription:"lower-case letters, digits and '-', starting with a letter or digit" doc:"The category's slug." example:"activity"`
	IfMatch string `header:"If-Match" maxLength:"100" example:"\"1\""`
	Body    PutCategoryRequest
}

type putInsightTypeInput struct {
	Slug    string `path:"slug" minLength:"1" maxLength:"40" pattern:"^[a-z0-9][a-z0-9-]*$" patternDescription:"lower-case letters, digits and '-', starting with a letter or digit" doc:"The type's slug." example:"activity-report"`
	IfMatch string `header:"If-Match" maxLength:"100" example:"\"1\""`
	Body    PutInsightTypeRequest
}

type categoryListOutput struct {
	Body CategoryList
}

type categoryOutput struct {
	ETag string `header:"ETag" doc:"The category's version, quoted: send it as If-Match to edit the category."`
	Body CategoryWithTypes
}

type putCategoryOutput struct {
	Status int
	ETag   string `header:"ETag" doc:"The category's version, quoted: send it as If-Match to edit it again."`
	Body   Category
}

type insightTypeOutput struct {
	Status int
	ETag   string `header:"ETag" doc:"The type's version, quoted: send it as If-Match to edit the type."`
	Body   InsightType
}

// catalogResource serves the price list of insights and admins' edits of
// it.
type catalogResource struct {
	svc Catalog
}

// Where the catalog is.
const (
	categoriesPath   = "/v1/categories"
	insightTypesPath = "/v1/insight-types"
)

// registerCatalog registers the operations on /v1/categories,
// /v1/insight-types and their /v1/admin counterparts.
func registerCatalog(api huma.API, svc Catalog) {
	r := catalogResource{svc: svc}
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-categories", Method: http.MethodGet, Path: categoriesPath, Tags: []string{"insights"},
		Summary:     "List the insight categories and types on sale",
		Description: "The price list of insights: every category, by position then slug, with the insight types on sale in it. No key needed.",
		Responses:   successes(success{http.StatusOK, "The price list.", CategoryList{Items: []CategoryWithTypes{exampleCategoryWithTypes}}}),
	}}, r.list)
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-category", Method: http.MethodGet, Path: categoriesPath + "/{slug}", Tags: []string{"insights"},
		Summary:     "Get an insight category",
		Description: "One category with the insight types on sale in it. The ETag header is its version, to send as If-Match when editing it. No key needed.",
		Responses:   successes(success{http.StatusOK, "The category.", exampleCategoryWithTypes}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, r.get)
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-insight-type", Method: http.MethodGet, Path: insightTypesPath + "/{slug}", Tags: []string{"insights"},
		Summary: "Get an insight type",
		Description: "One insight type, on sale or not (an insight keeps the slug of the type it was made of). " +
			"The ETag header is its version, to send as If-Match when editing it. No key needed.",
		Responses: successes(success{http.StatusOK, "The insight type.", exampleInsightType}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, r.getType)
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-all-categories", Method: http.MethodGet, Path: "/v1/admin/categories", Tags: []string{"admin"},
		Summary:     "List every insight category and type (admin)",
		Description: "The price list with the insight types not on sale too.",
		Responses: successes(success{http.StatusOK, "Every category with every type.", CategoryList{Items: []CategoryWithTypes{{
			Category: exampleCategory, Types: []InsightType{exampleInsightType, exampleInactiveType}}}}}),
	}}, r.all)
	register(api, operation{Operation: huma.Operation{
		OperationID: "put-category", Method: http.MethodPut, Path: "/v1/admin/categories/{slug}", Tags: []string{"admin"},
		Summary: "Create or replace an insight category (admin)",
		Description: "Writes the category named by the slug: 201 when it is new, 200 when it replaced one, with the new ETag. " +
			"Without If-Match it only creates: replacing an existing category needs If-Match, its ETag as last read (428 without; 412 when it changed since). " +
			"If-Match: * replaces whatever version there is; any If-Match on a category that does not exist is a 412.",
		DefaultStatus: http.StatusOK,
		Responses: successes(
			success{http.StatusCreated, "The category is new.", exampleCategory},
			success{http.StatusOK, "The category replaced the version If-Match named.", exampleEditedCategory},
		),
	}, Answers: []int{http.StatusPreconditionFailed, http.StatusPreconditionRequired}, Echo: []string{"body.position"}}, r.putCategory)
	register(api, operation{Operation: huma.Operation{
		OperationID: "put-insight-type", Method: http.MethodPut, Path: "/v1/admin/insight-types/{slug}", Tags: []string{"admin"},
		Summary: "Create or replace an insight type (admin)",
		Description: "Writes the insight type named by the slug, as put-category writes a category: 201 new, 200 replaced, If-Match required to replace (428 without, 412 stale or missing), * for any version. " +
			"Its category must exist and its generator must be one this service has (else a 422). " +
			"Insights already requested keep what they were charged; set `active` to false to stop selling a type.",
		DefaultStatus: http.StatusOK,
		Responses: successes(
			success{http.StatusCreated, "The type is new.", exampleInsightType},
			success{http.StatusOK, "The type replaced the version If-Match named.", exampleInactiveType},
		),
	}, Answers: []int{http.StatusPreconditionFailed, http.StatusPreconditionRequired},
		Echo: []string{"body.cost", "body.timeout_seconds", "body.max_attempts"}}, r.putType)
	for _, path := range []string{"/v1/admin/categories/{slug}", "/v1/admin/insight-types/{slug}"} {
		op := api.OpenAPI().Paths[path].Put
		// huma documents the output's headers on the default status only.
		op.Responses["201"].Headers = op.Responses["200"].Headers
		for _, p := range op.Parameters {
			if p.Name == "If-Match" {
				p.Description = ifMatchDoc
			}
		}
	}
}

func (r catalogResource) list(ctx context.Context, _ *noInput) (*categoryListOutput, error) {
	return r.listing(ctx, false)
}

func (r catalogResource) all(ctx context.Context, _ *noInput) (*categoryListOutput, error) {
	return r.listing(ctx, true)
}

func (r catalogResource) listing(ctx context.Context, inactiveToo bool) (*categoryListOutput, error) {
	cats, err := r.svc.List(ctx, inactiveToo)
	if err != nil {
		return nil, err
	}
	out := &categoryListOutput{Body: CategoryList{Items: make([]CategoryWithTypes, 0, len(cats))}}
	for _, c := range cats {
		out.Body.Items = append(out.Body.Items, toCategoryWithTypes(c))
	}
	return out, nil
}

func (r catalogResource) get(ctx context.Context, in *slugInput) (*categoryOutput, error) {
	c, err := r.svc.Get(ctx, in.Slug, false)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, "there is no category with that slug")
	}
	return &categoryOutput{ETag: etag(c.Version), Body: toCategoryWithTypes(c)}, nil
}

func (r catalogResource) getType(ctx context.Context, in *slugInput) (*insightTypeOutput, error) {
	t, err := r.svc.Type(ctx, in.Slug)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, "there is no insight type with that slug")
	}
	return &insightTypeOutput{Status: http.StatusOK, ETag: etag(t.Version), Body: toInsightType(t)}, nil
}

func (r catalogResource) putCategory(ctx context.Context, in *putCategoryInput) (*putCategoryOutput, error) {
	version, err := catalogIfMatch(in.IfMatch)
	if err != nil {
		return nil, err
	}
	c, created, err := r.svc.PutCategory(ctx, core.InsightCategory{
		Slug: core.CategorySlug(in.Slug), Name: in.Body.Name, Description: in.Body.Description, Position: in.Body.Position,
	}, version)
	if err != nil {
		return nil, err
	}
	return &putCategoryOutput{Status: putStatus(created), ETag: etag(c.Version), Body: toCategory(c)}, nil
}

func (r catalogResource) putType(ctx context.Context, in *putInsightTypeInput) (*insightTypeOutput, error) {
	version, err := catalogIfMatch(in.IfMatch)
	if err != nil {
		return nil, err
	}
	t, created, err := r.svc.PutType(ctx, core.InsightType{
		Slug: core.InsightTypeSlug(in.Slug), Category: core.CategorySlug(in.Body.Category), Name: in.Body.Name,
		Description: in.Body.Description, Cost: in.Body.Cost, Generator: in.Body.Generator,
		Timeout: time.Duration(in.Body.TimeoutSeconds) * time.Second, MaxAttempts: in.Body.MaxAttempts, Active: in.Body.Active,
	}, version)
	if err != nil {
		return nil, err
	}
	return &insightTypeOutput{Status: putStatus(created), ETag: etag(t.Version), Body: toInsightType(t)}, nil
}

// catalogIfMatch turns an edit's If-Match into the version the catalog
// service is to replace: none (create only), any (*), or one.
func catalogIfMatch(h string) (int64, error) {
	if strings.TrimSpace(h) == "" {
		return catalog.NoVersion, nil
	}
	v, ok := parseIfMatch(h)
	switch {
	case ok && v == anyVersion:
		return catalog.AnyVersion, nil
	case !ok || v == 0:
		// A tag of no version of ours matches none (versions start at 1;
		// 0 would read as no If-Match at all).
		return 0, catalog.ErrVersionMismatch
	}
	return v, nil
}

func putStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

func toCategory(c core.InsightCategory) Category {
	return Category{Slug: string(c.Slug), Name: c.Name, Description: c.Description, Position: c.Position,
		Version: c.Version, UpdatedAt: c.UpdatedAt}
}

func toCategoryWithTypes(c catalog.Category) CategoryWithTypes {
	out := CategoryWithTypes{Category: toCategory(c.InsightCategory), Types: make([]InsightType, 0, len(c.Types))}
	for _, t := range c.Types {
		out.Types = append(out.Types, toInsightType(t))
	}
	return out
}

func toInsightType(t core.InsightType) InsightType {
	return InsightType{Slug: string(t.Slug), Category: string(t.Category), Name: t.Name, Description: t.Description,
		Cost: t.Cost, Generator: t.Generator, TimeoutSeconds: int(t.Timeout / time.Second), MaxAttempts: t.MaxAttempts,
		Active: t.Active, Version: t.Version, UpdatedAt: t.UpdatedAt}
}

// Examples of the document: the seeded activity category and its report,
// an edit of each, and a type taken off sale.
var (
	exampleCategory = Category{Slug: "activity", Name: "Activity",
		Description: "When the chat is alive: how many messages are sent, by whom, on which days and at which hours.",
		Position:    10, Version: 1, UpdatedAt: exampleTime}
	exampleEditedCategory = func() Category {
		c := exampleCategory
		c.Position, c.Version, c.UpdatedAt = 5, 2, exampleTime.Add(24*time.Hour)
		return c
	}()
	exampleInsightType = InsightType{Slug: "activity-report", Category: "activity", Name: "Activity report",
		Description: "Messages per participant, per day of the week and per hour of the day, the busiest days and the quiet stretches.",
		Cost:        5, Generator: "activity-report", TimeoutSeconds: 60, MaxAttempts: 3, Active: true, Version: 1, UpdatedAt: exampleTime}
	exampleInactiveType = func() InsightType {
		t := exampleInsightType
		t.Active, t.Version, t.UpdatedAt = false, 2, exampleTime.Add(24*time.Hour)
		return t
	}()
	exampleCategoryWithTypes = CategoryWithTypes{Category: exampleCategory, Types: []InsightType{exampleInsightType}}
)
