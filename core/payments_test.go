package core

import (
	"errors"
	"testing"
)

func TestPaymentStatusMovesForwardOnly(t *testing.T) {
	all := []PaymentStatus{PaymentPending, PaymentExpired, PaymentFailed, PaymentPaid, PaymentRefunded}
	allowed := map[[2]PaymentStatus]bool{
		{PaymentPending, PaymentExpired}: true, {PaymentPending, PaymentFailed}: true, {PaymentPending, PaymentPaid}: true,
		{PaymentPending, PaymentRefunded}: true, {PaymentExpired, PaymentPaid}: true, {PaymentFailed, PaymentPaid}: true,
		{PaymentExpired, PaymentRefunded}: true, {PaymentFailed, PaymentRefunded}: true, {PaymentPaid, PaymentRefunded}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got := from.Forward(to); got != allowed[[2]PaymentStatus{from, to}] {
				t.Errorf("%s -> %s: Forward = %v", from, to, got)
			}
		}
	}
	if PaymentStatus("lost").Valid() || !PaymentRefunded.Valid() {
		t.Error("Valid")
	}
}

func TestPaymentHandle(t *testing.T) {
	pending := Payment{ID: "p", Credits: 100, AmountMinor: 500, Currency: "usd", Status: PaymentPending}
	paid := pending
	paid.Status, paid.CreditsGranted = PaymentPaid, 100
	completed := PaymentEvent{Kind: EventCompleted, Paid: true, AmountTotal: 500, Currency: "USD"}
	for _, tc := range []struct {
		name             string
		p                Payment
		e                PaymentEvent
		live             bool
		status           PaymentStatus
		grant, takeBack  int64
		granted, revoked int64
		flag             PaymentFlag
		outcome          EventOutcome
	}{
		{"paid grants", pending, completed, true, PaymentPaid, 100, 0, 100, 0, "", OutcomeApplied},
		{"paid twice ignored", paid, completed, true, PaymentPaid, 0, 0, 100, 0, "", OutcomeIgnored},
		{"no amount is a mismatch", pending, PaymentEvent{Kind: EventCompleted, Paid: true}, true, PaymentPaid, 0, 0, 0, 0, FlagAmountMismatch, OutcomeFlagged},
		{"async success checks the amount", pending, PaymentEvent{Kind: EventAsyncSucceeded, AmountTotal: 499, Currency: "usd"}, true, PaymentPaid, 0, 0, 0, 0, FlagAmountMismatch, OutcomeFlagged},
		{"owner gone", pending, completed, false, PaymentPaid, 0, 0, 0, 0, FlagOwnerDeleted, OutcomeFlagged},
		{"expired", pending, PaymentEvent{Kind: EventExpired}, true, PaymentExpired, 0, 0, 0, 0, "", OutcomeApplied},
		{"expired after paid", paid, PaymentEvent{Kind: EventExpired}, true, PaymentPaid, 0, 0, 100, 0, "", OutcomeIgnored},
		{"failed after paid", paid, PaymentEvent{Kind: EventAsyncFailed}, true, PaymentPaid, 0, 0, 100, 0, "", OutcomeIgnored},
		{"partial refund rounds up", paid, PaymentEvent{Kind: EventRefunded, AmountRefunded: 1}, true, PaymentRefunded, 0, 1, 100, 0, "", OutcomeApplied},
		{"full refund", paid, PaymentEvent{Kind: EventRefunded, AmountRefunded: 500}, true, PaymentRefunded, 0, 100, 100, 0, "", OutcomeApplied},
		{"over-refund capped", paid, PaymentEvent{Kind: EventRefunded, AmountRefunded: 900}, true, PaymentRefunded, 0, 100, 100, 0, "", OutcomeApplied},
		{"dispute lost", paid, PaymentEvent{Kind: EventDisputeLost}, true, PaymentRefunded, 0, 100, 100, 0, "", OutcomeApplied},
		{"refund while pending", pending, PaymentEvent{Kind: EventRefunded, AmountRefunded: 250}, true, PaymentPending, 0, 0, 0, 0, "", OutcomeApplied},
		{"ignored kind", pending, PaymentEvent{Kind: EventIgnored}, true, PaymentPending, 0, 0, 0, 0, "", OutcomeIgnored},
	} {
		c := tc.p.Handle(tc.e, tc.live)
		n := c.Next
		if n.Status != tc.status || c.Grant != tc.grant || c.TakeBack != tc.takeBack || n.CreditsGranted != tc.granted ||
			n.CreditsRevoked != tc.revoked || n.Flag != tc.flag || c.Outcome != tc.outcome {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
	// A refund known before the payment is paid is netted from the grant.
	early := pending
	early.RefundedMinor = 250
	withMoney := completed
	withMoney.ProviderPaymentID = "pi_1"
	c := early.Handle(withMoney, true)
	if c.Next.ProviderPaymentID != "pi_1" {
		t.Fatalf("the provider's payment id was not kept: %+v", c.Next)
	}
	if c.Next.Status != PaymentRefunded || c.Grant != 50 || c.TakeBack != 0 || c.Next.CreditsGranted != 100 || c.Next.CreditsRevoked != 50 {
		t.Fatalf("paid after a half refund: %+v", c)
	}
	// Settle splits what could be taken from the shortfall.
	c = paid.Handle(PaymentEvent{Kind: EventDisputeLost}, true)
	c.Settle(30)
	if c.Next.CreditsRevoked != 30 || c.Next.Shortfall != 70 {
		t.Fatalf("Settle(30) of 100: %+v", c.Next)
	}
	// Then a later refund event owes nothing more.
	if again := c.Next.Handle(PaymentEvent{Kind: EventRefunded, AmountRefunded: 500}, true); again.TakeBack != 0 || again.Outcome != OutcomeIgnored {
		t.Fatalf("refund after a settled dispute: %+v", again)
	}
}

func TestPaymentParsers(t *testing.T) {
	for _, ok := range []string{"a", "starter", "pack-2", "0-9"} {
		if _, err := ParsePackSlug(ok); err != nil {
			t.Errorf("ParsePackSlug(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "A", "a_b", "a b", "é", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if _, err := ParsePackSlug(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePackSlug(%q) = %v; want invalid", bad, err)
		}
	}
	if c, err := ParseCurrency(" EUR "); err != nil || c != "eur" {
		t.Errorf("ParseCurrency = %q, %v", c, err)
	}
	for _, bad := range []string{"", "eu", "euro", "e1r"} {
		if _, err := ParseCurrency(bad); err == nil {
			t.Errorf("ParseCurrency(%q) accepted", bad)
		}
	}
	if k, err := ParseIdempotencyKey(""); err != nil || k != "" {
		t.Error("empty key")
	}
	for _, bad := range []string{" a", "a b", "é", "a\x00", string(make([]byte, 201))} {
		if _, err := ParseIdempotencyKey(bad); err == nil {
			t.Errorf("ParseIdempotencyKey(%q) accepted", bad)
		}
	}
	if RefundReference("p", 250) != "payment:p:refunded:250" || PaymentReference("p") != "payment:p" {
		t.Error("references")
	}
}
