package ports

import (
	"context"
	"errors"
)

// AI is a language model that completes prompts: the port the AI-written
// insight types (core/aiinsight) write through. Two adapters implement it:
// adapters/ai/openai (any OpenAI-compatible chat completions server) and
// adapters/ai/local (offline, deterministic, no model at all).
//
// A call sends only what the request holds; the caller decides what of a
// chat goes into it. An implementation never logs a prompt or an answer,
// and its errors never quote them: they are one of the errors below,
// wrapping a cause that names a status or a transport failure only.
type AI interface {
	// Complete answers one request. Its errors match ErrAIUnavailable,
	// ErrAIRefused or ErrAITruncated, or are the context's own. The usage
	// comes back with an error too when the provider reported one (a
	// refusal, a truncated answer, whose cut text comes back as well), so
	// the caller counts every token spent.
	Complete(ctx context.Context, req AIRequest) (AIResponse, error)
	// Info says who answers: it is recorded on what the answers make.
	Info() AIInfo
}

// AIRequest is one completion: a system message, a prompt, and a bound on
// the answer's length.
type AIRequest struct {
	// Task names what is asked, for adapters that do not read prompts
	// (the local one) and for metrics: "summary.map", "topics.reduce", …
	// It carries nothing of the chat.
	Task   string
	System string
	Prompt string
	// MaxOutputTokens bounds the answer; 0 is the adapter's configured
	// bound.
	MaxOutputTokens int
	// JSON asks for a JSON object as the whole answer (response_format
	// json_object where the server has it).
	JSON bool
}

// AIResponse is a completion's answer.
type AIResponse struct {
	Text  string
	Usage AIUsage
}

// AIUsage is the tokens a call used, as the provider counted them (zero
// when it does not say).
type AIUsage struct {
	PromptTokens, OutputTokens int
}

// Add sums two usages.
func (u AIUsage) Add(o AIUsage) AIUsage {
	return AIUsage{PromptTokens: u.PromptTokens + o.PromptTokens, OutputTokens: u.OutputTokens + o.OutputTokens}
}

// AIInfo describes an AI adapter: who writes, and the budget a prompt
// must fit.
type AIInfo struct {
	// Provider names the adapter ("local", "openai-compatible") and Model
	// the model it asks.
	Provider, Model string
	// ContextTokens is the most a request (system, prompt and the answer's
	// bound together) may take.
	ContextTokens int
	// MaxOutputTokens is the bound on an answer.
	MaxOutputTokens int
}

// The errors of Complete.
var (
	// ErrAIUnavailable: the provider failed (a 5xx, a 429 past the
	// retries, a transport error, an answer that is not a completion).
	ErrAIUnavailable = errors.New("the AI provider failed")
	// ErrAIRefused: the model declined to answer.
	ErrAIRefused = errors.New("the AI model refused")
	// ErrAITruncated: the answer was cut at its length bound.
	ErrAITruncated = errors.New("the AI answer was cut at its length bound")
)
