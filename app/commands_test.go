package app

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core/users"
)

// run runs the chatlens command line and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestMigrateUpDownStatusOnPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t, "empty", nil)
	steps := []struct {
		verb      string
		want, not []string
	}{
		{"status", []string{"pending  20261125000001"}, []string{"applied"}},
		{"up", []string{"applied 20261125000001"}, nil},
		{"up", []string{"nothing to apply"}, nil},
		{"status", []string{"applied  20261125000001"}, []string{"pending"}},
		{"down", []string{"rolled back 20261125000001"}, nil},
		{"status", []string{"pending  20261125000001"}, []string{"applied"}},
	}
	for _, step := range steps {
		code, out, errs := run(t, "migrate", "--database-url", dsn, step.verb)
		if code != 0 {
			t.Fatalf("migrate %s: exit %d: %s", step.verb, code, errs)
		}
		for _, w := range step.want {
			if !strings.Contains(out, w) {
				t.Errorf("migrate %s: output lacks %q:\n%s", step.verb, w, out)
			}
		}
		for _, n := range step.not {
			if strings.Contains(out, n) {
				t.Errorf("migrate %s: output has %q:\n%s", step.verb, n, out)
			}
		}
	}
}

// TestMigrateRejectsAnUnknownVerbBeforeConnecting: the address is
// unreachable, so only a check made before connecting answers at once with
// the usage error.
func TestMigrateRejectsAnUnknownVerbBeforeConnecting(t *testing.T) {
	start := time.Now()
	code, _, errs := run(t, "migrate", "--database-url", "postgres://nobody@192.0.2.1:5432/none?connect_timeout=30", "bogus")
	if code != 2 || !strings.Contains(errs, `unknown verb "bogus"`) || time.Since(start) > 5*time.Second {
		t.Fatalf("exit %d after %s: %s", code, time.Since(start), errs)
	}
}

// TestAdminCreateOnPostgres: the first run migrates, creates the admin and
// prints a working key once; the second finds it and creates nothing.
func TestAdminCreateOnPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t, "empty", nil)
	code, out, errs := run(t, "admin", "create", "--email", "Root@example.com", "--database-url", dsn)
	m := adminKey.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("first run: exit %d, stdout %q, stderr %s", code, out, errs)
	}
	if strings.Contains(errs, m[1]) {
		t.Fatal("the key reached the logs")
	}
	code, out, errs = run(t, "admin", "create", "--email", "root@EXAMPLE.com", "--database-url", dsn)
	if code != 0 || strings.Contains(out, "cl_") || !strings.Contains(errs, "admin exists") {
		t.Fatalf("second run: exit %d, stdout %q, stderr %s", code, out, errs)
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var admins int
	if err := db.QueryRow(`SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&admins); err != nil || admins != 1 {
		t.Fatalf("%d admins (%v), want 1", admins, err)
	}
	store, err := postgres.Open(postgres.DefaultConfig(dsn))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	user, _, err := users.NewService(store, system.Clock{}, &system.UUIDv7{}).Authenticate(context.Background(), m[1])
	if err != nil || !user.IsAdmin() {
		t.Fatalf("the printed key: %+v %v", user, err)
	}
}
