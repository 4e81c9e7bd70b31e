// Package stripemock runs stripe-mock (github.com/stripe/stripe-mock), the
// offline fake of the Stripe API, as a throwaway server for tests, the way
// pgtest runs PostgreSQL.
//
// # Where the server comes from
//
// When STRIPE_MOCK_URL is set, that server is used (for instance
// "docker run -p 12111:12111 stripe/stripe-mock" and
// STRIPE_MOCK_URL=http://127.0.0.1:12111).
//
// Otherwise the binary is the tool pinned in go.mod (tool
// github.com/stripe/stripe-mock, at Version): "go tool -n stripe-mock"
// builds it once into the Go build cache, from the module proxy like any
// dependency, and prints its path; later runs reuse it. The server is
// started once per test process, lazily on first use, listening on
// 127.0.0.1 on ports the kernel picks (its HTTPS listener too, which would
// otherwise take the fixed port 12112), so test processes running at once
// never collide; its address is read from its own "Listening for HTTP at
// address" line, and it is used once it answers a request.
//
// If the binary cannot be had (no module proxy and nothing cached), the
// test is skipped with a message saying why and how to fix it, unless CI is
// true, where it fails: a CI job that silently skips its Stripe tests
// proves nothing. A binary that does not start, or a STRIPE_MOCK_URL that
// does not answer, always fails.
//
// A package using URL stops the server by calling Main from TestMain:
//
//	func TestMain(m *testing.M) { stripemock.Main(m) }
//
// If the test process is killed, the kernel kills the server with it (the
// parent-death signal, on Linux).
//
// stripe-mock is stateless: it validates each request against Stripe's
// OpenAPI document and answers with a fixture, echoing neither metadata nor
// amounts. Tests assert on what was sent (through the client's transport)
// and on the shape of the answer.
package stripemock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the stripe-mock release pinned by go.mod's tool line;
// TestVersionPinned keeps the two equal.
const Version = "v0.203.0"

// Module is stripe-mock's module path (the tool's package).
const Module = "github.com/stripe/stripe-mock"

// EnvURL names the environment variable that points the tests at a
// running stripe-mock instead of starting one.
const EnvURL = "STRIPE_MOCK_URL"

// Key is an API key stripe-mock accepts (it checks the form, not the key).
const Key = "sk_test_123"

// plan is what the environment says the tests should use.
type plan struct {
	url   string // STRIPE_MOCK_URL, when set
	fatal bool   // CI is true: a missing server fails instead of skipping
}

func decide(getenv func(string) string) plan {
	ci, _ := strconv.ParseBool(getenv("CI"))
	return plan{url: getenv(EnvURL), fatal: ci}
}

var (
	mu         sync.Mutex
	started    bool
	srv        *Server
	srvURL     string
	srvMissing error // stripe-mock could not be had: skip, or fail in CI
	srvErr     error // stripe-mock was had but does not work: fail
	srvPlan    plan
)

// URL returns the base URL of the process-wide stripe-mock
// ("http://127.0.0.1:40123"), starting it on first use. It skips t when
// the binary cannot be had (fails it when CI is true), and fails it when
// the binary or STRIPE_MOCK_URL is there but does not work: that is a bug
// to fix, not a reason to skip.
func URL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !started {
		started = true
		srvPlan = decide(os.Getenv)
		srvURL, srvMissing, srvErr = open(srvPlan)
	}
	switch {
	case srvMissing != nil && srvPlan.fatal:
		t.Fatalf("%v (CI is true, so this fails instead of skipping)", srvMissing)
	case srvMissing != nil:
		t.Skipf("%v; this test needs stripe-mock, which \"go tool -n stripe-mock\" builds from the "+
			"module proxy once and keeps in the build cache; or set %s to a running stripe-mock", srvMissing, EnvURL)
	case srvErr != nil:
		t.Fatal(srvErr)
	}
	return srvURL
}

// open returns the server's URL, or why there is none: missing when the
// binary cannot be had, broken when what there is does not work.
func open(p plan) (url string, missing, broken error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if p.url != "" {
		u := strings.TrimRight(p.url, "/")
		// A server that is already running answers at once, or never.
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		if err := waitAnswer(wctx, u, nil); err != nil {
			return "", nil, fmt.Errorf("stripemock: %s=%s: %w", EnvURL, p.url, err)
		}
		return u, nil, nil
	}
	bin, err := Binary(ctx)
	if err != nil {
		return "", err, nil
	}
	s, err := Start(ctx, bin)
	if err != nil {
		return "", nil, err
	}
	srv = s
	return s.URL, nil, nil
}

// Main runs the tests and then stops the server if one was started. Call
// it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	s := srv
	srv, srvErr = nil, errors.New("stripemock: server used after Main finished")
	mu.Unlock()
	if s != nil {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// Binary returns the path of the stripe-mock binary pinned in go.mod,
// building it into the Go build cache when it is not there yet. It runs in
// the current directory, which must be inside the module.
func Binary(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "-n", "stripe-mock")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("stripemock: go tool -n stripe-mock: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	path := strings.TrimSpace(string(out))
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		return "", fmt.Errorf("stripemock: go tool -n stripe-mock printed %q, which is not a file", path)
	}
	return path, nil
}

// Server is a running stripe-mock owned by this process.
type Server struct {
	URL string // http://127.0.0.1:<port>

	cmd    *exec.Cmd
	exited chan struct{}
	out    *tail
}

// listeningHTTP is how stripe-mock announces its HTTP listener.
const listeningHTTP = "Listening for HTTP at address: "

// Start runs the stripe-mock binary at bin on kernel-chosen ports of
// 127.0.0.1 and waits until it answers. The caller must Stop it.
func Start(ctx context.Context, bin string) (*Server, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// Not CommandContext: the server outlives the context of its start.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	setParentDeath(cmd)
	// An os.Pipe rather than StdoutPipe: Wait must not close the reading
	// end while the reader still drains it.
	stdout, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stripemock: %w", err)
	}
	cmd.Stdout = w
	out := &tail{}
	cmd.Stderr = out
	s := &Server{cmd: cmd, exited: make(chan struct{}), out: out}
	// The parent-death signal fires when the thread that forked the server
	// exits, not the process: fork from a goroutine locked to its thread,
	// living as long as the server.
	startErr := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := cmd.Start(); err != nil {
			startErr <- err
			return
		}
		startErr <- nil
		_ = cmd.Wait()
		close(s.exited)
	}()
	err = <-startErr
	_ = w.Close() // the child has its own copy
	if err != nil {
		_ = stdout.Close()
		return nil, fmt.Errorf("stripemock: start %s: %w", bin, err)
	}
	addr := make(chan string, 1)
	go func() {
		// Read every line, for ever: a full pipe would block the server.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			out.Write([]byte(line + "\n"))
			if a, ok := strings.CutPrefix(line, listeningHTTP); ok {
				select {
				case addr <- strings.TrimSpace(a):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // a line too long for the scanner
		_ = stdout.Close()
	}()
	fail := func(err error) (*Server, error) {
		_ = s.Stop()
		return nil, fmt.Errorf("stripemock: %w; its output:\n%s", err, out.String())
	}
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-s.exited:
		return fail(errors.New("stripe-mock exited before it listened"))
	case <-ctx.Done():
		return fail(fmt.Errorf("no %q line: %w", strings.TrimSpace(listeningHTTP), ctx.Err()))
	}
	if err := waitAnswer(ctx, s.URL, s.exited); err != nil {
		return fail(err)
	}
	return s, nil
}

// Stop kills the server and waits for it to exit. It is stateless: there
// is nothing to shut down gracefully.
func (s *Server) Stop() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stripemock: stop: %w", err)
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("stripemock: stop: the server did not exit")
	}
}

// waitAnswer polls base until stripe-mock answers an authenticated GET
// with 200, or exited closes, or ctx ends.
func waitAnswer(ctx context.Context, base string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/balance", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+Key)
		res, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /v1/balance answered %s", res.Status)
		}
		last = err
		select {
		case <-exited:
			return fmt.Errorf("stripe-mock exited before it answered: %w", last)
		case <-ctx.Done():
			return fmt.Errorf("stripe-mock did not answer: %w", last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tail keeps the last 64 KiB written to it, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 64 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
