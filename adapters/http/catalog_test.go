package httpapi

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

func TestCatalogCategoryEdits(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	_, user := f.signUp("ada@example.com")
	const path = "/v1/admin/categories/testing"
	body := map[string]any{"name": "Testing", "description": "For the tests.\n\tIndented.", "position": 7}

	problem(t, f.api.Put(path, body), http.StatusUnauthorized, "unauthenticated")
	problem(t, f.api.Put(path, bearer(user), body), http.StatusForbidden, "forbidden")
	// If-Match on a category that does not exist matches nothing.
	problem(t, f.api.Put(path, bearer(admin), `If-Match: "1"`, body), http.StatusPreconditionFailed, "precondition-failed")
	problem(t, f.api.Put(path, bearer(admin), "If-Match: *", body), http.StatusPreconditionFailed, "precondition-failed")
	problem(t, f.api.Get("/v1/categories/testing"), http.StatusNotFound, "not-found")

	created := f.api.Put(path, bearer(admin), body)
	var c Category
	decode(t, created, &c)
	if created.Code != http.StatusCreated || c.Slug != "testing" || c.Version != 1 || c.Position != 7 || c.Description != "For the tests.\n\tIndented." {
		t.Fatalf("create: %d %s", created.Code, created.Body)
	}
	if tag := created.Header().Get("ETag"); tag != `"1"` {
		t.Errorf("ETag %q", tag)
	}
	problem(t, f.api.Put(path, bearer(admin), body), http.StatusPreconditionRequired, "precondition-required")
	for _, stale := range []string{`"2"`, `"0"`, `W/"1"`, `1`, `"01"`} {
		problem(t, f.api.Put(path, bearer(admin), "If-Match: "+stale, body), http.StatusPreconditionFailed, "precondition-failed")
	}

	body["name"] = "Tests"
	replaced := f.api.Put(path, bearer(admin), `If-Match: "1"`, body)
	decode(t, replaced, &c)
	if replaced.Code != http.StatusOK || c.Version != 2 || c.Name != "Tests" || replaced.Header().Get("ETag") != `"2"` {
		t.Fatalf("replace: %d %s (ETag %q)", replaced.Code, replaced.Body, replaced.Header().Get("ETag"))
	}
	problem(t, f.api.Put(path, bearer(admin), `If-Match: "1"`, body), http.StatusPreconditionFailed, "precondition-failed")
	anyVersion := f.api.Put(path, bearer(admin), "If-Match: *", body)
	if anyVersion.Code != http.StatusOK || anyVersion.Header().Get("ETag") != `"3"` {
		t.Fatalf("If-Match *: %d %s", anyVersion.Code, anyVersion.Body)
	}

	got := f.api.Get("/v1/categories/testing")
	var withTypes CategoryWithTypes
	decode(t, got, &withTypes)
	if got.Code != http.StatusOK || got.Header().Get("ETag") != `"3"` || withTypes.Name != "Tests" || withTypes.Types == nil || len(withTypes.Types) != 0 {
		t.Fatalf("get: %d %s", got.Code, got.Body)
	}

	// Text the rules refuse is a 422 that does not repeat it.
	bad := f.api.Put("/v1/admin/categories/other", bearer(admin), map[string]any{"name": "Secret\u202eName", "description": "", "position": 1})
	p := problem(t, bad, http.StatusUnprocessableEntity, "validation")
	mustNotContain(t, bad.Body.String(), "Secret")
	if len(p.Errors) == 0 || p.Errors[0].Location != "body.name" {
		t.Errorf("bad name: %+v", p.Errors)
	}
	bad = f.api.Put("/v1/admin/categories/other", bearer(admin), map[string]any{"name": "Other", "description": "Secret\rText", "position": 1})
	problem(t, bad, http.StatusUnprocessableEntity, "validation")
	mustNotContain(t, bad.Body.String(), "Secret")
	problem(t, f.api.Put("/v1/admin/categories/Not_A_Slug", bearer(admin), body), http.StatusUnprocessableEntity, "validation")
	problem(t, f.api.Get("/v1/categories/Not_A_Slug"), http.StatusUnprocessableEntity, "validation")
}

func TestCatalogTypesAndListing(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	_, user := f.signUp("ada@example.com")
	if resp := f.api.Put("/v1/admin/categories/testing", bearer(admin), map[string]any{"name": "Testing", "description": "", "position": 1}); resp.Code != http.StatusCreated {
		t.Fatalf("category: %d %s", resp.Code, resp.Body)
	}
	typ := func(active bool) map[string]any {
		return map[string]any{"category": "testing", "name": "Test report", "description": "Counts.", "cost": 5,
			"generator": "activity-report", "timeout_seconds": 30, "max_attempts": 2, "active": active}
	}
	const path = "/v1/admin/insight-types/test-report"
	problem(t, f.api.Put(path, typ(true)), http.StatusUnauthorized, "unauthenticated")
	problem(t, f.api.Put(path, bearer(user), typ(true)), http.StatusForbidden, "forbidden")

	created := f.api.Put(path, bearer(admin), typ(true))
	var it InsightType
	decode(t, created, &it)
	if created.Code != http.StatusCreated || created.Header().Get("ETag") != `"1"` || it.Cost != 5 || it.TimeoutSeconds != 30 ||
		it.MaxAttempts != 2 || !it.Active || it.Category != "testing" || it.Generator != "activity-report" || it.Version != 1 {
		t.Fatalf("create: %d %s", created.Code, created.Body)
	}
	problem(t, f.api.Put(path, bearer(admin), typ(true)), http.StatusPreconditionRequired, "precondition-required")
	problem(t, f.api.Put(path, bearer(admin), `If-Match: "2"`, typ(true)), http.StatusPreconditionFailed, "precondition-failed")
	problem(t, f.api.Put("/v1/admin/insight-types/nothing", bearer(admin), `If-Match: "1"`, typ(true)), http.StatusPreconditionFailed, "precondition-failed")
	if resp := f.api.Put("/v1/admin/insight-types/test-hidden", bearer(admin), typ(false)); resp.Code != http.StatusCreated {
		t.Fatalf("inactive type: %d %s", resp.Code, resp.Body)
	}

	// An unknown generator or category is a 422 at its field, unrepeated.
	for field, value := range map[string]string{"generator": "secret-generator", "category": "secret-category"} {
		b := typ(true)
		b[field] = value
		resp := f.api.Put("/v1/admin/insight-types/other", bearer(admin), b)
		p := problem(t, resp, http.StatusUnprocessableEntity, "validation")
		mustNotContain(t, resp.Body.String(), "secret-")
		if len(p.Errors) == 0 || p.Errors[0].Location != "body."+field {
			t.Errorf("%s: %+v", field, p.Errors)
		}
	}
	problem(t, f.api.Get("/v1/insight-types/other"), http.StatusNotFound, "not-found")

	// The public price list shows what is on sale; the admin's, everything.
	types := func(resp *httptest.ResponseRecorder) map[string]bool {
		t.Helper()
		if resp.Code != http.StatusOK {
			t.Fatalf("list: %d %s", resp.Code, resp.Body)
		}
		var list CategoryList
		decode(t, resp, &list)
		out := map[string]bool{}
		for _, c := range list.Items {
			for _, it := range c.Types {
				if c.Slug == "testing" {
					out[it.Slug] = it.Active
				}
			}
		}
		return out
	}
	if got := types(f.api.Get("/v1/categories")); len(got) != 1 || !got["test-report"] {
		t.Errorf("public list: %v", got)
	}
	if got := types(f.api.Get("/v1/categories", bearer(user))); len(got) != 1 {
		t.Errorf("public list with a user's key: %v", got)
	}
	if got := types(f.api.Get("/v1/admin/categories", bearer(admin))); len(got) != 2 || got["test-hidden"] || !got["test-report"] {
		t.Errorf("admin list: %v", got)
	}
	problem(t, f.api.Get("/v1/admin/categories"), http.StatusUnauthorized, "unauthenticated")
	problem(t, f.api.Get("/v1/admin/categories", bearer(user)), http.StatusForbidden, "forbidden")
	var one CategoryWithTypes
	decode(t, f.api.Get("/v1/categories/testing"), &one)
	if len(one.Types) != 1 || one.Types[0].Slug != "test-report" {
		t.Errorf("get category: %+v", one)
	}

	// A type is readable by anyone, on sale or not, with its ETag; an
	// edit replaces the version it names.
	hidden := f.api.Get("/v1/insight-types/test-hidden")
	decode(t, hidden, &it)
	if hidden.Code != http.StatusOK || it.Active || hidden.Header().Get("ETag") != `"1"` {
		t.Fatalf("get type: %d %s", hidden.Code, hidden.Body)
	}
	replaced := f.api.Put("/v1/admin/insight-types/test-hidden", bearer(admin), "If-Match: "+hidden.Header().Get("ETag"), typ(true))
	decode(t, replaced, &it)
	if replaced.Code != http.StatusOK || !it.Active || it.Version != 2 || replaced.Header().Get("ETag") != `"2"` {
		t.Fatalf("replace type: %d %s", replaced.Code, replaced.Body)
	}
	if got := types(f.api.Get("/v1/categories")); len(got) != 2 {
		t.Errorf("public list after putting the type on sale: %v", got)
	}
	problem(t, f.api.Get("/v1/insight-types/nothing"), http.StatusNotFound, "not-found")
}

// TestDescriptionPatternMatchesTheCore: the description pattern accepts
// exactly what the core's check accepts, character by character.
func TestDescriptionPatternMatchesTheCore(t *testing.T) {
	re := regexp.MustCompile(descriptionPattern.goRE)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if r > 0xFFFF && r%97 != 0 {
			continue
		}
		c := string(r)
		for _, s := range []string{c, "a" + c, c + "a", "a" + c + "b"} {
			_, err := core.ParseCategory(core.InsightCategory{Slug: "a", Name: "a", Description: s})
			if got, want := re.MatchString(s), err == nil; got != want {
				t.Errorf("description %+q: pattern %v, core %v", s, got, want)
			}
		}
	}
}
