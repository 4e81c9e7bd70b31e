package app

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

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
