package pgtest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	found := func() (string, error) { return "/pg/bin", nil }
	none := func() (string, error) { return "", ErrNoServer }
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

	if p := decide(env(map[string]string{EnvURL: "postgres://x/db"}), none); p.url != "postgres://x/db" || p.missing != "" {
		t.Errorf("URL set: %+v", p)
	}
	if p := decide(env(nil), found); p.binDir != "/pg/bin" || p.missing != "" || p.url != "" {
		t.Errorf("binaries found: %+v", p)
	}
	p := decide(env(nil), none)
	if p.missing == "" || p.fatal {
		t.Errorf("nothing, not CI: want skip, got %+v", p)
	}
	for _, hint := range []string{"install", EnvURL} {
		if !strings.Contains(p.missing, hint) {
			t.Errorf("skip message %q lacks %q", p.missing, hint)
		}
	}
	if p := decide(env(map[string]string{"CI": "true"}), none); p.missing == "" || !p.fatal {
		t.Errorf("nothing, CI=true: want failure, got %+v", p)
	}
	if p := decide(env(map[string]string{"CI": "false"}), none); p.fatal {
		t.Errorf("CI=false must skip: %+v", p)
	}
}

func fakeBin(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindBinDir(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "12", "15"} {
		fakeBin(t, filepath.Join(root, v, "bin"), "initdb", "postgres", "pgbench")
	}
	fakeBin(t, filepath.Join(root, "16", "bin"), "psql") // client only: not a server
	glob := filepath.Join(root, "*", "bin")
	notInPath := func(string) (string, error) { return "", errors.New("not found") }

	got, err := findBinDir(notInPath, glob)
	if want := filepath.Join(root, "15", "bin"); err != nil || got != want {
		t.Errorf("highest version: got %q, %v; want %q", got, err, want)
	}

	// initdb in PATH is a symlink into the real bin dir: use that dir.
	link := filepath.Join(root, "local")
	fakeBin(t, link)
	if err := os.Symlink(filepath.Join(root, "12", "bin", "initdb"), filepath.Join(link, "initdb")); err != nil {
		t.Fatal(err)
	}
	got, err = findBinDir(func(string) (string, error) { return filepath.Join(link, "initdb"), nil }, glob)
	if want := filepath.Join(root, "12", "bin"); err != nil || got != want {
		t.Errorf("PATH symlink: got %q, %v; want %q", got, err, want)
	}

	// initdb in PATH without postgres beside it (a wrapper): fall back to the glob.
	wrapper := filepath.Join(root, "wrapper")
	fakeBin(t, wrapper, "initdb")
	got, _ = findBinDir(func(string) (string, error) { return filepath.Join(wrapper, "initdb"), nil }, glob)
	if want := filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("wrapper in PATH: got %q, want %q", got, want)
	}

	if _, err := findBinDir(notInPath, filepath.Join(root, "nothing", "*")); !errors.Is(err, ErrNoServer) {
		t.Errorf("no binaries: err = %v, want ErrNoServer", err)
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:5433/admin?sslmode=disable": "postgres://u:p@h:5433/x?sslmode=disable",
		"postgresql://h/":            "postgresql://h/x",
		"host=h user=u dbname=admin": "host=h user=u dbname=admin dbname=x",
	} {
		if got, err := withDatabase(in, "x"); err != nil || got != want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestRemoveStale(t *testing.T) {
	root := t.TempDir()
	dead, live, fresh := filepath.Join(root, "clpgdead"), filepath.Join(root, "clpglive"), filepath.Join(root, "clpgfresh")
	for _, d := range []string{dead, live, fresh} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// pid 2^22+1 exceeds Linux's pid_max, so no process has it.
	_ = os.WriteFile(filepath.Join(dead, ownerFile), []byte("4194305\n"), 0o644)
	_ = os.WriteFile(filepath.Join(live, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	removeStale(filepath.Join(root, "clpg*"))
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("directory of a dead owner kept")
	}
	for _, d := range []string{live, fresh} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", d, err)
		}
	}
}
