package app

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
)

// TestJobsRunInServe: serve runs the periodic jobs (the purge, the
// insights' maintenance) on its in-process workers, and /metrics counts
// them, by kind and outcome, and the queue's jobs by state.
func TestJobsRunInServe(t *testing.T) {
	r := start(t, testConfig(t, "", "--workers", "2"))
	want := []string{
		`chatlens_job_attempts_total{kind="insights.maintain",outcome="completed"} 1`,
		`chatlens_job_attempts_total{kind="chats.purge",outcome="completed"} 1`,
		`chatlens_jobs{kind="chats.purge",state="completed"} 1`,
		`chatlens_job_duration_seconds_count{kind="chats.purge"} 1`,
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, metrics := r.get(t, "/metrics", "")
		missing := ""
		for _, w := range want {
			if !strings.Contains(metrics, w) {
				missing = w
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %s after 20 s:\n%s", missing, grepLines(metrics, "chatlens_job"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.app.RequireStop()
}

// TestServeWithoutWorkersSaysSo: --workers 0 is an API-only process.
func TestServeWithoutWorkersSaysSo(t *testing.T) {
	r := start(t, testConfig(t, "", "--workers", "0"))
	r.app.RequireStop()
	if !strings.Contains(r.logs.String(), "no workers in this process") {
		t.Errorf("no warning that nothing works the jobs:\n%s", r.logs)
	}
}

func TestWorkerConfig(t *testing.T) {
	var stderr bytes.Buffer
	if _, code, ok := parseWorker([]string{"--database-url", ""}, &stderr); ok || code != 2 || !strings.Contains(stderr.String(), "needs PostgreSQL") {
		t.Errorf("a worker without PostgreSQL: ok %v, code %d, %q", ok, code, stderr.String())
	}
	stderr.Reset()
	if _, code, ok := parseWorker([]string{"--database-url", "postgres://x@127.0.0.1:1/none", "--job-rescue-after", "5s", "--workers", "0"}, &stderr); ok || code != 2 ||
		!strings.Contains(stderr.String(), "job-rescue-after") || !strings.Contains(stderr.String(), "workers must be at least 1") {
		t.Errorf("nonsense: ok %v, code %d, %q", ok, code, stderr.String())
	}
	cfg, _, ok := parseWorker([]string{"--database-url", "postgres://x@127.0.0.1:1/none"}, io.Discard)
	if !ok || cfg.Jobs.Workers != 8 || cfg.Jobs.jobTimeoutCap() != 12*time.Minute {
		t.Fatalf("defaults: ok %v, %+v", ok, cfg.Jobs)
	}
	if err := fx.ValidateApp(WorkerOptions(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))); err != nil {
		t.Fatal(err)
	}
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
