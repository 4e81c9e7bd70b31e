-- Credit packs, payments and the webhook events handled for them.

-- The packs on sale, priced in minor units of the deployment's one
-- currency (CHATLENS_CURRENCY), which is therefore not stored here.
CREATE TABLE credit_packs (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    credits     bigint NOT NULL CHECK (credits BETWEEN 1 AND 1000000000),
    price_minor bigint NOT NULL CHECK (price_minor BETWEEN 1 AND 99999999),
    active      boolean NOT NULL,
    updated_at  timestamptz NOT NULL
);

INSERT INTO credit_packs (slug, name, credits, price_minor, active, updated_at) VALUES
    ('starter', 'Starter', 100, 500, true, '2026-12-15 00:00:00+00'),
    ('standard', 'Standard', 500, 2000, true, '2026-12-15 00:00:00+00'),
    ('pro', 'Pro', 1500, 5000, true, '2026-12-15 00:00:00+00');

-- A payment is a financial record: it is never deleted, not even with its
-- user (like the ledger). Its pack's credits and price are copied in, so
-- editing a pack changes no payment under way.
CREATE TABLE payments (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id),
    provider           text NOT NULL CHECK (provider ~ '^[a-z0-9-]{1,40}$'),
    pack_slug          text NOT NULL REFERENCES credit_packs (slug),
    credits            bigint NOT NULL CHECK (credits BETWEEN 1 AND 1000000000),
    amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
    currency           text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    status             text NOT NULL CHECK (status IN ('pending', 'paid', 'expired', 'failed', 'refunded')),
    idempotency_key    text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    session_id         text CHECK (length(session_id) BETWEEN 1 AND 255),
    checkout_url       text CHECK (length(checkout_url) BETWEEN 1 AND 2048),
    session_expires_at timestamptz,
    -- The provider's id of the money behind the session (Stripe's
    -- PaymentIntent): a dispute names only that.
    provider_payment_id text CHECK (length(provider_payment_id) BETWEEN 1 AND 255),
    refunded_minor     bigint NOT NULL CHECK (refunded_minor >= 0),
    credits_granted    bigint NOT NULL CHECK (credits_granted >= 0),
    credits_revoked    bigint NOT NULL CHECK (credits_revoked >= 0),
    shortfall          bigint NOT NULL CHECK (shortfall >= 0),
    flag               text CHECK (flag IN ('amount_mismatch', 'owner_deleted')),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT payments_taken_back_within_granted CHECK (credits_revoked + shortfall <= credits_granted)
);

-- Per user, one payment per idempotency key; a session, and the money
-- behind it, is one payment's.
CREATE UNIQUE INDEX payments_idempotency ON payments (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX payments_session ON payments (provider, session_id) WHERE session_id IS NOT NULL;
CREATE UNIQUE INDEX payments_provider_payment ON payments (provider, provider_payment_id) WHERE provider_payment_id IS NOT NULL;
-- Newest-first keyset pages: a user's, everyone's, and the admins' lists
-- of payments whose take-back fell short or that were flagged.
CREATE INDEX payments_user_pages ON payments (user_id, created_at DESC, id DESC);
CREATE INDEX payments_pages ON payments (created_at DESC, id DESC);
CREATE INDEX payments_shortfall_pages ON payments (created_at DESC, id DESC) WHERE shortfall > 0;
CREATE INDEX payments_flagged_pages ON payments (created_at DESC, id DESC) WHERE flag IS NOT NULL;

-- Every webhook event handled, once per (provider, event id): a
-- redelivery finds its row and changes nothing. payment_id is the id the
-- event named, which may be no payment of ours (unknown_payment).
CREATE TABLE payment_events (
    provider    text NOT NULL,
    event_id    text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
    kind        text NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    payment_id  text CHECK (length(payment_id) BETWEEN 1 AND 255),
    session_id  text CHECK (length(session_id) BETWEEN 1 AND 255),
    outcome     text NOT NULL CHECK (outcome IN ('applied', 'flagged', 'ignored', 'unknown_payment')),
    received_at timestamptz NOT NULL,
    PRIMARY KEY (provider, event_id)
);
