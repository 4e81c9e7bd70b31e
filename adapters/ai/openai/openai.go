package openai

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/chatlens/chatlens/ports"
)

// Provider is the adapter's name in ports.AIInfo.
const Provider = "openai-compatible"

// Client is the OpenAI-compatible AI provider. It is safe for concurrent
// use.
type Client struct {
	svc         sdk.ChatCompletionService
	model       string
	maxOut      int
	ctxTokens   int
	tokensField string
	jsonMode    bool
	timeout     time.Duration
}

var _ ports.AI = (*Client)(nil)

// New returns a client for cfg, or an error listing every problem with it
// (none of which quotes the API key):
//
//   - BaseURL is an absolute http or https URL with a host, and without
//     credentials, a query or a fragment;
//   - APIKey is set, unless the host is local: loopback, a private or
//     link-local address, a single-label name ("localhost", "llama"), or a
//     name ending in .local, .internal, .lan or .localhost;
//   - plain http goes to a local host only: to any other, the chats would
//     cross the internet unencrypted;
//   - Model is set; RequestTimeout is positive; MaxRetries is 0 to
//     MaxRetriesLimit; MaxRetryDelay is not negative;
//   - MaxOutputTokens is at least MinOutputTokens, and ContextTokens at
//     least MaxOutputTokens + MinPromptTokens;
//   - TokensField is empty, TokensFieldMaxTokens or
//     TokensFieldMaxCompletionTokens.
func New(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	transport := http.DefaultTransport
	if t, ok := transport.(*http.Transport); ok {
		transport = t.Clone()
	}
	httpClient := &http.Client{
		Transport: transport,
		// The bound on one attempt. The SDK's option.WithRequestTimeout
		// would not do: it does not retry an attempt it timed out, and its
		// timeout also covers the wait before the next attempt, so a
		// Retry-After longer than it fails the call. An http.Client's
		// timeout is a transport error to the SDK, which it retries.
		Timeout: cfg.RequestTimeout,
		// The chats go to BaseURL and nowhere else. (The SDK already
		// refuses a redirect to another origin; a compatible server has no
		// reason to redirect within its own.)
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			status := 0
			if req.Response != nil {
				status = req.Response.StatusCode
			}
			return &redirectError{status: status}
		},
	}
	// Explicit options only: sdk.NewClient would read OPENAI_BASE_URL,
	// OPENAI_API_KEY, OPENAI_ORG_ID, OPENAI_PROJECT_ID and more from the
	// environment, and send them.
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(httpClient),
		option.WithMaxRetries(cfg.MaxRetries),
		option.WithMiddleware(readWhole),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	if cfg.MaxRetryDelay > 0 {
		opts = append(opts, option.WithMaxRetryDelay(cfg.MaxRetryDelay))
	}
	field := cfg.TokensField
	if field == "" {
		field = TokensFieldMaxTokens
	}
	return &Client{
		svc:         sdk.NewChatCompletionService(opts...),
		model:       cfg.Model,
		maxOut:      cfg.MaxOutputTokens,
		ctxTokens:   cfg.ContextTokens,
		tokensField: field,
		jsonMode:    cfg.JSONMode,
		timeout:     cfg.RequestTimeout,
	}, nil
}

// readWhole reads the answer's body within the attempt: the SDK reads it
// after its retry loop, where a server that stalls or drops the connection
// in the middle of it would fail the call rather than the attempt.
func readWhole(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err != nil || res.Body == nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, &readError{err}
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

// Info returns the provider ("openai-compatible"), the model and the token
// budget of the configuration.
func (c *Client) Info() ports.AIInfo {
	return ports.AIInfo{Provider: Provider, Model: c.model, ContextTokens: c.ctxTokens, MaxOutputTokens: c.maxOut}
}

// Complete sends req as one chat completion (see the package documentation
// for what is sent and how the answer is read).
func (c *Client) Complete(ctx context.Context, req ports.AIRequest) (ports.AIResponse, error) {
	if err := ctx.Err(); err != nil {
		return ports.AIResponse{}, err
	}
	res, err := c.svc.New(ctx, c.params(req))
	if err != nil {
		// The caller's own deadline or cancellation, whatever the SDK made
		// of it: the caller tells a timeout from a shutdown by it.
		if cerr := ctx.Err(); cerr != nil {
			return ports.AIResponse{}, cerr
		}
		return ports.AIResponse{}, c.failure(err)
	}
	if res == nil {
		// A body of "null" decodes without error into no completion.
		return ports.AIResponse{}, unavailable("the answer is not a chat completion")
	}
	usage := ports.AIUsage{PromptTokens: int(res.Usage.PromptTokens), OutputTokens: int(res.Usage.CompletionTokens)}
	if len(res.Choices) == 0 {
		return ports.AIResponse{Usage: usage}, unavailable("the answer has no choices")
	}
	choice := res.Choices[0]
	switch {
	case choice.Message.Refusal != "":
		return ports.AIResponse{Usage: usage}, fmt.Errorf("openai: %w", ports.ErrAIRefused)
	case choice.FinishReason == "content_filter":
		return ports.AIResponse{Usage: usage}, fmt.Errorf("openai: %w: the content filter withheld the answer", ports.ErrAIRefused)
	case choice.FinishReason == "length":
		// The cut answer goes back with the error: a caller asking for a
		// shorter one shows the model what it wrote.
		return ports.AIResponse{Text: choice.Message.Content, Usage: usage}, fmt.Errorf("openai: %w", ports.ErrAITruncated)
	case strings.TrimSpace(choice.Message.Content) == "":
		return ports.AIResponse{Usage: usage}, unavailable("the answer is empty")
	}
	return ports.AIResponse{Text: choice.Message.Content, Usage: usage}, nil
}

// params is the request body: the model, the messages, the bound on the
// answer in the configured field, and response_format when asked for and
// configured. Nothing else, so that any compatible server accepts it.
func (c *Client) params(req ports.AIRequest) sdk.ChatCompletionNewParams {
	var msgs []sdk.ChatCompletionMessageParamUnion
	if req.System != "" {
		// Some chat templates refuse an empty system message.
		msgs = append(msgs, sdk.SystemMessage(req.System))
	}
	msgs = append(msgs, sdk.UserMessage(req.Prompt))
	p := sdk.ChatCompletionNewParams{Model: c.model, Messages: msgs}
	bound := c.maxOut
	if req.MaxOutputTokens > 0 {
		bound = min(req.MaxOutputTokens, c.maxOut)
	}
	if c.tokensField == TokensFieldMaxCompletionTokens {
		p.MaxCompletionTokens = sdk.Int(int64(bound))
	} else {
		p.MaxTokens = sdk.Int(int64(bound))
	}
	if req.JSON && c.jsonMode {
		p.ResponseFormat = sdk.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &sdk.ResponseFormatJSONObjectParam{}}
	}
	return p
}

// failure turns an error of the SDK (the caller's context being alive)
// into one of ErrAIUnavailable. Only its kind is kept: an *sdk.Error holds
// the request and the answer, and the texts of the others may quote the
// URL or the answer's first bytes.
func (c *Client) failure(err error) error {
	var (
		redirect *redirectError
		apiErr   *sdk.Error
		netErr   net.Error
		readErr  *readError
	)
	switch {
	case errors.As(err, &redirect):
		return fmt.Errorf("openai: %w: %w, not followed", ports.ErrAIUnavailable, &StatusError{Code: redirect.status})
	case errors.As(err, &apiErr):
		return fmt.Errorf("openai: %w: %w", ports.ErrAIUnavailable, &StatusError{Code: apiErr.StatusCode})
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		// The last attempt ran out of RequestTimeout: a timeout to the
		// caller as much as a provider failure.
		return fmt.Errorf("openai: %w: no answer within the request timeout of %s: %w", ports.ErrAIUnavailable, c.timeout, context.DeadlineExceeded)
	case errors.As(err, &netErr), errors.As(err, &readErr):
		return unavailable(transportReason(err))
	}
	// The SDK's other errors are about the answer's body: not JSON, not
	// the JSON of a completion, or of a content type it does not read.
	return unavailable("the answer is not a chat completion")
}

// transportReason names the kind of a transport failure, without its text
// (which quotes the URL).
func transportReason(err error) string {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		opErr   *net.OpError
	)
	switch {
	case errors.As(err, &dnsErr):
		return "the host name does not resolve"
	case errors.As(err, &certErr):
		return "the server's TLS certificate is not trusted"
	case errors.As(err, &recErr):
		return "the server does not speak TLS"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "cannot connect to the server"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection"
	}
	return "transport failure"
}

func unavailable(reason string) error {
	return fmt.Errorf("openai: %w: %s", ports.ErrAIUnavailable, reason)
}

// StatusError is the cause of an ErrAIUnavailable when the server answered
// with an HTTP error status (after the retries, for a status that is
// retried) or a redirect. It carries the status only: the server's message
// may quote the request.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string { return "status " + strconv.Itoa(e.Code) }

// redirectError is what the http.Client's CheckRedirect refuses a redirect
// with.
type redirectError struct{ status int }

func (e *redirectError) Error() string { return "redirect (status " + strconv.Itoa(e.status) + ")" }

// readError is a failure to read an answer's body: a transport failure,
// whatever its type.
type readError struct{ err error }

func (e *readError) Error() string { return "reading the answer: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }
