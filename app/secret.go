package app

import "log/slog"

// Secret is a configured secret (a payment provider's key). It prints,
// formats and logs as "[redacted]"; only Reveal gives it to the adapter
// that needs it. -h never shows one either (binder.Secret).
type Secret string

const redacted = "[redacted]"

// String hides the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString hides the secret from %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText hides the secret from encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret itself, for the adapter that uses it.
func (s Secret) Reveal() string { return string(s) }

// secretValue is a Secret as a flag.Value: its default is always empty
// and it never prints what was set.
type secretValue struct{ p *Secret }

func (v secretValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}

func (v secretValue) Set(s string) error { *v.p = Secret(s); return nil }

// Secret registers a secret setting; it has no default.
func (b *binder) Secret(p *Secret, flagName, env, usage string) {
	b.fs.Var(secretValue{p}, flagName, usage+b.bind(flagName, env))
}
