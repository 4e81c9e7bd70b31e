package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
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
	if ctx != nil {
		if v, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
			return v
		}
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

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (huma sets read
// deadlines through it).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe wraps every request: request id, panic recovery, metrics and one
// JSON log line (method, route pattern, status, duration, request id, user
// id). It never logs a body, a header value or a query string.
func (s *Server) observe(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		_, route := mux.Handler(r)
		if route == "" {
			route = "unmatched" // bounded label: never the raw path
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		info := &requestInfo{id: id, route: route, clientAddr: host, header: w.Header(), development: s.opts.Development}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.opts.Logger.Error("panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
				info.fail(errPanic)
				if rec.status == 0 {
					writeProblem(rec, newProblem(context.WithValue(r.Context(), infoKey{}, info), http.StatusInternalServerError, ""))
				}
			}
			s.record(r, info, rec.status, time.Since(start))
		}()
		mux.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
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
	s.metrics.observe(r.Method, info.route, status, took)
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("route", info.route), slog.Int("status", status),
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
