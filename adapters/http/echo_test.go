package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrorsDoNotEchoRequestContent: values, property names and headers a
// client sent never come back in a problem, whatever their shape.
func TestErrorsDoNotEchoRequestContent(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	id, _ := f.signUp("a@example.com")

	t.Run("object where a number belongs", func(t *testing.T) {
		resp := f.api.Post("/v1/admin/credits/grants", bearer(admin),
			map[string]any{"user_id": id, "amount": map[string]any{"secret": "private"}, "reference": "r"})
		p := problem(t, resp, http.StatusUnprocessableEntity, "validation")
		mustNotContain(t, resp.Body.String(), "secret", "private")
		if len(p.Errors) == 0 || p.Errors[0].Location != "body.amount" || p.Errors[0].Value != nil {
			t.Errorf("errors %+v: want body.amount without a value", p.Errors)
		}
	})
	t.Run("text where a number belongs in the query", func(t *testing.T) {
		resp := f.api.Get("/v1/credits/ledger?limit=private", bearer(admin))
		p := problem(t, resp, http.StatusUnprocessableEntity, "validation")
		mustNotContain(t, resp.Body.String(), "private")
		if len(p.Errors) == 0 || p.Errors[0].Location != "query.limit" || p.Errors[0].Value != nil {
			t.Errorf("errors %+v: want query.limit without a value", p.Errors)
		}
	})
	t.Run("a number out of range is still said", func(t *testing.T) {
		p := problem(t, f.api.Get("/v1/credits/ledger?limit=500", bearer(admin)), http.StatusUnprocessableEntity, "validation")
		if len(p.Errors) == 0 || p.Errors[0].Value == nil {
			t.Errorf("errors %+v: want the limit's value", p.Errors)
		}
	})
	t.Run("unknown property names", func(t *testing.T) {
		for name, want := range map[string]string{
			"is_admin": "body.is_admin", "Private@example.com": "body", "private name": "body",
			"private" + strings.Repeat("x", 64): "body", "privaté": "body",
		} {
			resp := f.api.Post("/v1/users", "Content-Type: application/json",
				strings.NewReader(`{"email":"b@example.com","display_name":"B",`+quote(name)+`:1}`))
			p := problem(t, resp, http.StatusUnprocessableEntity, "validation")
			if want == "body" {
				mustNotContain(t, resp.Body.String(), "private", "Private", "priva")
			}
			if len(p.Errors) != 1 || p.Errors[0].Location != want {
				t.Errorf("%q: errors %+v, want location %s", name, p.Errors, want)
			}
		}
	})
	t.Run("content type", func(t *testing.T) {
		resp := f.api.Post("/v1/users", "Content-Type: application/x-private-type", strings.NewReader(`{}`))
		problem(t, resp, http.StatusUnsupportedMediaType, "unsupported-media-type")
		mustNotContain(t, resp.Body.String(), "private")
	})
}

func quote(s string) string { return `"` + s + `"` }
