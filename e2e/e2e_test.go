package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// binary is the chatlens binary built from this checkout.
type binary struct {
	cmd    *exec.Cmd
	base   string
	key    string // the bootstrap admin's, read from standard output
	stderr *strings.Builder
	exited chan error
}

var (
	listeningLine = regexp.MustCompile(`"msg":"listening","server":"api","addr":"([^"]+)"`)
	adminKeyLine  = regexp.MustCompile(`shown once: (cl_[A-Za-z0-9_-]{43})`)
)

// startBinary builds chatlens and runs `chatlens serve` on dsn, on a free
// port, with a bootstrap admin, as the README's walk-through does.
func startBinary(t *testing.T, dsn string) *binary {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "chatlens")
	build := exec.Command("go", "build", "-o", exe, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b := &binary{stderr: &strings.Builder{}, exited: make(chan error, 1)}
	b.cmd = exec.Command(exe, "serve")
	b.cmd.Env = append(os.Environ(), "CHATLENS_DATABASE_URL="+dsn, "CHATLENS_ADDR=127.0.0.1:0",
		"CHATLENS_ADMIN_EMAIL=admin@example.com", "CHATLENS_INTERNAL_ADDR=", "CHATLENS_ENV=production")
	stdout, _ := b.cmd.StdoutPipe()
	stderr, _ := b.cmd.StderrPipe()
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr, key := make(chan string, 1), make(chan string, 1)
	go scan(stderr, listeningLine, addr, b.stderr)
	go scan(stdout, adminKeyLine, key, &strings.Builder{})
	go func() { b.exited <- b.cmd.Wait() }()
	t.Cleanup(func() {
		if b.cmd.ProcessState == nil {
			_ = b.cmd.Process.Kill()
		}
	})
	for got := 0; got < 2; {
		select {
		case a := <-addr:
			b.base, got = "http://"+a, got+1
		case k := <-key:
			b.key, got = k, got+1
		case err := <-b.exited:
			t.Fatalf("chatlens exited at start: %v\n%s", err, b.stderr)
		case <-time.After(2 * time.Minute):
			t.Fatalf("chatlens did not start:\n%s", b.stderr)
		}
	}
	return b
}

// scan copies r into all, and sends the first submatch of re to found.
func scan(r io.Reader, re *regexp.Regexp, found chan<- string, all *strings.Builder) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		all.WriteString(s.Text() + "\n")
		if m := re.FindStringSubmatch(s.Text()); m != nil {
			found <- m[1]
		}
	}
}

// stop sends SIGTERM and expects a graceful exit.
func (b *binary) stop(t *testing.T) {
	t.Helper()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-b.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit 30 s after SIGTERM")
	}
}

// as returns a request editor that sends key.
func as(key string) RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+key)
		return nil
	}
}

func client(t *testing.T, base string) *ClientWithResponses {
	t.Helper()
	c, err := NewClientWithResponses(base, WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// must turns a client call's (response, error) into the response, failing
// the test on a transport error: must(c.GetMe(ctx))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func checkProblem(t *testing.T, what string, p *Problem, status int, slug string) {
	t.Helper()
	if p == nil {
		t.Fatalf("%s: no problem body with status %d", what, status)
	}
	if p.Status != int64(status) || p.Type != "https://chatlens.dev/problems/"+slug || p.RequestId == "" {
		t.Fatalf("%s: %+v, want %d %s", what, p, status, slug)
	}
}

func ptr[T any](v T) *T { return &v }

func describe(r interface{ StatusCode() int }, body []byte) string {
	return fmt.Sprintf("%d %s", r.StatusCode(), body)
}
