package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/migrations"
)

const dbName = "bench"

// startBalance is large enough that no account runs dry during a run, so
// every spend that fails fails for contention, never for credits.
const startBalance = 1_000_000_000

// accountID is the deterministic id of bench account n (1-based), computed
// the same way by the pgbench script, so both sides pick accounts alike.
func accountID(n int) core.UserID {
	return core.UserID(fmt.Sprintf("00000000-0000-7000-8000-%012d", n))
}

// accountIDSQL is accountID in SQL, for the pgbench script.
const accountIDSQL = `('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid`

// setup starts a durable cluster, migrates the bench database and seeds
// accounts users, each with startBalance credits recorded in the ledger.
func setup(ctx context.Context, accounts int, settings map[string]string) (*pgtest.Cluster, error) {
	cluster, err := pgtest.StartCluster(ctx, pgtest.ClusterOptions{
		Fsync: true, MaxConnections: 100, SharedBuffers: "256MB", Settings: settings,
	})
	if err != nil {
		return nil, err
	}
	if err := cluster.CreateDatabase(ctx, dbName); err != nil {
		cluster.Stop()
		return nil, err
	}
	dsn := cluster.DSN(dbName)
	if err := postgres.MigrateDSN(ctx, dsn, migrations.Files); err != nil {
		cluster.Stop()
		return nil, err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		cluster.Stop()
		return nil, err
	}
	defer db.Close()
	seed := []string{
		`INSERT INTO users (id, email, email_key, display_name, role, created_at)
		 SELECT ('00000000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid,
		        'bench' || n || '@example.com', 'bench' || n || '@example.com', 'Bench ' || n, 'user', now()
		 FROM generate_series(1, $1::int) AS n`,
		`INSERT INTO credit_accounts (user_id, balance, updated_at) SELECT id, $1::bigint, now() FROM users`,
		`INSERT INTO credit_ledger (id, user_id, amount, balance_after, kind, reference, created_at)
		 SELECT gen_random_uuid(), id, $1::bigint, $1::bigint, 'grant', 'bench-start', now() FROM users`,
	}
	for i, stmt := range seed {
		arg := any(startBalance)
		if i == 0 {
			arg = accounts
		}
		if _, err := db.ExecContext(ctx, stmt, arg); err != nil {
			cluster.Stop()
			return nil, fmt.Errorf("seeding: %w", err)
		}
	}
	_, err = db.ExecContext(ctx, "VACUUM ANALYZE")
	return cluster, err
}

// invariant checks, over every account, that balance = ledger sum >= 0,
// and returns how many ledger entries exist.
func invariant(ctx context.Context, dsn string) (entries int64, err error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var broken, negative int64
	err = db.QueryRowContext(ctx, `
SELECT (SELECT count(*) FROM credit_accounts a
        WHERE a.balance <> (SELECT coalesce(sum(amount), 0) FROM credit_ledger l WHERE l.user_id = a.user_id)),
       (SELECT count(*) FROM credit_accounts WHERE balance < 0),
       (SELECT count(*) FROM credit_ledger)`).Scan(&broken, &negative, &entries)
	if err != nil {
		return 0, err
	}
	if broken > 0 || negative > 0 {
		return entries, fmt.Errorf("invariant broken: %d accounts differ from their ledger, %d are negative", broken, negative)
	}
	return entries, nil
}
