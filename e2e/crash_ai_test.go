package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The crash test's AI types: the seeded summary, main-topics and tone,
// written by a fake OpenAI-compatible provider in this process that hangs
// on every summary request, fails every tone request (HTTP 500) and
// answers every main-topics request. Both processes are configured for it
// (fakeAI.env): a 500 ms answer timeout per request and one retry, so a
// summary attempt gives up after two requests (about 1.5 s with the
// retry's wait, well inside the 8 s the rescue delay leaves a job) and
// fails with the class timeout, and a tone attempt after two with the
// class provider; either type's 3 attempts are used up, and its insight
// fails and is refunded. A kill that catches one of their jobs makes it
// run again after the rescue, or, on its last attempt, leaves it
// abandoned (and refunded).

// What the fake provider does with a type's requests.
const (
	aiHang   = "hang"   // blocks until the client goes away
	aiFail   = "fail"   // answers 500
	aiAnswer = "answer" // answers a valid main-topics document
)

// crashAITimeout is CHATLENS_AI_TIMEOUT, one request's wait: short, as
// every summary attempt waits for it twice (the fake answers the others
// in a millisecond).
const crashAITimeout = 500 * time.Millisecond

// crashAIHangSlack is how long after crashAITimeout a hung request may
// still be open: the client closes its connection at the timeout.
const crashAIHangSlack = 2 * time.Second

// crashAITypes are the seeded AI types, as the migration makes them (the
// test checks the catalog agrees), each with what the fake does with its
// requests. Their 10-minute timeout is cut to 4/5 of the 10 s rescue
// delay, like every job's.
func crashAITypes() []crashType {
	return []crashType{
		{slug: "summary", cost: 20, maxAttempts: 3, timeoutS: 600, generator: "ai-summary", seeded: true, ai: aiHang},
		{slug: "main-topics", cost: 15, maxAttempts: 3, timeoutS: 600, generator: "ai-topics", seeded: true, ai: aiAnswer},
		{slug: "tone", cost: 15, maxAttempts: 3, timeoutS: 600, generator: "ai-tone", seeded: true, ai: aiFail},
	}
}

// aiSystems tells the types' requests apart by the start of their system
// message (core/aiinsight/prompts/*.tmpl).
var aiSystems = map[string]string{
	"You summarise":            "summary",
	"You find the main topics": "main-topics",
	"You judge the tone":       "tone",
}

// fakeTopic is the one topic the fake's main-topics answers hold.
const fakeTopic = "Dinner plans"

// fakeAI is the fake OpenAI-compatible provider.
type fakeAI struct {
	srv      *httptest.Server
	behave   map[string]string // by type slug
	quit     chan struct{}     // releases the hanging requests at the test's end
	inFlight atomic.Int64
	hanging  atomic.Int64 // of them, those it hangs on
	ended    atomic.Bool  // set once every insight has settled
	late     atomic.Int64 // requests that came after that
	mu       sync.Mutex
	seen     map[string]int // requests, by type slug
	longest  time.Duration  // the longest a hung request stayed open
	problems []string       // requests it could not place
}

// startFakeAI starts the fake provider for types; it stops with the test,
// after the processes (cleanups run last first).
func startFakeAI(t *testing.T, types []crashType) *fakeAI {
	t.Helper()
	f := &fakeAI{behave: map[string]string{}, quit: make(chan struct{}), seen: map[string]int{}}
	for _, ct := range types {
		if ct.ai != "" {
			f.behave[ct.slug] = ct.ai
		}
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.quit)
		f.srv.Close()
	})
	return f
}

// env is both processes' AI configuration: the fake, no key (it is on
// 127.0.0.1), short waits, no cap on AI requests.
func (f *fakeAI) env() []string {
	return []string{
		"CHATLENS_AI_URL=" + f.srv.URL + "/v1",
		"CHATLENS_AI_MODEL=fake",
		"CHATLENS_AI_TIMEOUT=" + crashAITimeout.String(),
		"CHATLENS_AI_MAX_RETRIES=1",
		"CHATLENS_AI_CONTEXT_TOKENS=8192",
		"CHATLENS_AI_MAX_OUTPUT_TOKENS=1024",
		"CHATLENS_AI_REQUESTS_PER_HOUR=0",
	}
}

// fakeRequest is what the fake reads of a chat completion request.
type fakeRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

// transcriptSeq finds a transcript line's number ("#seq<TAB>author<TAB>text").
var transcriptSeq = regexp.MustCompile(`(?m)^#(\d+)\t`)

func (f *fakeAI) problem(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.mu.Lock()
	if len(f.problems) < 10 {
		f.problems = append(f.problems, msg)
	}
	f.mu.Unlock()
	http.Error(w, `{"error":{"message":"the fake cannot place this request","type":"invalid_request_error"}}`, http.StatusBadRequest)
}

func (f *fakeAI) serve(w http.ResponseWriter, r *http.Request) {
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	if f.ended.Load() {
		f.late.Add(1)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		f.problem(w, "a request %s %s", r.Method, r.URL.Path)
		return
	}
	// The whole body is read before anything else, so the server notices
	// a client that goes away while the request hangs.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var req fakeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		f.problem(w, "a request whose body is not JSON: %v", err)
		return
	}
	var system, user string
	for _, m := range req.Messages {
		var s string
		if err := json.Unmarshal(m.Content, &s); err != nil {
			f.problem(w, "a %s message whose content is not a string", m.Role)
			return
		}
		switch m.Role {
		case "system":
			system = s
		case "user":
			user = s
		}
	}
	slug := ""
	for prefix, s := range aiSystems {
		if strings.HasPrefix(system, prefix) {
			slug = s
		}
	}
	switch {
	case req.Model != "fake":
		f.problem(w, "a request for the model %q", req.Model)
		return
	case slug == "" || f.behave[slug] == "":
		f.problem(w, "a request of no AI type of the test (its system message starts %.30q)", system)
		return
	}
	f.mu.Lock()
	f.seen[slug]++
	f.mu.Unlock()
	switch f.behave[slug] {
	case aiHang:
		began := time.Now()
		f.hanging.Add(1)
		select {
		case <-r.Context().Done():
		case <-f.quit:
		}
		f.hanging.Add(-1)
		f.mu.Lock()
		f.longest = max(f.longest, time.Since(began))
		f.mu.Unlock()
	case aiFail:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":{"message":"the fake fails","type":"server_error"}}`)
	case aiAnswer:
		cites := []int64{}
		if m := transcriptSeq.FindStringSubmatch(user); m != nil {
			seq, _ := strconv.ParseInt(m[1], 10, 64)
			cites = append(cites, seq)
		}
		content, _ := json.Marshal(map[string]any{"topics": []map[string]any{
			{"label": fakeTopic, "keywords": []string{"dinner"}, "share": 0.5, "messages": cites},
		}})
		completion := map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": "fake",
			"choices": []map[string]any{{
				"index": 0, "finish_reason": "stop", "logprobs": nil,
				"message": map[string]any{"role": "assistant", "content": string(content), "refusal": nil},
			}},
			"usage": map[string]any{
				"prompt_tokens": len(body) / 4, "completion_tokens": len(content) / 4,
				"total_tokens": len(body)/4 + len(content)/4,
			},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(completion)
	}
}

// end marks the moment every insight has settled: no request may come
// after it.
func (f *fakeAI) end() { f.ended.Store(true) }

// drained waits until no request of the fake is open: each hanging one
// ends when its client goes away (a killed process's connections close
// with it).
func (f *fakeAI) drained(t *testing.T) {
	t.Helper()
	waitFor(t, "the fake provider's requests to end", 10*time.Second, func() (bool, string) {
		n := f.inFlight.Load()
		return n == 0, fmt.Sprintf("%d requests open", n)
	})
}

// requests returns how many requests of each type the fake saw.
func (f *fakeAI) requests() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.seen))
	for k, v := range f.seen {
		out[k] = v
	}
	return out
}

// checkFake: the fake saw requests of every AI type, could place every
// request, saw none after every insight settled, and every hung request
// was given up by its client at about the request timeout.
func (cr *crashRun) checkFake(p *crashProblems) {
	f := cr.fake
	seen := f.requests()
	for _, ct := range cr.types {
		if ct.ai != "" && seen[ct.slug] == 0 {
			p.add("the fake provider saw no request of %s", ct.slug)
		}
	}
	f.mu.Lock()
	for _, msg := range f.problems {
		p.add("the fake provider got %s", msg)
	}
	if f.longest > crashAITimeout+crashAIHangSlack {
		p.add("a request the fake hung on stayed open %s, with a request timeout of %s", f.longest.Round(time.Millisecond), crashAITimeout)
	}
	f.mu.Unlock()
	if n := f.late.Load(); n > 0 {
		p.add("the fake provider got %d requests after every insight had settled", n)
	}
}

// checkAIReady checks a ready AI insight's result: only the answering
// type may be ready, with the fake's topic, written by the fake.
func checkAIReady(p *crashProblems, in dbInsight, ct crashType) bool {
	if ct.ai != aiAnswer {
		p.add("insight %s of %s is ready, though the fake provider %ss every request of it", in.id, in.typ, ct.ai)
		return false
	}
	var doc struct {
		Topics []struct {
			Label    string  `json:"label"`
			Messages []int64 `json:"messages"`
		} `json:"topics"`
		WrittenBy struct{ Provider, Model string } `json:"written_by"`
		Coverage  struct {
			Calls int `json:"calls"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(in.result), &doc); err != nil {
		p.add("ready insight %s of %s: its result does not decode: %v", in.id, in.typ, err)
		return false
	}
	switch {
	case doc.WrittenBy.Provider != "openai-compatible" || doc.WrittenBy.Model != "fake":
		p.add("ready insight %s of %s was written by %s/%s, not openai-compatible/fake", in.id, in.typ, doc.WrittenBy.Provider, doc.WrittenBy.Model)
	case len(doc.Topics) != 1 || doc.Topics[0].Label != fakeTopic || len(doc.Topics[0].Messages) != 1:
		p.add("ready insight %s of %s does not hold the fake's answer: %q", in.id, in.typ, in.result)
	case doc.Coverage.Calls < 1:
		p.add("ready insight %s of %s made %d model calls", in.id, in.typ, doc.Coverage.Calls)
	default:
		return true
	}
	return false
}

// aiOutcomes says what the AI types' insights ended as, for the summary:
// "summary: 20 failed timeout; …".
func (cr *crashRun) aiOutcomes(f crashFigures) string {
	var parts []string
	seen := cr.fake.requests()
	for _, ct := range cr.types {
		if ct.ai == "" {
			continue
		}
		var ends []string
		for end, n := range f.ai[ct.slug] {
			ends = append(ends, fmt.Sprintf("%d %s", n, end))
		}
		slices.Sort(ends)
		parts = append(parts, fmt.Sprintf("%s (the fake %ss; %d requests) %s", ct.slug, ct.ai, seen[ct.slug], strings.Join(ends, ", ")))
	}
	cr.fake.mu.Lock()
	longest := cr.fake.longest
	cr.fake.mu.Unlock()
	return fmt.Sprintf("%s; the requests the fake hung on stayed open at most %s; it got %d requests after every insight had settled",
		strings.Join(parts, "; "), longest.Round(time.Millisecond), cr.fake.late.Load())
}

// checkSeeded checks that the catalog's AI types are what the test
// expects of them.
func (cr *crashRun) checkSeeded(t *testing.T, c *ClientWithResponses) {
	t.Helper()
	got := must(c.GetCategoryWithResponse(context.Background(), "ai"))(t)
	if got.JSON200 == nil {
		t.Fatalf("the ai category: %s", describe(got, got.Body))
	}
	byslug := map[string]InsightType{}
	for _, it := range got.JSON200.Types {
		byslug[it.Slug] = it
	}
	for _, ct := range cr.types {
		if !ct.seeded {
			continue
		}
		it, ok := byslug[ct.slug]
		if !ok || !it.Active || it.Cost != ct.cost || it.Generator != ct.generator || it.MaxAttempts != int64(ct.maxAttempts) {
			t.Fatalf("the seeded type %s is %+v, not active with cost %d, generator %s and %d attempts",
				ct.slug, it, ct.cost, ct.generator, ct.maxAttempts)
		}
	}
}
