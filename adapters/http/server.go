// Package httpapi is the HTTP adapter: the huma v2 API on net/http, with
// deny-by-default bearer-key auth, RFC 9457 problems mapped from domain
// errors in one function, request ids, one JSON log line per request,
// rate limits, metrics and an offline docs page.
//
// It depends on the core's services through the small interfaces below,
// never on ports or a storage adapter; app wires the real ones.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/core/users"
)

// Users is what the API needs of the users module (*users.Service).
type Users interface {
	SignUp(ctx context.Context, email, displayName string) (core.User, users.NewKey, error)
	Get(ctx context.Context, id core.UserID) (core.User, error)
	Delete(ctx context.Context, id core.UserID) error
	Authenticate(ctx context.Context, secret string) (core.User, core.APIKey, error)
	CreateKey(ctx context.Context, user core.UserID, name string) (users.NewKey, error)
	ListKeys(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.APIKey], error)
	RevokeKey(ctx context.Context, user core.UserID, id core.KeyID) error
}

// Credits is what the API needs of the credits module (*credits.Service).
type Credits interface {
	Balance(ctx context.Context, user core.UserID) (core.CreditAccount, error)
	Grant(ctx context.Context, user core.UserID, amount int64, reference string) (credits.Result, error)
	Spend(ctx context.Context, user core.UserID, amount int64, reference string) (credits.Result, error)
	Ledger(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.LedgerEntry], error)
}

// Storage is what the health endpoints need of the storage backend.
type Storage interface {
	// Ping reports whether storage answers now.
	Ping(ctx context.Context) error
	// PoolStats describes the connection pool.
	PoolStats() PoolStats
}

// PoolStats is the connection pool's state; a backend without a pool
// reports zeros and its name.
type PoolStats struct {
	Backend      string
	MaxOpen      int
	Open         int
	InUse        int
	Idle         int
	WaitCount    int64
	WaitDuration time.Duration
}

// Services are the use cases the API serves.
type Services struct {
	Users   Users
	Credits Credits
	Storage Storage
	// Payments sells credit packs (payments.go).
	Payments Payments
	// Chats imports, reads and searches chats (chats.go).
	Chats Chats
	// Catalog is the price list of insights (catalog.go).
	Catalog Catalog
	// Insights requests and reads a chat's insights (insights.go).
	Insights Insights
}

// Options configure the API. None of them changes the OpenAPI document.
type Options struct {
	// Development puts the cause of a 500 in the problem's detail.
	Development bool
	// Logger gets one line per request; nil discards.
	Logger *slog.Logger
	// Metrics counts requests; nil counts nothing.
	Metrics *Metrics
	// SignUpRate limits sign-ups per client address.
	SignUpRate Rate
	// AuthFailureRate limits failed authentications per client address;
	// once spent, that address gets 429 until the budget refills.
	AuthFailureRate Rate
	// Now is the rate limiters' clock; nil means time.Now.
	Now func() time.Time
	// RequestTimeout bounds the work of an operation that sets no deadline
	// of its own: past it the request answers 503 instead of hanging on a
	// stuck database. Zero means no bound.
	RequestTimeout time.Duration
	// ClientAddrHeader names a header that a trusted proxy in front of
	// every request sets to the client's address (X-Forwarded-For: its last
	// entry, the one the proxy appended). The rate limits key on it. Empty
	// uses the connection's peer address. Never set it without such a
	// proxy: a client could then choose its own address.
	ClientAddrHeader string
	// Uploads bound chat uploads: size, and how long reading and
	// importing may take (chats_upload.go). They change no document.
	Uploads UploadLimits
}

// Server is the HTTP API: a huma API on a ServeMux, wrapped in the
// observing middleware.
type Server struct {
	users        Users // for authenticate; the operations hold their own services
	opts         Options
	mux          routes
	api          huma.API
	handler      http.Handler
	authFailures *limiter
	recentKeys   *recentKeys
}

// wrapped is a huma adapter whose ServeHTTP goes through the middleware,
// so humatest exercises the same chain a real client does.
type wrapped struct {
	huma.Adapter
	handler http.Handler
}

func (w wrapped) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.handler.ServeHTTP(rw, r) }

// New builds the API. Registering operations never calls svc, so New with
// empty Services is how the OpenAPI document is generated.
func New(svc Services, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		users: svc.Users, opts: opts, mux: routes{http.NewServeMux()},
		authFailures: newLimiter(opts.AuthFailureRate, opts.Now),
		recentKeys:   newRecentKeys(opts.Now),
	}
	installProblems()
	s.handler = s.observe(s.mux)
	s.api = huma.NewAPI(apiConfig(), wrapped{humago.NewAdapter(s.mux, ""), s.handler})
	s.api.UseMiddleware(s.withDeadline, s.authenticate)
	registerHealth(s.api, svc.Storage)
	registerUsers(s.api, svc.Users, svc.Credits, newLimiter(opts.SignUpRate, opts.Now), s.recentKeys)
	registerKeys(s.api, svc.Users, s.recentKeys)
	registerCredits(s.api, svc.Credits)
	registerPayments(s.api, svc.Payments)
	registerChats(s.api, svc.Chats, opts.Uploads)
	registerCatalog(s.api, svc.Catalog)
	registerInsights(s.api, svc.Insights)
	s.mountDocs()
	s.mountCheckoutPages()
	finishDocument(s.api.OpenAPI())
	return s
}

// Handler serves the whole API.
func (s *Server) Handler() http.Handler { return s.handler }

// API returns the huma API, for tests and document generation.
func (s *Server) API() huma.API { return s.api }

// Mount serves h at pattern on the API's listener, with the same request
// ids, logs and metrics (app mounts /metrics here, and pprof in
// development, unless they have their own listener).
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// OpenAPI returns the document of the API (3.1).
func OpenAPI() *huma.OpenAPI { return New(Services{}, Options{}).api.OpenAPI() }

// withDeadline bounds the request's work by the operation's own deadline,
// else Options.RequestTimeout. Storage gives up when the context ends and
// the request answers 503 (context.DeadlineExceeded maps to unavailable).
func (s *Server) withDeadline(ctx huma.Context, next func(huma.Context)) {
	d := s.opts.RequestTimeout
	if own, ok := ctx.Operation().Metadata[deadlineKey].(time.Duration); ok && own > 0 {
		d = own
	}
	if d <= 0 {
		next(ctx)
		return
	}
	c, cancel := context.WithTimeout(ctx.Context(), d)
	defer cancel()
	next(huma.WithContext(ctx, c))
}
