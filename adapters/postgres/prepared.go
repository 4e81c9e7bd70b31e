package postgres

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// The hot path (authenticating a request, and a credit charge: lock the
// account, check the user, append to the ledger, write the balance) runs
// fixed statements with parameters, prepared once per connection. bun
// formats its arguments into the SQL text, so the server parses and plans
// each of its statements anew: bench-credits measured that planning cost a
// third of the throughput of a charge on a CPU-bound server
// (docs/BENCHMARKS.md). Everything else goes through bun's builder.

// preparedRow runs a fixed query as a cached prepared statement.
func (u *unit) preparedRow(ctx context.Context, query string, args ...any) *sql.Row {
	return u.tx.Tx.QueryRowContext(ctx, query, append([]any{pgx.QueryExecModeCacheStatement}, args...)...)
}

// preparedExec runs a fixed statement as a cached prepared statement.
func (u *unit) preparedExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.tx.Tx.ExecContext(ctx, query, append([]any{pgx.QueryExecModeCacheStatement}, args...)...)
}

const (
	sqlUserByID = `SELECT id, email, display_name, role, created_at FROM users
		WHERE id = $1 AND deleted_at IS NULL`
	sqlAccount           = `SELECT user_id, balance, updated_at FROM credit_accounts WHERE user_id = $1`
	sqlSetBalance        = `UPDATE credit_accounts SET balance = $2, updated_at = $3 WHERE user_id = $1`
	sqlAppendLedgerEntry = `INSERT INTO credit_ledger (id, user_id, amount, balance_after, kind, reference, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, reference) DO NOTHING`
	sqlAuthenticate = `SELECT k.id, k.user_id, k.name, k.hint, k.hash, k.created_at,
		u.email, u.display_name, u.role, u.created_at
		FROM api_keys k JOIN users u ON u.id = k.user_id AND u.deleted_at IS NULL
		WHERE k.hash = $1 AND k.revoked_at IS NULL AND k.deleted_at IS NULL`
)

// sqlAccountFor is the account's locking read under each lock clause.
var sqlAccountFor = map[lockClause]string{
	forUpdate:       sqlAccount + ` FOR ` + string(forUpdate),
	forUpdateNoWait: sqlAccount + ` FOR ` + string(forUpdateNoWait),
}
