package app

import (
	"crypto/rand"
	"log/slog"

	"go.uber.org/fx"

	httpapi "github.com/chatlens/chatlens/adapters/http"
	"github.com/chatlens/chatlens/adapters/payments/local"
	stripeprovider "github.com/chatlens/chatlens/adapters/payments/stripe"
	"github.com/chatlens/chatlens/core/payments"
	"github.com/chatlens/chatlens/ports"
)

// PaymentsModule provides the configured payment providers and serves the
// local provider's checkout pages on the API's listener when it is on.
// (The payments service itself is in CoreModule, with the other use cases.)
func PaymentsModule() fx.Option {
	return fx.Module("payments",
		fx.Provide(newPaymentProviders),
		fx.Invoke(mountLocalCheckout),
	)
}

// paymentProviders are the configured payment providers, in the order the
// payments service prefers them for new checkouts: Stripe when a secret key
// is set, then the local development provider when enabled.
type paymentProviders struct {
	all   []ports.PaymentProvider
	local *local.Provider // nil when off
}

// newPaymentProviders builds the provider set from the configuration.
func newPaymentProviders(lc fx.Lifecycle, cfg Config, log *slog.Logger) (paymentProviders, error) {
	var out paymentProviders
	c, base := cfg.Payments, cfg.Payments.baseURL(cfg.Addr)
	if c.StripeSecretKey != "" {
		p, err := stripeProvider(c)
		if err != nil {
			return paymentProviders{}, err
		}
		out.all = append(out.all, p)
	}
	if c.localEnabled(cfg.Development()) {
		secret := []byte(c.LocalSecret.Reveal())
		if len(secret) == 0 {
			secret = make([]byte, local.MinSecretLength)
			_, _ = rand.Read(secret) // never fails (crypto/rand)
		}
		p, err := local.New(local.Config{Secret: secret, BaseURL: base})
		if err != nil {
			return paymentProviders{}, err
		}
		out.local = p
		out.all = append(out.all, p)
	}
	lc.Append(fx.StartHook(func() {
		names := make([]string, 0, len(out.all))
		for _, p := range out.all {
			names = append(names, p.Name())
		}
		switch {
		case len(names) == 0:
			log.Warn("payments: no payment provider is configured; buying a pack answers 503 (set CHATLENS_STRIPE_SECRET_KEY, or run in development)")
		case out.local != nil && !cfg.Development():
			log.Warn("payments: the local development provider is on outside development: anyone can buy credits with it without paying",
				"providers", names)
		default:
			log.Info("payments", "providers", names, "currency", c.Currency, "public_base_url", base)
		}
	}))
	return out, nil
}

// stripeProvider builds the Stripe provider from the configured key and
// webhook secret (checked at start by validate, so a wrong one refuses to
// start instead of failing every payment).
func stripeProvider(c PaymentsConfig) (ports.PaymentProvider, error) {
	sc := c.stripe()
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return stripeprovider.New(sc), nil
}

// newPayments is the payments service on the configured providers.
func newPayments(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, cfg Config, prov paymentProviders) (*payments.Service, error) {
	return payments.NewService(uow, clock, ids, payments.Config{
		Currency: cfg.Payments.Currency, PublicBaseURL: cfg.Payments.baseURL(cfg.Addr), Providers: prov.all,
	})
}

// mountLocalCheckout serves the local provider's checkout pages on the
// API's listener; their "pay" and "cancel" send its signed webhooks through
// the API's own handler, in process.
func mountLocalCheckout(api *httpapi.Server, prov paymentProviders) {
	if prov.local == nil {
		return
	}
	h := prov.local.Handler(api.Handler())
	api.Mount("GET "+local.PagePath+"{token}", h)
	api.Mount("POST "+local.PagePath+"{token}", h)
}
