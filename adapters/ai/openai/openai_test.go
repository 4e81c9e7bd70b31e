package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/ports"
)

// Markers that must never appear in an error: what was sent, what the
// server answered, and the key.
const (
	systemText = "SYSTEM-5ec7e7: you summarise chats"
	promptText = "PROMPT-c0ffee: what did Alice tell Bob on Tuesday?"
	bodySecret = "BODY-SECRET-d00d"
	testKey    = "sk-test-KEY-8badf00d"
)

// received is one request as the fake server saw it.
type received struct {
	method, path string
	header       http.Header
	body         map[string]any
}

// fake is an OpenAI-compatible server whose answer to the nth request (from
// 1) is handle's.
type fake struct {
	srv    *httptest.Server
	stop   chan struct{} // closed when the test ends: hanging handlers return
	handle func(f *fake, w http.ResponseWriter, r *http.Request, n int)

	mu   sync.Mutex
	reqs []received
}

func newFake(t *testing.T, handle func(f *fake, w http.ResponseWriter, r *http.Request, n int)) *fake {
	t.Helper()
	f := &fake{stop: make(chan struct{}), handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	// Cleanups run last first: hanging handlers are released, then the
	// server waits for them.
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.stop) })
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	// Read the whole body: only then does net/http watch the connection
	// and cancel r's context when the client goes away.
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	f.mu.Lock()
	f.reqs = append(f.reqs, received{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
	n := len(f.reqs)
	f.mu.Unlock()
	f.handle(f, w, r, n)
}

func (f *fake) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *fake) attempts() int { return len(f.requests()) }

// wait blocks until the client goes away, the test ends, or d has passed
// (d <= 0: forever); it reports whether d passed.
func (f *fake) wait(r *http.Request, d time.Duration) bool {
	var after <-chan time.Time
	if d > 0 {
		after = time.After(d)
	}
	select {
	case <-r.Context().Done():
	case <-f.stop:
	case <-after:
		return true
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// completion is a chat completion with one choice; content may be nil
// (JSON null).
func completion(content any, finish string, message map[string]any) string {
	msg := map[string]any{"role": "assistant", "content": content, "refusal": nil}
	maps.Copy(msg, message)
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish, "logprobs": nil}},
		"usage":   map[string]any{"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
	})
	return string(b)
}

// errorBody is an OpenAI error that, like many servers' messages, quotes
// the request.
func errorBody() string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": bodySecret + ": your messages were: " + systemText + " / " + promptText,
		"type":    "server_error", "code": bodySecret,
	}})
	return string(b)
}

func ok(f *fake, w http.ResponseWriter, r *http.Request, n int) {
	writeJSON(w, 200, completion(`{"summary":"fine"}`, "stop", nil))
}

func testConfig(f *fake) Config {
	return Config{
		BaseURL:         f.srv.URL + "/v1",
		APIKey:          testKey,
		Model:           "test-model",
		RequestTimeout:  2 * time.Second,
		MaxRetries:      2,
		MaxRetryDelay:   10 * time.Millisecond,
		MaxOutputTokens: 512,
		ContextTokens:   4096,
	}
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func request() ports.AIRequest {
	return ports.AIRequest{Task: "summary.map", System: systemText, Prompt: promptText, JSON: true}
}

// checkPrivate fails the test if err quotes what was sent, what the
// server answered, the key, or the server's address.
func checkPrivate(t *testing.T, err error, f *fake) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, s := range []string{systemText, promptText, bodySecret, testKey, "5ec7e7", "c0ffee", "d00d", "8badf00d", "Alice", strings.TrimPrefix(f.srv.URL, "http://")} {
		if strings.Contains(msg, s) {
			t.Errorf("the error %q quotes %q", msg, s)
		}
	}
}

// checkOnly fails the test unless err matches want and none of the other
// errors of Complete.
func checkOnly(t *testing.T, err, want error) {
	t.Helper()
	for _, e := range []error{ports.ErrAIUnavailable, ports.ErrAIRefused, ports.ErrAITruncated, context.DeadlineExceeded, context.Canceled} {
		if got := errors.Is(err, e); got != (e == want) {
			t.Errorf("errors.Is(%q, %q) = %v", err, e, got)
		}
	}
}

func TestCompleteRequestShape(t *testing.T) {
	t.Parallel()
	bothMessages := []any{
		map[string]any{"role": "system", "content": systemText},
		map[string]any{"role": "user", "content": promptText},
	}
	for _, tc := range []struct {
		name         string
		cfg          func(*Config, string)
		req          func(*ports.AIRequest)
		path         string
		auth         string // "" means no Authorization header
		field        string
		bound        float64
		jsonFormat   bool
		wantMessages []any
	}{{
		name: "defaults", path: "/v1/chat/completions", auth: "Bearer " + testKey,
		field: "max_tokens", bound: 512, wantMessages: bothMessages,
	}, {
		name: "JSON mode with a smaller bound in max_completion_tokens",
		cfg: func(c *Config, _ string) {
			c.JSONMode, c.TokensField = true, TokensFieldMaxCompletionTokens
		},
		req:  func(r *ports.AIRequest) { r.MaxOutputTokens = 100 },
		path: "/v1/chat/completions", auth: "Bearer " + testKey,
		field: "max_completion_tokens", bound: 100, jsonFormat: true, wantMessages: bothMessages,
	}, {
		name: "no key, a larger bound capped, a base ending in a slash",
		cfg: func(c *Config, base string) {
			c.APIKey, c.BaseURL, c.TokensField = "", base+"/api/v1/", TokensFieldMaxTokens
		},
		req:  func(r *ports.AIRequest) { r.MaxOutputTokens = 100000 },
		path: "/api/v1/chat/completions", field: "max_tokens", bound: 512, wantMessages: bothMessages,
	}, {
		name: "JSON mode on but no JSON asked, no system message",
		cfg:  func(c *Config, _ string) { c.JSONMode = true },
		req:  func(r *ports.AIRequest) { r.JSON, r.System, r.MaxOutputTokens = false, "", -5 },
		path: "/v1/chat/completions", auth: "Bearer " + testKey, field: "max_tokens", bound: 512,
		wantMessages: []any{map[string]any{"role": "user", "content": promptText}},
	}, {
		name: "a base without a path",
		cfg:  func(c *Config, base string) { c.BaseURL = base },
		path: "/chat/completions", auth: "Bearer " + testKey, field: "max_tokens", bound: 512, wantMessages: bothMessages,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, ok)
			cfg := testConfig(f)
			if tc.cfg != nil {
				tc.cfg(&cfg, f.srv.URL)
			}
			req := request()
			if tc.req != nil {
				tc.req(&req)
			}
			if _, err := newClient(t, cfg).Complete(t.Context(), req); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.method != http.MethodPost || got.path != tc.path {
				t.Errorf("%s %s, want POST %s", got.method, got.path, tc.path)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if vals := got.header.Values("Authorization"); tc.auth == "" && len(vals) != 0 || tc.auth != "" && !slices.Equal(vals, []string{tc.auth}) {
				t.Errorf("Authorization %q, want %q", vals, tc.auth)
			}
			wantKeys := []string{"messages", "model", tc.field}
			if tc.jsonFormat {
				wantKeys = append(wantKeys, "response_format")
			}
			slices.Sort(wantKeys)
			if keys := slices.Sorted(maps.Keys(got.body)); !slices.Equal(keys, wantKeys) {
				t.Errorf("body fields %q, want %q", keys, wantKeys)
			}
			if got.body["model"] != "test-model" {
				t.Errorf("model %v", got.body["model"])
			}
			if got.body[tc.field] != tc.bound {
				t.Errorf("%s %v, want %v", tc.field, got.body[tc.field], tc.bound)
			}
			if tc.jsonFormat && !reflect.DeepEqual(got.body["response_format"], map[string]any{"type": "json_object"}) {
				t.Errorf("response_format %v", got.body["response_format"])
			}
			if !reflect.DeepEqual(got.body["messages"], tc.wantMessages) {
				t.Errorf("messages %v, want %v", got.body["messages"], tc.wantMessages)
			}
		})
	}
}

func TestCompleteAnswer(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok)
	resp, err := newClient(t, testConfig(f)).Complete(t.Context(), request())
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := ports.AIResponse{Text: `{"summary":"fine"}`, Usage: ports.AIUsage{PromptTokens: 11, OutputTokens: 7}}
	if resp != want {
		t.Errorf("got %+v, want %+v", resp, want)
	}
	if n := f.attempts(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok)
	got := newClient(t, testConfig(f)).Info()
	want := ports.AIInfo{Provider: "openai-compatible", Model: "test-model", ContextTokens: 4096, MaxOutputTokens: 512}
	if got != want {
		t.Errorf("Info() = %+v, want %+v", got, want)
	}
}

// A server slower than RequestTimeout, or one that never answers: every
// attempt runs out, and the error is both a provider failure and a
// timeout.
func TestCompleteRequestTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		delay       time.Duration // before the answer; 0: forever
		headedFirst bool          // the status and the answer's first bytes come at once
	}{{"slow", 2 * time.Second, false}, {"hangs", 0, false}, {"hangs after the headers", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
				if tc.headedFirst {
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"choices":[`)
					_ = http.NewResponseController(w).Flush()
				}
				if f.wait(r, tc.delay) {
					writeJSON(w, 200, completion("late", "stop", nil))
				}
			})
			cfg := testConfig(f)
			cfg.RequestTimeout, cfg.MaxRetries = 200*time.Millisecond, 2
			start := time.Now()
			_, err := newClient(t, cfg).Complete(t.Context(), request())
			elapsed := time.Since(start)
			if !errors.Is(err, ports.ErrAIUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want ErrAIUnavailable and context.DeadlineExceeded", err)
			}
			checkPrivate(t, err, f)
			if n := f.attempts(); n != 1+cfg.MaxRetries {
				t.Errorf("%d attempts, want %d", n, 1+cfg.MaxRetries)
			}
			if min := 3 * cfg.RequestTimeout; elapsed < min {
				t.Errorf("returned after %s, before three request timeouts (%s)", elapsed, min)
			}
		})
	}
}

// The caller's deadline ends a call to a server that hangs, before the
// request timeout: the error is the context's own, not a provider failure.
func TestCompleteCallerDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) { f.wait(r, 0) })
	cfg := testConfig(f)
	cfg.RequestTimeout = 30 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newClient(t, cfg).Complete(ctx, request())
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("returned after %s: the caller's deadline was not kept", elapsed)
	}
	if !errors.Is(err, ctx.Err()) {
		t.Errorf("got %v, want the context's error %v", err, ctx.Err())
	}
	checkOnly(t, err, context.DeadlineExceeded)
	checkPrivate(t, err, f)
	if n := f.attempts(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestCompleteCallerCancels(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
		arrived <- struct{}{}
		f.wait(r, 0)
	})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := newClient(t, testConfig(f)).Complete(ctx, request())
	checkOnly(t, err, context.Canceled)
	checkPrivate(t, err, f)
	if n := f.attempts(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}

	// Already over: nothing is sent.
	_, err = newClient(t, testConfig(f)).Complete(ctx, request())
	checkOnly(t, err, context.Canceled)
	if n := f.attempts(); n != 1 {
		t.Errorf("%d attempts after a call with a cancelled context, want still 1", n)
	}
}

func TestCompleteRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, errorBody())
			return
		}
		ok(f, w, r, n)
	})
	cfg := testConfig(f)
	// Above the Retry-After, which is honoured only up to MaxRetryDelay;
	// and below it the request timeout, which does not cover the wait.
	cfg.MaxRetryDelay, cfg.RequestTimeout = 2*time.Second, 200*time.Millisecond
	start := time.Now()
	resp, err := newClient(t, cfg).Complete(t.Context(), request())
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if resp.Text != `{"summary":"fine"}` {
		t.Errorf("text %q", resp.Text)
	}
	if n := f.attempts(); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if elapsed < 950*time.Millisecond {
		t.Errorf("retried after %s, before the second Retry-After asked for", elapsed)
	}
}

// A Retry-After beyond MaxRetryDelay is not waited for: the 429 is the
// answer.
func TestCompleteRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusTooManyRequests, errorBody())
	})
	cfg := testConfig(f)
	cfg.MaxRetryDelay = 100 * time.Millisecond
	start := time.Now()
	_, err := newClient(t, cfg).Complete(t.Context(), request())
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("returned after %s", elapsed)
	}
	checkStatus(t, err, f, 429)
	if n := f.attempts(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// checkStatus fails the test unless err is ErrAIUnavailable for an HTTP
// status, and private.
func checkStatus(t *testing.T, err error, f *fake, status int) {
	t.Helper()
	checkOnly(t, err, ports.ErrAIUnavailable)
	checkPrivate(t, err, f)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != status {
		t.Errorf("got %v, want a *StatusError with code %d", err, status)
	}
	if want := fmt.Sprintf("status %d", status); !strings.Contains(err.Error(), want) {
		t.Errorf("the error %q does not say %q", err, want)
	}
}

func TestCompleteRetriedStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
	}{
		{"429 without Retry-After", 429, "application/json", errorBody()},
		{"500 with an OpenAI error", 500, "application/json", errorBody()},
		{"502 with text", 502, "text/plain", bodySecret + " " + promptText},
		{"503 with HTML", 503, "text/html", "<html>" + bodySecret + "</html>"},
		{"408", 408, "application/json", errorBody()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			cfg := testConfig(f)
			cfg.MaxRetries = 3
			_, err := newClient(t, cfg).Complete(t.Context(), request())
			checkStatus(t, err, f, tc.status)
			if n := f.attempts(); n != 1+cfg.MaxRetries {
				t.Errorf("%d attempts, want %d", n, 1+cfg.MaxRetries)
			}
		})
	}
}

func TestCompleteStatusNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 404, 422} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, status, errorBody())
			})
			_, err := newClient(t, testConfig(f)).Complete(t.Context(), request())
			checkStatus(t, err, f, status)
			if n := f.attempts(); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
}

// A 200 whose body is not a chat completion, or one without an answer in
// it: a provider failure, not retried.
func TestCompleteNoCompletion(t *testing.T) {
	t.Parallel()
	const (
		notCompletion = "openai: the AI provider failed: the answer is not a chat completion"
		noChoices     = "openai: the AI provider failed: the answer has no choices"
		empty         = "openai: the AI provider failed: the answer is empty"
	)
	for _, tc := range []struct {
		name, contentType, body string
		want                    string // the whole error text: nothing of the SDK's
	}{
		{"malformed JSON", "application/json", `{"choices": [` + bodySecret, notCompletion},
		{"a JSON array", "application/json", `["` + bodySecret + `"]`, notCompletion},
		{"JSON null", "application/json", `null`, notCompletion},
		{"no body", "application/json", ``, notCompletion},
		{"text", "text/plain", bodySecret, notCompletion},
		{"HTML", "text/html", "<p>" + bodySecret + "</p>", notCompletion},
		{"an error with status 200", "application/json", errorBody(), noChoices},
		{"no choices", "application/json", `{"id":"x","object":"chat.completion","choices":[]}`, noChoices},
		{"an empty object", "application/json", `{}`, noChoices},
		{"empty content", "application/json", completion("", "stop", nil), empty},
		{"null content", "application/json", completion(nil, "stop", nil), empty},
		{"white space", "application/json", completion(" \n\t", "stop", nil), empty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = io.WriteString(w, tc.body)
			})
			resp, err := newClient(t, testConfig(f)).Complete(t.Context(), request())
			checkOnly(t, err, ports.ErrAIUnavailable)
			checkPrivate(t, err, f)
			if err.Error() != tc.want {
				t.Errorf("got %q, want %q", err, tc.want)
			}
			if resp.Text != "" {
				t.Errorf("text %q with the error", resp.Text)
			}
			if n := f.attempts(); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
}

func TestCompleteRefused(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"refusal":        completion(nil, "stop", map[string]any{"refusal": "I can't help with " + bodySecret}),
		"content filter": completion(bodySecret, "content_filter", nil),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, 200, body) })
			resp, err := newClient(t, testConfig(f)).Complete(t.Context(), request())
			checkOnly(t, err, ports.ErrAIRefused)
			checkPrivate(t, err, f)
			want := ports.AIResponse{Usage: ports.AIUsage{PromptTokens: 11, OutputTokens: 7}}
			if resp != want {
				t.Errorf("got %+v, want %+v (the usage, no text)", resp, want)
			}
		})
	}
}

func TestCompleteTruncated(t *testing.T) {
	t.Parallel()
	cut := `{"summary":"Alice told Bob ` + bodySecret
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, completion(cut, "length", nil))
	})
	resp, err := newClient(t, testConfig(f)).Complete(t.Context(), request())
	checkOnly(t, err, ports.ErrAITruncated)
	checkPrivate(t, err, f)
	want := ports.AIResponse{Text: cut, Usage: ports.AIUsage{PromptTokens: 11, OutputTokens: 7}}
	if resp != want {
		t.Errorf("got %+v, want %+v (the cut text and the usage)", resp, want)
	}
}

func TestCompleteTransportFailure(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, ok)
		cfg := testConfig(f)
		f.srv.Close() // nothing listens on its address any more
		_, err := newClient(t, cfg).Complete(t.Context(), request())
		checkOnly(t, err, ports.ErrAIUnavailable)
		checkPrivate(t, err, f)
		if !strings.Contains(err.Error(), "cannot connect") {
			t.Errorf("the error %q does not say it could not connect", err)
		}
	})
	for name, answer := range map[string]string{
		"connection dropped":               "",
		"connection dropped in the answer": "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"choices\":[",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err == nil {
					_, _ = buf.WriteString(answer)
					_ = buf.Flush()
					_ = conn.Close()
				}
			})
			cfg := testConfig(f)
			_, err := newClient(t, cfg).Complete(t.Context(), request())
			checkOnly(t, err, ports.ErrAIUnavailable)
			checkPrivate(t, err, f)
			if !strings.Contains(err.Error(), "closed the connection") {
				t.Errorf("the error %q does not say the server closed the connection", err)
			}
			if n := f.attempts(); n != 1+cfg.MaxRetries {
				t.Errorf("%d attempts, want %d", n, 1+cfg.MaxRetries)
			}
		})
	}
}

// The chats go to the configured URL only: a redirect is an error, and
// its target gets nothing.
func TestCompleteRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/v1/chat/completions" {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
			return
		}
		ok(f, w, r, n)
	})
	_, err := newClient(t, testConfig(f)).Complete(t.Context(), request())
	checkStatus(t, err, f, http.StatusTemporaryRedirect)
	for _, r := range f.requests() {
		if r.path != "/v1/chat/completions" {
			t.Errorf("a request went to %s", r.path)
		}
	}
}

// The SDK's OPENAI_* variables are not read: not the base URL, the keys,
// the organization, the project or extra headers.
func TestCompleteIgnoresEnvironment(t *testing.T) {
	elsewhere := newFake(t, ok)
	t.Setenv("OPENAI_BASE_URL", elsewhere.srv.URL+"/v1")
	t.Setenv("OPENAI_API_KEY", "sk-from-the-environment")
	t.Setenv("OPENAI_ADMIN_KEY", "sk-admin-from-the-environment")
	t.Setenv("OPENAI_ORG_ID", "org-from-the-environment")
	t.Setenv("OPENAI_PROJECT_ID", "proj-from-the-environment")
	t.Setenv("OPENAI_CUSTOM_HEADERS", "X-From-The-Environment: yes")
	for name, key := range map[string]string{"with a key": testKey, "without a key": ""} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, ok)
			cfg := testConfig(f)
			cfg.APIKey = key
			if _, err := newClient(t, cfg).Complete(t.Context(), request()); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("the configured server got %d requests, want 1", len(reqs))
			}
			h := reqs[0].header
			wantAuth := []string(nil)
			if key != "" {
				wantAuth = []string{"Bearer " + key}
			}
			if got := h.Values("Authorization"); !slices.Equal(got, wantAuth) {
				t.Errorf("Authorization %q, want %q", got, wantAuth)
			}
			for _, name := range []string{"OpenAI-Organization", "OpenAI-Project", "X-From-The-Environment"} {
				if v, ok := h[http.CanonicalHeaderKey(name)]; ok {
					t.Errorf("%s: %q was sent", name, v)
				}
			}
			for name, vals := range h {
				for _, v := range vals {
					if strings.Contains(v, "from-the-environment") {
						t.Errorf("header %s: %q comes from the environment", name, v)
					}
				}
			}
		})
	}
	if n := elsewhere.attempts(); n != 0 {
		t.Errorf("OPENAI_BASE_URL got %d requests", n)
	}
}

func TestCompleteConcurrent(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request, n int) {
		// Answer with the prompt, so that each caller can tell its own.
		f.mu.Lock()
		msgs, _ := f.reqs[n-1].body["messages"].([]any)
		f.mu.Unlock()
		var prompt string
		if len(msgs) > 0 {
			prompt, _ = msgs[len(msgs)-1].(map[string]any)["content"].(string)
		}
		writeJSON(w, 200, completion("re: "+prompt, "stop", nil))
	})
	c := newClient(t, testConfig(f))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				req := request()
				req.Prompt = fmt.Sprintf("prompt %d.%d", i, j)
				resp, err := c.Complete(t.Context(), req)
				if err != nil {
					t.Errorf("Complete: %v", err)
					return
				}
				if want := "re: " + req.Prompt; resp.Text != want {
					t.Errorf("got %q, want %q", resp.Text, want)
				}
			}
		})
	}
	wg.Wait()
	if n := f.attempts(); n != 40 {
		t.Errorf("%d requests, want 40", n)
	}
}
