package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// requestInfo is what the middleware learns about a request as it runs:
// the outer layer creates it, the auth layer adds the user, error mapping
// records the failure, and the outer layer logs it all in one line.
type requestInfo struct {
	id          string
	route       string
	clientAddr  string
	userID      string
	header      http.Header // the response's headers, for error mapping to set
	development bool
	err         error // first error mapped to a problem, logged for 5xx
}

func (i *requestInfo) fail(err error) {
	if i.err == nil {
		i.err = err
	}
}

type infoKey struct{}

// infoFrom returns the request's info, or a detached one outside a request.
func infoFrom(ctx context.Context) *requestInfo {
	if v, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return v
	}
	return &requestInfo{header: http.Header{}}
}

// RequestIDHeader carries the request id both ways: a client may send one
// (1 to 64 of [A-Za-z0-9._-]) to correlate its own logs; otherwise one is made.
const RequestIDHeader = "X-Request-ID"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status a handler wrote. When the router
// answers by itself (no route matched, so none was recorded), its
// text/plain 404 and 405 become problems like every other error.
type statusRecorder struct {
	http.ResponseWriter
	status int
	ctx    context.Context // the request's, for the problem's request id
	info   *requestInfo
	muted  bool // the router's own body is dropped after our problem
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status != 0 {
		s.ResponseWriter.WriteHeader(code)
		return
	}
	s.status = code
	if s.info.route == "" && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		s.muted = true
		writeProblem(s.ResponseWriter, newProblem(s.ctx, nil, code, routerDetail[code]))
		return
	}
	s.ResponseWriter.WriteHeader(code)
}

// routerDetail is the problem detail of the router's own answers.
var routerDetail = map[int]string{
	http.StatusNotFound:         "no operation has this path; see /openapi.json",
	http.StatusMethodNotAllowed: "this path does not accept this method; Allow lists those it does",
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	if s.muted {
		return len(b), nil
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (huma sets read
// deadlines through it).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// knownMethods are the methods logged and counted by name; any other is
// OTHER, so a client cannot mint metric series or log values.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

func methodLabel(method string) string {
	if knownMethods[method] {
		return method
	}
	return "OTHER"
}

// bodyReadError is an error reading the request body (other than its
// end): the connection broke or the body was shorter than announced.
// mapError answers it 400, never 500.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string { return "reading the request body: " + e.err.Error() }

// Unwrap keeps the cause visible: huma recognises a read timeout through it.
func (e *bodyReadError) Unwrap() error { return e.err }

// requestBody marks the errors of reading a request body as the client's.
type requestBody struct{ io.ReadCloser }

func (b requestBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = &bodyReadError{err}
	}
	return n, err
}

// routes registers handlers on the mux so that each records its pattern
// as the request's route when it runs. A request the mux answers by itself
// (404, 405, a redirect) keeps the route "unmatched": the label is always a
// registered pattern or that, never a raw path (the mux's own redirects
// report raw paths as patterns, so r.Pattern is not used).
type routes struct{ *http.ServeMux }

// HandleFunc satisfies humago.Mux.
func (m routes) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Handle registers h at pattern.
func (m routes) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).route = pattern
		h.ServeHTTP(w, r)
	}))
}

// unmatched is the route label of requests no registered pattern served.
const unmatched = "unmatched"

// observe wraps every request: request id, panic recovery, metrics and one
// JSON log line (method, route pattern, status, duration, request id, user
// id). It never logs a body, a header value or a query string.
func (s *Server) observe(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		info := &requestInfo{id: id, clientAddr: s.clientAddr(r), header: w.Header(), development: s.opts.Development}
		ctx := context.WithValue(r.Context(), infoKey{}, info)
		rec := &statusRecorder{ResponseWriter: w, ctx: ctx, info: info}
		r = r.WithContext(ctx)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = requestBody{r.Body}
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.opts.Logger.Error("panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
				info.fail(errPanic)
				if rec.status == 0 {
					writeProblem(rec, newProblem(ctx, nil, http.StatusInternalServerError, ""))
				}
			}
			s.record(r, info, rec.status, time.Since(start))
		}()
		mux.ServeHTTP(rec, r)
	})
}

type panicError struct{}

func (panicError) Error() string { return "handler panicked" }

var errPanic error = panicError{}

// record logs the request and counts it.
func (s *Server) record(r *http.Request, info *requestInfo, status int, took time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	route := info.route
	if route == "" {
		route = unmatched
	}
	method := methodLabel(r.Method)
	s.opts.Metrics.observe(method, route, status, took)
	attrs := []slog.Attr{
		slog.String("method", method), slog.String("route", route), slog.Int("status", status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000), slog.String("request_id", info.id),
	}
	if info.userID != "" {
		attrs = append(attrs, slog.String("user_id", info.userID))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
		if info.err != nil {
			// Errors that reach a 5xx come from storage or the service,
			// never from request content.
			attrs = append(attrs, slog.String("error", info.err.Error()))
		}
	}
	s.opts.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// writeProblem writes a problem outside huma (a panic, say).
func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// clientAddr is the address the rate limits key on: the peer's, or the one
// a trusted proxy put in Options.ClientAddrHeader (for a list such as
// X-Forwarded-For, the last entry, which that proxy appended). A header
// that does not hold an IP address is ignored.
func (s *Server) clientAddr(r *http.Request) string {
	if name := s.opts.ClientAddrHeader; name != "" {
		values := r.Header.Values(name)
		if len(values) > 0 {
			entries := strings.Split(values[len(values)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(entries[len(entries)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
