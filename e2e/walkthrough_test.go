package e2e

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"strconv"
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

	chatSteps(t, c, key)

	// Revoking the first key closes it at once.
	revoked := must(c.RevokeKeyWithResponse(ctx, signUp.JSON201.ApiKey.Id, key))(t)
	if revoked.StatusCode() != 204 {
		t.Fatalf("revoke: %s", describe(revoked, revoked.Body))
	}
	closed := must(c.GetMeWithResponse(ctx, key))(t)
	checkProblem(t, "revoked key", closed.ApplicationproblemJSON401, 401, "unauthenticated")

	bin.stop(t)
	for _, secret := range []string{bin.key, signUp.JSON201.ApiKey.Secret, second.JSON201.Secret, "ada@example.com",
		"Dinner", "dinner", "Grace", "Family", "chat.txt", "secret-words"} {
		if strings.Contains(bin.stderr.String(), secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
	if n := strings.Count(bin.stderr.String(), `"msg":"request"`); n < 15 {
		t.Errorf("%d request log lines for the walk-through", n)
	}
}

// chatExport is the README's chat: a WhatsApp export of two people.
const chatExport = "01/03/2024, 09:15 - Ada: Dinner at eight?\n" +
	"01/03/2024, 09:16 - Grace: 😂 dinner sounds good\n" +
	"02/03/2024, 21:00 - Ada: See you there\n"

// chatForm is a multipart body with the file and the given fields.
func chatForm(t *testing.T, file string, fields ...string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := w.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "chat.txt")
	if err == nil {
		_, err = io.WriteString(fw, file)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

// chatSteps are the README's chats steps: upload (and the same file
// again), read, search, rename under If-Match, statistics and a picture,
// delete and restore, and an upload that is no export.
func chatSteps(t *testing.T, c *ClientWithResponses, key RequestEditorFn) {
	ctx := context.Background()
	body, ct := chatForm(t, chatExport, "title", "Family", "time_zone", "Europe/Madrid")
	up := must(c.UploadChatWithBodyWithResponse(ctx, ct, body, key))(t)
	if up.JSON201 == nil || up.JSON201.Messages != 3 || up.JSON201.Report.ParserVersion < 1 || up.HTTPResponse.Header.Get("Location") == "" {
		t.Fatalf("upload: %s", describe(up, up.Body))
	}
	id := up.JSON201.Id
	body, ct = chatForm(t, chatExport)
	again := must(c.UploadChatWithBodyWithResponse(ctx, ct, body, key))(t)
	if again.JSON200 == nil || again.JSON200.Id != id {
		t.Fatalf("the same file again: %s", describe(again, again.Body))
	}

	got := must(c.GetChatWithResponse(ctx, id, key))(t)
	tag := got.HTTPResponse.Header.Get("ETag")
	if got.JSON200 == nil || len(got.JSON200.Participants) != 2 || tag != `"1"` {
		t.Fatalf("get: %s (ETag %q)", describe(got, got.Body), tag)
	}
	found := must(c.ListMessagesWithResponse(ctx, id, &ListMessagesParams{Q: ptr("dinner")}, key))(t)
	if found.JSON200 == nil || len(found.JSON200.Items) != 2 || found.JSON200.Items[1].Marks == nil ||
		(*found.JSON200.Items[1].Marks)[0].Start != 3 {
		t.Fatalf("search: %s", describe(found, found.Body))
	}
	many := "secret-words"
	for i := range 20 {
		many += " w" + strconv.Itoa(i)
	}
	bad := must(c.ListMessagesWithResponse(ctx, id, &ListMessagesParams{Q: &many}, key))(t)
	checkProblem(t, "a search with too many words", bad.ApplicationproblemJSON422, 422, "validation")
	if bytes.Contains(bad.Body, []byte("secret")) {
		t.Fatalf("a 422 repeats the query: %s", bad.Body)
	}

	rename := RenameChatJSONRequestBody{Title: "Family (2024)"}
	noTag := must(c.RenameChatWithResponse(ctx, id, &RenameChatParams{}, rename, key))(t)
	checkProblem(t, "rename without If-Match", noTag.ApplicationproblemJSON428, 428, "precondition-required")
	renamed := must(c.RenameChatWithResponse(ctx, id, &RenameChatParams{IfMatch: &tag}, rename, key))(t)
	if renamed.JSON200 == nil || renamed.JSON200.Title != "Family (2024)" {
		t.Fatalf("rename: %s", describe(renamed, renamed.Body))
	}
	stale := must(c.RenameChatWithResponse(ctx, id, &RenameChatParams{IfMatch: &tag}, rename, key))(t)
	checkProblem(t, "rename with a stale ETag", stale.ApplicationproblemJSON412, 412, "precondition-failed")

	st := must(c.GetChatStatisticsWithResponse(ctx, id, key))(t)
	if st.JSON200 == nil || st.JSON200.Messages != 3 || len(st.JSON200.Authors) != 2 {
		t.Fatalf("statistics: %s", describe(st, st.Body))
	}
	pic := must(c.DrawChatActivityWithResponse(ctx, id, key))(t)
	if pic.StatusCode() != 200 || pic.HTTPResponse.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(pic.Body, []byte("<svg")) {
		t.Fatalf("activity picture: %d %.200s", pic.StatusCode(), pic.Body)
	}

	if del := must(c.DeleteChatWithResponse(ctx, id, key))(t); del.StatusCode() != 204 {
		t.Fatalf("delete: %s", describe(del, del.Body))
	}
	gone := must(c.GetChatWithResponse(ctx, id, key))(t)
	checkProblem(t, "deleted chat", gone.ApplicationproblemJSON404, 404, "not-found")
	back := must(c.RestoreChatWithResponse(ctx, id, key))(t)
	if back.JSON200 == nil || back.JSON200.Id != id {
		t.Fatalf("restore: %s", describe(back, back.Body))
	}

	body, ct = chatForm(t, "secret-words, not a chat\n", "title", "Secret Title")
	notChat := must(c.UploadChatWithBodyWithResponse(ctx, ct, body, key))(t)
	checkProblem(t, "not an export", notChat.ApplicationproblemJSON422, 422, "validation")
	if notChat.ApplicationproblemJSON422.Report == nil || bytes.Contains(notChat.Body, []byte("secret-words")) || bytes.Contains(notChat.Body, []byte("Secret Title")) {
		t.Fatalf("not an export: %s", notChat.Body)
	}
}
