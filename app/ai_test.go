package app

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestAIConfigDefaultsToTheLocalWriter(t *testing.T) {
	cfg, _, ok := parseServe(nil, &bytes.Buffer{})
	if !ok {
		t.Fatal("parse failed")
	}
	a := cfg.AI
	if a.URL != "" || a.Timeout != 2*time.Minute || a.MaxRetries != 2 || a.MaxOutputTokens != 1024 || a.ContextTokens != 8192 ||
		a.TokensField != "max_tokens" || !a.JSONMode || a.MaxCalls != 16 || a.Concurrency != 2 || a.RequestsPerHour != 30 {
		t.Fatalf("defaults %+v", a)
	}
	ai, err := newAI(cfg, slog.New(slog.DiscardHandler))
	if err != nil || ai.Info().Provider != "local" {
		t.Fatalf("want the local writer: %v, %v", ai, err)
	}
	if _, err := newInsightRegistry(cfg, ai); err != nil {
		t.Fatal(err)
	}
}

func TestAIConfigBuildsTheOpenAIAdapter(t *testing.T) {
	t.Setenv("CHATLENS_AI_URL", "https://api.example.com/v1")
	t.Setenv("CHATLENS_AI_KEY", "sk-test-not-a-real-key")
	t.Setenv("CHATLENS_AI_MODEL", "gpt-4o-mini")
	cfg, _, ok := parseServe([]string{"--ai-context-tokens", "128000", "--ai-max-output-tokens", "2048"}, &bytes.Buffer{})
	if !ok {
		t.Fatal("parse failed")
	}
	ai, err := newAI(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if info := ai.Info(); info.Provider != "openai-compatible" || info.Model != "gpt-4o-mini" || info.ContextTokens != 128000 || info.MaxOutputTokens != 2048 {
		t.Fatalf("info %+v", info)
	}
}

// TestAIMisconfigurationIsRefusedAtStart: a provider that cannot work
// stops the start with a message that says why, and never shows the key.
func TestAIMisconfigurationIsRefusedAtStart(t *testing.T) {
	const key = "sk-secret-that-must-not-print"
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"not a URL", []string{"--ai-url", "localhost:8080", "--ai-model", "m"}, []string{"CHATLENS_AI_", "BaseURL"}},
		{"no model", []string{"--ai-url", "http://localhost:8080/v1"}, []string{"Model is empty"}},
		{"no key for a hosted API", []string{"--ai-url", "https://api.openai.com/v1", "--ai-model", "gpt-4o-mini"}, []string{"APIKey is empty"}},
		{"plain http to a public host", []string{"--ai-url", "http://api.openai.com/v1", "--ai-model", "m", "--ai-key", key}, []string{"unencrypted"}},
		{"a context too small", []string{"--ai-url", "http://localhost:8080/v1", "--ai-model", "m", "--ai-context-tokens", "1500"}, []string{"ContextTokens is 1500"}},
		{"a key without a URL", []string{"--ai-key", key}, []string{"ai-key and ai-model need ai-url"}},
		{"limits", []string{"--ai-max-calls", "0", "--ai-concurrency", "0", "--ai-requests-per-hour", "-1"},
			[]string{"ai-max-calls", "ai-concurrency", "ai-requests-per-hour"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, code, ok := parseServe(tc.args, &stderr)
			if ok || code != 2 {
				t.Fatalf("accepted (exit %d)", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q: %s", w, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), key) {
				t.Fatalf("the key is printed: %s", stderr.String())
			}
		})
	}
}
