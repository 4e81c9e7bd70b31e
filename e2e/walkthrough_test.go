package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

// TestWalkThrough drives the README's curl walk-through with the client
// generated from openapi/openapi-3.0.yaml, against the real binary on a
// fresh, unmigrated PostgreSQL database (serve migrates it).
func TestWalkThrough(t *testing.T) {
	dsn := pgtest.NewDatabase(t, "e2e_empty", nil)
	bin := startBinary(t, dsn)
	c := client(t, bin.base)
	ctx := context.Background()
	admin := as(bin.key)

	ready := must(c.HealthReadyWithResponse(ctx))(t)
	if ready.StatusCode() != 200 {
		t.Fatalf("ready: %s", describe(ready, ready.Body))
	}
	pool := must(c.HealthDbPoolWithResponse(ctx))(t)
	if pool.JSON200 == nil || pool.JSON200.Backend != "postgres" || pool.JSON200.MaxOpen < 1 {
		t.Fatalf("db-pool: %s", describe(pool, pool.Body))
	}

	// Sign up: 201 with the first key.
	signUp := must(c.SignUpWithResponse(ctx, SignUpJSONRequestBody{Email: "ada@example.com", DisplayName: "Ada"}))(t)
	if signUp.JSON201 == nil || !strings.HasPrefix(signUp.JSON201.ApiKey.Secret, "cl_") {
		t.Fatalf("sign up: %s", describe(signUp, signUp.Body))
	}
	key, userID := as(signUp.JSON201.ApiKey.Secret), signUp.JSON201.User.Id

	me := must(c.GetMeWithResponse(ctx, key))(t)
	if me.JSON200 == nil || me.JSON200.Id != userID || me.JSON200.Balance != 0 {
		t.Fatalf("me: %s", describe(me, me.Body))
	}

	// A second key works, and the listing shows no secret.
	second := must(c.CreateKeyWithResponse(ctx, CreateKeyJSONRequestBody{Name: ptr("laptop")}, key))(t)
	if second.JSON201 == nil {
		t.Fatalf("create key: %s", describe(second, second.Body))
	}
	keys := must(c.ListKeysWithResponse(ctx, nil, as(second.JSON201.Secret)))(t)
	if keys.JSON200 == nil || len(keys.JSON200.Items) != 2 || strings.Contains(string(keys.Body), second.JSON201.Secret) {
		t.Fatalf("list keys: %s", describe(keys, keys.Body))
	}

	// The bootstrap admin grants credits once per reference.
	grant := GrantCreditsJSONRequestBody{UserId: userID, Amount: 100, Reference: "welcome"}
	granted := must(c.GrantCreditsWithResponse(ctx, grant, admin))(t)
	if granted.JSON201 == nil || !granted.JSON201.Applied || granted.JSON201.Entry.BalanceAfter != 100 {
		t.Fatalf("grant: %s", describe(granted, granted.Body))
	}
	again := must(c.GrantCreditsWithResponse(ctx, grant, admin))(t)
	if again.JSON200 == nil || again.JSON200.Applied || again.JSON200.Entry.Id != granted.JSON201.Entry.Id {
		t.Fatalf("repeated grant: %s", describe(again, again.Body))
	}

	ledger := must(c.ListLedgerWithResponse(ctx, &ListLedgerParams{Limit: ptr(int64(50))}, key))(t)
	if ledger.JSON200 == nil || len(ledger.JSON200.Items) != 1 || ledger.JSON200.Items[0].Reference != "welcome" {
		t.Fatalf("ledger: %s", describe(ledger, ledger.Body))
	}

	// The problems of the walk-through: 402, 401, 422, 403.
	charge := must(c.ChargeCreditsWithResponse(ctx, ChargeCreditsJSONRequestBody{UserId: userID, Amount: 500, Reference: "fix-1"}, admin))(t)
	checkProblem(t, "charge beyond balance", charge.ApplicationproblemJSON402, 402, "insufficient-credits")
	anonymous := must(c.GetMeWithResponse(ctx))(t)
	checkProblem(t, "no key", anonymous.ApplicationproblemJSON401, 401, "unauthenticated")
	zero := must(c.GrantCreditsWithResponse(ctx, GrantCreditsJSONRequestBody{UserId: userID, Amount: 0, Reference: "x"}, admin))(t)
	checkProblem(t, "zero grant", zero.ApplicationproblemJSON422, 422, "validation")
	notAdmin := must(c.GrantCreditsWithResponse(ctx, grant, key))(t)
	checkProblem(t, "plain user grants", notAdmin.ApplicationproblemJSON403, 403, "forbidden")

	balance := must(c.GetBalanceWithResponse(ctx, key))(t)
	if balance.JSON200 == nil || balance.JSON200.Balance != 100 {
		t.Fatalf("balance after the problems: %s", describe(balance, balance.Body))
	}

	// Revoking the first key closes it at once.
	revoked := must(c.RevokeKeyWithResponse(ctx, signUp.JSON201.ApiKey.Id, key))(t)
	if revoked.StatusCode() != 204 {
		t.Fatalf("revoke: %s", describe(revoked, revoked.Body))
	}
	closed := must(c.GetMeWithResponse(ctx, key))(t)
	checkProblem(t, "revoked key", closed.ApplicationproblemJSON401, 401, "unauthenticated")

	bin.stop(t)
	for _, secret := range []string{bin.key, signUp.JSON201.ApiKey.Secret, second.JSON201.Secret, "ada@example.com"} {
		if strings.Contains(bin.stderr.String(), secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
	if n := strings.Count(bin.stderr.String(), `"msg":"request"`); n < 15 {
		t.Errorf("%d request log lines for the walk-through", n)
	}
}
