package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
)

// api is the bench's HTTP client of the chatlens API: one keep-alive
// connection per concurrent client.
type api struct {
	base   string
	client *http.Client
}

func newAPI(base string, clients int) *api {
	return &api{base: base, client: &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: clients + 8, MaxConnsPerHost: clients + 8, DisableCompression: true,
	}}}
}

// do sends one request and reads the whole answer; it returns the status
// and the body.
func (a *api) do(ctx context.Context, method, path, key string, body []byte, contentType string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// call is do with one expected status and the answer decoded into out
// (when not nil).
func (a *api) call(ctx context.Context, method, path, key string, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	status, data, err := a.do(ctx, method, path, key, b, "application/json")
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("%s %s: %d %s", method, path, status, truncate(data, 600))
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

func (a *api) signUp(ctx context.Context, email string) (id, key string, err error) {
	var acc struct {
		User   struct{ ID string }     `json:"user"`
		APIKey struct{ Secret string } `json:"api_key"`
	}
	err = a.call(ctx, http.MethodPost, "/v1/users", "", map[string]string{"email": email, "display_name": "Bench"}, http.StatusCreated, &acc)
	return acc.User.ID, acc.APIKey.Secret, err
}

func (a *api) grant(ctx context.Context, adminKey, userID string, amount int64, ref string) error {
	return a.call(ctx, http.MethodPost, "/v1/admin/credits/grants", adminKey,
		map[string]any{"user_id": userID, "amount": amount, "reference": ref}, http.StatusCreated, nil)
}

// upload posts a chat file as multipart field "file" and returns the new
// chat's id.
func (a *api) upload(ctx context.Context, key, name string, file []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return "", err
	}
	fw.Write(file)
	if err := mw.Close(); err != nil {
		return "", err
	}
	status, data, err := a.do(ctx, http.MethodPost, "/v1/chats", key, body.Bytes(), mw.FormDataContentType())
	if err != nil {
		return "", err
	}
	if status != http.StatusCreated {
		return "", fmt.Errorf("upload %s: %d %s", name, status, truncate(data, 600))
	}
	var chat struct{ ID string }
	if err := json.Unmarshal(data, &chat); err != nil || chat.ID == "" {
		return "", fmt.Errorf("upload %s: no chat id in %s", name, truncate(data, 600))
	}
	return chat.ID, nil
}

// errBusy is a 503: the service met contention and asks for a retry.
var errBusy = errors.New("503 busy")

// requestInsight posts an insight request with regenerate, so that every
// request charges and enqueues; it checks the answer is a pending insight
// (202) and returns its generation. A 503 is errBusy, with the answer.
func (a *api) requestInsight(ctx context.Context, p pair) (int64, error) {
	body := []byte(`{"type":"` + p.typ + `","regenerate":true}`)
	status, data, err := a.do(ctx, http.MethodPost, "/v1/chats/"+p.chat+"/insights", p.key, body, "application/json")
	switch {
	case err != nil:
		return 0, err
	case status == http.StatusServiceUnavailable:
		return 0, fmt.Errorf("insight request: %w: %s", errBusy, truncate(data, 300))
	case status != http.StatusAccepted:
		return 0, fmt.Errorf("insight request: %d %s", status, truncate(data, 300))
	}
	var in struct {
		Generation int64  `json:"generation"`
		Status     string `json:"status"`
	}
	if err := json.Unmarshal(data, &in); err != nil || in.Status != "pending" {
		return 0, fmt.Errorf("insight request: not a pending insight: %s", truncate(data, 300))
	}
	return in.Generation, nil
}

// health is GET /health.
func (a *api) health(ctx context.Context) error {
	status, data, err := a.do(ctx, http.MethodGet, "/health", "", nil, "")
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("GET /health: %d %s", status, truncate(data, 300))
	}
	return err
}
