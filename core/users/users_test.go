package users_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/ports"
)

func newService() *users.Service {
	return users.NewService(memory.New(ports.DefaultStoreOptions()), system.Clock{}, &system.UUIDv7{})
}

func TestSignUpAuthenticateAndKeys(t *testing.T) {
	ctx := context.Background()
	svc := newService()
	u, first, err := svc.SignUp(ctx, "  Ada@Example.com ", "Ada")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "Ada@example.com" || u.Role != core.RoleUser || !strings.HasPrefix(first.Secret, "cl_") {
		t.Fatalf("SignUp = %+v, key %q", u, first.Secret)
	}
	got, key, err := svc.Authenticate(ctx, first.Secret)
	if err != nil || got.ID != u.ID || key.ID != first.Key.ID {
		t.Fatalf("Authenticate = %v, %v, %v", got.ID, key.ID, err)
	}
	second, err := svc.CreateKey(ctx, u.ID, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	// An id sent in upper case names the same key (UUIDs ignore case).
	if err := svc.RevokeKey(ctx, u.ID, core.KeyID(strings.ToUpper(string(first.Key.ID)))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Authenticate(ctx, first.Secret); !errors.Is(err, core.ErrUnauthenticated) {
		t.Fatalf("revoked key: %v; want ErrUnauthenticated", err)
	}
	if _, _, err := svc.Authenticate(ctx, second.Secret); err != nil {
		t.Fatalf("second key: %v", err)
	}
	page, err := svc.ListKeys(ctx, u.ID, "", 1)
	if err != nil || len(page.Items) != 1 || page.Items[0].Active() || page.Next == "" {
		t.Fatalf("ListKeys first page = %+v, %v; want the revoked first key and a cursor", page, err)
	}
	page, err = svc.ListKeys(ctx, u.ID, page.Next, 1)
	if err != nil || len(page.Items) != 1 || page.Items[0].Name != "laptop" || page.Next != "" {
		t.Fatalf("ListKeys last page = %+v, %v; want laptop and no cursor", page, err)
	}
	if _, _, err := svc.SignUp(ctx, "ada@example.COM", "Other"); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("same email, other case: %v; want ErrConflict", err)
	}
	if err := svc.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Authenticate(ctx, second.Secret); !errors.Is(err, core.ErrUnauthenticated) {
		t.Fatalf("deleted user's key: %v; want ErrUnauthenticated", err)
	}
	if _, _, err := svc.SignUp(ctx, "ada@example.com", "Ada again"); err != nil {
		t.Fatalf("a deleted user's email should sign up again: %v", err)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	ctx := context.Background()
	svc := newService()
	u, _, err := svc.SignUp(ctx, "b@example.com", "B")
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, err := svc.SignUp(ctx, "o@example.com", "O")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"empty email", func() error { _, _, err := svc.SignUp(ctx, "", "X"); return err }, core.ErrInvalid},
		{"malformed email", func() error { _, _, err := svc.SignUp(ctx, "not-an-email", "X"); return err }, core.ErrInvalid},
		{"display-name form", func() error { _, _, err := svc.SignUp(ctx, "X <x@example.com>", "X"); return err }, core.ErrInvalid},
		{"no dot in domain", func() error { _, _, err := svc.SignUp(ctx, "x@localhost", "X"); return err }, core.ErrInvalid},
		{"long email", func() error {
			_, _, err := svc.SignUp(ctx, strings.Repeat("a", 250)+"@example.com", "X")
			return err
		}, core.ErrInvalid},
		{"empty name", func() error { _, _, err := svc.SignUp(ctx, "x@example.com", "  "); return err }, core.ErrInvalid},
		{"long name", func() error { _, _, err := svc.SignUp(ctx, "x@example.com", strings.Repeat("n", 101)); return err }, core.ErrInvalid},
		{"control in name", func() error { _, _, err := svc.SignUp(ctx, "x@example.com", "a\x00b"); return err }, core.ErrInvalid},
		{"long key name", func() error { _, err := svc.CreateKey(ctx, u.ID, strings.Repeat("k", 101)); return err }, core.ErrInvalid},
		{"key for unknown user", func() error { _, err := svc.CreateKey(ctx, "0190a000-0000-7000-8000-000000000000", "k"); return err }, core.ErrNotFound},
		{"revoke a key by a non-UUID id", func() error { return svc.RevokeKey(ctx, u.ID, "{not-a-uuid}") }, core.ErrNotFound},
		{"revoke another user's key", func() error { return svc.RevokeKey(ctx, u.ID, otherKey.Key.ID) }, core.ErrNotFound},
		{"garbage key", func() error { _, _, err := svc.Authenticate(ctx, "hello"); return err }, core.ErrUnauthenticated},
		{"unknown key", func() error { _, _, err := svc.Authenticate(ctx, core.NewAPIKeySecret()); return err }, core.ErrUnauthenticated},
		{"delete unknown user", func() error { return svc.Delete(ctx, "0190a000-0000-7000-8000-000000000000") }, core.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); !errors.Is(err, c.want) {
				t.Fatalf("error = %v; want %v", err, c.want)
			}
		})
	}
	if _, _, err := svc.Authenticate(ctx, otherKey.Secret); err != nil {
		t.Fatalf("the other user's key was touched: %v", err)
	}
	if page, _ := svc.ListKeys(ctx, u.ID, "", 0); len(page.Items) != 1 {
		t.Fatalf("%d keys after refused input; want 1", len(page.Items))
	}
}

// TestLookAlikeEmailsConflict: an address that reads as a live account's
// (Unicode's confusables) is taken, on the storage's unique email key;
// plain ASCII addresses are not confused with each other.
func TestLookAlikeEmailsConflict(t *testing.T) {
	ctx := context.Background()
	svc := newService()
	for _, email := range []string{"coco@example.com", "mike@example.com", "ape@example.com", "coco@pay.com"} {
		if _, _, err := svc.SignUp(ctx, email, "X"); err != nil {
			t.Fatal(err)
		}
	}
	for _, email := range []string{
		"сосо@example.com",      // Cyrillic
		"ϲοϲο@example.com",      // Greek
		"\u217Fike@example.com", // SMALL ROMAN NUMERAL ONE THOUSAND
		"ＡＰＥ@example.com",       // fullwidth
		"coco@рау.com",          // a Cyrillic domain label that reads pay
	} {
		if _, _, err := svc.SignUp(ctx, email, "Y"); !errors.Is(err, core.ErrConflict) {
			t.Errorf("SignUp(%+q) = %v; want ErrConflict: it reads as a live account's address", email, err)
		}
	}
	// The other way round: a look-alike signed up first holds the ASCII
	// address's key.
	if _, _, err := svc.SignUp(ctx, "рара@example.com", "Z"); err != nil { // Cyrillic р, а
		t.Fatal(err)
	}
	if _, _, err := svc.SignUp(ctx, "papa@example.com", "Z"); !errors.Is(err, core.ErrConflict) {
		t.Errorf("ASCII address after its look-alike = %v; want ErrConflict", err)
	}
	for _, email := range []string{"rnike@example.com", "c0co@example.com", "josé@example.com"} {
		if _, _, err := svc.SignUp(ctx, email, "W"); err != nil {
			t.Errorf("SignUp(%q) = %v; not a look-alike of a live account", email, err)
		}
	}
	if _, _, err := svc.SignUp(ctx, "jose\u0301@example.com", "W"); !errors.Is(err, core.ErrConflict) {
		t.Errorf("the same address in NFD = %v; want ErrConflict", err)
	}
}

func TestEnsureAdmin(t *testing.T) {
	ctx := context.Background()
	svc := newService()
	admin, key, created, err := svc.EnsureAdmin(ctx, "root@example.com")
	if err != nil || !created || !admin.IsAdmin() || key.Secret == "" {
		t.Fatalf("EnsureAdmin = %+v, %v, %v", admin, created, err)
	}
	again, key, created, err := svc.EnsureAdmin(ctx, "ROOT@example.com")
	if err != nil || created || again.ID != admin.ID || key.Secret != "" {
		t.Fatalf("second EnsureAdmin = %+v, %v, %v; want the same admin, no new key", again, created, err)
	}
	if _, _, err := svc.SignUp(ctx, "plain@example.com", "P"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := svc.EnsureAdmin(ctx, "plain@example.com"); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("EnsureAdmin over a plain user = %v; want ErrConflict (no silent promotion)", err)
	}
}

func TestKeyLimit(t *testing.T) {
	ctx := context.Background()
	svc := newService()
	u, _, err := svc.SignUp(ctx, "many@example.com", "M")
	if err != nil {
		t.Fatal(err)
	}
	for range users.MaxKeysPerUser - 1 {
		if _, err := svc.CreateKey(ctx, u.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateKey(ctx, u.ID, ""); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("key past the limit: %v; want ErrConflict", err)
	}
}
