-- A refund or a lost dispute can reach us before the completion of the
-- payment it takes money from (a webhook retried late): it names the money
-- only by the provider's id (Stripe's PaymentIntent), which the completion
-- makes known. Such an event is recorded as unknown_payment with that id
-- and its refunded amount, and the completion adopts and applies it
-- (core.PaymentEventRecord.Orphaned, Payments.Orphans).
ALTER TABLE payment_events
    ADD COLUMN provider_payment_id text CHECK (length(provider_payment_id) BETWEEN 1 AND 255),
    ADD COLUMN amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0);

CREATE INDEX payment_events_orphans ON payment_events (provider, provider_payment_id)
    WHERE outcome = 'unknown_payment' AND kind IN ('refunded', 'dispute_lost');
