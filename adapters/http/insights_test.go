package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/catalog"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/ports"
)

// insightType puts an insight type (and its category) on the price list
// through the catalog service.
func (f *fixture) insightType(slug, generator string, cost int64, active bool) {
	f.t.Helper()
	ctx := context.Background()
	_, _, err := f.catalog.PutCategory(ctx, core.InsightCategory{Slug: "testing", Name: "Testing", Position: 1}, catalog.NoVersion)
	if err != nil && !errors.Is(err, catalog.ErrPreconditionRequired) { // made by an earlier call
		f.t.Fatal(err)
	}
	_, _, err = f.catalog.PutType(ctx, core.InsightType{Slug: core.InsightTypeSlug(slug), Category: "testing", Name: slug,
		Cost: cost, Generator: generator, Timeout: 10 * time.Second, MaxAttempts: 1, Active: active}, catalog.NoVersion)
	if err != nil {
		f.t.Fatal(err)
	}
}

// grant gives a user credits through the service.
func (f *fixture) grant(user string, amount int64) {
	f.t.Helper()
	if _, err := f.credits.Grant(context.Background(), core.UserID(user), amount, "test-grant"); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) balance(user string) int64 {
	f.t.Helper()
	acc, err := f.credits.Balance(context.Background(), core.UserID(user))
	if err != nil {
		f.t.Fatal(err)
	}
	return acc.Balance
}

// requested decodes a request's answer and checks its status and Location.
func requested(t *testing.T, resp *httptest.ResponseRecorder, status int) Insight {
	t.Helper()
	if resp.Code != status {
		t.Fatalf("request: %d, want %d: %s", resp.Code, status, resp.Body)
	}
	var in Insight
	decode(t, resp, &in)
	if loc := resp.Header().Get("Location"); loc != "/v1/chats/"+in.ChatID+"/insights/"+in.ID {
		t.Errorf("Location %q for %s", loc, resp.Body)
	}
	return in
}

func TestRequestInsightChargesOnce(t *testing.T) {
	f := newFixture(t)
	f.insightType("test-activity", "activity-report", 5, true)
	f.insightType("test-hidden", "activity-report", 5, false)
	ada, key := f.signUp("ada@example.com")
	grace, other := f.signUp("grace@example.com")
	f.grant(ada, 20)
	f.grant(grace, 20)
	chat := f.uploaded(key, "file", chatExport)
	path := "/v1/chats/" + chat.ID + "/insights"

	first := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity"}), http.StatusAccepted)
	if first.ChatID != chat.ID || first.Type != "test-activity" || first.Generation != 1 || first.Status != "pending" ||
		first.Cost != 5 || first.Result != nil || first.Job == nil || first.Job.State != "available" || first.Job.MaxAttempts != 1 {
		t.Fatalf("first request: %+v", first)
	}
	if b := f.balance(ada); b != 15 {
		t.Fatalf("balance %d after one request, want 15", b)
	}
	// The same request again is the same insight, free.
	again := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity", "regenerate": false}), http.StatusAccepted)
	if again.ID != first.ID || again.Generation != 1 {
		t.Fatalf("repeat: %+v", again)
	}
	if b := f.balance(ada); b != 15 {
		t.Fatalf("balance %d after a repeat, want 15", b)
	}
	// Regenerating starts a new generation, charged again.
	regen := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity", "regenerate": true}), http.StatusAccepted)
	if regen.ID != first.ID || regen.Generation != 2 || regen.Status != "pending" {
		t.Fatalf("regenerate: %+v", regen)
	}
	if b := f.balance(ada); b != 10 {
		t.Fatalf("balance %d after regenerating, want 10", b)
	}

	// Read one, and the list.
	got := f.api.Get(path+"/"+strings.ToUpper(first.ID), bearer(key))
	var one Insight
	decode(t, got, &one)
	if got.Code != http.StatusOK || one.ID != first.ID || one.Generation != 2 || one.Status != "pending" || one.Job == nil {
		t.Fatalf("get: %d %s", got.Code, got.Body)
	}
	var list InsightList
	decode(t, f.api.Get(path, bearer(key)), &list)
	if len(list.Items) != 1 || list.Items[0].ID != first.ID || list.Items[0].Job != nil || list.NextCursor != "" {
		t.Fatalf("list: %+v", list)
	}

	// Types not on sale are a 422 at body.type; nothing is charged.
	for _, typ := range []string{"test-hidden", "no-such-type"} {
		p := problem(t, f.api.Post(path, bearer(key), map[string]any{"type": typ}), http.StatusUnprocessableEntity, "validation")
		if len(p.Errors) == 0 || p.Errors[0].Location != "body.type" {
			t.Errorf("%s: %+v", typ, p.Errors)
		}
	}
	problem(t, f.api.Post(path, bearer(key), map[string]any{"type": "Not A Slug"}), http.StatusUnprocessableEntity, "validation")
	if b := f.balance(ada); b != 10 {
		t.Fatalf("balance %d after refused requests, want 10", b)
	}

	// Another user's chat is a 404, whatever the operation; nothing charged.
	problem(t, f.api.Post(path, bearer(other), map[string]any{"type": "test-activity"}), http.StatusNotFound, "not-found")
	problem(t, f.api.Get(path, bearer(other)), http.StatusNotFound, "not-found")
	problem(t, f.api.Get(path+"/"+first.ID, bearer(other)), http.StatusNotFound, "not-found")
	if b := f.balance(grace); b != 20 {
		t.Fatalf("the other user's balance %d, want 20", b)
	}
	// An insight asked for through another chat is a 404 too.
	second := f.uploaded(key, "file", chatExport+"14/03/2024, 10:00 - Ada: Another file\n")
	problem(t, f.api.Get("/v1/chats/"+second.ID+"/insights/"+first.ID, bearer(key)), http.StatusNotFound, "not-found")
	problem(t, f.api.Get(path+"/"+second.ID, bearer(key)), http.StatusNotFound, "not-found")
	problem(t, f.api.Get(path+"/not-a-uuid", bearer(key)), http.StatusUnprocessableEntity, "validation")
	problem(t, f.api.Post(path, map[string]any{"type": "test-activity"}), http.StatusUnauthorized, "unauthenticated")
}

func TestRequestInsightWithoutCredits(t *testing.T) {
	f := newFixture(t)
	f.insightType("test-activity", "activity-report", 5, true)
	ada, key := f.signUp("ada@example.com")
	f.grant(ada, 3)
	chat := f.uploaded(key, "file", chatExport)
	path := "/v1/chats/" + chat.ID + "/insights"

	problem(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity"}), http.StatusPaymentRequired, "insufficient-credits")
	if b := f.balance(ada); b != 3 {
		t.Fatalf("balance %d after a 402, want 3", b)
	}
	var list InsightList
	decode(t, f.api.Get(path, bearer(key)), &list)
	if len(list.Items) != 0 {
		t.Fatalf("a 402 left an insight: %+v", list)
	}
	// A free type needs no credits.
	f.insightType("test-free", "activity-report", 0, true)
	free := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-free"}), http.StatusAccepted)
	if free.Cost != 0 || f.balance(ada) != 3 {
		t.Fatalf("free insight: %+v, balance %d", free, f.balance(ada))
	}
}

func TestRequestInsightIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	f.insightType("test-activity", "activity-report", 5, true)
	f.insightType("test-other", "activity-report", 5, true)
	ada, key := f.signUp("ada@example.com")
	f.grant(ada, 30)
	chat := f.uploaded(key, "file", chatExport)
	path := "/v1/chats/" + chat.ID + "/insights"
	withKey := func(k string) string { return "Idempotency-Key: " + k }

	first := requested(t, f.api.Post(path, bearer(key), withKey("order-1"), map[string]any{"type": "test-activity"}), http.StatusAccepted)
	again := requested(t, f.api.Post(path, bearer(key), withKey("order-1"), map[string]any{"type": "test-activity"}), http.StatusAccepted)
	if again.ID != first.ID || again.Generation != 1 || f.balance(ada) != 25 {
		t.Fatalf("repeat with the key: %+v, balance %d", again, f.balance(ada))
	}
	// A regeneration under its own key is charged once, however often it
	// is sent: without the key each one would charge.
	regen := map[string]any{"type": "test-activity", "regenerate": true}
	r1 := requested(t, f.api.Post(path, bearer(key), withKey("regen-1"), regen), http.StatusAccepted)
	r2 := requested(t, f.api.Post(path, bearer(key), withKey("regen-1"), regen), http.StatusAccepted)
	if r1.Generation != 2 || r2.Generation != 2 || f.balance(ada) != 20 {
		t.Fatalf("regenerate with a key twice: generations %d and %d, balance %d", r1.Generation, r2.Generation, f.balance(ada))
	}

	// The key with another request is a 422 at the header; nothing charged.
	for _, body := range []map[string]any{{"type": "test-other"}, {"type": "test-activity", "regenerate": true}} {
		resp := f.api.Post(path, bearer(key), withKey("order-1"), body)
		p := problem(t, resp, http.StatusUnprocessableEntity, "validation")
		if len(p.Errors) == 0 || p.Errors[0].Location != "header.Idempotency-Key" {
			t.Errorf("key reused: %+v", p.Errors)
		}
		mustNotContain(t, resp.Body.String(), "order-1")
	}
	// A malformed key is a 422 that does not repeat it.
	resp := f.api.Post(path, bearer(key), withKey("secret key"), map[string]any{"type": "test-other"})
	problem(t, resp, http.StatusUnprocessableEntity, "validation")
	mustNotContain(t, resp.Body.String(), "secret key")
	if b := f.balance(ada); b != 20 {
		t.Fatalf("balance %d after refused keys, want 20", b)
	}
	// Keys are per user: another user's same key is a new request.
	grace, other := f.signUp("grace@example.com")
	f.grant(grace, 5)
	theirs := f.uploaded(other, "file", chatExport)
	requested(t, f.api.Post("/v1/chats/"+theirs.ID+"/insights", bearer(other), withKey("order-1"), map[string]any{"type": "test-other"}), http.StatusAccepted)
}

func TestInsightsOfADeletedChat(t *testing.T) {
	f := newFixture(t)
	f.insightType("test-activity", "activity-report", 5, true)
	ada, key := f.signUp("ada@example.com")
	f.grant(ada, 10)
	chat := f.uploaded(key, "file", chatExport)
	path := "/v1/chats/" + chat.ID + "/insights"
	in := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity"}), http.StatusAccepted)

	if resp := f.api.Delete("/v1/chats/"+chat.ID, bearer(key)); resp.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.Code, resp.Body)
	}
	problem(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity"}), http.StatusNotFound, "not-found")
	problem(t, f.api.Get(path, bearer(key)), http.StatusNotFound, "not-found")
	problem(t, f.api.Get(path+"/"+in.ID, bearer(key)), http.StatusNotFound, "not-found")
	// The deletion cancelled the pending insight and refunded it.
	if b := f.balance(ada); b != 10 {
		t.Fatalf("balance %d after deleting the chat, want 10", b)
	}
	if resp := f.api.Post("/v1/chats/"+chat.ID+"/restore", bearer(key)); resp.Code != http.StatusOK {
		t.Fatalf("restore: %d %s", resp.Code, resp.Body)
	}
	var got Insight
	decode(t, f.api.Get(path+"/"+in.ID, bearer(key)), &got)
	if got.Status != "cancelled" || got.ErrorClass != "chat-deleted" || got.CompletedAt.IsZero() {
		t.Fatalf("after restore: %+v", got)
	}
}

// runJobs works the fixture's jobs until stop is called or the test ends.
func (f *fixture) runJobs() (stop func()) {
	f.t.Helper()
	runner, err := f.store.NewRunner(ports.RunnerConfig{Handlers: f.insights.Handlers(), PollInterval: 10 * time.Millisecond,
		BackoffBase: time.Millisecond, BackoffMax: time.Millisecond})
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(ctx) }()
	stop = func() { cancel(); <-done }
	f.t.Cleanup(stop)
	return stop
}

// settled polls an insight until its generation is no longer pending.
func (f *fixture) settled(key, path string) (Insight, *httptest.ResponseRecorder) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp := f.api.Get(path, bearer(key))
		var in Insight
		decode(f.t, resp, &in)
		if in.Status != "pending" {
			return in, resp
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("still pending: %s", resp.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestInsightIsMadeByItsJob(t *testing.T) {
	f := newFixture(t)
	f.insightType("test-activity", "activity-report", 5, true)
	ada, key := f.signUp("ada@example.com")
	f.grant(ada, 10)
	chat := f.uploaded(key, "file", chatExport)
	path := "/v1/chats/" + chat.ID + "/insights"
	in := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity"}), http.StatusAccepted)
	f.runJobs()

	got, resp := f.settled(key, path+"/"+in.ID)
	if got.Status != "ready" || got.Attempts != 1 || got.ErrorClass != "" || got.CompletedAt.IsZero() ||
		got.Job == nil || got.Job.State != "completed" {
		t.Fatalf("made: %s", resp.Body)
	}
	var report insights.ActivityReport
	if err := json.Unmarshal(got.Result, &report); err != nil || report.Messages != 4 || len(report.Authors) != 2 {
		t.Fatalf("result %s: %v", got.Result, err)
	}
	// Asking again answers the ready insight, 200, free.
	ready := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-activity"}), http.StatusOK)
	if ready.ID != in.ID || ready.Status != "ready" || len(ready.Result) == 0 || f.balance(ada) != 5 {
		t.Fatalf("ready again: %+v, balance %d", ready, f.balance(ada))
	}
	var list InsightList
	decode(t, f.api.Get(path, bearer(key)), &list)
	if len(list.Items) != 1 || len(list.Items[0].Result) == 0 {
		t.Fatalf("list: %+v", list)
	}
}

func TestFailedInsightShowsOnlyItsClass(t *testing.T) {
	f := newFixture(t)
	f.generators.Register("test-failing", insights.GeneratorFunc(func(context.Context, insights.Source) (any, error) {
		return nil, &core.JobError{Class: core.ErrClassProvider, Err: errors.New("Secret provider text")}
	}))
	f.insightType("test-failing", "test-failing", 5, true)
	ada, key := f.signUp("ada@example.com")
	f.grant(ada, 10)
	chat := f.uploaded(key, "file", chatExport)
	path := "/v1/chats/" + chat.ID + "/insights"
	in := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-failing"}), http.StatusAccepted)
	stop := f.runJobs()

	got, resp := f.settled(key, path+"/"+in.ID)
	stop() // the next generation stays pending
	if got.Status != "failed" || got.ErrorClass != "provider" || got.Result != nil || got.CompletedAt.IsZero() {
		t.Fatalf("failed: %s", resp.Body)
	}
	mustNotContain(t, resp.Body.String(), "Secret")
	if b := f.balance(ada); b != 10 {
		t.Fatalf("balance %d after a failure, want 10 (refunded)", b)
	}
	// A new request starts a new generation, charged again.
	retry := requested(t, f.api.Post(path, bearer(key), map[string]any{"type": "test-failing"}), http.StatusAccepted)
	if retry.Generation != 2 || retry.Status != "pending" || f.balance(ada) != 5 {
		t.Fatalf("after a failure: %+v, balance %d", retry, f.balance(ada))
	}
}

// TestInsightEnums: the document's enums are the core's values, so an
// answer never carries a value its schema refuses.
func TestInsightEnums(t *testing.T) {
	schemas := OpenAPI().Components.Schemas.Map()
	for _, c := range []struct {
		schema, prop string
		want         []string
	}{
		{"Insight", "status", []string{string(core.InsightPending), string(core.InsightReady), string(core.InsightFailed), string(core.InsightCancelled)}},
		{"Insight", "error_class", []string{string(core.ErrClassTimeout), string(core.ErrClassProvider), string(core.ErrClassRefused), string(core.ErrClassInvalidOutput),
			string(core.ErrClassPanic), string(core.ErrClassInternal), string(core.ErrClassNoData), string(core.ErrClassAbandoned), string(core.ErrClassChatDeleted)}},
		{"InsightJob", "state", []string{string(ports.JobAvailable), string(ports.JobScheduled), string(ports.JobRunning), string(ports.JobRetryable),
			string(ports.JobCompleted), string(ports.JobCancelled), string(ports.JobDiscarded)}},
	} {
		var got []string
		for _, v := range schemas[c.schema].Properties[c.prop].Enum {
			got = append(got, v.(string))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s.%s: enum %v, the core's values %v", c.schema, c.prop, got, c.want)
		}
	}
}
