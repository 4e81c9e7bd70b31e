package postgres

import (
	"context"

	"github.com/chatlens/chatlens/ports"
)

// TxExec runs a statement in a unit's transaction, for tests whose job
// handlers write something of their own.
func TxExec(ctx context.Context, tx ports.Tx, query string, args ...any) error {
	_, err := tx.(*unit).tx.ExecContext(ctx, query, args...)
	return err
}

// RunnerSetting reads a setting on the connections of a runner's River
// client.
func RunnerSetting(ctx context.Context, r ports.JobRunner, name string) (string, error) {
	var v string
	err := r.(*runner).db.QueryRowContext(ctx, "SELECT current_setting($1)", name).Scan(&v)
	return v, err
}
