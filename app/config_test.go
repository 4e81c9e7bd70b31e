package app

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/openapi"
)

func TestServeConfigFromVariablesAndFlags(t *testing.T) {
	t.Setenv("CHATLENS_ADDR", "127.0.0.1:9999")
	t.Setenv("CHATLENS_ENV", "development")
	t.Setenv("CHATLENS_SIGNUP_RATE", "3")
	cfg, _, ok := parseServe([]string{"--signup-rate", "7"}, &bytes.Buffer{})
	if !ok {
		t.Fatal("parse failed")
	}
	if cfg.Addr != "127.0.0.1:9999" || !cfg.Development() || cfg.Limits.SignUpsPerMinute != 7 {
		t.Fatalf("config %+v", cfg)
	}
	if cfg.Migrate != "auto" || cfg.HTTP.ReadHeaderTimeout <= 0 || cfg.Database.RetryAttempts != 8 {
		t.Fatalf("defaults lost: %+v", cfg)
	}
}

func TestServeConfigRejectsNonsense(t *testing.T) {
	var stderr bytes.Buffer
	t.Setenv("CHATLENS_MIGRATE", "sometimes")
	_, code, ok := parseServe([]string{"--env", "staging", "--addr", "nowhere", "--shutdown-timeout", "0s"}, &stderr)
	if ok || code != 2 {
		t.Fatalf("accepted: %d", code)
	}
	for _, want := range []string{"env must be", "addr must be", "migrate must be", "shutdown-timeout must be positive"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, stderr.String())
		}
	}
}

var variable = regexp.MustCompile(`CHATLENS_[A-Z_]+`)

// TestEverySettingIsListedAndDocumented: --help names every variable, and
// the README's configuration table has a row for each.
func TestEverySettingIsListedAndDocumented(t *testing.T) {
	var help bytes.Buffer
	if code := Main([]string{"serve", "-h"}, &bytes.Buffer{}, &help); code != 0 {
		t.Fatalf("serve -h exit %d", code)
	}
	vars := variable.FindAllString(help.String(), -1)
	if len(vars) < 20 {
		t.Fatalf("help lists %d variables:\n%s", len(vars), help.String())
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		if !strings.Contains(string(readme), "| `"+v+"` |") {
			t.Errorf("README.md's configuration table has no row for %s", v)
		}
	}
}

func TestOpenAPICommandPrintsTheCommittedDocuments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []byte
	}{{[]string{"openapi"}, openapi.YAML31}, {[]string{"openapi", "--3.0"}, openapi.YAML30}} {
		var out bytes.Buffer
		if code := Main(tc.args, &out, &bytes.Buffer{}); code != 0 || !bytes.Equal(out.Bytes(), tc.want) {
			t.Errorf("%v: exit %d, output equal to committed: %v", tc.args, code, bytes.Equal(out.Bytes(), tc.want))
		}
	}
}

func TestAdminCreateNeedsPostgres(t *testing.T) {
	t.Setenv("CHATLENS_DATABASE_URL", "")
	var stderr bytes.Buffer
	if code := Main([]string{"admin", "create", "--email", "a@example.com"}, &bytes.Buffer{}, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "CHATLENS_ADMIN_EMAIL") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

func TestChatsConfig(t *testing.T) {
	cfg, _, ok := parseServe(nil, &bytes.Buffer{})
	if !ok {
		t.Fatal("parse failed")
	}
	c := cfg.Chats
	if c.UploadMaxBytes != 256<<20 || c.UploadsPerHour != 20 || c.MaxStoredBytes != 1<<30 || c.ImportTimeout != 30*time.Minute ||
		c.Retention != 720*time.Hour || c.PurgeInterval != time.Hour || c.UploadTimeout != 10*time.Minute || c.SpoolDir != "" {
		t.Fatalf("defaults %+v", c)
	}
	dir := t.TempDir()
	t.Setenv("CHATLENS_UPLOAD_MAX_BYTES", "64MiB")
	t.Setenv("CHATLENS_MAX_STORED_BYTES", "2GiB")
	t.Setenv("CHATLENS_UPLOADS_PER_HOUR", "5")
	t.Setenv("CHATLENS_SPOOL_DIR", dir)
	t.Setenv("CHATLENS_CHAT_RETENTION", "48h")
	cfg, _, ok = parseServe([]string{"--upload-max-bytes", "1000000", "--upload-timeout", "30m", "--import-timeout", "1h", "--purge-interval", "5m"}, &bytes.Buffer{})
	if !ok {
		t.Fatal("parse failed")
	}
	c = cfg.Chats
	if c.UploadMaxBytes != 1000000 || c.MaxStoredBytes != 2<<30 || c.UploadsPerHour != 5 || c.SpoolDir != dir ||
		c.Retention != 48*time.Hour || c.UploadTimeout != 30*time.Minute || c.ImportTimeout != time.Hour || c.PurgeInterval != 5*time.Minute {
		t.Fatalf("config %+v", c)
	}
	sc, up := c.service(), c.uploads()
	if sc.MaxUploadBytes != c.UploadMaxBytes || sc.SpoolDir != dir || up.MaxBytes != c.UploadMaxBytes || up.ReadTimeout != 30*time.Minute || up.ImportTimeout != time.Hour {
		t.Fatalf("service %+v, uploads %+v", sc, up)
	}
}

func TestChatsConfigRejectsNonsense(t *testing.T) {
	var stderr bytes.Buffer
	t.Setenv("CHATLENS_UPLOAD_MAX_BYTES", "lots")
	_, code, _ := parseServe(nil, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "not a size in bytes") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	t.Setenv("CHATLENS_UPLOAD_MAX_BYTES", "2GiB")
	stderr.Reset()
	_, code, _ = parseServe([]string{"--uploads-per-hour", "0", "--spool-dir", "/nonexistent/chatlens", "--chat-retention", "0s", "--upload-timeout", "-1s"}, &stderr)
	if code != 2 {
		t.Fatalf("accepted: %d", code)
	}
	for _, want := range []string{"max-stored-bytes must be at least upload-max-bytes", "uploads-per-hour must be at least 1",
		"spool-dir", "chat-retention must be positive", "upload-timeout must be positive"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, stderr.String())
		}
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "256MiB": 256 << 20, "1 GiB": 1 << 30, "10KB": 10000, "3MB": 3e6, "7B": 7} {
		var n int64
		if err := (byteSize{&n}).Set(in); err != nil || n != want {
			t.Errorf("%q: %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5MiB", "MiB", "9999999999GiB"} {
		var n int64
		if err := (byteSize{&n}).Set(in); err == nil {
			t.Errorf("%q accepted as %d", in, n)
		}
	}
	for n, want := range map[int64]string{256 << 20: "256MiB", 1 << 30: "1GiB", 1500: "1500", 2048: "2KiB"} {
		if got := (byteSize{&n}).String(); got != want {
			t.Errorf("%d prints %q, want %q", n, got, want)
		}
	}
}
