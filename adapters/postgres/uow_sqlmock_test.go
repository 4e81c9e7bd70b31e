package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// These tests provoke on demand what a real database makes hard to
// reproduce: a given SQLSTATE on a given attempt, a failing COMMIT.

const userID = "01935c6e-0000-7000-8000-000000000001"

func mockStore(t *testing.T, attempts int) (*Store, sqlmock.Sqlmock) {
	t.Helper()
	sqldb, mock, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Error(err)
		}
		sqldb.Close()
	})
	opts := ports.StoreOptions{
		Retry: ports.RetryPolicy{Attempts: attempts, BaseDelay: time.Microsecond, MaxDelay: time.Millisecond},
		Lock:  ports.LockNoWait,
	}
	return New(bun.NewDB(sqldb, pgdialect.New()), opts), mock
}

func pgErr(code string) error { return &pgconn.PgError{Code: code, Message: "provoked " + code} }

// lockAccount is a unit that locks one account row.
func lockAccount(calls *int) func(context.Context, ports.Tx) error {
	return func(ctx context.Context, tx ports.Tx) error {
		*calls++
		_, err := tx.Credits().Lock(ctx, userID)
		return err
	}
}

func expectLockFails(mock sqlmock.Sqlmock, err error) {
	mock.ExpectBegin()
	mock.ExpectQuery(`FOR UPDATE NOWAIT`).WillReturnError(err)
	mock.ExpectRollback()
}

func expectLockSucceeds(mock sqlmock.Sqlmock) {
	mock.ExpectBegin()
	mock.ExpectQuery(`FOR UPDATE NOWAIT`).WillReturnRows(
		sqlmock.NewRows([]string{"user_id", "balance", "updated_at"}).AddRow(userID, 5, time.Now()))
}

func TestContentionThenSuccess(t *testing.T) {
	for _, code := range []string{"55P03", "40001", "40P01"} {
		t.Run(code, func(t *testing.T) {
			s, mock := mockStore(t, 3)
			expectLockFails(mock, pgErr(code))
			expectLockSucceeds(mock)
			mock.ExpectCommit()
			calls := 0
			if err := s.Do(context.Background(), lockAccount(&calls)); err != nil {
				t.Fatalf("Do = %v; want success on the second attempt", err)
			}
			if calls != 2 {
				t.Fatalf("fn ran %d times; want 2", calls)
			}
		})
	}
}

func TestAttemptsExhaustedIsBusy(t *testing.T) {
	s, mock := mockStore(t, 3)
	var reasons []string
	s.opts.Retry.OnRetry = func(r string) { reasons = append(reasons, r) }
	busy := 0
	s.opts.Retry.OnBusy = func() { busy++ }
	for range 3 {
		expectLockFails(mock, pgErr("55P03"))
	}
	calls := 0
	err := s.Do(context.Background(), lockAccount(&calls))
	if !errors.Is(err, core.ErrBusy) {
		t.Fatalf("Do = %v; want core.ErrBusy", err)
	}
	if calls != 3 || len(reasons) != 2 || reasons[0] != "lock_not_available" || busy != 1 {
		t.Fatalf("calls %d, retries %v, busy %d; want 3 calls, 2 lock_not_available retries, 1 busy", calls, reasons, busy)
	}
}

func TestSwallowedContentionStillRetries(t *testing.T) {
	s, mock := mockStore(t, 2)
	expectLockFails(mock, pgErr("40001"))
	expectLockSucceeds(mock)
	mock.ExpectCommit()
	calls := 0
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		calls++
		if _, err := tx.Credits().Lock(ctx, userID); err != nil {
			return errors.New("something else went wrong") // the cause is lost here
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("Do = %v after %d calls; want success on the second attempt", err, calls)
	}
}

func TestCommitErrorSurfaces(t *testing.T) {
	s, mock := mockStore(t, 3)
	expectLockSucceeds(mock)
	mock.ExpectCommit().WillReturnError(errors.New("disk full"))
	calls := 0
	err := s.Do(context.Background(), lockAccount(&calls))
	if err == nil || calls != 1 {
		t.Fatalf("Do = %v after %d calls; want the commit error, not retried", err, calls)
	}
	if err.Error() != "committing: disk full" {
		t.Fatalf("Do = %q; want the commit error surfaced", err)
	}
}

func TestCommitSerializationFailureRetries(t *testing.T) {
	s, mock := mockStore(t, 3)
	expectLockSucceeds(mock)
	mock.ExpectCommit().WillReturnError(pgErr("40001"))
	expectLockSucceeds(mock)
	mock.ExpectCommit()
	calls := 0
	if err := s.Do(context.Background(), lockAccount(&calls)); err != nil || calls != 2 {
		t.Fatalf("Do = %v after %d calls; a refused COMMIT wrote nothing and should be retried", err, calls)
	}
}

func TestLostConnectionAtCommitIsNeverRetried(t *testing.T) {
	for _, lost := range []error{io.ErrUnexpectedEOF, driver.ErrBadConn, pgErr("08006"), pgErr("57P01")} {
		t.Run(lost.Error(), func(t *testing.T) {
			s, mock := mockStore(t, 5)
			expectLockSucceeds(mock)
			mock.ExpectCommit().WillReturnError(lost)
			calls := 0
			err := s.Do(context.Background(), lockAccount(&calls))
			if !errors.Is(err, core.ErrUnavailable) || calls != 1 {
				t.Fatalf("Do = %v after %d calls; want ErrUnavailable after 1 attempt", err, calls)
			}
		})
	}
}

func TestLostServerMidUnitIsUnavailable(t *testing.T) {
	s, mock := mockStore(t, 5)
	expectLockFails(mock, pgErr("57P01"))
	calls := 0
	err := s.Do(context.Background(), lockAccount(&calls))
	if !errors.Is(err, core.ErrUnavailable) || calls != 1 {
		t.Fatalf("Do = %v after %d calls; want ErrUnavailable, not retried", err, calls)
	}
}

// A unit that waits for locks sends a plain FOR UPDATE, bounded by the
// connection's lock_timeout, whether it chose the policy or the store did.
func TestWaitPolicyLocksWithoutNowait(t *testing.T) {
	for name, setUp := range map[string]func(*Store) []ports.UnitOption{
		"unit option":   func(*Store) []ports.UnitOption { return []ports.UnitOption{ports.WithLock(ports.LockWait)} },
		"store default": func(s *Store) []ports.UnitOption { s.opts.Lock = ports.LockWait; return nil },
	} {
		t.Run(name, func(t *testing.T) {
			s, mock := mockStore(t, 3)
			opts := setUp(s)
			mock.ExpectBegin()
			mock.ExpectQuery(`FROM credit_accounts WHERE user_id = \$1 FOR UPDATE$`).WillReturnRows(
				sqlmock.NewRows([]string{"user_id", "balance", "updated_at"}).AddRow(userID, 5, time.Now()))
			mock.ExpectCommit()
			calls := 0
			if err := s.Do(context.Background(), lockAccount(&calls), opts...); err != nil || calls != 1 {
				t.Fatalf("Do = %v after %d calls; want one plain FOR UPDATE and a commit", err, calls)
			}
		})
	}
}

// A context that ends while COMMIT is in flight (pgx then reports the
// context's error) leaves the outcome unknown: unavailable, never retried.
func TestCancelledAtCommitIsUnavailable(t *testing.T) {
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		t.Run(cause.Error(), func(t *testing.T) {
			s, mock := mockStore(t, 5)
			expectLockSucceeds(mock)
			mock.ExpectCommit().WillReturnError(fmt.Errorf("timeout: %w", cause))
			calls := 0
			err := s.Do(context.Background(), lockAccount(&calls))
			if !errors.Is(err, core.ErrUnavailable) || !errors.Is(err, cause) || calls != 1 {
				t.Fatalf("Do = %v after %d calls; want ErrUnavailable wrapping %v after 1 attempt", err, calls, cause)
			}
		})
	}
}

// A statement timeout means an overloaded database: the unit is rolled
// back and answers unavailable at once rather than add to the load.
func TestStatementTimeoutMidUnitIsUnavailable(t *testing.T) {
	s, mock := mockStore(t, 5)
	expectLockFails(mock, pgErr("57014")) // expects the ROLLBACK too
	calls := 0
	err := s.Do(context.Background(), lockAccount(&calls))
	if !errors.Is(err, core.ErrUnavailable) || ports.IsRetryable(err) || calls != 1 {
		t.Fatalf("Do = %v after %d calls; want ErrUnavailable, rolled back, not retried", err, calls)
	}
}

// countReconnects makes s count its BEGIN retries.
func countReconnects(s *Store) *int {
	n := new(int)
	s.opts.OnReconnect = func() { *n++ }
	return n
}

// deadConnErrors are what BEGIN on a dead pooled connection returns: a
// failed write (unix socket), a failed read or the FATAL message the server
// sent as it went (TCP), a connection exception.
var deadConnErrors = []error{
	io.EOF,
	io.ErrUnexpectedEOF,
	&net.OpError{Op: "write", Net: "unix", Err: syscall.EPIPE},
	&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
	&pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"},
	&pgconn.PgError{Severity: "FATAL", Code: "57P05", Message: "terminating connection due to idle-session timeout"},
	pgErr("57P02"),
	pgErr("08006"),
}

func TestDeadConnectionAtBeginIsRetriedOnAnother(t *testing.T) {
	for _, dead := range deadConnErrors {
		t.Run(dead.Error(), func(t *testing.T) {
			s, mock := mockStore(t, 1) // no contention retries: this is none
			reconnects := countReconnects(s)
			mock.ExpectBegin().WillReturnError(dead)
			expectLockSucceeds(mock)
			mock.ExpectCommit()
			calls := 0
			if err := s.Do(context.Background(), lockAccount(&calls)); err != nil || calls != 1 || *reconnects != 1 {
				t.Fatalf("Do = %v after %d calls, %d reconnects; want success, fn run once, 1 reconnect", err, calls, *reconnects)
			}
		})
	}
}

// An error that does not mean a dead pooled connection fails the unit at
// once: the session is alive and would fail BEGIN again, or no pooled
// connection was spent (a failed dial, 57P03 while the server starts).
func TestOtherFailureAtBeginIsNotRetried(t *testing.T) {
	var dial error
	if _, dial = pgconn.Connect(context.Background(), "host=/nonexistent port=1 user=x connect_timeout=1"); dial == nil {
		t.Fatal("connected to nothing")
	}
	cases := []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"plain", errors.New("boom"), false},
		{"live session", pgErr("25001"), false}, // active_sql_transaction
		{"starting", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"}, true},
		{"dial", dial, true}, // a *pgconn.ConnectError
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, mock := mockStore(t, 5)
			reconnects := countReconnects(s)
			mock.ExpectBegin().WillReturnError(c.err)
			calls := 0
			err := s.Do(context.Background(), lockAccount(&calls))
			if !errors.Is(err, c.err) || errors.Is(err, core.ErrUnavailable) != c.unavailable || calls != 0 || *reconnects != 0 {
				t.Fatalf("Do = %v after %d calls, %d reconnects; want %v (unavailable %t) at once", err, calls, *reconnects, c.err, c.unavailable)
			}
		})
	}
}

// When every connection is dead BEGIN is tried on as many as the pool may
// hold, plus one, then the unit answers unavailable.
func TestEveryBeginFailingIsUnavailableAndBounded(t *testing.T) {
	const maxOpen = 3
	s, mock := mockStore(t, 5)
	s.db.SetMaxOpenConns(maxOpen)
	reconnects := countReconnects(s)
	for range maxOpen + 1 {
		mock.ExpectBegin().WillReturnError(io.ErrUnexpectedEOF)
	}
	calls := 0
	err := s.Do(context.Background(), lockAccount(&calls))
	if !errors.Is(err, core.ErrUnavailable) || ports.IsRetryable(err) || calls != 0 || *reconnects != maxOpen {
		t.Fatalf("Do = %v after %d calls, %d reconnects; want ErrUnavailable after %d BEGINs", err, calls, *reconnects, maxOpen+1)
	}
}

// Once the context is done no further BEGIN is tried.
func TestBeginRetryStopsWhenContextEnds(t *testing.T) {
	s, mock := mockStore(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.opts.OnReconnect = cancel // the caller gives up as the first BEGIN fails
	mock.ExpectBegin().WillReturnError(io.ErrUnexpectedEOF)
	calls := 0
	if err := s.Do(ctx, lockAccount(&calls)); !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("Do = %v after %d calls; want the context's error and one BEGIN", err, calls)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err    error
		kind   Kind
		reason string
	}{
		{pgErr("40001"), KindRetryable, "serialization"},
		{pgErr("40P01"), KindRetryable, "deadlock"},
		{pgErr("55P03"), KindRetryable, "lock_not_available"},
		{pgErr("23505"), KindConflict, ""},
		{pgErr("23514"), KindCheck, ""},
		{pgErr("57P01"), KindUnavailable, ""},
		{pgErr("57P02"), KindUnavailable, ""},
		{pgErr("57P03"), KindUnavailable, ""},
		{pgErr("57014"), KindUnavailable, ""},
		{pgErr("08000"), KindUnavailable, ""},
		{pgErr("08003"), KindUnavailable, ""},
		{pgErr("08006"), KindUnavailable, ""},
		{pgErr("08P01"), KindUnavailable, ""},
		{pgErr("42P01"), KindOther, ""},
		{pgErr("22P02"), KindOther, ""},
		{pgErr("22021"), KindInvalidText, ""},
		{pgErr("22P05"), KindInvalidText, ""},
		{driver.ErrBadConn, KindUnavailable, ""},
		{io.EOF, KindUnavailable, ""},
		{errors.New("plain"), KindOther, ""},
	}
	for _, c := range cases {
		if kind, reason := Classify(c.err); kind != c.kind || reason != c.reason {
			t.Errorf("Classify(%v) = %v, %q; want %v, %q", c.err, kind, reason, c.kind, c.reason)
		}
	}
}

func TestTranslate(t *testing.T) {
	if err := translate(pgErr("23505")); !errors.Is(err, core.ErrConflict) {
		t.Errorf("23505 -> %v; want ErrConflict", err)
	}
	check := &pgconn.PgError{Code: "23514", ConstraintName: "credit_accounts_balance_not_negative"}
	if err := translate(check); !errors.Is(err, core.ErrInsufficientCredits) {
		t.Errorf("balance CHECK -> %v; want ErrInsufficientCredits", err)
	}
	if err := translate(pgErr("40001")); !ports.IsRetryable(err) {
		t.Errorf("40001 -> %v; want retryable", err)
	}
	if err := translate(pgErr("22021")); !errors.Is(err, core.ErrInvalid) {
		t.Errorf("22021 -> %v; want ErrInvalid", err)
	}
	if err := translate(pgErr("08006")); !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("08006 -> %v; want ErrUnavailable", err)
	}
}

// TestContextEndedBeforeCommitRollsBack: when the caller's context ends
// after fn but before COMMIT is sent, database/sql may roll the transaction
// back on its own. Either way nothing was written, and the unit answers
// with the context's error once (as the memory adapter does), never
// "outcome unknown" and never a bare sql.ErrTxDone.
func TestContextEndedBeforeCommitRollsBack(t *testing.T) {
	for _, waitForRollback := range []bool{false, true} {
		s, mock := mockStore(t, 5)
		expectLockSucceeds(mock)
		mock.ExpectRollback()
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := s.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			calls++
			if _, err := tx.Credits().Lock(ctx, userID); err != nil {
				return err
			}
			cancel()
			for waitForRollback && mock.ExpectationsWereMet() != nil { // until database/sql has rolled back
				runtime.Gosched()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || errors.Is(err, core.ErrUnavailable) || calls != 1 {
			t.Errorf("waiting for the rollback %v: Do = %v after %d calls; want context.Canceled after 1", waitForRollback, err, calls)
		}
	}
}
