package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestAccountAndKeys(t *testing.T) {
	f := newFixture(t)
	id, key := f.signUp("Ada@Example.com")

	var me Me
	decode(t, f.api.Get("/v1/users/me", bearer(key)), &me)
	if me.ID != id || me.Email != "Ada@example.com" || me.Role != "user" || me.Balance != 0 { // the domain in lower case
		t.Fatalf("me %+v", me)
	}

	resp := f.api.Post("/v1/users/me/keys", bearer(key), map[string]any{"name": "laptop"})
	if resp.Code != http.StatusCreated {
		t.Fatalf("create key: %d %s", resp.Code, resp.Body)
	}
	var second NewAPIKey
	decode(t, resp, &second)
	if second.Name != "laptop" || !strings.HasPrefix(second.Secret, second.Hint) {
		t.Fatalf("new key %+v", second)
	}

	resp = f.api.Get("/v1/users/me/keys", bearer(second.Secret))
	if strings.Contains(resp.Body.String(), key) || strings.Contains(resp.Body.String(), second.Secret) {
		t.Fatal("a key listing shows a secret")
	}
	var list KeyList
	decode(t, resp, &list)
	if len(list.Items) != 2 || list.Items[0].Name != "default" || list.NextCursor != "" {
		t.Fatalf("keys %+v", list)
	}
	// Keys come in pages, revoked ones included, so the list stays bounded.
	var first KeyList
	decode(t, f.api.Get("/v1/users/me/keys?limit=1", bearer(second.Secret)), &first)
	if len(first.Items) != 1 || first.NextCursor == "" {
		t.Fatalf("first page of one: %+v", first)
	}
	var rest KeyList
	decode(t, f.api.Get("/v1/users/me/keys?limit=1&cursor="+first.NextCursor, bearer(second.Secret)), &rest)
	if len(rest.Items) != 1 || rest.Items[0].ID != list.Items[1].ID || rest.NextCursor != "" {
		t.Fatalf("second page: %+v", rest)
	}

	// Revoking the first key closes it at once; the second still works. A
	// UUID's letter case does not matter; another form of it is not a UUID (422).
	problem(t, f.api.Delete("/v1/users/me/keys/{"+list.Items[0].ID+"}", bearer(second.Secret)), 422, "validation")
	if resp := f.api.Delete("/v1/users/me/keys/"+strings.ToUpper(list.Items[0].ID), bearer(second.Secret)); resp.Code != 204 {
		t.Fatalf("revoke: %d %s", resp.Code, resp.Body)
	}
	problem(t, f.api.Get("/v1/users/me", bearer(key)), 401, "unauthenticated")
	if resp := f.api.Get("/v1/users/me", bearer(second.Secret)); resp.Code != 200 {
		t.Fatalf("second key: %d", resp.Code)
	}

	// Another user's key is a 404, and stays usable.
	_, other := f.signUp("other@example.com")
	problem(t, f.api.Delete("/v1/users/me/keys/"+list.Items[1].ID, bearer(other)), 404, "not-found")
	if resp := f.api.Get("/v1/users/me", bearer(second.Secret)); resp.Code != 200 {
		t.Fatalf("second key after another user's attempt: %d", resp.Code)
	}

	// Deleting the account closes every key.
	if resp := f.api.Delete("/v1/users/me", bearer(second.Secret)); resp.Code != 204 {
		t.Fatalf("delete me: %d", resp.Code)
	}
	problem(t, f.api.Get("/v1/users/me", bearer(second.Secret)), 401, "unauthenticated")
}

// TestBadSignUps: each bad input gets a useful problem, echoes nothing of
// what was sent, and creates no account.
func TestBadSignUps(t *testing.T) {
	f := newFixture(t)
	f.signUp("taken@example.com")
	long := strings.Repeat("é", 101)
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		slug, location          string
	}{
		{"malformed JSON", `{"email": "private@example.com", `, "application/json", 400, "bad-request", "body"},
		{"not JSON", `email=private@example.com`, "application/x-www-form-urlencoded", 415, "unsupported-media-type", ""},
		{"unknown field", `{"email":"private@example.com","display_name":"Ada","is_admin":true}`, "application/json", 422, "validation", "body.is_admin"},
		{"long name", `{"email":"private@example.com","display_name":"` + long + `"}`, "application/json", 422, "validation", "body.display_name"},
		{"bad email", `{"email":"private at example","display_name":"Ada"}`, "application/json", 422, "validation", "body.email"},
		{"missing name", `{"email":"private@example.com"}`, "application/json", 422, "validation", "body"},
		{"taken email", `{"email":"TAKEN@example.com","display_name":"Ada"}`, "application/json", 409, "conflict", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.api.Post("/v1/users", "Content-Type: "+tc.contentType, strings.NewReader(tc.body))
			p := problem(t, resp, tc.status, tc.slug)
			mustNotContain(t, resp.Body.String(), "private", long[:20], "TAKEN")
			if p.Detail == "" {
				t.Error("no detail")
			}
			if tc.location != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tc.location) {
				t.Errorf("errors %+v, want location %s", p.Errors, tc.location)
			}
		})
	}
	// Nothing was created: the emails are still free.
	f.signUp("private@example.com")
}

func TestBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	body := `{"email":"a@example.com","display_name":"` + strings.Repeat("x", maxJSONBody) + `"}`
	resp := f.api.Post("/v1/users", "Content-Type: application/json", strings.NewReader(body))
	problem(t, resp, http.StatusRequestEntityTooLarge, "too-large")
}

// TestLogLines: one JSON line per request with the route pattern and user,
// and never a key, an email, a name or a body.
func TestLogLines(t *testing.T) {
	f := newFixture(t)
	id, key := f.signUp("private@example.com")
	f.api.Get("/v1/users/me", bearer(key))
	f.api.Get("/v1/users/me", bearer("cl_wrong"))
	f.api.Post("/v1/users", "Content-Type: application/json", strings.NewReader(`{"email":"x@example.com","display_name":"Secret Name"`))
	logs := f.logs.String()
	if n := strings.Count(logs, `"msg":"request"`); n != 4 {
		t.Fatalf("%d request lines, want 4:\n%s", n, logs)
	}
	for _, want := range []string{`"route":"GET /v1/users/me"`, `"status":200`, `"status":401`, `"user_id":"` + id + `"`, `"request_id":"`, `"duration_ms":`, `"method":"GET"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	mustNotContain(t, logs, key, "cl_wrong", "private@example.com", "x@example.com", "Secret Name", "Someone")
}
