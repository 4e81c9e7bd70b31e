package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestSignUpEmails: the address is stored normalised, refused with a 422
// when it could display as something it is not, and a look-alike of a live
// account's address is a 409; none of these problems repeats the address.
func TestSignUpEmails(t *testing.T) {
	f := newFixture(t)
	resp := f.api.Post("/v1/users", map[string]any{"email": "Jose\u0301@EXAMPLE.com", "display_name": "José"})
	var acc NewAccount
	if resp.Code != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", resp.Code, resp.Body)
	}
	if decode(t, resp, &acc); acc.User.Email != "José@example.com" {
		t.Fatalf("email %+q; want NFC with the domain in lower case", acc.User.Email)
	}
	f.signUp("coco@example.com")

	for _, tc := range []struct {
		name, email string
		status      int
	}{
		{"Cyrillic look-alike of a live address", "сосо@example.com", http.StatusConflict},
		{"Greek look-alike of a live address", "ϲοϲο@example.com", http.StatusConflict},
		{"fullwidth look-alike", "ｃｏｃｏ@example.com", http.StatusConflict},
		{"the same address decomposed", "jose\u0301@example.com", http.StatusConflict},
		{"mixed scripts", "cоcо@example.org", http.StatusUnprocessableEntity},
		{"zero-width space", "co\u200bco@example.org", http.StatusUnprocessableEntity},
		{"right-to-left override", "co\u202eco@example.org", http.StatusUnprocessableEntity},
		{"soft hyphen", "co\u00adco@example.org", http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.api.Post("/v1/users", map[string]any{"email": tc.email, "display_name": "X"})
			slug := map[int]string{409: "conflict", 422: "validation"}[tc.status]
			p := problem(t, resp, tc.status, slug)
			if tc.status == 422 && (len(p.Errors) != 1 || p.Errors[0].Location != "body.email") {
				t.Errorf("errors %+v; want body.email", p.Errors)
			}
			local, _, _ := strings.Cut(tc.email, "@")
			mustNotContain(t, resp.Body.String(), local, "example.org")
		})
	}
	// ASCII addresses are not look-alikes of each other.
	for _, email := range []string{"c0c0@example.com", "cocc@example.com", "rnike@example.com", "mike@example.com"} {
		f.signUp(email)
	}
}
