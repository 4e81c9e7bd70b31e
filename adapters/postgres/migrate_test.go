package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/migrations"
)

var roles atomic.Int64

// A role that may not create the unaccent extension gets, from the chats
// migration, the one statement an administrator runs; once it has run, the
// same role migrates.
func TestMigrationAsksForUnaccent(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t, "empty", nil)
	if strings.Contains(dsn, "://") {
		t.Skip("needs a keyword/value DSN to change its user")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := fmt.Sprintf("migrator_%d_%d", roles.Add(1), os.Getpid())
	var dbname string
	if err := admin.QueryRowContext(ctx, "SELECT current_database()").Scan(&dbname); err != nil {
		t.Fatal(err)
	}
	// Not the owner, no CREATE on the database: it may create tables in
	// the public schema, not extensions.
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT CREATE ON SCHEMA public TO " + role,
	} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Skipf("cannot make a role here: %v", err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP OWNED BY "+role)
		_, _ = admin.ExecContext(context.Background(), "DROP ROLE "+role)
	})
	weak := dsn + " user=" + role
	err = postgres.MigrateDSN(ctx, weak, migrations.Files)
	want := "run once, as a superuser, in database " + dbname + ": CREATE EXTENSION IF NOT EXISTS unaccent;"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("migrating without the right to create unaccent = %v; want it to say %q", err, want)
	}
	if _, err := admin.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS unaccent"); err != nil {
		t.Fatal(err)
	}
	if err := postgres.MigrateDSN(ctx, weak, migrations.Files); err != nil {
		t.Fatalf("migrating once the extension exists: %v", err)
	}
}
