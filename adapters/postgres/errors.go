package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// SQLSTATEs the adapter treats specially.
const (
	codeSerializationFailure = "40001"
	codeDeadlock             = "40P01"
	codeLockNotAvailable     = "55P03"
	codeUniqueViolation      = "23505"
	codeCheckViolation       = "23514"
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
	codeQueryCanceled        = "57014"
	codeCharNotInRepertoire  = "22021" // e.g. a NUL byte in text
	codeUntranslatableChar   = "22P05"
	codeReadOnlyTransaction  = "25006"
	codeInFailedTransaction  = "25P02"
)

// Kind is how the adapter classifies a database failure.
type Kind int

// Failure kinds.
const (
	KindOther       Kind = iota
	KindRetryable        // contention: replay the unit
	KindConflict         // a unique key is taken
	KindCheck            // a CHECK constraint refused the row
	KindUnavailable      // the server or the connection is gone
	KindInvalidText      // text the database cannot store
	KindReadOnly         // a write in a read-only transaction
	KindAborted          // a statement after one that failed
)

// Classify sorts an error from the driver into a Kind and, for retryable
// ones, the reason reported to metrics.
func Classify(err error) (Kind, string) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == codeSerializationFailure:
			return KindRetryable, "serialization"
		case pg.Code == codeDeadlock:
			return KindRetryable, "deadlock"
		case pg.Code == codeLockNotAvailable:
			return KindRetryable, "lock_not_available"
		case pg.Code == codeUniqueViolation:
			return KindConflict, ""
		case pg.Code == codeCheckViolation:
			return KindCheck, ""
		case pg.Code == codeCharNotInRepertoire, pg.Code == codeUntranslatableChar:
			return KindInvalidText, ""
		case pg.Code == codeReadOnlyTransaction:
			return KindReadOnly, ""
		case pg.Code == codeInFailedTransaction:
			return KindAborted, ""
		case pg.Code == codeAdminShutdown, pg.Code == codeCrashShutdown, pg.Code == codeCannotConnectNow,
			pg.Code == codeQueryCanceled, strings.HasPrefix(pg.Code, "08"):
			// A statement timeout (57014) means an overloaded database:
			// the caller should come back later, as with a lost server.
			return KindUnavailable, ""
		}
		return KindOther, ""
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &netErr), errors.As(err, &connErr):
		return KindUnavailable, ""
	}
	return KindOther, ""
}

// balanceChecks are the CHECK constraints that keep balances from going
// below zero: breaking one means the credits were insufficient.
var balanceChecks = map[string]bool{
	"credit_accounts_balance_not_negative": true,
	"credit_ledger_balance_after_check":    true,
}

// translate turns a driver error into the core error it means, keeping the
// original in the chain for logs.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	kind, reason := Classify(err)
	switch kind {
	case KindRetryable:
		return &ports.RetryableError{Reason: reason, Err: err}
	case KindConflict:
		return fmt.Errorf("%w: %w", core.ErrConflict, err)
	case KindCheck:
		var pg *pgconn.PgError
		if errors.As(err, &pg) && balanceChecks[pg.ConstraintName] {
			return fmt.Errorf("%w: %w", core.ErrInsufficientCredits, err)
		}
		return err
	case KindUnavailable:
		return fmt.Errorf("%w: %w", core.ErrUnavailable, err)
	case KindInvalidText:
		// The core refuses such text first; this keeps a gap there a 422.
		return fmt.Errorf("%w: text the database cannot store: %w", core.ErrInvalid, err)
	case KindReadOnly:
		return fmt.Errorf("%w: %w", ports.ErrReadOnly, err)
	case KindAborted:
		return fmt.Errorf("%w: %w", ports.ErrAborted, err)
	}
	return err
}

// constraint returns the name of the constraint a failure broke, if any.
func constraint(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName
	}
	return ""
}
