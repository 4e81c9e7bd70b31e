// Package app holds configuration and the fx wiring: which adapters run.
// It is the only package that reads the environment.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	stripeprovider "github.com/chatlens/chatlens/adapters/payments/stripe"
	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/ports"
)

// envPrefix starts every environment variable chatlens reads.
const envPrefix = "CHATLENS_"

// Config is every setting of the service, parsed once from flags and
// CHATLENS_ variables by the command that runs (see bindServe). Adapters
// get the parts they need as plain values; none reads the environment.
type Config struct {
	// Env is "production" or "development"; development puts the cause of
	// a 500 in the problem detail.
	Env string
	// Addr is the API's listen address.
	Addr string
	// InternalAddr, when set, serves /metrics and /debug/pprof there
	// instead of on Addr. Without it /metrics is on Addr, and pprof too but
	// only in development.
	InternalAddr string
	// AdminEmail names an admin created at start when missing; its key is
	// printed once on standard output.
	AdminEmail string
	// Migrate is what serve does with pending migrations on PostgreSQL:
	// "auto" applies them, "check" refuses to start.
	Migrate  string
	LogLevel string
	HTTP     HTTPConfig
	Limits   LimitsConfig
	Database DatabaseConfig
	Payments PaymentsConfig
	Chats    ChatsConfig
	Jobs     JobsConfig
	AI       AIConfig
}

// Development reports whether the service runs in development mode.
func (c Config) Development() bool { return c.Env == "development" }

// HTTPConfig bounds the API server's connections.
type HTTPConfig struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	// RequestTimeout bounds an ordinary request's work (operations with
	// long work, such as uploads, set their own).
	RequestTimeout time.Duration
	// ClientAddrHeader names the header a trusted proxy sets to the client's
	// address; empty uses the connection's peer address.
	ClientAddrHeader string
}

// LimitsConfig sets the per-client-address rate limits (per minute; 0 turns
// one off).
type LimitsConfig struct {
	SignUpsPerMinute      int
	AuthFailuresPerMinute int
}

// bindServe registers every setting of serve.
func bindServe(b *binder, c *Config) {
	b.String(&c.Env, "env", "ENV", "production", "production or development (development shows the cause of 500s)")
	b.String(&c.Addr, "addr", "ADDR", "127.0.0.1:8080", "API listen address")
	b.String(&c.InternalAddr, "internal-addr", "INTERNAL_ADDR", "", "listen address of /metrics, /debug/pprof and (on PostgreSQL) the jobs dashboard /riverui/; empty serves /metrics on --addr, and pprof there only in development")
	b.String(&c.AdminEmail, "admin-email", "ADMIN_EMAIL", "", "create this admin at start if missing and print its key once")
	b.String(&c.Migrate, "migrate", "MIGRATE", "auto", "pending migrations on PostgreSQL: auto applies them, check refuses to start")
	b.String(&c.LogLevel, "log-level", "LOG_LEVEL", "info", "debug, info, warn or error")
	b.Duration(&c.HTTP.ReadHeaderTimeout, "http-read-header-timeout", "HTTP_READ_HEADER_TIMEOUT", 5*time.Second, "longest wait for request headers")
	b.Duration(&c.HTTP.ReadTimeout, "http-read-timeout", "HTTP_READ_TIMEOUT", 60*time.Second, "longest time to read a whole request (operations set shorter body deadlines)")
	b.Duration(&c.HTTP.WriteTimeout, "http-write-timeout", "HTTP_WRITE_TIMEOUT", 60*time.Second, "longest time to write a response")
	b.Duration(&c.HTTP.IdleTimeout, "http-idle-timeout", "HTTP_IDLE_TIMEOUT", 120*time.Second, "keep-alive connections idle this long are closed")
	b.Duration(&c.HTTP.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 20*time.Second, "how long in-flight requests may finish on SIGINT/SIGTERM")
	b.Duration(&c.HTTP.RequestTimeout, "http-request-timeout", "HTTP_REQUEST_TIMEOUT", 15*time.Second, "longest work of an ordinary request before it answers 503")
	b.String(&c.HTTP.ClientAddrHeader, "client-addr-header", "CLIENT_ADDR_HEADER", "", "header a trusted proxy sets to the client address (e.g. X-Forwarded-For: its last entry is used); empty uses the peer address")
	b.Int(&c.Limits.SignUpsPerMinute, "signup-rate", "SIGNUP_RATE", 10, "sign-ups per minute per client address (0: unlimited)")
	b.Int(&c.Limits.AuthFailuresPerMinute, "auth-failure-rate", "AUTH_FAILURE_RATE", 20, "failed authentications per minute per client address before 429 (0: unlimited)")
	bindDatabase(b, &c.Database)
	bindPayments(b, &c.Payments)
	bindChats(b, &c.Chats)
	bindJobs(b, &c.Jobs, 4)
	bindAI(b, &c.AI)
}

// validate reports every wrong setting at once.
func (c Config) validate() error {
	var errs []error
	if c.Env != "production" && c.Env != "development" {
		errs = append(errs, fmt.Errorf("env must be production or development, not %q", c.Env))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr must be host:port, not %q", c.Addr))
	}
	if _, _, err := net.SplitHostPort(c.InternalAddr); c.InternalAddr != "" && err != nil {
		errs = append(errs, fmt.Errorf("internal-addr must be host:port, not %q", c.InternalAddr))
	}
	if c.Migrate != "auto" && c.Migrate != "check" {
		errs = append(errs, fmt.Errorf("migrate must be auto or check, not %q", c.Migrate))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, positive(map[string]time.Duration{
		"http-read-header-timeout": c.HTTP.ReadHeaderTimeout, "http-read-timeout": c.HTTP.ReadTimeout,
		"http-write-timeout": c.HTTP.WriteTimeout, "http-idle-timeout": c.HTTP.IdleTimeout,
		"shutdown-timeout": c.HTTP.ShutdownTimeout, "http-request-timeout": c.HTTP.RequestTimeout,
	}))
	if c.Limits.SignUpsPerMinute < 0 || c.Limits.AuthFailuresPerMinute < 0 {
		errs = append(errs, errors.New("rate limits must not be negative"))
	}
	errs = append(errs, c.Database.validate())
	errs = append(errs, c.Payments.validate(c.Development()))
	errs = append(errs, c.Chats.validate())
	errs = append(errs, c.Jobs.validate())
	errs = append(errs, c.AI.validate())
	return errors.Join(errs...)
}

// positive reports each duration, by flag name, that is not above zero: a
// zero timeout would mean none at all (or, for shutdown, no grace).
func positive(durations map[string]time.Duration) error {
	var errs []error
	for name, d := range durations {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, not %s", name, d))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// DatabaseConfig is how chatlens uses PostgreSQL.
type DatabaseConfig struct {
	URL                      string
	MaxOpenConns             int
	MaxIdleConns             int
	ConnMaxLifetime          time.Duration
	ConnMaxIdleTime          time.Duration
	StatementTimeout         time.Duration
	IdleInTransactionTimeout time.Duration
	LockPolicy               string
	LockTimeout              time.Duration
	RetryAttempts            int
	RetryBaseDelay           time.Duration
	RetryMaxDelay            time.Duration
}

// Postgres turns the configuration into the adapter's, with store as its
// unit-of-work options (StoreOptions, with or without metric hooks).
func (c DatabaseConfig) Postgres(store ports.StoreOptions) postgres.Config {
	return postgres.Config{
		DSN: c.URL, MaxOpenConns: c.MaxOpenConns, MaxIdleConns: c.MaxIdleConns,
		ConnMaxLifetime: c.ConnMaxLifetime, ConnMaxIdleTime: c.ConnMaxIdleTime,
		StatementTimeout: c.StatementTimeout, IdleInTransactionTimeout: c.IdleInTransactionTimeout,
		Store: store,
	}
}

// StoreOptions are the unit-of-work settings shared by every storage
// adapter (validate has checked the lock policy).
func (c DatabaseConfig) StoreOptions() ports.StoreOptions {
	lock, _ := ports.ParseLockPolicy(c.LockPolicy)
	return ports.StoreOptions{
		Retry:       ports.RetryPolicy{Attempts: c.RetryAttempts, BaseDelay: c.RetryBaseDelay, MaxDelay: c.RetryMaxDelay},
		Lock:        lock,
		LockTimeout: c.LockTimeout,
	}
}

// bindDatabase registers the database settings on fs, with defaults from
// the environment: a flag beats its variable, which beats the default.
func bindDatabase(b *binder, c *DatabaseConfig) {
	def := postgres.DefaultConfig("")
	b.String(&c.URL, "database-url", "DATABASE_URL", "", "PostgreSQL URL (serve runs on memory without one)")
	b.Int(&c.MaxOpenConns, "db-max-open-conns", "DB_MAX_OPEN_CONNS", def.MaxOpenConns, "most open connections")
	b.Int(&c.MaxIdleConns, "db-max-idle-conns", "DB_MAX_IDLE_CONNS", def.MaxIdleConns, "most idle connections kept")
	b.Duration(&c.ConnMaxLifetime, "db-conn-max-lifetime", "DB_CONN_MAX_LIFETIME", def.ConnMaxLifetime, "close connections older than this")
	b.Duration(&c.ConnMaxIdleTime, "db-conn-max-idle-time", "DB_CONN_MAX_IDLE_TIME", def.ConnMaxIdleTime, "close connections idle this long")
	b.Duration(&c.StatementTimeout, "db-statement-timeout", "DB_STATEMENT_TIMEOUT", def.StatementTimeout, "statement_timeout of every connection")
	b.Duration(&c.IdleInTransactionTimeout, "db-idle-in-transaction-timeout", "DB_IDLE_IN_TRANSACTION_TIMEOUT", def.IdleInTransactionTimeout, "idle_in_transaction_session_timeout of every connection")
	b.String(&c.LockPolicy, "db-lock-policy", "DB_LOCK_POLICY", def.Store.Lock.String(), "row lock policy of units that choose none: nowait or wait")
	b.Duration(&c.LockTimeout, "db-lock-timeout", "DB_LOCK_TIMEOUT", def.Store.LockTimeout, "longest wait for a row lock (lock_timeout)")
	b.Int(&c.RetryAttempts, "db-retry-attempts", "DB_RETRY_ATTEMPTS", def.Store.Retry.Attempts, "attempts of a unit of work under contention")
	b.Duration(&c.RetryBaseDelay, "db-retry-base-delay", "DB_RETRY_BASE_DELAY", def.Store.Retry.BaseDelay, "first backoff ceiling (full jitter)")
	b.Duration(&c.RetryMaxDelay, "db-retry-max-delay", "DB_RETRY_MAX_DELAY", def.Store.Retry.MaxDelay, "largest backoff ceiling")
}

// validate reports every wrong database setting at once.
func (c DatabaseConfig) validate() error {
	var errs []error
	if c.URL != "" {
		if _, err := url.Parse(c.URL); err != nil && !strings.Contains(c.URL, "=") {
			errs = append(errs, errors.New("database-url is neither a URL nor key=value settings"))
		}
	}
	if _, ok := ports.ParseLockPolicy(c.LockPolicy); !ok {
		errs = append(errs, fmt.Errorf("db-lock-policy must be nowait or wait, not %q", c.LockPolicy))
	}
	if c.RetryAttempts < 1 {
		errs = append(errs, errors.New("db-retry-attempts must be at least 1"))
	}
	if c.MaxOpenConns < 1 {
		errs = append(errs, errors.New("db-max-open-conns must be at least 1"))
	}
	errs = append(errs, positive(map[string]time.Duration{
		"db-conn-max-lifetime": c.ConnMaxLifetime, "db-conn-max-idle-time": c.ConnMaxIdleTime,
		"db-statement-timeout": c.StatementTimeout, "db-idle-in-transaction-timeout": c.IdleInTransactionTimeout,
		"db-lock-timeout": c.LockTimeout, "db-retry-base-delay": c.RetryBaseDelay, "db-retry-max-delay": c.RetryMaxDelay,
	}))
	return errors.Join(errs...)
}

// PaymentsConfig is how chatlens sells credit packs. The provider set is
// Stripe when a secret key is set, and the local development provider when
// enabled; with neither, creating a payment answers 503 (nothing is ever
// granted without a provider's signed word).
type PaymentsConfig struct {
	// PublicBaseURL is where buyers reach this service: the checkout's
	// success and cancel pages and the local provider's checkout pages
	// are built on it. Empty means http://<addr>, in development only.
	PublicBaseURL string
	// Currency is the deployment's one currency (ISO 4217); every pack's
	// price is in its minor unit.
	Currency string
	// StripeSecretKey and StripeWebhookSecret enable the Stripe provider.
	StripeSecretKey     Secret
	StripeWebhookSecret Secret
	// LocalProvider is auto (on in development only), on or off.
	LocalProvider string
	// LocalSecret signs the local provider's webhooks; empty is a random
	// secret per process.
	LocalSecret Secret
}

// bindPayments registers the payment settings.
func bindPayments(b *binder, c *PaymentsConfig) {
	b.String(&c.PublicBaseURL, "public-base-url", "PUBLIC_BASE_URL", "", "address buyers reach this service at, for checkout return pages (e.g. https://api.example.com); empty: http://<addr>, in development only")
	b.String(&c.Currency, "currency", "CURRENCY", "usd", "the one currency packs are priced in (ISO 4217)")
	b.Secret(&c.StripeSecretKey, "stripe-secret-key", "STRIPE_SECRET_KEY", "Stripe secret key (sk_test_… or sk_live_…); enables the Stripe provider. Never logged; prefer the variable to the flag")
	b.Secret(&c.StripeWebhookSecret, "stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", "signing secret of the Stripe webhook endpoint (whsec_…); required with a Stripe key. Never logged")
	b.String(&c.LocalProvider, "local-payments", "LOCAL_PAYMENTS", "auto", "the development payment provider (no money moves): auto (on in development only), on or off")
	b.Secret(&c.LocalSecret, "local-payments-secret", "LOCAL_PAYMENTS_SECRET", "secret that signs the development provider's webhooks (at least 32 bytes); empty: random per process. Never logged")
}

// stripe is the Stripe adapter's configuration.
func (c PaymentsConfig) stripe() stripeprovider.Config {
	return stripeprovider.Config{SecretKey: c.StripeSecretKey.Reveal(), WebhookSecret: c.StripeWebhookSecret.Reveal()}
}

// localEnabled reports whether the development provider runs.
func (c PaymentsConfig) localEnabled(development bool) bool {
	return c.LocalProvider == "on" || c.LocalProvider == "auto" && development
}

// baseURL is the public base URL, or its development default.
func (c PaymentsConfig) baseURL(addr string) string {
	if c.PublicBaseURL != "" {
		return strings.TrimSuffix(c.PublicBaseURL, "/")
	}
	return "http://" + addr
}

// validate reports every wrong payment setting at once.
func (c PaymentsConfig) validate(development bool) error {
	var errs []error
	if c.PublicBaseURL != "" {
		u, err := url.Parse(c.PublicBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, errors.New("public-base-url must be an absolute http or https URL without a query"))
		}
	}
	if len(c.Currency) != 3 || strings.Trim(strings.ToLower(c.Currency), "abcdefghijklmnopqrstuvwxyz") != "" {
		errs = append(errs, fmt.Errorf("currency must be a three-letter ISO 4217 code, not %q", c.Currency))
	}
	if c.LocalProvider != "auto" && c.LocalProvider != "on" && c.LocalProvider != "off" {
		errs = append(errs, fmt.Errorf("local-payments must be auto, on or off, not %q", c.LocalProvider))
	}
	if c.LocalSecret != "" && len(c.LocalSecret) < 32 {
		errs = append(errs, errors.New("local-payments-secret must be at least 32 bytes (e.g. openssl rand -hex 32)"))
	}
	if c.StripeSecretKey != "" {
		if err := c.stripe().Validate(); err != nil { // its messages never hold the secrets
			errs = append(errs, err)
		}
		if c.PublicBaseURL == "" && !development {
			errs = append(errs, errors.New("public-base-url is required with stripe-secret-key outside development: buyers come back to it"))
		}
	}
	if c.localEnabled(development) && c.PublicBaseURL == "" && !development {
		errs = append(errs, errors.New("public-base-url is required with local-payments=on outside development: the checkout pages are on it"))
	}
	return errors.Join(errs...)
}
