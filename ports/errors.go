package ports

import "errors"

// Failures of a unit of work's own rules, the same on every storage
// adapter. Both are bugs in the unit's code, not in its input: the HTTP
// adapter answers 500.
var (
	// ErrReadOnly: a unit marked ReadOnly tried to write or to lock a row.
	ErrReadOnly = errors.New("write in a read-only unit of work")
	// ErrAborted: a unit went on after one of its statements had failed.
	// The failure aborted the transaction (as PostgreSQL does), so every
	// later statement, and the commit, fails with this error; nothing the
	// unit wrote is kept. A unit that swallowed a contention failure is
	// still replayed.
	ErrAborted = errors.New("unit of work aborted by an earlier failed statement")
)
