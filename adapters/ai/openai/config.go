package openai

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// The request fields that can carry the bound on an answer's length.
const (
	// TokensFieldMaxTokens is the field every OpenAI-compatible server reads
	// (llama.cpp, vLLM, Ollama, OpenAI's older models); the default.
	TokensFieldMaxTokens = "max_tokens"
	// TokensFieldMaxCompletionTokens is OpenAI's newer field, the only one its
	// reasoning models accept.
	TokensFieldMaxCompletionTokens = "max_completion_tokens"
)

// Bounds New enforces.
const (
	// MaxRetriesLimit is the most retries a call may make: beyond it a
	// failing provider holds a job for many request timeouts.
	MaxRetriesLimit = 10
	// MinOutputTokens is the smallest bound on an answer: below it not even
	// a short JSON object fits.
	MinOutputTokens = 64
	// MinPromptTokens is how much more than MaxOutputTokens ContextTokens
	// must be, so that a prompt fits beside the longest answer.
	MinPromptTokens = 1024
)

// Config is everything the adapter needs; it reads no environment.
type Config struct {
	// BaseURL is the API's base, to which "chat/completions" is appended:
	// "https://api.openai.com/v1", "http://localhost:8080/v1" (llama.cpp),
	// "http://localhost:8000/v1" (vLLM), "http://localhost:11434/v1"
	// (Ollama). Plain http is accepted only to a local host (see New).
	BaseURL string
	// APIKey is sent as "Authorization: Bearer …"; empty sends no
	// Authorization header, which only a local host may go without.
	APIKey string
	// Model is the model named in every request.
	Model string
	// RequestTimeout bounds one attempt, from sending the request to reading
	// the whole answer; a retry gets a fresh one. The caller's context bounds
	// the call as a whole.
	RequestTimeout time.Duration
	// MaxRetries is how many times a request that failed on the network,
	// timed out, or was answered 408, 409, 429 or 5xx is sent again:
	// 0 to MaxRetriesLimit.
	MaxRetries int
	// MaxRetryDelay bounds the wait before a retry, both the SDK's
	// exponential backoff (from half a second, doubling) and a server's
	// Retry-After; a server asking for a longer wait is not retried. 0 keeps
	// the SDK's bounds: backoff up to 8 seconds, Retry-After up to 2 minutes.
	MaxRetryDelay time.Duration
	// MaxOutputTokens bounds an answer: at least MinOutputTokens. A request
	// may ask for less, never for more.
	MaxOutputTokens int
	// ContextTokens is the model's context window (prompt and answer
	// together): at least MaxOutputTokens + MinPromptTokens.
	ContextTokens int
	// TokensField is the request field the bound travels in:
	// TokensFieldMaxTokens (empty means it) or TokensFieldMaxCompletionTokens.
	TokensField string
	// JSONMode sends response_format {"type":"json_object"} with requests
	// that ask for JSON. Leave it off for a server that rejects the field.
	JSONMode bool
}

// validate returns every problem of c, joined, or nil. Its messages never
// contain the API key.
func (c Config) validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf("openai: "+format, args...)) }

	u, err := url.Parse(c.BaseURL)
	switch {
	case strings.TrimSpace(c.BaseURL) == "":
		fail("BaseURL is empty")
		u = nil
	case err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		// The URL itself is not quoted: it may hold credentials.
		fail(`BaseURL is not an absolute http or https URL with a host (e.g. "https://api.openai.com/v1")`)
		u = nil
	case u.User != nil:
		fail("BaseURL holds credentials: put the key in APIKey")
	case u.RawQuery != "" || u.Fragment != "":
		// The SDK resolves "chat/completions" against the base, which drops them.
		fail("BaseURL has a query or a fragment, which would not be sent")
	}
	if u != nil && !isLocalHost(u.Hostname()) {
		if u.Scheme == "http" {
			fail("BaseURL is plain http to %s, a public host: chats would travel unencrypted (use https)", u.Hostname())
		}
		if c.APIKey == "" {
			fail("APIKey is empty: only a local host (loopback, a private address, a single-label name, .local, .internal, .lan, .localhost) may go without one")
		}
	}
	if strings.ContainsFunc(c.APIKey, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		// A key read from a file often ends in a newline, which net/http
		// refuses to put in a header.
		fail("APIKey contains white space or control characters")
	}
	if strings.TrimSpace(c.Model) == "" {
		fail("Model is empty")
	}
	if c.RequestTimeout <= 0 {
		fail("RequestTimeout is %s: it must be positive", c.RequestTimeout)
	}
	if c.MaxRetries < 0 || c.MaxRetries > MaxRetriesLimit {
		fail("MaxRetries is %d: it must be 0 to %d", c.MaxRetries, MaxRetriesLimit)
	}
	if c.MaxRetryDelay < 0 {
		fail("MaxRetryDelay is %s: it must not be negative", c.MaxRetryDelay)
	}
	if c.MaxOutputTokens < MinOutputTokens {
		fail("MaxOutputTokens is %d: it must be at least %d", c.MaxOutputTokens, MinOutputTokens)
	}
	if c.ContextTokens < c.MaxOutputTokens+MinPromptTokens {
		fail("ContextTokens is %d: it must exceed MaxOutputTokens (%d) by at least %d", c.ContextTokens, c.MaxOutputTokens, MinPromptTokens)
	}
	if c.TokensField != "" && c.TokensField != TokensFieldMaxTokens && c.TokensField != TokensFieldMaxCompletionTokens {
		fail("TokensField is %q: it must be %q or %q", c.TokensField, TokensFieldMaxTokens, TokensFieldMaxCompletionTokens)
	}
	return errors.Join(errs...)
}

// isLocalHost reports whether host (a URL's host name, without port or
// brackets) is on this machine or its network: there a server may run
// without a key, and plain http does not cross the internet.
func isLocalHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		ip = ip.Unmap()
		// Unspecified: "http://0.0.0.0:8080" is a server's listen address
		// copied as is, which reaches this machine.
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
	}
	if h != "" && !strings.Contains(h, ".") {
		return true // localhost, a container's or a LAN machine's name
	}
	for _, suffix := range []string{".local", ".internal", ".lan", ".localhost"} {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}

// String prints c with the API key left out, so that a logged
// configuration does not leak it.
func (c Config) String() string {
	key := "none"
	if c.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("{BaseURL:%s APIKey:%s Model:%s RequestTimeout:%s MaxRetries:%d MaxRetryDelay:%s MaxOutputTokens:%d ContextTokens:%d TokensField:%s JSONMode:%t}",
		redactURL(c.BaseURL), key, c.Model, c.RequestTimeout, c.MaxRetries, c.MaxRetryDelay, c.MaxOutputTokens, c.ContextTokens, c.TokensField, c.JSONMode)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return "openai.Config" + c.String() }

// LogValue is String, for log/slog (whose JSON handler would otherwise
// print every field).
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// redactURL hides the credentials a URL may hold (New refuses them anyway).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(not a URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}
