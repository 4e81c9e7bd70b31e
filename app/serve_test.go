package app

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestServeLogsOneShuttingDownLine: stopping serve (as SIGINT or SIGTERM
// does, through its context) logs "shutting down" exactly once.
func TestServeLogsOneShuttingDownLine(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- ServeCommand(ctx, []string{"--addr", "127.0.0.1:0"}, &stdout, &stderr) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), `"msg":"listening"`) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, stderr.String())
	}
	if n := strings.Count(stderr.String(), `"msg":"shutting down"`); n != 1 {
		t.Fatalf("%d 'shutting down' lines; want 1:\n%s", n, stderr.String())
	}
}
