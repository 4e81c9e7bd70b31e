package app

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
	"github.com/chatlens/chatlens/openapi"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testConfig is serve's defaults with a free port and a bootstrap admin.
func testConfig(t *testing.T, databaseURL string, args ...string) Config {
	t.Helper()
	var cfg Config
	b := newBinder(flag.NewFlagSet("test", flag.ContinueOnError))
	bindServe(b, &cfg)
	args = append([]string{"--addr", "127.0.0.1:0", "--admin-email", "admin@example.com"}, args...)
	if err := b.parse(args, func(string) (string, bool) { return "", false }); err != nil {
		t.Fatal(err)
	}
	cfg.Database.URL = databaseURL
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestWiringValidates(t *testing.T) {
	for name, url := range map[string]string{"memory": "", "postgres": "postgres://nobody@127.0.0.1:1/none"} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, url)
			log := slog.New(slog.NewJSONHandler(io.Discard, nil))
			if err := fx.ValidateApp(Options(cfg, Console{io.Discard}, log)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// lockedBuffer collects output written by the app's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// running is an app started with fxtest, and what it printed.
type running struct {
	base    string
	console *lockedBuffer
	logs    *lockedBuffer
	app     *fxtest.App
}

var (
	listening         = regexp.MustCompile(`"msg":"listening","server":"api","addr":"([^"]+)"`)
	listeningInternal = regexp.MustCompile(`"msg":"listening","server":"internal","addr":"([^"]+)"`)
)

func start(t *testing.T, cfg Config) *running {
	t.Helper()
	r := &running{console: &lockedBuffer{}, logs: &lockedBuffer{}}
	log := slog.New(slog.NewJSONHandler(r.logs, nil))
	r.app = fxtest.New(t, Options(cfg, Console{r.console}, log))
	r.app.RequireStart()
	m := listening.FindStringSubmatch(r.logs.String())
	if m == nil {
		t.Fatalf("no listening line in the logs:\n%s", r.logs)
	}
	r.base = "http://" + m[1]
	return r
}

func (r *running) get(t *testing.T, path, key string) (int, string) {
	t.Helper()
	return get(t, r.base+path, key)
}

func get(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var adminKey = regexp.MustCompile(`shown once: (cl_[A-Za-z0-9_-]{43})`)

// exercise checks what every wiring must do once started.
func (r *running) exercise(t *testing.T, backend string) {
	t.Helper()
	m := adminKey.FindStringSubmatch(r.console.String())
	if m == nil {
		t.Fatalf("no admin key on the console: %q", r.console)
	}
	if strings.Contains(r.logs.String(), m[1]) {
		t.Fatal("the admin key reached the logs")
	}
	if code, body := r.get(t, "/v1/users/me", m[1]); code != 200 || !strings.Contains(body, `"role":"admin"`) {
		t.Fatalf("admin me: %d %s", code, body)
	}
	if code, _ := r.get(t, "/health/ready", ""); code != 200 {
		t.Fatalf("ready: %d", code)
	}
	_, body := r.get(t, "/health/db-pool", "")
	var pool map[string]any
	if err := json.Unmarshal([]byte(body), &pool); err != nil || pool["backend"] != backend {
		t.Fatalf("db-pool %s", body)
	}
	_, metrics := r.get(t, "/metrics", "")
	for _, want := range []string{"chatlens_http_requests_total", `route="GET /health/ready"`, "chatlens_uow_busy_total", "go_goroutines"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The command line holds secrets (a database URL with its password):
	// never served, on any listener.
	if code, _ := r.get(t, "/debug/pprof/cmdline", ""); code != http.StatusNotFound {
		t.Errorf("pprof cmdline: %d", code)
	}
	// The served document is the committed one, whatever the configuration.
	if _, doc := r.get(t, "/openapi.yaml", ""); doc != string(openapi.YAML31) {
		t.Error("served /openapi.yaml differs from openapi/openapi.yaml")
	}
}

func TestMemoryAppStartsAndStops(t *testing.T) {
	r := start(t, testConfig(t, "", "--env", "development", "--signup-rate", "0"))
	r.exercise(t, "memory")
	// Development serves pprof on the API listener (no internal address).
	if code, _ := r.get(t, "/debug/pprof/", ""); code != http.StatusOK {
		t.Errorf("development pprof: %d", code)
	}
	if !strings.Contains(r.logs.String(), "data is not kept") {
		t.Error("the start-up log does not say memory keeps nothing")
	}
	r.app.RequireStop()
	if _, err := http.Get(r.base + "/health"); err == nil {
		t.Fatal("still serving after stop")
	}
}

func TestPostgresAppMigratesStartsAndStops(t *testing.T) {
	dsn := pgtest.NewDatabase(t, "empty", nil) // not migrated: serve does it
	r := start(t, testConfig(t, dsn, "--internal-addr", ""))
	r.exercise(t, "postgres")
	// Production without an internal address: metrics, but no pprof, on
	// the public listener.
	if code, _ := r.get(t, "/debug/pprof/", ""); code != http.StatusNotFound {
		t.Errorf("production pprof on the API listener: %d", code)
	}
	_, metrics := r.get(t, "/metrics", "")
	if !strings.Contains(metrics, `go_sql_open_connections{db_name="chatlens"}`) {
		t.Error("/metrics lacks the pool's gauges")
	}
	if !strings.Contains(r.logs.String(), "migrations applied") {
		t.Error("no migration was applied on an empty database")
	}
	r.app.RequireStop()

	// A second start finds the admin and prints no key.
	again := start(t, testConfig(t, dsn))
	if adminKey.MatchString(again.console.String()) {
		t.Fatal("a key was printed for an existing admin")
	}
	again.app.RequireStop()
}

func TestCheckModeRefusesPendingMigrations(t *testing.T) {
	dsn := pgtest.NewDatabase(t, "empty", nil)
	cfg := testConfig(t, dsn, "--migrate", "check")
	app := fx.New(Options(cfg, Console{io.Discard}, slog.New(slog.NewJSONHandler(io.Discard, nil))))
	err := app.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "pending migrations") {
		t.Fatalf("start with pending migrations: %v", err)
	}
	_ = app.Stop(t.Context())
}

// TestInternalListener: with CHATLENS_INTERNAL_ADDR, /metrics and pprof are
// served there and not on the API listener.
func TestInternalListener(t *testing.T) {
	r := start(t, testConfig(t, "", "--internal-addr", "127.0.0.1:0"))
	m := listeningInternal.FindStringSubmatch(r.logs.String())
	if m == nil {
		t.Fatalf("no internal listening line:\n%s", r.logs)
	}
	internal := "http://" + m[1]
	r.get(t, "/health", "")
	for path, want := range map[string]int{"/metrics": 200, "/debug/pprof/": 200, "/debug/pprof/goroutine?debug=1": 200, "/debug/pprof/cmdline": 404} {
		if code, _ := get(t, internal+path, ""); code != want {
			t.Errorf("internal %s: %d, want %d", path, code, want)
		}
		if code, _ := r.get(t, path, ""); code != http.StatusNotFound {
			t.Errorf("API listener %s: %d, want 404", path, code)
		}
	}
	if _, metrics := get(t, internal+"/metrics", ""); !strings.Contains(metrics, `route="GET /health"`) {
		t.Errorf("internal /metrics lacks the API's requests:\n%s", metrics)
	}
	r.app.RequireStop()
}
