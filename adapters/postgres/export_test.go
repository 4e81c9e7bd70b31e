package postgres

import (
	"context"
	"testing"

	"github.com/chatlens/chatlens/ports"
)

// UnitTimeouts reports the timeouts a unit with opts runs under.
func UnitTimeouts(t testing.TB, s *Store, opts ...ports.UnitOption) (stmt, lock, idle string) {
	t.Helper()
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		return tx.(*unit).tx.QueryRowContext(ctx, `SELECT current_setting('statement_timeout'),
			current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout')`).Scan(&stmt, &lock, &idle)
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return stmt, lock, idle
}
