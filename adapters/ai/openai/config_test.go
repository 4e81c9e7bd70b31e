package openai

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const configKey = "sk-config-SECRET-4b1d"

func validConfig() Config {
	return Config{
		BaseURL:         "https://api.openai.com/v1",
		APIKey:          configKey,
		Model:           "gpt-4o-mini",
		RequestTimeout:  time.Minute,
		MaxRetries:      2,
		MaxOutputTokens: 1024,
		ContextTokens:   128000,
	}
}

func TestNewAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
	}{
		{"OpenAI", func(c *Config) {}},
		{"max_completion_tokens, JSON mode, a retry delay", func(c *Config) {
			c.TokensField, c.JSONMode, c.MaxRetryDelay = TokensFieldMaxCompletionTokens, true, 5*time.Second
		}},
		{"max_tokens named", func(c *Config) { c.TokensField = TokensFieldMaxTokens }},
		{"the smallest bounds", func(c *Config) {
			c.MaxRetries, c.MaxOutputTokens, c.ContextTokens = 0, MinOutputTokens, MinOutputTokens+MinPromptTokens
		}},
		{"the most retries", func(c *Config) { c.MaxRetries = MaxRetriesLimit }},
		{"https to a public host with a key, no path", func(c *Config) { c.BaseURL = "https://llm.example.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := validConfig()
			tc.cfg(&cfg)
			if _, err := New(cfg); err != nil {
				t.Errorf("New: %v", err)
			}
		})
	}
}

// A local server may go without a key, over plain http.
func TestNewAcceptsLocalServersWithoutKey(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"http://localhost:8080/v1",
		"http://LOCALHOST:8080/v1",
		"http://127.0.0.1:8080/v1",
		"http://127.8.9.10/v1",
		"http://[::1]:11434/v1",
		"http://0.0.0.0:8080/v1",
		"http://10.1.2.3:8000/v1",
		"http://172.16.0.9:8000/v1",
		"http://172.31.255.1:8000/v1",
		"http://192.168.1.20:11434/v1",
		"http://169.254.10.10/v1",
		"http://[fe80::1]:8080/v1",
		"http://[fd12:3456::1]:8080/v1",
		"http://[::ffff:192.168.1.20]:8080/v1",
		"http://llama:8080/v1",
		"http://ollama:11434/v1",
		"http://gpu-box.local:8080/v1",
		"http://vllm.svc.internal:8000/v1",
		"http://inference.lan/v1",
		"http://api.localhost:8080/v1",
		"http://gpu-box.local.:8080/v1",
		"https://vllm.internal/v1",
	} {
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			cfg := validConfig()
			cfg.BaseURL, cfg.APIKey = base, ""
			if _, err := New(cfg); err != nil {
				t.Errorf("New: %v", err)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		want []string // each in the error
	}{
		{"no BaseURL", func(c *Config) { c.BaseURL = "" }, []string{"BaseURL is empty"}},
		{"a blank BaseURL", func(c *Config) { c.BaseURL = "  " }, []string{"BaseURL is empty"}},
		{"a relative BaseURL", func(c *Config) { c.BaseURL = "api.openai.com/v1" }, []string{"not an absolute http or https URL"}},
		{"another scheme", func(c *Config) { c.BaseURL = "ftp://api.openai.com/v1" }, []string{"not an absolute http or https URL"}},
		{"no host", func(c *Config) { c.BaseURL = "https:///v1" }, []string{"not an absolute http or https URL"}},
		{"only a port", func(c *Config) { c.BaseURL = "https://:8080/v1" }, []string{"not an absolute http or https URL"}},
		{"unparsable", func(c *Config) { c.BaseURL = "https://api.openai.com/v1\x7f" }, []string{"not an absolute http or https URL"}},
		{"credentials in BaseURL", func(c *Config) { c.BaseURL = "https://user:" + configKey + "@api.example.com/v1" }, []string{"BaseURL holds credentials"}},
		{"a query", func(c *Config) { c.BaseURL = "https://api.example.com/v1?api-version=1" }, []string{"query or a fragment"}},
		{"a fragment", func(c *Config) { c.BaseURL = "https://api.example.com/v1#x" }, []string{"query or a fragment"}},
		{"plain http to a public host", func(c *Config) { c.BaseURL = "http://api.openai.com/v1" }, []string{"plain http to api.openai.com", "unencrypted"}},
		{"plain http to a public address", func(c *Config) { c.BaseURL = "http://8.8.8.8/v1" }, []string{"plain http to 8.8.8.8"}},
		{"plain http to a shared address", func(c *Config) { c.BaseURL = "http://100.64.1.1/v1" }, []string{"plain http to 100.64.1.1"}},
		{"no key for a public host", func(c *Config) { c.APIKey = "" }, []string{"APIKey is empty"}},
		{"no key and plain http to a public host", func(c *Config) { c.APIKey, c.BaseURL = "", "http://llm.example.com/v1" }, []string{"APIKey is empty", "plain http to llm.example.com"}},
		{"a key ending in a newline", func(c *Config) { c.APIKey = configKey + "\n" }, []string{"APIKey contains white space"}},
		{"a key with a space", func(c *Config) { c.APIKey = "Bearer " + configKey }, []string{"APIKey contains white space"}},
		{"no model", func(c *Config) { c.Model = "" }, []string{"Model is empty"}},
		{"a blank model", func(c *Config) { c.Model = " \t" }, []string{"Model is empty"}},
		{"no request timeout", func(c *Config) { c.RequestTimeout = 0 }, []string{"RequestTimeout is 0s"}},
		{"a negative request timeout", func(c *Config) { c.RequestTimeout = -time.Second }, []string{"RequestTimeout is -1s"}},
		{"negative retries", func(c *Config) { c.MaxRetries = -1 }, []string{"MaxRetries is -1"}},
		{"too many retries", func(c *Config) { c.MaxRetries = MaxRetriesLimit + 1 }, []string{"MaxRetries is 11"}},
		{"a negative retry delay", func(c *Config) { c.MaxRetryDelay = -time.Millisecond }, []string{"MaxRetryDelay is -1ms"}},
		{"too small an output bound", func(c *Config) { c.MaxOutputTokens = MinOutputTokens - 1 }, []string{"MaxOutputTokens is 63"}},
		{"no output bound", func(c *Config) { c.MaxOutputTokens = 0 }, []string{"MaxOutputTokens is 0"}},
		{"no room for a prompt", func(c *Config) { c.ContextTokens = c.MaxOutputTokens + MinPromptTokens - 1 }, []string{"ContextTokens is 2047", "by at least 1024"}},
		{"a context smaller than the answer", func(c *Config) { c.ContextTokens = 512 }, []string{"ContextTokens is 512"}},
		{"an unknown tokens field", func(c *Config) { c.TokensField = "max_output_tokens" }, []string{`TokensField is "max_output_tokens"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := validConfig()
			tc.cfg(&cfg)
			c, err := New(cfg)
			if err == nil || c != nil {
				t.Fatalf("New = %v, %v; want an error", c, err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, configKey) || strings.Contains(msg, "4b1d") {
				t.Errorf("the error %q quotes the key", msg)
			}
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, "openai: ") {
					t.Errorf("the line %q does not name the adapter", line)
				}
			}
		})
	}
}

// Every problem is reported at once, one per line.
func TestNewListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := New(Config{
		BaseURL:         "http://api.example.com/v1",
		Model:           "",
		RequestTimeout:  0,
		MaxRetries:      99,
		MaxRetryDelay:   -1,
		MaxOutputTokens: 10,
		ContextTokens:   100,
		TokensField:     "tokens",
	})
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{"plain http", "APIKey is empty", "Model is empty", "RequestTimeout", "MaxRetries", "MaxRetryDelay", "MaxOutputTokens", "ContextTokens", "TokensField"}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != len(want) {
		t.Errorf("got %q, want %d problems", err, len(want))
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error %q does not mention %s", err, w)
		}
	}
}

func TestIsLocalHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "::1": true, "10.0.0.1": true, "192.168.0.1": true,
		"172.20.1.1": true, "169.254.1.1": true, "fe80::1": true, "fc00::1": true, "0.0.0.0": true,
		"llama": true, "box.local": true, "box.internal": true, "box.lan": true, "a.localhost": true, "box.local.": true,
		"api.openai.com": false, "8.8.8.8": false, "172.32.0.1": false, "100.64.0.1": false, "2001:db8::1": false,
		"local": true, "notlocal.com": false, "box.local.example.com": false, "lan.example.com": false, "": false,
	} {
		if got := isLocalHost(host); got != want {
			t.Errorf("isLocalHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// A Config printed or logged does not show the key, or credentials in the
// URL.
func TestConfigHidesKey(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	cfg.BaseURL = "https://user:" + configKey + "@api.example.com/v1"
	var out []string
	for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
		out = append(out, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg))
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("config", "cfg", cfg, "ptr", &cfg)
	}
	out = append(out, buf.String())
	for _, s := range out {
		if strings.Contains(s, "4b1d") {
			t.Errorf("%q shows the key", s)
		}
		if !strings.Contains(s, "gpt-4o-mini") {
			t.Errorf("%q does not show the configuration", s)
		}
	}
}
