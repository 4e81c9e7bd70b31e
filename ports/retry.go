package ports

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/chatlens/chatlens/core"
)

// RetryPolicy bounds the one retry loop of a unit of work: exponential
// backoff with full jitter (a delay drawn uniformly from [0, cap] where cap
// doubles from BaseDelay up to MaxDelay), at most Attempts runs in all.
type RetryPolicy struct {
	Attempts  int
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// OnRetry, when set, is told the reason of every retry (for metrics).
	OnRetry func(reason string)
	// OnBusy, when set, is told when attempts run out.
	OnBusy func()
}

// DefaultRetryPolicy is the policy stores use unless configured otherwise.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Attempts: 8, BaseDelay: 2 * time.Millisecond, MaxDelay: 100 * time.Millisecond}
}

// RetryableError marks a failure that replaying the whole unit may cure:
// contention, never a broken connection or a bad request.
type RetryableError struct {
	Reason string // "serialization", "deadlock", "lock_not_available", …
	Err    error
}

func (e *RetryableError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// IsRetryable reports whether err carries a *RetryableError.
func IsRetryable(err error) bool {
	var r *RetryableError
	return errors.As(err, &r)
}

// Backoff returns the delay before retry number n (1 for the first retry).
func (p RetryPolicy) Backoff(n int) time.Duration {
	ceiling := p.BaseDelay
	for i := 1; i < n && ceiling < p.MaxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.MaxDelay)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// Run calls attempt until it returns something other than a
// *RetryableError, or Attempts are used up, in which case the error matches
// core.ErrBusy and still wraps the last contention error. A cancelled
// context ends the wait between attempts.
func (p RetryPolicy) Run(ctx context.Context, attempt func(ctx context.Context) error) error {
	attempts := max(p.Attempts, 1)
	for n := 1; ; n++ {
		err := attempt(ctx)
		var r *RetryableError
		if !errors.As(err, &r) {
			return err
		}
		if n >= attempts {
			if p.OnBusy != nil {
				p.OnBusy()
			}
			return fmt.Errorf("%w: gave up after %d attempts: %w", core.ErrBusy, n, err)
		}
		if p.OnRetry != nil {
			p.OnRetry(r.Reason)
		}
		timer := time.NewTimer(p.Backoff(n))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("waiting to retry: %w", ctx.Err())
		case <-timer.C:
		}
	}
}
