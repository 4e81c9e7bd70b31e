package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
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
	key    string  // the bootstrap admin's, read from standard output
	stderr *output // the logs
	done   chan struct{}
	err    error // Wait's, once done is closed
}

var (
	listeningLine = regexp.MustCompile(`"msg":"listening","server":"api","addr":"([^"]+)"`)
	adminKeyLine  = regexp.MustCompile(`shown once: (cl_[A-Za-z0-9_-]{43})`)
)

// output collects what the process writes and sends the first submatch of
// re to found. os/exec copies into it from its own goroutine and Wait
// returns only once the copy is over, so nothing written is lost; the mutex
// lets the test read it meanwhile.
type output struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	re    *regexp.Regexp
	found chan string
}

func newOutput(re *regexp.Regexp) *output { return &output{re: re, found: make(chan string, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if o.re != nil {
		if m := o.re.FindSubmatch(o.buf.Bytes()); m != nil {
			o.found <- string(m[1])
			o.re = nil
		}
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// startBinary builds chatlens and runs `chatlens serve` on dsn, on a free
// port, with a bootstrap admin, as the README's walk-through does; env
// adds or overrides settings.
func startBinary(t *testing.T, dsn string, env ...string) *binary {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "chatlens")
	build := exec.Command("go", "build", "-o", exe, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	stdout := newOutput(adminKeyLine)
	b := &binary{stderr: newOutput(listeningLine), done: make(chan struct{})}
	b.cmd = exec.Command(exe, "serve")
	b.cmd.Env = append(os.Environ(), "CHATLENS_DATABASE_URL="+dsn, "CHATLENS_ADDR=127.0.0.1:0",
		"CHATLENS_ADMIN_EMAIL=admin@example.com", "CHATLENS_INTERNAL_ADDR=", "CHATLENS_ENV=production")
	b.cmd.Env = append(b.cmd.Env, env...) // later entries win
	b.cmd.Stdout, b.cmd.Stderr = stdout, b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill() // fails harmlessly once it has exited
		<-b.done
	})
	for got := 0; got < 2; {
		select {
		case a := <-b.stderr.found:
			b.base, got = "http://"+a, got+1
		case k := <-stdout.found:
			b.key, got = k, got+1
		case <-b.done:
			t.Fatalf("chatlens exited at start: %v\n%s", b.err, b.stderr)
		case <-time.After(2 * time.Minute):
			t.Fatalf("chatlens did not start:\n%s", b.stderr)
		}
	}
	return b
}

// stop sends SIGTERM and expects a graceful exit.
func (b *binary) stop(t *testing.T) {
	t.Helper()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
		if b.err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", b.err, b.stderr)
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
