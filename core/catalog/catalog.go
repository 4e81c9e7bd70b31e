// Package catalog holds the price list of insights: categories and the
// insight types in them (what each costs, which generator makes it, how
// long one attempt may take and how many attempts it gets). A migration
// seeds it; admins edit it with If-Match, so two admins' edits never
// silently overwrite each other.
package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// Errors of an edit's precondition.
var (
	// ErrVersionMismatch: the edit's If-Match names a version the entry no
	// longer has (or the entry does not exist). HTTP 412.
	ErrVersionMismatch = errors.New("the catalog entry changed since it was read")
	// ErrPreconditionRequired: the entry exists and the edit named no
	// version to replace. HTTP 428.
	ErrPreconditionRequired = errors.New("replacing a catalog entry needs If-Match")
)

// Versions an edit may name besides an entry's own.
const (
	// NoVersion: no If-Match. Creates the entry; replacing one is
	// ErrPreconditionRequired.
	NoVersion int64 = 0
	// AnyVersion: If-Match: *. Replaces the entry whatever its version;
	// ErrVersionMismatch when there is none.
	AnyVersion int64 = -1
)

// Generators says which generator names exist (the insights module's
// registry); a type naming another is refused.
type Generators interface {
	Known(name string) bool
}

// Service runs the catalog use cases.
type Service struct {
	uow        ports.UnitOfWork
	clock      ports.Clock
	generators Generators
}

// NewService returns a catalog service.
func NewService(uow ports.UnitOfWork, clock ports.Clock, generators Generators) *Service {
	return &Service{uow: uow, clock: clock, generators: generators}
}

// Category is a category with its types.
type Category struct {
	core.InsightCategory
	Types []core.InsightType
}

// List returns every category with its types, in listing order; inactive
// types only when inactiveToo (an admin's view). A category without types
// (to show) is listed too.
func (s *Service) List(ctx context.Context, inactiveToo bool) ([]Category, error) {
	var cats []core.InsightCategory
	var types []core.InsightType
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if cats, err = tx.Catalog().Categories(ctx); err != nil {
			return err
		}
		types, err = tx.Catalog().Types(ctx)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return nil, err
	}
	out := make([]Category, 0, len(cats))
	at := map[core.CategorySlug]int{}
	for _, c := range cats {
		at[c.Slug] = len(out)
		out = append(out, Category{InsightCategory: c, Types: []core.InsightType{}})
	}
	for _, t := range types {
		if i, ok := at[t.Category]; ok && (t.Active || inactiveToo) {
			out[i].Types = append(out[i].Types, t)
		}
	}
	return out, nil
}

// Get returns one category with its types (inactive ones when
// inactiveToo); core.ErrNotFound when there is none.
func (s *Service) Get(ctx context.Context, slug string, inactiveToo bool) (Category, error) {
	cs, err := core.ParseCategorySlug(slug)
	if err != nil {
		return Category{}, fmt.Errorf("category: %w", core.ErrNotFound)
	}
	var out Category
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		c, err := tx.Catalog().Category(ctx, cs)
		if err != nil {
			return err
		}
		types, err := tx.Catalog().Types(ctx)
		if err != nil {
			return err
		}
		out = Category{InsightCategory: c, Types: []core.InsightType{}}
		for _, t := range types {
			if t.Category == cs && (t.Active || inactiveToo) {
				out.Types = append(out.Types, t)
			}
		}
		return nil
	}, ports.ReadOnly())
	return out, err
}

// Type returns one insight type, active or not; core.ErrNotFound when
// there is none.
func (s *Service) Type(ctx context.Context, slug string) (core.InsightType, error) {
	ts, err := core.ParseInsightTypeSlug(slug)
	if err != nil {
		return core.InsightType{}, fmt.Errorf("insight type: %w", core.ErrNotFound)
	}
	var t core.InsightType
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		t, err = tx.Catalog().Type(ctx, ts)
		return err
	}, ports.ReadOnly())
	return t, err
}

// PutCategory creates the category, or replaces the one with its slug when
// ifVersion names its version (or AnyVersion), and reports whether it was
// created. The stored version is returned: 1 when created, one more than
// before when replaced.
func (s *Service) PutCategory(ctx context.Context, c core.InsightCategory, ifVersion int64) (core.InsightCategory, bool, error) {
	c, err := core.ParseCategory(c)
	if err != nil {
		return core.InsightCategory{}, false, err
	}
	var created bool
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Catalog().Category(ctx, c.Slug)
		version, err := precondition(err, cur.Version, ifVersion)
		if err != nil {
			return err
		}
		c.Version, c.UpdatedAt = version, s.clock.Now()
		created, err = tx.Catalog().PutCategory(ctx, c)
		return lostRace(err)
	}, ports.WithIsolation(ports.ReadCommitted))
	if err != nil {
		return core.InsightCategory{}, false, err
	}
	return c, created, nil
}

// PutType creates or replaces an insight type as PutCategory does. Its
// category must exist and its generator must be known.
func (s *Service) PutType(ctx context.Context, t core.InsightType, ifVersion int64) (core.InsightType, bool, error) {
	t, err := core.ParseInsightType(t)
	if err != nil {
		return core.InsightType{}, false, err
	}
	if !s.generators.Known(t.Generator) {
		return core.InsightType{}, false, core.Invalid("generator", "is not a generator this service has")
	}
	var created bool
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Catalog().Category(ctx, t.Category); errors.Is(err, core.ErrNotFound) {
			return core.Invalid("category", "is not a category")
		} else if err != nil {
			return err
		}
		cur, err := tx.Catalog().Type(ctx, t.Slug)
		version, err := precondition(err, cur.Version, ifVersion)
		if err != nil {
			return err
		}
		t.Version, t.UpdatedAt = version, s.clock.Now()
		created, err = tx.Catalog().PutType(ctx, t)
		if errors.Is(err, core.ErrNotFound) { // the category went meanwhile
			return core.Invalid("category", "is not a category")
		}
		return lostRace(err)
	}, ports.WithIsolation(ports.ReadCommitted))
	if err != nil {
		return core.InsightType{}, false, err
	}
	return t, created, nil
}

// precondition decides an edit from the read of the current entry (its
// error and version) and the version the edit names, and returns the
// version to store. The store writes it only over the version before it
// (ports.Catalog), so of two edits that read one version the second meets
// core.ErrConflict, which the edit reports as ErrVersionMismatch.
func precondition(readErr error, current, ifVersion int64) (int64, error) {
	switch {
	case errors.Is(readErr, core.ErrNotFound):
		if ifVersion != NoVersion {
			return 0, ErrVersionMismatch
		}
		return 1, nil
	case readErr != nil:
		return 0, readErr
	case ifVersion == NoVersion:
		return 0, ErrPreconditionRequired
	case ifVersion != AnyVersion && ifVersion != current:
		return 0, ErrVersionMismatch
	}
	return current + 1, nil
}

// lostRace turns the store's refusal of a write that another edit beat
// into the edit's precondition failure.
func lostRace(err error) error {
	if errors.Is(err, core.ErrConflict) {
		return ErrVersionMismatch
	}
	return err
}
