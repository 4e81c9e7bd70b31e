package postgres

import (
	"context"

	"github.com/chatlens/chatlens/ports"
)

// lockClause is the row-lock clause of a locking read, without its leading
// FOR (bun's SelectQuery.For adds it).
type lockClause string

// Lock clauses. Each pairs with a way of passing the row's gate: the
// waiting clause waits at the gate too (bounded), NOWAIT does not wait at
// either. A SKIP LOCKED clause (job claims) will pair with a gate that is
// tried without waiting and, when held, skips the row instead of failing.
const (
	forUpdate       lockClause = "UPDATE"
	forUpdateNoWait lockClause = "UPDATE NOWAIT"
)

// clause is the lock clause of the unit's policy.
func (u *unit) clause() lockClause {
	if u.lock == ports.LockNoWait {
		return forUpdateNoWait
	}
	return forUpdate
}

// rowKey names a row's gate: its table and primary key.
func rowKey(table, id string) string { return table + ":" + id }

// lockRow takes the row lock named key: it passes the row's in-process gate
// (gate.go), then runs lock, the locking read of that row built with the
// clause it is given. Every locking query goes through here, so no row lock
// is taken without its gate, and no gate is held without its lock: when lock
// fails (or finds no row) the gate is let go at once; otherwise it is held
// until the transaction ends, when PostgreSQL lets go of the row.
//
// What a wait can cost: under the waiting policy, at most the store's
// LockTimeout at the gate, then at most lock_timeout (the same value, set on
// every connection) at PostgreSQL, which arbitrates between processes. So
// one attempt waits at most twice LockTimeout for one row, and a unit of
// work at most Attempts times that plus its backoff (with the defaults,
// 8 x 400 ms + at most 2+4+...+64+100 = 226 ms of backoff). Under NOWAIT
// neither waits.
//
// A unit may lock a row it already holds (PostgreSQL lets a transaction
// lock its own row again): it then passes its own gate at once.
func (u *unit) lockRow(ctx context.Context, key string, lock func(clause lockClause) error) error {
	if _, mine := u.held[key]; mine {
		return lock(u.clause())
	}
	release, err := u.store.gates.acquire(ctx, key, u.lock, u.lockTimeout)
	if err != nil {
		return u.check(err)
	}
	if err := lock(u.clause()); err != nil {
		release()
		return err
	}
	if u.held == nil {
		u.held = map[string]func(){}
	}
	u.held[key] = release
	return nil
}

// releaseGates lets go of the gates of the rows the unit locked. It runs
// after COMMIT or ROLLBACK, once PostgreSQL has let go of the rows.
func (u *unit) releaseGates() {
	for _, release := range u.held {
		release()
	}
	u.held = nil
}
