package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// begin starts a unit's transaction, on another connection whenever the
// pooled one it got turns out dead.
//
// Why: after a database restart the pool still holds connections to the
// old server. pgx's database/sql driver reports an Exec or Query that
// failed before sending anything as driver.ErrBadConn, and database/sql
// retries those on another connection; a failed BEGIN it returns as it is.
// pgx pings a reused connection only when that was idle for more than a
// second, so a busy pool hands its dead connections straight to BEGIN; on
// a unix socket BEGIN's write fails, over TCP the write goes out and the
// read fails (with the FATAL 57P01 the server sent as it shut down).
// BEGIN changes nothing and fn has not run yet, so beginning again is
// always safe. This is not a replay of the unit and sits outside
// ports.RetryPolicy.Run: it is bounded by the pool (beginAttempts), stops
// as soon as ctx is done, and is counted apart (StoreOptions.OnReconnect).
func (s *Store) begin(ctx context.Context, opts *sql.TxOptions) (bun.Conn, bun.Tx, error) {
	limit := 0 // set at the first failure: the common path reads no pool statistics
	for n := 1; ; n++ {
		conn, tx, err := s.beginOnce(ctx, opts)
		if err == nil || ctx.Err() != nil || !deadConnection(err) {
			return conn, tx, err
		}
		if limit == 0 {
			limit = s.beginAttempts()
		}
		if n >= limit {
			return conn, tx, fmt.Errorf("BEGIN failed on %d connections in a row: %w", n, err)
		}
		if s.opts.OnReconnect != nil {
			s.opts.OnReconnect()
		}
	}
}

// beginOnce takes one connection from the pool and begins on it. A unit
// keeps its connection to itself (bun.Conn), not only its transaction:
// database/sql's Tx gives no way to the driver's connection, and a bulk
// insert needs it for COPY (messages.go). The connection goes back to the
// pool when the unit ends (Store.attempt), or here when BEGIN failed.
func (s *Store) beginOnce(ctx context.Context, opts *sql.TxOptions) (bun.Conn, bun.Tx, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return bun.Conn{}, bun.Tx{}, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		_ = conn.Close()
		return bun.Conn{}, bun.Tx{}, err
	}
	return conn, tx, nil
}

// beginAttempts bounds begin: the pool's maximum of open connections, plus
// one. A dead connection fails at most one BEGIN: pgx closes it on the
// failure; database/sql pools it again (pgx v5's driver has no IsValid to
// say otherwise), but the next time it hands it out pgx's ResetSession
// finds it closed and answers driver.ErrBadConn, on which database/sql
// discards it and takes another by itself. So no more dead connections can
// fail a BEGIN than the pool may hold open, and the attempt after them gets
// a new one. (The idle count would be a snapshot that misses connections
// other units hold at the moment and return later.) An unlimited pool
// counts the connections open now instead, the one that just failed
// included.
func (s *Store) beginAttempts() int {
	st := s.db.Stats()
	most := st.MaxOpenConnections
	if most <= 0 {
		most = st.OpenConnections + 1
	}
	return most + 1
}

// deadConnection reports whether BEGIN's err says its connection was gone,
// so that another connection may do: a transport failure (EOF, a network
// error, driver.ErrBadConn), or the server's word that it ended the session
// (a FATAL or PANIC error, such as 57P01 admin shutdown or 57P05 idle
// session timeout; 57P02 crash shutdown; a class 08 connection exception).
//
// Not retried, because another connection would not help:
//   - the end of ctx: the caller has given up;
//   - a failure to open a new connection (pgconn.ConnectError), which is
//     how 57P03 "cannot connect now" arrives while the server starts or
//     stops. No dead pooled connection was spent on it, so the next attempt
//     would dial the same server at once; the unit answers unavailable
//     (HTTP 503) and the caller comes back later. 57P03 is refused even
//     bare, as it only ever comes from dialing;
//   - any other error: the session is alive, and BEGIN would fail again.
func deadConnection(err error) bool {
	var connect *pgconn.ConnectError
	var pg *pgconn.PgError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &connect):
		return false
	case errors.As(err, &pg):
		return pg.Code != codeCannotConnectNow && sessionEnded(pg)
	}
	kind, _ := Classify(err)
	return kind == KindUnavailable
}

// sessionEnded reports whether the server ended the session with pg, as
// pgx judges it too (it closes the connection on a FATAL or PANIC error).
func sessionEnded(pg *pgconn.PgError) bool {
	severity := pg.SeverityUnlocalized
	if severity == "" {
		severity = pg.Severity
	}
	return severity == "FATAL" || severity == "PANIC" ||
		pg.Code == codeAdminShutdown || pg.Code == codeCrashShutdown || strings.HasPrefix(pg.Code, "08")
}
