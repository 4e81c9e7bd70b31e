package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// EnvURL names the environment variable that points the tests at an existing
// server instead of a throwaway cluster.
const EnvURL = "TEST_DATABASE_URL"

// plan is what the environment says the tests should use.
type plan struct {
	url     string // TEST_DATABASE_URL, when set
	binDir  string // server binaries, when url is empty
	missing string // non-empty when there is no PostgreSQL: why and how to enable
	fatal   bool   // CI is true: a missing server fails instead of skipping
}

// decide picks the server source from the environment; it is separate from
// the process state so the decision can be unit-tested.
func decide(getenv func(string) string, findBinDir func() (string, error)) plan {
	ci, _ := strconv.ParseBool(getenv("CI"))
	if u := getenv(EnvURL); u != "" {
		return plan{url: u, fatal: ci}
	}
	dir, err := findBinDir()
	if err != nil {
		return plan{fatal: ci, missing: fmt.Sprintf("%v; to run this test install the PostgreSQL server binaries "+
			"(e.g. apt-get install postgresql) or set %s to a server where the user may CREATE DATABASE", err, EnvURL)}
	}
	return plan{binDir: dir, fatal: ci}
}

// server is the process-wide PostgreSQL the test helpers use.
type server struct {
	cluster *Cluster // nil when TEST_DATABASE_URL is used
	admin   *sql.DB  // superuser (or CREATEDB) pool on the admin database
	dsnFor  func(dbname string) (string, error)
}

// template is one template database, prepared at most once per process.
type template struct {
	once sync.Once
	name string // database name on the server
	err  error
}

var (
	mu        sync.Mutex
	srv       *server
	srvErr    error
	srvPlan   plan
	decided   bool
	templates = map[string]*template{}
	counter   atomic.Int64
	// tag makes database names unique across processes sharing one server:
	// the pid alone can repeat across CI containers, so add random bytes.
	tag = strconv.Itoa(os.Getpid()) + "_" + randomHex(3)
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// acquire returns the process-wide server, starting it on first use; it
// skips or fails t when there is none.
func acquire(t testing.TB) *server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !decided {
		decided = true
		srvPlan = decide(os.Getenv, FindBinDir)
		if srvPlan.missing == "" {
			srv, srvErr = open(srvPlan)
		}
	}
	switch {
	case srvPlan.missing != "" && srvPlan.fatal:
		t.Fatal(srvPlan.missing + " (CI is true, so this fails instead of skipping)")
	case srvPlan.missing != "":
		t.Skip(srvPlan.missing)
	case srvErr != nil:
		// Binaries or URL exist but do not work: that is a bug to fix, not a skip.
		t.Fatalf("pgtest: %v", srvErr)
	}
	return srv
}

// open connects to TEST_DATABASE_URL or starts the throwaway cluster.
func open(p plan) (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := &server{}
	adminDSN := p.url
	if p.url != "" {
		s.dsnFor = func(db string) (string, error) { return withDatabase(p.url, db) }
	} else {
		c, err := StartCluster(ctx, ClusterOptions{BinDir: p.binDir})
		if err != nil {
			return nil, err
		}
		s.cluster = c
		s.dsnFor = func(db string) (string, error) { return c.DSN(db), nil }
		adminDSN = c.DSN(superuser)
	}
	admin, err := sql.Open("pgx", adminDSN)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if s.cluster != nil {
			_ = s.cluster.Stop()
		}
		return nil, fmt.Errorf("connect to admin database: %w", err)
	}
	// A few connections serve every CREATE/DROP DATABASE; a shared server's
	// max_connections belongs to the tests, not to the harness.
	admin.SetMaxOpenConns(4)
	s.admin = admin
	return s, nil
}

var templateName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,29}$`)

// NewDatabase returns the DSN of a new database, private to t, cloned from
// the template called template, and drops the database when t ends.
//
// The first call for a template name creates it and runs prepare (typically
// the migrations) with the template's DSN; later calls with the same name,
// even from parallel tests, wait for that and reuse it, and get the same error
// if prepare failed. prepare must close every connection it opens before it
// returns (PostgreSQL cannot copy a database with open sessions). prepare may
// be nil for an empty database. template must match [a-z][a-z0-9_]{0,29}.
//
// Safe for parallel tests. Skips t when no PostgreSQL is available (fails
// when CI is true); see the package documentation.
func NewDatabase(t testing.TB, template string, prepare func(ctx context.Context, dsn string) error) string {
	t.Helper()
	if !templateName.MatchString(template) {
		t.Fatalf("pgtest: template name %q must match %s", template, templateName)
	}
	s := acquire(t)
	tplDB, err := s.template(template, prepare)
	if err != nil {
		t.Fatalf("pgtest: template %s: %v", template, err)
	}
	name := fmt.Sprintf("test_%s_%d", tag, counter.Add(1))
	if err := createDatabase(t.Context(), s.admin, name, tplDB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// t.Context is already canceled here.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDatabase(ctx, s.admin, name, false); err != nil {
			t.Errorf("pgtest: cleanup: %v", err)
		}
	})
	dsn, err := s.dsnFor(name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// template returns the database name of the prepared template, preparing it
// on first use. The map lock is not held during prepare, so different
// templates prepare concurrently.
func (s *server) template(name string, prepare func(context.Context, string) error) (string, error) {
	mu.Lock()
	tpl, ok := templates[name]
	if !ok {
		tpl = &template{name: "tpl_" + name + "_" + tag}
		templates[name] = tpl
	}
	mu.Unlock()
	tpl.once.Do(func() { tpl.err = s.prepareTemplate(tpl.name, prepare) })
	return tpl.name, tpl.err
}

func (s *server) prepareTemplate(dbname string, prepare func(context.Context, string) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// template0, not template1: nothing a previous run added to template1 leaks in.
	if err := createDatabase(ctx, s.admin, dbname, "template0"); err != nil {
		return err
	}
	err := func() error {
		if prepare != nil {
			dsn, err := s.dsnFor(dbname)
			if err != nil {
				return err
			}
			if err := prepare(ctx, dsn); err != nil {
				return fmt.Errorf("prepare: %w", err)
			}
		}
		if err := waitNoConnections(ctx, s.admin, dbname); err != nil {
			return err
		}
		// Refuse new connections, so nothing can block cloning later, and mark
		// it a template, so a CREATEDB user who is not the owner may clone it.
		_, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+quote(dbname)+" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true")
		if err != nil {
			return fmt.Errorf("mark template: %w", err)
		}
		return nil
	}()
	if err != nil {
		_ = dropDatabase(ctx, s.admin, dbname, true)
	}
	return err
}

// Restart stops and starts the throwaway cluster (same socket, same data), so
// a test can show that its pool recovers from a server restart. Every
// connection in the process breaks, so call it only from a test that is not
// parallel. A *sql.DB on pgx's driver recovers by itself (its dead
// connections fail to write, are reported as driver.ErrBadConn and replaced),
// except in BeginTx, whose failure pgx returns as it is; a *sql.Conn or
// *sql.Tx held across the restart is lost (see TestRestartPoolRecovers). Skips when TEST_DATABASE_URL is used: a shared
// server is not ours to restart.
func Restart(t testing.TB) {
	t.Helper()
	s := acquire(t)
	if s.cluster == nil {
		t.Skip("pgtest: Restart needs the throwaway cluster; " + EnvURL + " is set")
	}
	if err := s.cluster.Restart(t.Context()); err != nil {
		t.Fatalf("pgtest: restart: %v", err)
	}
	// Drop the admin pool's dead idle connections now rather than on the next
	// CREATE DATABASE.
	s.admin.SetMaxIdleConns(0)
	s.admin.SetMaxIdleConns(2)
}

// Main runs the tests and then releases the server: it stops the throwaway
// cluster and removes its directory, or drops the templates it created on
// the TEST_DATABASE_URL server. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func shutdown() error {
	mu.Lock()
	defer mu.Unlock()
	if srv == nil {
		return nil
	}
	s := srv
	srv, srvErr = nil, errors.New("pgtest: server used after Main finished")
	var errs []error
	if s.cluster == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, tpl := range templates {
			if tpl.err == nil {
				errs = append(errs, dropDatabase(ctx, s.admin, tpl.name, true))
			}
		}
	}
	errs = append(errs, s.admin.Close())
	if s.cluster != nil {
		errs = append(errs, s.cluster.Stop())
	}
	return errors.Join(errs...)
}
