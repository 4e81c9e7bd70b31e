package app

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/chatlens/chatlens/adapters/ai/local"
	"github.com/chatlens/chatlens/adapters/ai/openai"
	"github.com/chatlens/chatlens/core/aiinsight"
	"github.com/chatlens/chatlens/ports"
)

// AIConfig says who writes the AI insight types: an OpenAI-compatible
// server when URL is set, else the local adapter (offline, deterministic,
// nothing leaves the process).
type AIConfig struct {
	URL             string
	Key             Secret
	Model           string
	Timeout         time.Duration
	MaxRetries      int
	MaxOutputTokens int
	ContextTokens   int
	TokensField     string
	JSONMode        bool
	// MaxCalls caps the model calls of one insight; Concurrency is how
	// many run at once.
	MaxCalls    int
	Concurrency int
	// RequestsPerHour caps each user's requests that start an AI insight,
	// per API process (0: no cap).
	RequestsPerHour int
}

// bindAI registers the AI settings (serve and worker: both make insights).
func bindAI(b *binder, c *AIConfig) {
	b.String(&c.URL, "ai-url", "AI_URL", "", "base URL of an OpenAI-compatible chat completions API (e.g. https://api.openai.com/v1, http://localhost:8080/v1 for llama.cpp); empty: the built-in local writer, which sends nothing anywhere")
	b.Secret(&c.Key, "ai-key", "AI_KEY", "API key of the AI server; required unless it runs on this machine or a private network. Never logged")
	b.String(&c.Model, "ai-model", "AI_MODEL", "", "model the AI server runs (e.g. gpt-4o-mini); required with --ai-url")
	b.Duration(&c.Timeout, "ai-timeout", "AI_TIMEOUT", 2*time.Minute, "longest wait for one answer of the AI server, per attempt")
	b.Int(&c.MaxRetries, "ai-max-retries", "AI_MAX_RETRIES", 2, "retries of a failed AI call (429, 5xx, a timeout), with backoff and Retry-After")
	b.Int(&c.MaxOutputTokens, "ai-max-output-tokens", "AI_MAX_OUTPUT_TOKENS", 1024, "bound on one answer of the AI server, in tokens")
	b.Int(&c.ContextTokens, "ai-context-tokens", "AI_CONTEXT_TOKENS", 8192, "the model's context in tokens: a prompt and its answer fit in it, and longer chats are read in parts")
	b.String(&c.TokensField, "ai-tokens-field", "AI_TOKENS_FIELD", "max_tokens", "request field of the answer's bound: max_tokens (most servers) or max_completion_tokens (OpenAI's reasoning models)")
	b.Bool(&c.JSONMode, "ai-json-mode", "AI_JSON_MODE", true, "ask the AI server for a JSON object (response_format json_object); turn off for servers without it")
	b.Int(&c.MaxCalls, "ai-max-calls", "AI_MAX_CALLS", 16, "model calls one AI insight may make; a longer chat is sampled evenly, and the insight says so")
	b.Int(&c.Concurrency, "ai-concurrency", "AI_CONCURRENCY", 2, "model calls of one AI insight that run at once")
	b.Int(&c.RequestsPerHour, "ai-requests-per-hour", "AI_REQUESTS_PER_HOUR", 30, "requests per user and hour that start an AI insight, per API process (0: unlimited); beyond, 429")
}

// openAI is the OpenAI-compatible adapter's configuration.
func (c AIConfig) openAI() openai.Config {
	return openai.Config{
		BaseURL: c.URL, APIKey: c.Key.Reveal(), Model: c.Model, RequestTimeout: c.Timeout,
		MaxRetries: c.MaxRetries, MaxOutputTokens: c.MaxOutputTokens, ContextTokens: c.ContextTokens,
		TokensField: c.TokensField, JSONMode: c.JSONMode,
	}
}

func (c AIConfig) generators() aiinsight.Config {
	return aiinsight.Config{MaxCalls: c.MaxCalls, Concurrency: c.Concurrency}
}

// validate reports every wrong AI setting at once; with a URL it builds
// the adapter, which checks the URL, the key and the budget, so a
// misconfigured provider stops the start, not the first insight.
func (c AIConfig) validate() error {
	var errs []error
	if c.MaxCalls < 1 || c.MaxCalls > 1000 {
		errs = append(errs, fmt.Errorf("ai-max-calls must be between 1 and 1000, not %d", c.MaxCalls))
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("ai-concurrency must be between 1 and 64, not %d", c.Concurrency))
	}
	if c.RequestsPerHour < 0 {
		errs = append(errs, errors.New("ai-requests-per-hour must not be negative"))
	}
	if c.URL != "" {
		if _, err := openai.New(c.openAI()); err != nil {
			// The adapter names its Config's fields: BaseURL is ai-url,
			// APIKey ai-key, Model ai-model, ContextTokens
			// ai-context-tokens, and so on.
			errs = append(errs, fmt.Errorf("the AI provider's settings (CHATLENS_AI_*): %w", err))
		}
	} else if c.Key != "" || c.Model != "" {
		errs = append(errs, errors.New("ai-key and ai-model need ai-url: without it the local writer answers, and a key would go unused"))
	}
	return errors.Join(errs...)
}

// newAI is the AI adapter: the OpenAI-compatible one when a URL is set,
// else the local one.
func newAI(cfg Config, log *slog.Logger) (ports.AI, error) {
	var ai ports.AI = local.New()
	if cfg.AI.URL != "" {
		c, err := openai.New(cfg.AI.openAI())
		if err != nil {
			return nil, fmt.Errorf("the AI provider: %w", err)
		}
		ai = c
	}
	info := ai.Info()
	log.Info("ai: insights written by", "provider", info.Provider, "model", info.Model, "context_tokens", info.ContextTokens)
	return ai, nil
}
