package core

import (
	"errors"
	"strconv"
	"time"
)

// InsightID identifies an insight. It stays the same across generations:
// one insight per (chat, type), regenerated in place.
type InsightID string

// InsightStatus is where an insight's current generation stands.
type InsightStatus string

// Insight statuses. A generation moves pending -> ready | failed |
// cancelled and never back; a new request (regenerate) starts a new
// generation, pending again.
const (
	// InsightPending: charged, its job queued or running.
	InsightPending InsightStatus = "pending"
	// InsightReady: generated; Result holds it.
	InsightReady InsightStatus = "ready"
	// InsightFailed: its job failed for good; the charge was refunded.
	InsightFailed InsightStatus = "failed"
	// InsightCancelled: its chat was deleted before it was generated; the
	// charge was refunded.
	InsightCancelled InsightStatus = "cancelled"
)

// Final reports whether no job will change the generation any more.
func (s InsightStatus) Final() bool { return s != InsightPending }

// JobErrorClass names why a job's attempt failed, without a word of what
// it worked on: a class, never an error's text (which could quote chat
// content), is what storage, logs and clients see.
type JobErrorClass string

// Job error classes.
const (
	ErrClassTimeout       JobErrorClass = "timeout"        // the attempt ran past its type's timeout
	ErrClassProvider      JobErrorClass = "provider"       // an outside provider (the AI) failed
	ErrClassInvalidOutput JobErrorClass = "invalid-output" // the generator's output did not validate
	ErrClassPanic         JobErrorClass = "panic"          // the generator panicked
	ErrClassInternal      JobErrorClass = "internal"       // anything else of ours (storage, a bug)
	ErrClassNoData        JobErrorClass = "no-data"        // the chat has nothing to compute it from
	ErrClassAbandoned     JobErrorClass = "abandoned"      // the job was given up without a final attempt (its worker died on the last one)
	ErrClassChatDeleted   JobErrorClass = "chat-deleted"   // the chat was deleted before the insight was made
	ErrClassRefused       JobErrorClass = "refused"        // the AI model declined to answer
)

// Permanent reports whether another attempt would fail the same way, so
// the first failure of the class is final: the chat has no data for it,
// the model refused it, or its answer failed validation twice (once more
// after a repair prompt).
func (c JobErrorClass) Permanent() bool {
	return c == ErrClassNoData || c == ErrClassRefused || c == ErrClassInvalidOutput
}

// JobError is a failed attempt: its class, and its cause for this
// process's own use. Error() returns the class alone, so the error can be
// stored or logged as is.
type JobError struct {
	Class JobErrorClass
	Err   error // not shown by Error
}

func (e *JobError) Error() string { return string(e.Class) }
func (e *JobError) Unwrap() error { return e.Err }

// ClassOf returns the class of err: its *JobError's, else internal.
func ClassOf(err error) JobErrorClass {
	var je *JobError
	if errors.As(err, &je) {
		return je.Class
	}
	return ErrClassInternal
}

// Insight is one (chat, type)'s insight: its current generation and
// where it stands. The row keeps its own status, attempts and error class,
// so nothing depends on the job queue keeping its job rows.
//
// Insights hang from their chat: they are hidden with it, come back with
// it, and are reached through it (callers load the chat first, which
// checks who owns it and that it is live).
type Insight struct {
	ID     InsightID
	UserID UserID
	ChatID ChatID
	Type   InsightTypeSlug
	// Generation counts requests that (re)started the insight: 1 for the
	// first. A job works one generation and is unique by it.
	Generation int64
	Status     InsightStatus
	// Cost is what the current generation charged (0: nothing).
	Cost int64
	// JobID is the current generation's job, as the queue names it.
	JobID      string
	Attempts   int
	ErrorClass JobErrorClass // the last failed attempt's, "" when none
	// Result is the generated document (JSON), when ready.
	Result      []byte
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CompletedAt time.Time // zero until ready, failed or cancelled
}

// PageKey is the insight's position in its chat's listing, oldest first.
func (in Insight) PageKey() PageKey { return PageKey{Time: in.CreatedAt, ID: string(in.ID)} }

// ChargeReference is the ledger reference of a generation's charge, and
// RefundReference of its refund: each applied once per generation.
func (in Insight) ChargeReference() string {
	return "insight:" + string(in.ID) + ":" + strconv.FormatInt(in.Generation, 10)
}

// RefundReference: see ChargeReference.
func (in Insight) RefundReference() string {
	return "insight-refund:" + string(in.ID) + ":" + strconv.FormatInt(in.Generation, 10)
}

// IdempotencyTTL is how long an idempotency key is kept.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyRecord remembers what a client's Idempotency-Key did: the
// request it came with (a fingerprint) and the resource it made. Keys are
// per user; the same key with another request is refused.
type IdempotencyRecord struct {
	UserID      UserID
	Key         string
	Fingerprint string // a hash of the request's method, path and body
	// Resource is what the request made (an insight's id).
	Resource  string
	CreatedAt time.Time
	ExpiresAt time.Time
}
