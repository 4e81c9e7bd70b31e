package core

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CategorySlug names an insight category ("activity", "relationships").
type CategorySlug string

// InsightTypeSlug names an insight type ("activity-report").
type InsightTypeSlug string

// InsightCategory groups insight types on the price list.
type InsightCategory struct {
	Slug        CategorySlug
	Name        string
	Description string
	Position    int   // listing order, then slug
	Version     int64 // 1 when created, +1 per edit: the ETag of If-Match edits
	UpdatedAt   time.Time
}

// InsightType is one kind of insight for sale: what it costs and how it is
// made. Generator names the code that makes it (a statistical generator
// computed in Go, later an AI prompt); Timeout bounds one attempt of its
// job and MaxAttempts the attempts before it fails for good and is
// refunded.
type InsightType struct {
	Slug        InsightTypeSlug
	Category    CategorySlug
	Name        string
	Description string
	Cost        int64 // credits; 0 is free (no ledger entry)
	Generator   string
	Timeout     time.Duration
	MaxAttempts int
	Active      bool  // inactive types are listed to admins only and cannot be requested
	Version     int64 // as InsightCategory.Version
	UpdatedAt   time.Time
}

// Limits of the catalog.
const (
	MaxCatalogSlugLength   = 40
	MaxCatalogNameLength   = 100  // runes
	MaxCatalogDescLength   = 2000 // runes
	MaxInsightCost         = 1_000_000
	MaxInsightAttempts     = 10
	MinInsightTimeout      = time.Second
	MaxInsightTimeout      = 10 * time.Minute
	MaxCategoryPosition    = 1_000_000
	MaxGeneratorNameLength = 60
)

// ParseCategorySlug validates a category's slug: 1 to 40 of a-z, 0-9 and
// '-', starting with a letter or digit.
func ParseCategorySlug(s string) (CategorySlug, error) {
	if err := parseSlug("slug", s); err != nil {
		return "", err
	}
	return CategorySlug(s), nil
}

// ParseInsightTypeSlug validates an insight type's slug, as
// ParseCategorySlug does.
func ParseInsightTypeSlug(s string) (InsightTypeSlug, error) {
	if err := parseSlug("type", s); err != nil {
		return "", err
	}
	return InsightTypeSlug(s), nil
}

func parseSlug(field, s string) error {
	if s == "" || len(s) > MaxCatalogSlugLength {
		return Invalid(field, "must be 1 to 40 characters")
	}
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		case r == '-' && i > 0:
		default:
			return Invalid(field, "must be lower-case letters, digits and '-', starting with a letter or digit")
		}
	}
	return nil
}

// ParseCategory validates a category as an admin writes it; name and
// description are trimmed.
func ParseCategory(c InsightCategory) (InsightCategory, error) {
	slug, err := ParseCategorySlug(string(c.Slug))
	if err != nil {
		return InsightCategory{}, err
	}
	name, err := parseLabel("name", c.Name, MaxCatalogNameLength)
	if err != nil {
		return InsightCategory{}, err
	}
	desc, err := parseDescription(c.Description)
	if err != nil {
		return InsightCategory{}, err
	}
	if c.Position < 0 || c.Position > MaxCategoryPosition {
		return InsightCategory{}, Invalid("position", "must be between 0 and 1000000")
	}
	c.Slug, c.Name, c.Description = slug, name, desc
	return c, nil
}

// ParseInsightType validates a type as an admin writes it. Whether its
// generator exists is the insights module's to say.
func ParseInsightType(t InsightType) (InsightType, error) {
	slug, err := ParseInsightTypeSlug(string(t.Slug))
	if err != nil {
		return InsightType{}, err
	}
	cat, err := ParseCategorySlug(string(t.Category))
	if err != nil {
		return InsightType{}, Invalid("category", "is not a category slug")
	}
	name, err := parseLabel("name", t.Name, MaxCatalogNameLength)
	if err != nil {
		return InsightType{}, err
	}
	desc, err := parseDescription(t.Description)
	if err != nil {
		return InsightType{}, err
	}
	switch {
	case t.Cost < 0 || t.Cost > MaxInsightCost:
		return InsightType{}, Invalid("cost", "must be between 0 and 1000000 credits")
	case t.Generator == "" || len(t.Generator) > MaxGeneratorNameLength || !ValidToken(t.Generator, MaxGeneratorNameLength):
		return InsightType{}, Invalid("generator", "is not a generator name")
	case t.Timeout < MinInsightTimeout || t.Timeout > MaxInsightTimeout:
		return InsightType{}, Invalid("timeout_seconds", "must be between 1 and 600 seconds")
	case t.MaxAttempts < 1 || t.MaxAttempts > MaxInsightAttempts:
		return InsightType{}, Invalid("max_attempts", "must be between 1 and 10")
	}
	t.Slug, t.Category, t.Name, t.Description = slug, cat, name, desc
	return t, nil
}

// parseDescription allows line breaks and tabs, which parseLabel refuses,
// but no other control or text-direction character.
func parseDescription(s string) (string, error) {
	if unsafeText(strings.NewReplacer("\n", "", "\t", "").Replace(s)) {
		return "", Invalid("description", "contains control or text-direction characters")
	}
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", Invalid("description", "is not valid UTF-8")
	case utf8.RuneCountInString(s) > MaxCatalogDescLength:
		return "", Invalid("description", "is too long")
	}
	return s, nil
}
