package ports

import (
	"context"
	"time"
)

// UnitOfWork runs a function in one transaction.
//
// Do commits when fn returns nil and rolls everything back when it returns
// an error or panics (the panic is re-raised after the rollback). When the
// store meets contention (a serialization failure, a deadlock, a row lock
// it may not wait for) it runs fn again, bounded by the store's
// RetryPolicy; when attempts run out Do returns an error matching
// core.ErrBusy. So fn must keep no state across attempts and never call an
// outside system (an AI, a payment provider): a retry replays it.
//
// A lost connection, or one lost during COMMIT (the outcome is then
// unknown), is never retried: it surfaces as core.ErrUnavailable.
type UnitOfWork interface {
	Do(ctx context.Context, fn func(ctx context.Context, tx Tx) error, opts ...UnitOption) error
}

// Tx gives a unit of work the repositories bound to its transaction.
type Tx interface {
	Chats() Chats
	Messages() Messages
	Packs() Packs
	Payments() Payments
	Users() Users
	APIKeys() APIKeys
	Credits() Credits
	Catalog() Catalog
	Insights() Insights
	Idempotency() Idempotency
	Jobs() Jobs
}

// Isolation is a transaction isolation level.
type Isolation int

// Isolation levels. The zero value is the default, REPEATABLE READ.
const (
	RepeatableRead Isolation = iota
	// ReadCommitted suits a unit whose correctness rests on the row lock it
	// takes first: a lock wait then ends with the row's newest version,
	// not a serialization failure.
	ReadCommitted
)

func (i Isolation) String() string {
	if i == ReadCommitted {
		return "read committed"
	}
	return "repeatable read"
}

// LockPolicy says what loading a row for change does when another unit
// holds it.
type LockPolicy int

// Lock policies. LockDefault means the store's configured policy.
const (
	LockDefault LockPolicy = iota
	// LockNoWait fails at once (FOR UPDATE NOWAIT) and the unit retries.
	LockNoWait
	// LockWait waits up to the store's lock timeout (FOR UPDATE; the
	// PostgreSQL pool sets lock_timeout on every connection), then fails
	// and the unit retries.
	LockWait
)

func (p LockPolicy) String() string {
	switch p {
	case LockNoWait:
		return "nowait"
	case LockWait:
		return "wait"
	}
	return "default"
}

// ParseLockPolicy reads "nowait" or "wait", as configuration spells them.
func ParseLockPolicy(s string) (LockPolicy, bool) {
	switch s {
	case "nowait":
		return LockNoWait, true
	case "wait":
		return LockWait, true
	}
	return LockDefault, false
}

// UnitOptions are the choices one unit of work makes.
type UnitOptions struct {
	Isolation Isolation
	Lock      LockPolicy
	ReadOnly  bool
	// Timeout, when set, replaces the store's statement, lock and
	// idle-in-transaction timeouts for this unit alone: a bulk import
	// may run for minutes where a request's statements may not.
	Timeout time.Duration
}

// UnitOption sets one of a unit's choices.
type UnitOption func(*UnitOptions)

// WithIsolation runs the unit at the given isolation level.
func WithIsolation(i Isolation) UnitOption { return func(o *UnitOptions) { o.Isolation = i } }

// WithLock overrides the store's lock policy for the unit.
func WithLock(p LockPolicy) UnitOption { return func(o *UnitOptions) { o.Lock = p } }

// WithTimeout gives the unit its own statement, lock and idle timeouts
// (see UnitOptions.Timeout); its context still bounds it.
func WithTimeout(d time.Duration) UnitOption { return func(o *UnitOptions) { o.Timeout = d } }

// ReadOnly marks a unit that only reads.
func ReadOnly() UnitOption { return func(o *UnitOptions) { o.ReadOnly = true } }

// ApplyUnitOptions folds opts over the defaults (REPEATABLE READ, the
// store's lock policy).
func ApplyUnitOptions(opts []UnitOption) UnitOptions {
	var o UnitOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// StoreOptions configure any storage adapter's unit of work the same way,
// so the conformance suite can drive every adapter alike.
type StoreOptions struct {
	Retry RetryPolicy
	// Lock is the policy of units that do not choose one.
	Lock LockPolicy
	// LockTimeout bounds a LockWait wait.
	LockTimeout time.Duration
	// OnReconnect, when set, is told each time a unit's BEGIN met a dead
	// pooled connection (after a database restart, say) and began again on
	// another (for metrics). That replays nothing, fn had not run, so it is
	// counted apart from RetryPolicy's contention retries. Adapters without
	// connections never call it.
	OnReconnect func()
}

// DefaultStoreOptions are the production defaults. The lock policy and
// timings come from the credits benchmark (docs/BENCHMARKS.md): a bounded
// wait was the only policy that met every target on a hot row, and matched
// NOWAIT when rows are spread; units that prefer to fail fast choose
// LockNoWait themselves.
func DefaultStoreOptions() StoreOptions {
	return StoreOptions{
		Retry:       DefaultRetryPolicy(),
		Lock:        LockWait,
		LockTimeout: 200 * time.Millisecond,
	}
}
