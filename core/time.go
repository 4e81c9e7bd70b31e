package core

import "time"

// StorageTime returns t in UTC truncated to microseconds, the precision
// PostgreSQL keeps and so every storage adapter keeps: a value read back,
// or matched on as a restore matches a group on its deletion time, equals
// the one written. The zero time stays zero.
func StorageTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}
