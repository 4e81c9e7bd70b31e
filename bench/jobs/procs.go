package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is one chatlens process of the run: the API (`serve`, no workers)
// or a `worker`. Its standard error (JSON log lines) goes to logPath.
type proc struct {
	cmd      *exec.Cmd
	logPath  string
	done     chan struct{}
	err      error
	base     string // serve: http://host:port of the API
	internal string // serve with a profile: http://host:port of /debug/pprof
	adminKey string // serve: the admin's key, printed once on standard output
}

var (
	listening    = regexp.MustCompile(`"msg":"listening","server":"(api|internal)","addr":"([^"]+)"`)
	workersReady = regexp.MustCompile(`"msg":"jobs: workers running"`)
	adminKeyLine = regexp.MustCompile(`API key, shown once: (\S+)`)
)

// serveEnv raises, for the bench, what would refuse its set-up (the
// sign-up rate, the uploads per user and hour) and its AI requests (30 per
// user and hour by default; the cap applies to the AI types only), and
// runs no workers. No CHATLENS_AI_URL: the local writer makes the AI
// types.
var serveEnv = []string{
	"CHATLENS_WORKERS=0",
	"CHATLENS_ADMIN_EMAIL=bench-admin@example.com",
	"CHATLENS_SIGNUP_RATE=0",
	"CHATLENS_AUTH_FAILURE_RATE=0",
	"CHATLENS_UPLOADS_PER_HOUR=100000",
	"CHATLENS_AI_REQUESTS_PER_HOUR=0",
}

// startServe runs `exe serve` on dsn with the API on a free loopback port
// (and, to profile it, the internal listener on another) and waits until
// it listens and has printed the admin's key.
func startServe(exe, dsn, logPath string, profile bool) (*proc, error) {
	env := append([]string{
		"CHATLENS_DATABASE_URL=" + dsn, "CHATLENS_ADDR=127.0.0.1:0", "CHATLENS_ENV=production",
	}, serveEnv...)
	if profile {
		env = append(env, "CHATLENS_INTERNAL_ADDR=127.0.0.1:0")
	}
	p, lines, err := startProc(exe, "serve", env, logPath)
	if err != nil {
		return nil, err
	}
	for p.base == "" || p.adminKey == "" || profile && p.internal == "" {
		line, err := p.next(lines)
		if err != nil {
			return nil, err
		}
		if m := listening.FindStringSubmatch(line); m != nil && m[1] == "api" {
			p.base = "http://" + m[2]
		} else if m != nil {
			p.internal = "http://" + m[2]
		}
		if m := adminKeyLine.FindStringSubmatch(line); m != nil {
			p.adminKey = m[1]
		}
	}
	return p, nil
}

// startWorker runs `exe worker` with workers workers on dsn and waits until
// its runner runs.
func startWorker(exe, dsn, logPath string, workers int) (*proc, error) {
	p, lines, err := startProc(exe, "worker", []string{
		"CHATLENS_DATABASE_URL=" + dsn, "CHATLENS_WORKERS=" + strconv.Itoa(workers),
	}, logPath)
	if err != nil {
		return nil, err
	}
	for {
		line, err := p.next(lines)
		if err != nil {
			return nil, err
		}
		if workersReady.MatchString(line) {
			return p, nil
		}
	}
}

// startProc starts exe with one command and the environment (CHATLENS_
// variables of the caller's own are dropped), copies its standard error and
// output to logPath, and sends each line on the returned channel until the
// caller stops reading.
func startProc(exe, command string, env []string, logPath string) (*proc, <-chan string, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	p := &proc{cmd: exec.Command(exe, command), logPath: logPath, done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATLENS_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		return nil, nil, err
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			// The key is the run's only secret: it stays out of the log.
			fmt.Fprintln(logFile, adminKeyLine.ReplaceAllString(line, "API key, shown once: (not logged)"))
			select {
			case lines <- line:
			default: // nobody reads any more
			}
		}
		io.Copy(logFile, pr)
	}()
	go func() {
		p.err = p.cmd.Wait()
		pw.Close()
		logFile.Close()
		close(p.done)
	}()
	return p, lines, nil
}

// next returns the process's next output line, or an error when it exits
// or says nothing for two minutes.
func (p *proc) next(lines <-chan string) (string, error) {
	select {
	case line := <-lines:
		return line, nil
	case <-p.done:
		return "", fmt.Errorf("chatlens %s exited at start: %v (log: %s)", p.cmd.Args[1], p.err, p.logPath)
	case <-time.After(2 * time.Minute):
		p.stop()
		return "", fmt.Errorf("chatlens %s did not start within 2 minutes (log: %s)", p.cmd.Args[1], p.logPath)
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop asks for a graceful exit and waits for it.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// died returns an error when the process exited before being stopped.
func (p *proc) died() error {
	select {
	case <-p.done:
		return errors.Join(errors.New("exited during the run; see "+p.logPath), p.err)
	default:
		return nil
	}
}

// profile writes a CPU profile of the process over d (whole seconds) to
// path, from its internal listener's /debug/pprof.
func (p *proc) profile(ctx context.Context, d time.Duration, path string) error {
	secs := max(1, int(d/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.internal+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("pprof: %d %s", resp.StatusCode, truncate(data, 300))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
