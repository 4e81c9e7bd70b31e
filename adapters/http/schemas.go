package httpapi

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/danielgtaylor/huma/v2"
)

// Schema adjustments that struct tags cannot say: one schema built on
// another (allOf), enums named once, and the text patterns of text.go.
// huma calls TransformSchema when it first meets each type.

// schemaRef is where huma's registry keeps named schemas.
const schemaRef = "#/components/schemas/"

// TransformSchema builds Me on User: a User plus its balance.
func (Me) TransformSchema(r huma.Registry, s *huma.Schema) *huma.Schema {
	return extend(r, reflect.TypeFor[User](), s, "balance")
}

// TransformSchema builds NewAPIKey on APIKey: an APIKey plus its secret.
func (NewAPIKey) TransformSchema(r huma.Registry, s *huma.Schema) *huma.Schema {
	return extend(r, reflect.TypeFor[APIKey](), s, "secret")
}

// TransformSchema names the role enum once, as Role.
func (User) TransformSchema(r huma.Registry, s *huma.Schema) *huma.Schema {
	s.Properties["role"] = named(r, "Role", s.Properties["role"])
	return s
}

// TransformSchema names the kinds of ledger entry once, as EntryKind.
func (LedgerEntry) TransformSchema(r huma.Registry, s *huma.Schema) *huma.Schema {
	s.Properties["kind"] = named(r, "EntryKind", s.Properties["kind"])
	return s
}

// TransformSchema states the rules of the sign-up's text as patterns.
func (SignUpRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	withPattern(s, "email", emailPattern)
	withPattern(s, "display_name", labelPattern)
	return s
}

// TransformSchema states the rule of a key's name as a pattern.
func (CreateKeyRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	withPattern(s, "name", keyNamePattern)
	return s
}

// TransformSchema states the rule of a reference as a pattern.
func (CreditChangeRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	withPattern(s, "reference", referencePattern)
	return s
}

// withPattern gives property prop the Go spelling of p (huma compiles it
// right after) and says what it means in words, for the 422's message.
func withPattern(s *huma.Schema, prop string, p textPattern) {
	ps := s.Properties[prop]
	ps.Pattern, ps.PatternDescription = p.goRE, p.says
}

// named registers s as the component name and returns a reference to it.
func named(r huma.Registry, name string, s *huma.Schema) *huma.Schema {
	if _, ok := r.Map()[name]; !ok {
		r.Map()[name] = s
	}
	return &huma.Schema{Ref: schemaRef + name}
}

// extend states a struct that embeds base as allOf: base's schema, then an
// object with the struct's own properties. flat is what huma made of the
// struct, base's fields included; every property of it must be base's or
// named in own, so a field added later cannot drop out of the document.
func extend(r huma.Registry, base reflect.Type, flat *huma.Schema, own ...string) *huma.Schema {
	ref := r.Schema(base, true, base.Name())
	baseSchema := r.Map()[base.Name()]
	ext := &huma.Schema{Type: huma.TypeObject, Properties: map[string]*huma.Schema{}}
	for name, prop := range flat.Properties {
		switch {
		case slices.Contains(own, name):
			ext.Properties[name] = prop
			if slices.Contains(flat.Required, name) {
				ext.Required = append(ext.Required, name)
			}
		case baseSchema.Properties[name] == nil:
			panic(fmt.Sprintf("extend: property %q is neither %s's nor listed as its own", name, base.Name()))
		}
	}
	slices.Sort(ext.Required)
	return &huma.Schema{AllOf: []*huma.Schema{ref, ext}}
}
