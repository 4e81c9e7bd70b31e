// Package openai is the AI provider (ports.AI) for any OpenAI-compatible
// chat completions server (OpenAI, llama.cpp's server, vLLM, Ollama), on
// github.com/openai/openai-go/v3. It reads no environment (none of the
// SDK's OPENAI_* variables) and logs nothing; New takes everything it needs
// in Config and refuses a configuration that cannot work, or that would send
// chats unencrypted across the internet.
//
// # Request
//
// Complete makes one POST to BaseURL + "/chat/completions", not streamed,
// with: the model; the request's system message (left out when empty) and
// its prompt as the user message; the bound on the answer (the request's
// MaxOutputTokens when positive, capped at Config.MaxOutputTokens, else that)
// in Config.TokensField; and response_format {"type":"json_object"} when the
// request asks for JSON and Config.JSONMode is on. An Authorization: Bearer
// header is sent only when Config.APIKey is set. No other field and no
// OpenAI-Organization or OpenAI-Project header is sent. Redirects are not
// followed.
//
// # Retries and timeouts
//
// An attempt that fails on the network, runs out of Config.RequestTimeout,
// or is answered 408, 409, 429 or 5xx (or with "x-should-retry: true") is
// retried up to Config.MaxRetries times, after the server's Retry-After (or
// Retry-After-Ms) or else the SDK's exponential backoff, either bounded by
// Config.MaxRetryDelay: a server asking for a longer wait ends the call at
// once. Each attempt gets the full RequestTimeout, for sending the request
// and reading the whole answer (a server that stalls or drops the
// connection in the middle of an answer fails the attempt); the waits
// between attempts do not count against it. The caller's context bounds the
// call as a whole.
//
// # Answer
//
// The answer is the first choice's content and the usage the server
// reports. Otherwise Complete's error matches:
//
//	ports.ErrAITruncated       finish_reason "length"; the cut text and the usage come with it
//	ports.ErrAIRefused         a refusal on the message, or finish_reason "content_filter";
//	                           the usage comes with it
//	ports.ErrAIUnavailable     an HTTP error status after the retries (the cause is a
//	                           *StatusError), a redirect, a transport failure, a body that is
//	                           not a completion, no choices, or an empty content
//	ports.ErrAIUnavailable     the last attempt ran out of RequestTimeout (a server that
//	and                        hangs): a timeout to the caller as much as a failure
//	context.DeadlineExceeded
//	ctx.Err()                  the caller's context was cancelled or ran out
//
// No error quotes the prompt, the system message, the answer, the server's
// error body, the URL or the API key: each says what kind of failure it was
// and, for an HTTP error, the status only.
package openai
