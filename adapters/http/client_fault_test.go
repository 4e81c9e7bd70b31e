package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestTruncatedBodyIsABadRequest: a client that announces more body than
// it sends and closes its side gets a 400, logged at info: it is not the
// service's fault.
func TestTruncatedBodyIsABadRequest(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.srv.Handler())
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	body := `{"email":"private@example.com"`
	fmt.Fprintf(conn, "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body)+100, body)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rec := httptest.NewRecorder()
	rec.Code = resp.StatusCode
	maps.Copy(rec.Header(), resp.Header)
	_, _ = rec.Body.ReadFrom(resp.Body)
	problem(t, rec, http.StatusBadRequest, "bad-request")
	mustNotContain(t, rec.Body.String(), "private")
	waitForLog(t, f, `"status":400`)
	if strings.Contains(f.logs.String(), `"level":"ERROR"`) {
		t.Fatalf("a client's truncated body was logged as an error:\n%s", f.logs)
	}
}

// TestClientGoneIs499: work cancelled because the client went away is
// recorded as 499 at info, not as a 500 at error.
func TestClientGoneIs499(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("a@example.com")
	f.with(func(s *Services) { s.Credits = failingCredits{fmt.Errorf("reading the balance: %w", context.Canceled)} })
	resp := f.api.Get("/v1/credits", bearer(key))
	problem(t, resp, 499, "client-closed-request")
	logs := f.logs.String()
	if !strings.Contains(logs, `"status":499`) || strings.Contains(logs, `"level":"ERROR"`) {
		t.Fatalf("want a 499 at info:\n%s", logs)
	}
}

// waitForLog waits for the request's log line, written after the response.
func waitForLog(t *testing.T, f *fixture, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(f.logs.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the logs:\n%s", want, f.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
