package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chats"
)

// A WhatsApp export (Android, day first) of two people; one message has an
// emoji before the word a search looks for.
const chatExport = "01/03/2024, 09:15 - Ada: Dinner at eight?\n" +
	"01/03/2024, 09:16 - Grace: 😂 dinner sounds good\n" +
	"02/03/2024, 21:00 - Ada: See you\n" +
	"13/03/2024, 08:00 - Grace: Secret plans for the dinner\n"

// form builds a multipart body: fields in order, each name then value; a
// name "file" is the file part.
func form(t *testing.T, fields ...string) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		var err error
		if fields[i] == "file" {
			var fw io.Writer
			fw, err = w.CreateFormFile("file", "WhatsApp Chat with Secret Person.txt")
			if err == nil {
				_, err = io.WriteString(fw, fields[i+1])
			}
		} else {
			err = w.WriteField(fields[i], fields[i+1])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// send sends a request straight to the handler, as a client would.
func (f *fixture) send(method, path string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func (f *fixture) upload(key string, fields ...string) *httptest.ResponseRecorder {
	body, ct := form(f.t, fields...)
	return f.send(http.MethodPost, "/v1/chats", bytes.NewReader(body), "Authorization", "Bearer "+key, "Content-Type", ct)
}

func (f *fixture) uploaded(key string, fields ...string) ChatDetails {
	f.t.Helper()
	resp := f.upload(key, fields...)
	if resp.Code != http.StatusCreated {
		f.t.Fatalf("upload: %d %s", resp.Code, resp.Body)
	}
	var d ChatDetails
	decode(f.t, resp, &d)
	return d
}

func TestUploadReadAndChangeAChat(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("ada@example.com")
	_, other := f.signUp("grace@example.com")

	resp := f.upload(key, "title", "Family", "date_order", "dmy", "file", chatExport)
	if resp.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.Code, resp.Body)
	}
	var d ChatDetails
	decode(t, resp, &d)
	if d.Title != "Family" || d.Format != "whatsapp" || d.Messages != 4 || d.Report.ParserVersion < 1 ||
		len(d.Participants) != 2 || d.Kinds.Text != 4 || d.FirstMessage != "2024-03-01T09:15:00" || d.Report.DateOrder != "dmy" {
		t.Fatalf("chat %+v", d)
	}
	if loc := resp.Header().Get("Location"); loc != "/v1/chats/"+d.ID {
		t.Errorf("Location %q", loc)
	}
	if tag := resp.Header().Get("ETag"); tag != fmt.Sprintf("%q", fmt.Sprint(d.Version)) {
		t.Errorf("ETag %q for version %d", tag, d.Version)
	}
	mustNotContain(t, f.logs.String(), "Dinner", "Secret", "Family", "WhatsApp Chat with")

	// The same file again is the same chat, 200.
	again := f.upload(key, "file", chatExport)
	var same ChatDetails
	decode(t, again, &same)
	if again.Code != http.StatusOK || same.ID != d.ID {
		t.Fatalf("same file: %d %s", again.Code, again.Body)
	}

	var list ChatList
	decode(t, f.api.Get("/v1/chats", bearer(key)), &list)
	if len(list.Items) != 1 || list.Items[0].ID != d.ID {
		t.Fatalf("list %+v", list)
	}
	decode(t, f.api.Get("/v1/chats", bearer(other)), &list)
	if len(list.Items) != 0 {
		t.Fatalf("another user lists %+v", list)
	}
	problem(t, f.api.Get("/v1/chats/"+d.ID, bearer(other)), http.StatusNotFound, "not-found")
	problem(t, f.api.Get("/v1/chats/not-a-uuid", bearer(key)), http.StatusUnprocessableEntity, "validation")

	got := f.api.Get("/v1/chats/"+strings.ToUpper(d.ID), bearer(key))
	if got.Code != http.StatusOK {
		t.Fatalf("get: %d %s", got.Code, got.Body)
	}
	tag := got.Header().Get("ETag")

	// Rename: If-Match required, stale is 412.
	rename := map[string]any{"title": "Family (2024)"}
	problem(t, f.api.Patch("/v1/chats/"+d.ID, bearer(key), rename), http.StatusPreconditionRequired, "precondition-required")
	problem(t, f.api.Patch("/v1/chats/"+d.ID, bearer(key), `If-Match: "999"`, rename), http.StatusPreconditionFailed, "precondition-failed")
	problem(t, f.api.Patch("/v1/chats/"+d.ID, bearer(key), `If-Match: W/`+tag, rename), http.StatusPreconditionFailed, "precondition-failed")
	renamed := f.api.Patch("/v1/chats/"+d.ID, bearer(key), "If-Match: "+tag, rename)
	var r ChatDetails
	decode(t, renamed, &r)
	if renamed.Code != http.StatusOK || r.Title != "Family (2024)" || renamed.Header().Get("ETag") == tag {
		t.Fatalf("rename: %d %s (ETag %q)", renamed.Code, renamed.Body, renamed.Header().Get("ETag"))
	}
	problem(t, f.api.Patch("/v1/chats/"+d.ID, bearer(key), "If-Match: "+tag, rename), http.StatusPreconditionFailed, "precondition-failed")
	problem(t, f.api.Patch("/v1/chats/"+d.ID, bearer(other), "If-Match: *", rename), http.StatusNotFound, "not-found")
	// A title the rules refuse is a 422 that does not repeat it.
	bad := f.api.Patch("/v1/chats/"+d.ID, bearer(key), "If-Match: *", map[string]any{"title": "Secret\u202eTitle"})
	p := problem(t, bad, http.StatusUnprocessableEntity, "validation")
	mustNotContain(t, bad.Body.String(), "Secret", "Title")
	if len(p.Errors) == 0 || p.Errors[0].Location != "body.title" {
		t.Errorf("bad title: %+v", p.Errors)
	}

	// Delete, then restore.
	if resp := f.api.Delete("/v1/chats/"+d.ID, bearer(other)); resp.Code != http.StatusNotFound {
		t.Fatalf("another user deletes: %d", resp.Code)
	}
	if resp := f.api.Delete("/v1/chats/"+d.ID, bearer(key)); resp.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.Code, resp.Body)
	}
	problem(t, f.api.Get("/v1/chats/"+d.ID, bearer(key)), http.StatusNotFound, "not-found")
	problem(t, f.api.Get("/v1/chats/"+d.ID+"/messages", bearer(key)), http.StatusNotFound, "not-found")
	restored := f.api.Post("/v1/chats/"+d.ID+"/restore", bearer(key))
	if restored.Code != http.StatusOK {
		t.Fatalf("restore: %d %s", restored.Code, restored.Body)
	}
	// Deleted again, and the same file uploaded meanwhile: a 409.
	f.api.Delete("/v1/chats/"+d.ID, bearer(key))
	if resp := f.upload(key, "file", chatExport); resp.Code != http.StatusCreated {
		t.Fatalf("upload after delete: %d %s", resp.Code, resp.Body)
	}
	problem(t, f.api.Post("/v1/chats/"+d.ID+"/restore", bearer(key)), http.StatusConflict, "conflict")
}

func TestMessagesPagesAndSearch(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("ada@example.com")
	d := f.uploaded(key, "file", chatExport)
	base := "/v1/chats/" + d.ID + "/messages"

	var page MessageList
	decode(t, f.api.Get(base+"?limit=3", bearer(key)), &page)
	if len(page.Items) != 3 || page.Items[0].Seq != 1 || page.NextCursor == "" || page.Items[0].Kind != "text" ||
		page.Items[0].Author != "Ada" || page.Items[0].LocalTime != "2024-03-01T09:15:00" {
		t.Fatalf("first page %+v", page)
	}
	next := page.NextCursor
	page = MessageList{}
	decode(t, f.api.Get(base+"?limit=3&cursor="+next, bearer(key)), &page)
	if len(page.Items) != 1 || page.Items[0].Seq != 4 || page.NextCursor != "" {
		t.Fatalf("second page %+v", page)
	}
	decode(t, f.api.Get(base+"?author=Grace", bearer(key)), &page)
	if len(page.Items) != 2 {
		t.Fatalf("Grace's messages %+v", page)
	}
	decode(t, f.api.Get(base+"?from=2024-03-02T00:00:00Z&to=2024-03-03T00:00:00Z", bearer(key)), &page)
	if len(page.Items) != 1 || page.Items[0].Seq != 3 {
		t.Fatalf("messages of 2 March %+v", page)
	}

	// A search: marks in UTF-16 code units (the emoji counts two).
	decode(t, f.api.Get(base+"?q=DINNER", bearer(key)), &page)
	if len(page.Items) != 3 {
		t.Fatalf("search %+v", page)
	}
	second := page.Items[1]
	if len(second.Marks) != 1 || second.Marks[0] != (TextMark{Start: 3, End: 9}) {
		t.Fatalf("marks of %q: %+v", second.Text, second.Marks)
	}

	// A query that is not valid is a 422 that does not repeat it.
	for _, q := range []string{"%21%21%21", "secretword%01", strings.Repeat("secretword+", 30)} {
		bad := f.api.Get(base+"?q="+q, bearer(key))
		if bad.Code != http.StatusUnprocessableEntity {
			t.Fatalf("q=%.10s: %d %s", q, bad.Code, bad.Body)
		}
		mustNotContain(t, bad.Body.String(), "secretword")
	}
	bad := f.api.Get(base+"?q="+strings.Repeat("x", 201)+"secretword", bearer(key))
	problem(t, bad, http.StatusUnprocessableEntity, "validation")
	mustNotContain(t, bad.Body.String(), "secretword", "xxxx")
	mustNotContain(t, f.logs.String(), "secretword", "DINNER", "Grace")
}

func TestUtf16Marks(t *testing.T) {
	text := "a😂é dinner"
	got := utf16Marks(text, []core.Span{{Start: len("a😂é "), End: len(text)}, {Start: 2, End: 3}})
	if len(got) != 1 || got[0] != (TextMark{Start: 5, End: 11}) {
		t.Fatalf("marks %+v", got)
	}
}

func TestStatisticsAndPictures(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("ada@example.com")
	_, other := f.signUp("grace@example.com")
	d := f.uploaded(key, "time_zone", "Europe/Madrid", "file", chatExport)
	resp := f.api.Get("/v1/chats/"+d.ID+"/statistics", bearer(key))
	var st ChatStatistics
	decode(t, resp, &st)
	if resp.Code != http.StatusOK || st.Messages != 4 || len(st.Authors) != 2 || len(st.ByWeekdayHour) != 7 ||
		len(st.ByWeekdayHour[0]) != 24 || len(st.ByDay) != 3 || st.TimeZone != "Europe/Madrid" || st.SilenceS <= 0 {
		t.Fatalf("statistics %d %s", resp.Code, resp.Body)
	}
	for _, pic := range []string{"activity", "timeline"} {
		resp := f.api.Get("/v1/chats/"+d.ID+"/statistics/"+pic+".svg", bearer(key))
		h := resp.Header()
		if resp.Code != http.StatusOK || h.Get("Content-Type") != "image/svg+xml" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != "default-src 'none'" || !strings.Contains(resp.Body.String(), "<svg") ||
			strings.Contains(resp.Body.String(), "<script") {
			t.Fatalf("%s: %d %v %.200s", pic, resp.Code, h, resp.Body)
		}
		problem(t, f.api.Get("/v1/chats/"+d.ID+"/statistics/"+pic+".svg", bearer(other)), http.StatusNotFound, "not-found")
	}
	problem(t, f.api.Get("/v1/chats/"+d.ID+"/statistics", bearer(other)), http.StatusNotFound, "not-found")
}

func TestUploadRefusals(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Uploads = UploadLimits{MaxBytes: 8 << 10} })
	f.chats = chats.NewService(f.store, system.Clock{}, &system.UUIDv7{}, chats.Config{SpoolDir: f.spoolDir, MaxUploadBytes: 4 << 10})
	f.with(func(s *Services) { s.Chats = f.chats })
	_, key := f.signUp("ada@example.com")
	auth := []string{"Authorization", "Bearer " + key}

	// Not multipart: 415, whatever the body.
	resp := f.send(http.MethodPost, "/v1/chats", strings.NewReader(`{"file":"x"}`), append(auth, "Content-Type", "application/json")...)
	problem(t, resp, http.StatusUnsupportedMediaType, "unsupported-media-type")
	resp = f.send(http.MethodPost, "/v1/chats", http.NoBody, auth...)
	problem(t, resp, http.StatusUnsupportedMediaType, "unsupported-media-type")

	// Malformed multipart: 400.
	resp = f.send(http.MethodPost, "/v1/chats", strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nsecret text with no end"),
		append(auth, "Content-Type", "multipart/form-data; boundary=b")...)
	problem(t, resp, http.StatusBadRequest, "bad-request")
	mustNotContain(t, resp.Body.String(), "secret text")
	// Cut inside a part's header (the contract fuzz found it a 500).
	resp = f.send(http.MethodPost, "/v1/chats", strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"secret.txt\"\r\nContent-T"),
		append(auth, "Content-Type", "multipart/form-data; boundary=b")...)
	problem(t, resp, http.StatusBadRequest, "bad-request")
	mustNotContain(t, resp.Body.String(), "secret")

	// Cut anywhere after the file part: mime/multipart ends such a body
	// as it ends a whole one (io.EOF), so without the close delimiter the
	// later fields would be lost and the chat made anyway (the contract
	// fuzz found a 201). Each cut is a 400 and makes nothing (the check
	// of the refusals' chats below); the whole body is a good upload.
	body, ct := form(t, "file", chatExport, "title", "Secret Title", "time_zone", "Europe/Madrid")
	fileEnd := bytes.Index(body, []byte(chatExport)) + len(chatExport)
	for cut := fileEnd; cut < len(body)-2; cut++ {
		resp = f.send(http.MethodPost, "/v1/chats", bytes.NewReader(body[:cut]), append(auth, "Content-Type", ct)...)
		if resp.Code != http.StatusBadRequest {
			t.Fatalf("cut at %d of %d (%q): status %d, want 400: %s", cut, len(body), body[max(0, cut-20):cut], resp.Code, resp.Body)
		}
		mustNotContain(t, resp.Body.String(), "Secret")
	}

	// Not an export: 422 with the report, and nothing of the file.
	resp = f.upload(key, "title", "Secret Title", "file", "secret words that are no chat export\n")
	p := problem(t, resp, http.StatusUnprocessableEntity, "validation")
	if p.Report == nil || len(p.Errors) != 1 || p.Errors[0].Location != "body.file" {
		t.Errorf("not an export: %s", resp.Body)
	}
	mustNotContain(t, resp.Body.String(), "secret words", "Secret Title", "WhatsApp Chat with")

	// Fields: missing file, unknown field, repeated field, bad option.
	p = problem(t, f.upload(key, "title", "Secret Title"), http.StatusUnprocessableEntity, "validation")
	if p.Errors[0].Location != "body.file" {
		t.Errorf("no file: %+v", p.Errors)
	}
	p = problem(t, f.upload(key, "Secret Field", "x", "file", chatExport), http.StatusUnprocessableEntity, "validation")
	if p.Errors[0].Location != "body" {
		t.Errorf("unknown field named at %q", p.Errors[0].Location)
	}
	problem(t, f.upload(key, "title", "a", "title", "b", "file", chatExport), http.StatusUnprocessableEntity, "validation")
	resp = f.upload(key, "time_zone", "Secret/Zone", "file", chatExport)
	p = problem(t, resp, http.StatusUnprocessableEntity, "validation")
	mustNotContain(t, resp.Body.String(), "Secret")
	if p.Errors[0].Location != "body.time_zone" {
		t.Errorf("bad zone at %+v", p.Errors)
	}
	// A title the schema refuses (blank, only spaces, a control or
	// text-direction character, too long) is a 422 at body.title, whether
	// it comes before the file or after it.
	for _, title := range []string{"", "   ", "\t", " \u00a0\u3000 ", "Secret\u202eTitle", "Secret\x00Title", "Secret\x7fTitle",
		"Secret\u2066Title", strings.Repeat("Secret", 34)} {
		for _, fields := range [][]string{{"title", title, "file", chatExport}, {"file", chatExport, "title", title}} {
			resp = f.upload(key, fields...)
			p = problem(t, resp, http.StatusUnprocessableEntity, "validation")
			if len(p.Errors) == 0 || p.Errors[0].Location != "body.title" {
				t.Errorf("title %q: %s", title, resp.Body)
			}
			mustNotContain(t, resp.Body.String(), "Secret")
		}
	}
	p = problem(t, f.upload(key, "date_order", "dym", "file", chatExport), http.StatusUnprocessableEntity, "validation")
	if len(p.Errors) == 0 || p.Errors[0].Location != "body.date_order" {
		t.Errorf("date_order: %+v", p.Errors)
	}

	// Over the size limit: 413, from the service's limit or the body's.
	problem(t, f.upload(key, "file", chatExport+strings.Repeat("01/03/2024, 09:15 - Ada: more\n", 200)), http.StatusRequestEntityTooLarge, "too-large")
	problem(t, f.upload(key, "file", strings.Repeat("01/03/2024, 09:15 - Ada: more\n", 2000)), http.StatusRequestEntityTooLarge, "too-large")
	problem(t, f.upload(key, "title", strings.Repeat("x", 2<<10), "file", chatExport), http.StatusUnprocessableEntity, "validation")

	var list ChatList
	decode(t, f.api.Get("/v1/chats", bearer(key)), &list)
	if len(list.Items) != 0 {
		t.Fatalf("a refused upload left %d chats", len(list.Items))
	}
	// The cut body's whole form is a good upload, with or without the
	// CRLF after its close delimiter, and with bare LF line ends, which
	// mime/multipart reads too.
	for _, end := range []int{len(body) - 2, len(body)} {
		resp = f.send(http.MethodPost, "/v1/chats", bytes.NewReader(body[:end]), append(auth, "Content-Type", ct)...)
		if resp.Code != http.StatusCreated && resp.Code != http.StatusOK {
			t.Fatalf("whole body to %d of %d: status %d: %s", end, len(body), resp.Code, resp.Body)
		}
	}
	lf := strings.ReplaceAll(string(body), "\r\n", "\n")
	if resp = f.send(http.MethodPost, "/v1/chats", strings.NewReader(lf), append(auth, "Content-Type", ct)...); resp.Code != http.StatusOK {
		t.Fatalf("the same form with LF line ends: status %d, want 200 (the chat exists): %s", resp.Code, resp.Body)
	}
	mustNotContain(t, f.logs.String(), "secret", "Secret")
	spooled, _ := os.ReadDir(f.spoolDir)
	if len(spooled) != 0 {
		t.Fatalf("spool left %d files", len(spooled))
	}
}

func TestUploadLimitsPerAccount(t *testing.T) {
	f := newFixture(t, func(o *Options) {})
	f.chats = chats.NewService(f.store, system.Clock{}, &system.UUIDv7{}, chats.Config{SpoolDir: f.spoolDir, UploadsPerHour: 1, MaxStoredBytes: 1 << 20})
	f.with(func(s *Services) { s.Chats = f.chats })
	_, key := f.signUp("ada@example.com")
	f.uploaded(key, "file", chatExport)
	resp := f.upload(key, "file", chatExport+"13/03/2024, 08:01 - Ada: again\n")
	problem(t, resp, http.StatusTooManyRequests, "rate-limited")
	if resp.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	g := newFixture(t)
	g.chats = chats.NewService(g.store, system.Clock{}, &system.UUIDv7{}, chats.Config{SpoolDir: g.spoolDir, MaxStoredBytes: int64(len(chatExport)) + 10})
	g.with(func(s *Services) { s.Chats = g.chats })
	_, key = g.signUp("ada@example.com")
	g.uploaded(key, "file", chatExport)
	problem(t, g.upload(key, "file", chatExport+"13/03/2024, 08:01 - Ada: again\n"), http.StatusRequestEntityTooLarge, "too-large")
}

// TestSlowUploadTimesOut runs a real server whose read timeout is shorter
// than the upload: the upload's own deadline replaces it, and a body
// slower than that deadline is a 408.
func TestSlowUploadTimesOut(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.Uploads = UploadLimits{ReadTimeout: 600 * time.Millisecond}
		o.RequestTimeout = 100 * time.Millisecond
	})
	_, key := f.signUp("ada@example.com")
	srv := httptest.NewUnstartedServer(f.srv.Handler())
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond
	srv.Start()
	defer srv.Close()

	body, ct := form(t, "file", chatExport)
	send := func(pause time.Duration) (int, string) {
		pr, pw := io.Pipe()
		go func() {
			half := len(body) / 2
			_, _ = pw.Write(body[:half])
			time.Sleep(pause)
			_, _ = pw.Write(body[half:])
			_ = pw.Close()
		}()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/v1/chats", pr)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", ct)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Slower than the server's 200 ms read timeout and the 100 ms request
	// timeout, within the upload's 600 ms.
	if code, body := send(350 * time.Millisecond); code != http.StatusCreated {
		t.Fatalf("upload within its deadline: %d %s", code, body)
	}
	if code, body := send(time.Second); code != http.StatusRequestTimeout || !strings.Contains(body, "request-timeout") {
		t.Fatalf("upload past its deadline: %d %s", code, body)
	}
}

// brokenBody yields data, then fails as a connection the client dropped.
type brokenBody struct{ data []byte }

func (b *brokenBody) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, io.ErrClosedPipe
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// TestAbandonedUploadLeavesNothing: a client that goes away mid-file
// leaves no chat and no spooled file.
func TestAbandonedUploadLeavesNothing(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("ada@example.com")
	body, ct := form(t, "title", "Family", "file", chatExport+strings.Repeat("01/03/2024, 09:15 - Ada: more\n", 500))
	resp := f.send(http.MethodPost, "/v1/chats", &brokenBody{body[:len(body)/2]}, "Authorization", "Bearer "+key, "Content-Type", ct)
	problem(t, resp, http.StatusBadRequest, "bad-request")
	var list ChatList
	decode(t, f.api.Get("/v1/chats", bearer(key)), &list)
	if len(list.Items) != 0 {
		t.Fatalf("an abandoned upload left %d chats", len(list.Items))
	}
	if spooled, _ := os.ReadDir(f.spoolDir); len(spooled) != 0 {
		t.Fatalf("spool left %d files", len(spooled))
	}
}

// TestUploadTitleAsTheSchemaSays: the form's title takes what the schema
// allows (any text with something besides spaces, up to 200 characters,
// trimmed), as a rename's does, and the document states the same rule.
func TestUploadTitleAsTheSchemaSays(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("ada@example.com")
	for i, title := range []string{" Family 👨‍👩‍👧 ", strings.Repeat("é", 200), "x"} {
		export := strings.Replace(chatExport, "See you", "See you "+strconv.Itoa(i), 1) // another file each time
		if d := f.uploaded(key, "title", title, "file", export); d.Title != strings.TrimSpace(title) {
			t.Errorf("title %q stored as %q", title, d.Title)
		}
	}
	doc := f.srv.API().OpenAPI().Paths["/v1/chats"].Post.RequestBody.Content["multipart/form-data"].Schema.Properties["title"]
	rename := f.srv.API().OpenAPI().Components.Schemas.Map()["RenameChatRequest"].Properties["title"]
	if doc.MinLength == nil || *doc.MinLength != 1 || doc.MaxLength == nil || *doc.MaxLength != 200 ||
		doc.Pattern == "" || doc.Pattern != rename.Pattern {
		t.Errorf("the form's title says minLength %v, maxLength %v, pattern %q; a rename's pattern is %q",
			doc.MinLength, doc.MaxLength, doc.Pattern, rename.Pattern)
	}
}

// TestCloseWatcher: the close delimiter is seen wherever the reads split
// it, and only when the body holds it.
func TestCloseWatcher(t *testing.T) {
	body, ct := form(t, "file", chatExport, "title", "x")
	_, params, _ := mime.ParseMediaType(ct)
	boundary := params["boundary"]
	for _, c := range []struct {
		name string
		body []byte
		want bool
	}{
		{"whole", body, true},
		{"no final CRLF", body[:len(body)-2], true},
		{"cut in the delimiter", body[:len(body)-3], false},
		{"cut before it", body[:len(body)/2], false},
		{"only the delimiter", []byte("--" + boundary + "--"), true},
		{"a part delimiter", []byte("\r\n--" + boundary + "\r\n"), false},
		{"LF line ends", []byte(strings.ReplaceAll(string(body), "\r\n", "\n")), true},
		{"LF line ends, cut", []byte(strings.ReplaceAll(string(body[:len(body)-3]), "\r\n", "\n")), false},
	} {
		for size := 1; size <= len(c.body); size = size*2 + 1 {
			w := newCloseWatcher(&chunkReader{b: c.body, size: size}, boundary)
			if _, err := io.Copy(io.Discard, w); err != nil {
				t.Fatal(err)
			}
			if w.seen != c.want {
				t.Errorf("%s, read %d bytes at a time: seen %v", c.name, size, w.seen)
			}
		}
	}
}

// chunkReader reads b size bytes at a time.
type chunkReader struct {
	b    []byte
	size int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.size)], r.b)
	r.b = r.b[n:]
	return n, nil
}
