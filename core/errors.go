package core

import (
	"errors"
	"fmt"
)

// Domain errors. Adapters translate their own failures into these at their
// edge, and the HTTP adapter maps each to one status in one function.
var (
	// ErrNotFound: the thing does not exist, was deleted, or belongs to
	// someone else (callers must not learn which).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change clashes with what is stored (a taken email, a
	// reference reused for a different operation).
	ErrConflict = errors.New("conflict")
	// ErrInsufficientCredits: a spend would take the balance below zero.
	ErrInsufficientCredits = errors.New("insufficient credits")
	// ErrUnauthenticated: no key, an unknown key or a revoked key.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the caller is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrBusy: the unit of work met contention on every attempt it was
	// allowed; the caller may try again later.
	ErrBusy = errors.New("busy, try again")
	// ErrUnavailable: storage could not be reached, or a commit's outcome is
	// unknown because the connection was lost during it. Never retried
	// automatically.
	ErrUnavailable = errors.New("storage unavailable")
	// ErrInvalid is matched by every *ValidationError.
	ErrInvalid = errors.New("invalid input")
)

// ValidationError says which input is wrong and why. It matches ErrInvalid
// with errors.Is. Problem never contains the offending value, so it is safe to
// show to a client and to log.
type ValidationError struct {
	Field   string
	Problem string
}

// Invalid returns a *ValidationError for field.
func Invalid(field, problem string) error {
	return &ValidationError{Field: field, Problem: problem}
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Problem)
}

// Is makes errors.Is(err, ErrInvalid) true for every validation error.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
