package ports

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
)

func TestBackoffIsFullJitterUnderAGrowingCap(t *testing.T) {
	p := RetryPolicy{Attempts: 10, BaseDelay: 4 * time.Millisecond, MaxDelay: 20 * time.Millisecond}
	caps := []time.Duration{4, 8, 16, 20, 20}
	for i, c := range caps {
		c *= time.Millisecond
		var most time.Duration
		for range 2000 {
			d := p.Backoff(i + 1)
			if d < 0 || d > c {
				t.Fatalf("Backoff(%d) = %v; want within [0, %v]", i+1, d, c)
			}
			most = max(most, d)
		}
		if most < c*3/4 { // full jitter spreads over the whole range
			t.Fatalf("Backoff(%d) never came near its cap %v (max %v)", i+1, c, most)
		}
	}
}

func TestRunStopsAtAttemptsWithErrBusy(t *testing.T) {
	p := RetryPolicy{Attempts: 4, BaseDelay: time.Microsecond, MaxDelay: time.Microsecond}
	calls := 0
	contention := &RetryableError{Reason: "serialization", Err: errors.New("40001")}
	err := p.Run(context.Background(), func(context.Context) error { calls++; return contention })
	if !errors.Is(err, core.ErrBusy) || !errors.Is(err, contention) || calls != 4 {
		t.Fatalf("Run = %v after %d calls; want ErrBusy wrapping the contention after 4", err, calls)
	}
	calls = 0
	plain := errors.New("plain")
	if err := p.Run(context.Background(), func(context.Context) error { calls++; return plain }); err != plain || calls != 1 {
		t.Fatalf("Run = %v after %d calls; a plain error is returned at once", err, calls)
	}
}

func TestRunEndsWhenContextEnds(t *testing.T) {
	p := RetryPolicy{Attempts: 100, BaseDelay: time.Hour, MaxDelay: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := p.Run(ctx, func(context.Context) error { return &RetryableError{Reason: "x", Err: errors.New("x")} })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v; want the context's error", err)
	}
}
