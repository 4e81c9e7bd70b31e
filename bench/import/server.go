package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is the real chatlens binary serving on the bench cluster: the
// process whose memory and CPU the import figures are about.
type server struct {
	cmd      *exec.Cmd
	base     string // http://127.0.0.1:port of the API
	internal string // http://127.0.0.1:port of /metrics and /debug/pprof
	done     chan struct{}
	err      error
	logPath  string
	client   *http.Client
}

var listening = regexp.MustCompile(`"msg":"listening","server":"(api|internal)","addr":"([^"]+)"`)

// startServer runs `exe serve` on dsn with the API and the internal
// listener (pprof) on free loopback ports. Its standard error (one JSON line
// per request) goes to logPath. extraEnv are further CHATLENS_ settings.
func startServer(exe, dsn, logPath string, extraEnv []string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &server{done: make(chan struct{}), logPath: logPath, client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true},
	}}
	s.cmd = exec.Command(exe, "serve")
	s.cmd.Env = append(os.Environ(),
		"CHATLENS_DATABASE_URL="+dsn,
		"CHATLENS_ADDR=127.0.0.1:0",
		"CHATLENS_INTERNAL_ADDR=127.0.0.1:0",
		"CHATLENS_ENV=production",
	)
	s.cmd.Env = append(s.cmd.Env, extraEnv...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	s.cmd.Stdout = logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	addrs := make(chan [2]string, 2)
	go func() {
		// Copy every line to the log file; report the two listening lines.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			logFile.Write(line)
			logFile.Write([]byte{'\n'})
			if m := listening.FindSubmatch(line); m != nil {
				addrs <- [2]string{string(m[1]), string(m[2])}
			}
		}
		io.Copy(logFile, stderr)
	}()
	go func() {
		s.err = s.cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	deadline := time.After(2 * time.Minute)
	for s.base == "" || s.internal == "" {
		select {
		case a := <-addrs:
			if a[0] == "api" {
				s.base = "http://" + a[1]
			} else {
				s.internal = "http://" + a[1]
			}
		case <-s.done:
			return nil, fmt.Errorf("chatlens exited at start: %v (log: %s)", s.err, logPath)
		case <-deadline:
			s.stop()
			return nil, fmt.Errorf("chatlens did not start within 2 minutes (log: %s)", logPath)
		}
	}
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks for a graceful exit and waits for it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// call sends one request and decodes a JSON answer into out (when not
// nil); a status other than want is an error with the body.
func (s *server) call(ctx context.Context, method, path, key string, body io.Reader, contentType string, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, truncate(data, 600))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// signUp creates a user over the API and returns its id and API key.
func (s *server) signUp(ctx context.Context, email string) (id, key string, err error) {
	body, _ := json.Marshal(map[string]string{"email": email, "display_name": "Bench"})
	var acc struct {
		User   struct{ ID string }     `json:"user"`
		APIKey struct{ Secret string } `json:"api_key"`
	}
	if err := s.call(ctx, http.MethodPost, "/v1/users", "", bytes.NewReader(body), "application/json", http.StatusCreated, &acc); err != nil {
		return "", "", err
	}
	return acc.User.ID, acc.APIKey.Secret, nil
}

// upload posts the file as multipart field "file", streamed from disk (the
// body is the multipart head, the open file and the closing boundary, with
// its exact length), and returns the decoded answer.
func (s *server) upload(ctx context.Context, key, path string) (map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if _, err := mw.CreateFormFile("file", filepath.Base(path)); err != nil {
		return nil, err
	}
	headLen := head.Len()
	if err := mw.Close(); err != nil {
		return nil, err
	}
	tail := append([]byte(nil), head.Bytes()[headLen:]...)
	head.Truncate(headLen)
	body := io.MultiReader(bytes.NewReader(head.Bytes()), f, bytes.NewReader(tail))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/v1/chats", body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(head.Len()) + st.Size() + int64(len(tail))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("upload %s: %d %s", filepath.Base(path), resp.StatusCode, truncate(data, 600))
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("upload answer: %w: %s", err, truncate(data, 600))
	}
	return out, nil
}

// get sends an authenticated GET and reads the whole answer, as a client
// would; it returns the body.
func (s *server) get(ctx context.Context, key, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, truncate(data, 600))
	}
	return data, nil
}

// profile fetches a CPU profile of the server over d into path.
func (s *server) profile(ctx context.Context, d time.Duration, path string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.internal+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
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

// findString returns the first string value under one of the keys, looked
// up at the top of the answer and in its nested objects (breadth first), so
// the harness reads "id" whether the answer is a chat or wraps one.
func findString(doc map[string]any, keys ...string) string {
	queue := []map[string]any{doc}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, k := range keys {
			if v, ok := m[k].(string); ok && v != "" {
				return v
			}
		}
		for _, v := range m {
			if sub, ok := v.(map[string]any); ok {
				queue = append(queue, sub)
			}
		}
	}
	return ""
}

// pathEscape escapes one path segment.
func pathEscape(s string) string { return url.PathEscape(s) }

// rssSampler watches a process's memory while something runs: it resets
// the kernel's peak (VmHWM, through clear_refs) at the start and samples
// VmRSS every 20 ms as a check of the peak the kernel reports at the end.
type rssSampler struct {
	pid  int
	stop chan struct{}
	wg   sync.WaitGroup
	max  int64 // KiB, sampled
	err  error
}

func startRSS(pid int) *rssSampler {
	r := &rssSampler{pid: pid, stop: make(chan struct{})}
	// "5" resets the peak RSS (VmHWM) to the current RSS (Linux 4.0+).
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		r.err = fmt.Errorf("reset peak RSS: %w", err)
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := procStatus(pid, "VmRSS"); err == nil && v > r.max {
				r.max = v
			}
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// finish returns the peak RSS in KiB: the kernel's VmHWM since the reset,
// or the sampled maximum when the reset failed.
func (r *rssSampler) finish() (hwm, sampled int64) {
	close(r.stop)
	r.wg.Wait()
	if r.err == nil {
		if v, err := procStatus(r.pid, "VmHWM"); err == nil {
			hwm = v
		}
	}
	return hwm, r.max
}

// procStatus reads one "Name: N kB" field of /proc/pid/status.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, errors.New(field + " not in /proc status")
}

// cpuSeconds is a process's user + system CPU time (/proc/pid/stat).
func cpuSeconds(pid int) float64 {
	f := procStat(pid)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// procStat is a process's /proc/pid/stat after its command name (which
// may hold spaces), split into fields: the state is field 0. Nil when the
// process is gone.
func procStat(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// postgresCPU sums the CPU time of every process of the cluster (the
// postmaster's children: backends, checkpointer, WAL writer, autovacuum).
// Processes that exited in between are missed; the server's pooled
// connections and psql's one backend live through what is measured.
func postgresCPU(postmaster int) float64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total float64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pid == postmaster || parentOf(pid) == postmaster {
			total += cpuSeconds(pid)
		}
	}
	return total
}

func parentOf(pid int) int {
	f := procStat(pid)
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}
