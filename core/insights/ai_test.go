package insights_test

import (
	"errors"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/internal/storetest"
	"github.com/chatlens/chatlens/ports"
)

// TestAPermanentFailureIsFinalAtOnce: a class another attempt would
// repeat (here the model's refusal) fails the insight on its first
// attempt, though its type allows three, refunds it once, and completes
// its job.
func TestAPermanentFailureIsFinalAtOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s storetest.Store) {
		f := newFixture(t, s)
		before := f.balance()
		v := f.run(f.mustRequest("refuses").ID)[0]
		if v.Status != core.InsightFailed || v.ErrorClass != core.ErrClassRefused || v.Attempts != 1 {
			t.Fatalf("insight: %s, class %q, %d attempts; want failed, refused, 1", v.Status, v.ErrorClass, v.Attempts)
		}
		if f.calls["refuses"] != 1 {
			t.Fatalf("the generator ran %d times", f.calls["refuses"])
		}
		if got := f.balance(); got != before {
			t.Fatalf("balance %d, want %d after the refund", got, before)
		}
		if v.Job != nil && v.Job.State != ports.JobCompleted {
			t.Fatalf("job %s, want completed", v.Job.State)
		}
	})
}

// TestAIRequestsAreLimitedPerUser: requests that start an AI insight
// spend the user's hourly budget; answers that start nothing (a pending
// insight asked again, a refusal for credits) do not, and statistical
// types are never limited.
func TestAIRequestsAreLimitedPerUser(t *testing.T) {
	f := newFixture(t, storetest.Backends["memory"](t))
	svc := insights.NewService(f.store, f.clock, f.ids, f.reg, f.chats, insights.Config{AIRequestsPerHour: 2})
	req := func(typ string, regenerate bool) error {
		_, _, err := svc.RequestInsight(f.ctx, f.user, f.chatID, insights.Request{Type: "t-" + typ, Regenerate: regenerate})
		return err
	}
	if err := req("ai-ok", false); err != nil {
		t.Fatal(err)
	}
	for range 3 { // pending already: answered free, no token spent
		if err := req("ai-ok", false); err != nil {
			t.Fatal(err)
		}
	}
	if err := req("ai-ok", true); err != nil {
		t.Fatalf("the second start: %v", err)
	}
	err := req("ai-ok", true)
	var rl *insights.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, insights.ErrRateLimited) || rl.RetryAfter <= 0 || rl.RetryAfter > 30*time.Minute {
		t.Fatalf("the third start: %v; want a rate limit with a retry within half an hour", err)
	}
	if err := req("activity-report", false); err != nil {
		t.Fatalf("a statistical type is limited: %v", err)
	}
	// The budget is the user's, across AI types.
	if err := req("refuses", false); !errors.Is(err, insights.ErrRateLimited) {
		t.Fatalf("another AI type of the same user: %v", err)
	}
}
