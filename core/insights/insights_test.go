package insights_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/catalog"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/core/users"
	"github.com/chatlens/chatlens/internal/storetest"
	"github.com/chatlens/chatlens/ports"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// chat is a small WhatsApp export: three people over three days.
const chat = `04/03/2021, 10:00 - Alice: Hello Bob, how are you?
04/03/2021, 10:01 - Bob: Fine thanks, and you?
04/03/2021, 10:03 - Alice: Good. Carol, coming tonight?
04/03/2021, 10:30 - Carol: Yes!
05/03/2021, 09:30 - Bob: Morning all
05/03/2021, 09:35 - Alice: Morning Bob
07/03/2021, 18:00 - Carol: Anyone up for a walk?
07/03/2021, 18:05 - Bob: Me
07/03/2021, 18:06 - Alice: Me too
`

// fixture is the insights service on one backend, with a user who has a
// chat and credits, and test-only generators beside the statistical ones.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	store   storetest.Store
	clock   ports.Clock
	ids     ports.IDs
	svc     *insights.Service
	chats   *chats.Service
	credits *credits.Service
	catalog *catalog.Service
	user    core.UserID
	chatID  string
	// gate, when set, is what the "gated" generator waits for.
	gate chan struct{}
	// calls counts calls of the test generators, by name.
	mu    sync.Mutex
	calls map[string]int
	reg   *insights.Registry
}

func newFixture(t *testing.T, s storetest.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: s, clock: system.Clock{}, ids: &system.UUIDv7{},
		calls: map[string]int{}, gate: make(chan struct{})}
	reg := insights.NewRegistry()
	count := func(name string) {
		f.mu.Lock()
		f.calls[name]++
		f.mu.Unlock()
	}
	reg.Register("fails", insights.GeneratorFunc(func(context.Context, insights.Source) (any, error) {
		count("fails")
		return nil, &core.JobError{Class: core.ErrClassProvider}
	}))
	reg.Register("panics", insights.GeneratorFunc(func(context.Context, insights.Source) (any, error) {
		count("panics")
		panic("the chat said something unspeakable")
	}))
	reg.Register("hangs", insights.GeneratorFunc(func(context.Context, insights.Source) (any, error) {
		count("hangs")
		select {} // ignores its context: the service must abandon it
	}))
	reg.Register("gated", insights.GeneratorFunc(func(ctx context.Context, _ insights.Source) (any, error) {
		count("gated")
		select {
		case <-f.gate:
			return map[string]string{"ok": "yes"}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}))
	// "refuses" writes through an AI that declines: a permanent class.
	reg.RegisterAI("refuses", insights.GeneratorFunc(func(context.Context, insights.Source) (any, error) {
		count("refuses")
		return nil, &core.JobError{Class: core.ErrClassRefused}
	}))
	reg.RegisterAI("ai-ok", insights.GeneratorFunc(func(context.Context, insights.Source) (any, error) {
		count("ai-ok")
		return map[string]string{"summary": "fine"}, nil
	}))
	f.reg = reg
	f.chats = chats.NewService(s, f.clock, f.ids, chats.Config{SpoolDir: t.TempDir()})
	f.svc = insights.NewService(s, f.clock, f.ids, reg, f.chats, insights.Config{})
	f.chats.OnDelete(f.svc.CancelChat)
	f.credits = credits.NewService(s, f.clock, f.ids, credits.DefaultOptions())
	f.catalog = catalog.NewService(s, f.clock, reg)

	u, _, err := users.NewService(s, f.clock, f.ids).SignUp(f.ctx, "ada@example.com", "Ada")
	if err != nil {
		t.Fatal(err)
	}
	f.user = u.ID
	f.chatID = f.importChat(chat)
	if _, err := f.credits.Grant(f.ctx, f.user, 100, "test-grant"); err != nil {
		t.Fatal(err)
	}
	// The catalog of the tests, whatever a backend seeds.
	if _, _, err := f.catalog.PutCategory(f.ctx, core.InsightCategory{Slug: "test", Name: "Test"}, catalog.NoVersion); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		name     string
		cost     int64
		attempts int
		timeout  time.Duration
	}{
		{"activity-report", 5, 3, time.Minute}, {"response-times", 8, 3, time.Minute}, {"reply-graph", 8, 3, time.Minute},
		{"fails", 7, 2, time.Minute}, {"panics", 7, 1, time.Minute}, {"hangs", 7, 1, time.Second}, {"gated", 6, 3, time.Minute},
		{"refuses", 9, 3, time.Minute}, {"ai-ok", 3, 3, time.Minute},
	} {
		_, _, err := f.catalog.PutType(f.ctx, core.InsightType{
			Slug: core.InsightTypeSlug("t-" + g.name), Category: "test", Name: g.name, Cost: g.cost,
			Generator: g.name, Timeout: g.timeout, MaxAttempts: g.attempts, Active: true,
		}, catalog.NoVersion)
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) importChat(content string) string {
	f.t.Helper()
	up, err := f.chats.Spool(f.ctx, strings.NewReader(content))
	if err != nil {
		f.t.Fatal(err)
	}
	defer up.Close()
	d, _, err := f.chats.Import(f.ctx, f.user, up, chats.ImportOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return string(d.Chat.ID)
}

func (f *fixture) balance() int64 {
	f.t.Helper()
	acc, err := f.credits.Balance(f.ctx, f.user)
	if err != nil {
		f.t.Fatal(err)
	}
	return acc.Balance
}

func (f *fixture) request(typ string, regenerate bool, key string) (insights.View, bool, error) {
	return f.svc.RequestInsight(f.ctx, f.user, f.chatID, insights.Request{Type: "t-" + typ, Regenerate: regenerate, IdempotencyKey: key})
}

func (f *fixture) mustRequest(typ string) insights.View {
	f.t.Helper()
	v, _, err := f.request(typ, false, "")
	if err != nil {
		f.t.Fatalf("requesting %s: %v", typ, err)
	}
	return v
}

// run works jobs until every listed insight is settled, then stops the
// runner and returns them.
func (f *fixture) run(ids ...core.InsightID) []insights.View {
	f.t.Helper()
	runner, err := f.store.NewRunner(ports.RunnerConfig{
		Handlers: f.svc.Handlers(), Workers: 4, RescueAfter: time.Hour,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		PollInterval: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			f.t.Errorf("runner: %v", err)
		}
	}()
	out := make([]insights.View, len(ids))
	deadline := time.Now().Add(60 * time.Second)
	for i, id := range ids {
		for {
			v, err := f.svc.Get(f.ctx, f.user, f.chatID, string(id))
			if err != nil {
				f.t.Fatal(err)
			}
			if v.Status.Final() {
				out[i] = v
				break
			}
			if time.Now().After(deadline) {
				f.t.Fatalf("insight %s still %s after 60 s (attempts %d, class %q)", id, v.Status, v.Attempts, v.ErrorClass)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return out
}

func TestRequestChargesOnceAndEnqueues(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		v, started, err := f.request("activity-report", false, "")
		if err != nil || !started {
			t.Fatalf("request: started %v, %v", started, err)
		}
		if v.Status != core.InsightPending || v.Generation != 1 || v.Cost != 5 || v.JobID == "" {
			t.Fatalf("insight = %+v", v.Insight)
		}
		if v.Job == nil || v.Job.State.Final() || v.Job.Kind != insights.KindGenerate || v.Job.MaxAttempts != 3 {
			t.Fatalf("job = %+v", v.Job)
		}
		if got := f.balance(); got != 95 {
			t.Fatalf("balance = %d, want 95", got)
		}
		again, started, err := f.request("activity-report", false, "")
		if err != nil || started || again.ID != v.ID || again.Generation != 1 {
			t.Fatalf("repeat: started %v, generation %d, same id %v, %v", started, again.Generation, again.ID == v.ID, err)
		}
		if got := f.balance(); got != 95 {
			t.Fatalf("a repeat charged: balance = %d, want 95", got)
		}
		regen, started, err := f.request("activity-report", true, "")
		if err != nil || !started || regen.ID != v.ID || regen.Generation != 2 || regen.JobID == v.JobID {
			t.Fatalf("regenerate: started %v, generation %d, job %s after %s, %v", started, regen.Generation, regen.JobID, v.JobID, err)
		}
		if got := f.balance(); got != 90 {
			t.Fatalf("balance after regenerate = %d, want 90", got)
		}
	})
}

func TestRequestRefusals(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		if _, err := f.credits.Spend(f.ctx, f.user, 97, "drain"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.request("activity-report", false, ""); !errors.Is(err, core.ErrInsufficientCredits) {
			t.Fatalf("3 credits for a 5-credit insight: %v, want ErrInsufficientCredits", err)
		}
		page, err := f.svc.List(f.ctx, f.user, f.chatID, "", 10)
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("a refused request left insights: %v, %v", page.Items, err)
		}
		if got := f.balance(); got != 3 {
			t.Fatalf("balance = %d, want 3", got)
		}
		for name, req := range map[string]func() error{
			"unknown type": func() error { _, _, err := f.request("nope", false, ""); return err },
			"bad key":      func() error { _, _, err := f.request("activity-report", false, "two words"); return err },
		} {
			if err := req(); !errors.Is(err, core.ErrInvalid) {
				t.Errorf("%s: %v, want a validation error", name, err)
			}
		}
		other, _, err := users.NewService(s, f.clock, f.ids).SignUp(f.ctx, "eve@example.com", "Eve")
		if err != nil {
			t.Fatal(err)
		}
		for name, chat := range map[string]string{"another user's chat": f.chatID, "no chat": "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50", "not an id": "x"} {
			_, _, err := f.svc.RequestInsight(f.ctx, other.ID, chat, insights.Request{Type: "t-activity-report"})
			if !errors.Is(err, core.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		first, _, err := f.request("reply-graph", true, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		// regenerate: true would charge again without the key.
		again, started, err := f.request("reply-graph", true, "key-1")
		if err != nil || started || again.ID != first.ID || again.Generation != 1 {
			t.Fatalf("repeat with the key: started %v, generation %d, %v", started, again.Generation, err)
		}
		if got := f.balance(); got != 92 {
			t.Fatalf("balance = %d, want 92 (one charge)", got)
		}
		if _, _, err := f.request("activity-report", true, "key-1"); !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("the key for another request: %v, want a validation error", err)
		}
	})
}

// TestConcurrentRequestsWithOneKey: 50 at once, one charge, one job.
func TestConcurrentRequestsWithOneKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		var wg sync.WaitGroup
		got := make([]insights.View, 50)
		errs := make([]error, 50)
		for i := range got {
			wg.Go(func() { got[i], _, errs[i] = f.request("response-times", true, "same") })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil && !errors.Is(err, core.ErrBusy) {
				t.Fatalf("request %d: %v", i, err)
			}
			if err == nil && (got[i].ID != got[0].ID || got[i].Generation != 1 || got[i].JobID != got[0].JobID) {
				t.Fatalf("request %d got generation %d job %s, want generation 1 job %s", i, got[i].Generation, got[i].JobID, got[0].JobID)
			}
		}
		if b := f.balance(); b != 92 {
			t.Fatalf("balance = %d, want 92 (one charge of 8)", b)
		}
	})
}

func TestStatisticalInsightsAreMade(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		a, r, g := f.mustRequest("activity-report"), f.mustRequest("response-times"), f.mustRequest("reply-graph")
		done := f.run(a.ID, r.ID, g.ID)
		for _, v := range done {
			if v.Status != core.InsightReady || len(v.Result) == 0 || v.Attempts != 1 || v.ErrorClass != "" {
				t.Fatalf("%s: status %s, attempts %d, class %q, result %d bytes", v.Type, v.Status, v.Attempts, v.ErrorClass, len(v.Result))
			}
		}
		var activity insights.ActivityReport
		mustDecode(t, done[0].Result, &activity)
		if activity.Messages != 9 || activity.Participants != 3 || activity.DaysActive != 3 || activity.SpanDays != 4 ||
			activity.LongestSilenceDays != 1 || activity.BusiestDay == nil || activity.BusiestDay.Date != "2021-03-04" {
			t.Errorf("activity report = %+v", activity)
		}
		var times insights.ResponseTimes
		mustDecode(t, done[1].Result, &times)
		if times.Conversations != 3 || len(times.Authors) != 3 {
			t.Errorf("response times = %+v", times)
		}
		var graph insights.ReplyGraph
		mustDecode(t, done[2].Result, &graph)
		// Bob->Alice twice (10:01, 18:05? no: 18:05 follows Carol), count by hand:
		// Bob->Alice 10:01, Alice->Bob 10:03, Carol->Alice 10:30, Bob->Carol 09:30 (23 h), Alice->Bob 09:35,
		// Carol->Alice 18:00 (56 h: too late), Bob->Carol 18:05, Alice->Bob 18:06.
		want := map[string]int{"Bob>Alice": 1, "Alice>Bob": 3, "Carol>Alice": 1, "Bob>Carol": 2}
		gotEdges := map[string]int{}
		for _, e := range graph.Edges {
			gotEdges[e.From+">"+e.To] = e.Replies
		}
		if fmt.Sprint(gotEdges) != fmt.Sprint(want) || graph.Replies != 7 {
			t.Errorf("reply graph edges = %v (total %d), want %v (total 7)", gotEdges, graph.Replies, want)
		}
		if got := f.balance(); got != 100-5-8-8 {
			t.Errorf("balance = %d, want %d: a made insight keeps its charge", got, 100-5-8-8)
		}
	})
}

// TestFailuresRefundOnce: a generator that fails, panics or hangs ends
// failed with its class and the charge given back once.
func TestFailuresRefundOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		fails, panics, hangs := f.mustRequest("fails"), f.mustRequest("panics"), f.mustRequest("hangs")
		if got := f.balance(); got != 100-21 {
			t.Fatalf("balance = %d, want 79", got)
		}
		done := f.run(fails.ID, panics.ID, hangs.ID)
		for i, want := range []struct {
			class    core.JobErrorClass
			attempts int
		}{{core.ErrClassProvider, 2}, {core.ErrClassPanic, 1}, {core.ErrClassTimeout, 1}} {
			v := done[i]
			if v.Status != core.InsightFailed || v.ErrorClass != want.class || v.Attempts != want.attempts || v.Result != nil {
				t.Errorf("%s: status %s, class %q, attempts %d; want failed, %q, %d", v.Type, v.Status, v.ErrorClass, v.Attempts, want.class, want.attempts)
			}
			if v.Job != nil {
				for _, e := range v.Job.Errors {
					if e != string(want.class) {
						t.Errorf("%s: the job stored the error %q, want only its class", v.Type, e)
					}
				}
			}
		}
		f.mu.Lock()
		calls := fmt.Sprint(f.calls)
		f.mu.Unlock()
		if calls != "map[fails:2 hangs:1 panics:1]" {
			t.Errorf("generator calls = %s", calls)
		}
		if got := f.balance(); got != 100 {
			t.Errorf("balance = %d, want 100: every failed insight refunded", got)
		}
		if n, err := f.svc.Reconcile(f.ctx); err != nil || n != 0 {
			t.Errorf("reconcile after settled failures: %d settled, %v; want 0", n, err)
		}
		if got := f.balance(); got != 100 {
			t.Errorf("balance after reconcile = %d, want 100 (refunded once)", got)
		}
		// A failed insight is requested again: a new generation, charged.
		again, started, err := f.request("fails", false, "")
		if err != nil || !started || again.Generation != 2 || again.Status != core.InsightPending {
			t.Fatalf("request after failure: started %v, generation %d, status %s, %v", started, again.Generation, again.Status, err)
		}
	})
}

// TestChatDeletionCancelsPending: deleting a chat cancels and refunds its
// pending insights and cancels their jobs; a restore brings back the
// ready ones, and the cancelled stay cancelled.
func TestChatDeletionCancelsPending(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		ready := f.run(f.mustRequest("activity-report").ID)[0]
		pending := f.mustRequest("gated")
		if got := f.balance(); got != 100-5-6 {
			t.Fatalf("balance = %d, want 89", got)
		}
		if err := f.chats.Delete(f.ctx, f.user, f.chatID); err != nil {
			t.Fatal(err)
		}
		if got := f.balance(); got != 100-5 {
			t.Fatalf("balance after deletion = %d, want 95: the pending insight refunded", got)
		}
		if _, err := f.svc.Get(f.ctx, f.user, f.chatID, string(pending.ID)); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("an insight of a deleted chat: %v, want ErrNotFound", err)
		}
		if _, err := f.chats.Restore(f.ctx, f.user, f.chatID); err != nil {
			t.Fatal(err)
		}
		back, err := f.svc.Get(f.ctx, f.user, f.chatID, string(ready.ID))
		if err != nil || back.Status != core.InsightReady || string(back.Result) != string(ready.Result) {
			t.Fatalf("the ready insight after restore: %s, %v", back.Status, err)
		}
		cancelled, err := f.svc.Get(f.ctx, f.user, f.chatID, string(pending.ID))
		if err != nil || cancelled.Status != core.InsightCancelled || cancelled.ErrorClass != core.ErrClassChatDeleted {
			t.Fatalf("the pending insight after restore: %s %q, %v; want cancelled", cancelled.Status, cancelled.ErrorClass, err)
		}
		if cancelled.Job != nil && cancelled.Job.State != ports.JobCancelled {
			t.Fatalf("its job is %s, want cancelled", cancelled.Job.State)
		}
		// Working the queue now runs nothing for it and changes nothing.
		close(f.gate)
		f.run(ready.ID)
		f.mu.Lock()
		gated := f.calls["gated"]
		f.mu.Unlock()
		if gated != 0 {
			t.Errorf("the cancelled insight's generator ran %d times", gated)
		}
		if got := f.balance(); got != 95 {
			t.Errorf("balance = %d, want 95 (refunded once)", got)
		}
	})
}

// TestReconcileSettlesAbandoned: a pending insight whose job will never
// run (cancelled behind the service's back, as a rescuer's discard leaves
// it) is failed and refunded once by the maintenance pass.
func TestReconcileSettlesAbandoned(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		v := f.mustRequest("gated")
		err := s.Do(f.ctx, func(ctx context.Context, tx ports.Tx) error { return tx.Jobs().Cancel(ctx, v.JobID) })
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		settled := make([]int, 5)
		for i := range settled {
			wg.Go(func() {
				n, err := f.svc.Reconcile(f.ctx)
				if err != nil {
					t.Error(err)
				}
				settled[i] = n
			})
		}
		wg.Wait()
		total := 0
		for _, n := range settled {
			total += n
		}
		if total != 1 {
			t.Fatalf("concurrent reconciles settled %v, want one in all", settled)
		}
		got, err := f.svc.Get(f.ctx, f.user, f.chatID, string(v.ID))
		if err != nil || got.Status != core.InsightFailed || got.ErrorClass != core.ErrClassAbandoned {
			t.Fatalf("abandoned insight: %s %q, %v", got.Status, got.ErrorClass, err)
		}
		if b := f.balance(); b != 100 {
			t.Fatalf("balance = %d, want 100", b)
		}
	})
}

func mustDecode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}
