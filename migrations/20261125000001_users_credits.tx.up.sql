-- Users, their API keys, and credits with an append-only ledger.

CREATE TABLE users (
    id           uuid PRIMARY KEY,
    email        text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    -- email_key is core.EmailKey(email): uniqueness is decided in Go so
    -- that every adapter folds case the same way.
    email_key    text NOT NULL,
    display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
    role         text NOT NULL CHECK (role IN ('user', 'admin')),
    created_at   timestamptz NOT NULL,
    deleted_at   timestamptz
);

-- Unique among live users only: a deleted user's email can sign up again.
CREATE UNIQUE INDEX users_email_key_live ON users (email_key) WHERE deleted_at IS NULL;

CREATE TABLE api_keys (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    name       text NOT NULL CHECK (char_length(name) <= 100),
    hint       text NOT NULL,
    hash       bytea NOT NULL CHECK (length(hash) = 32),
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
    -- deleted_at is set only by the owner's deletion, with its timestamp,
    -- so a restore brings back exactly the keys deleted with the user.
    deleted_at timestamptz
);

-- Keys are random: a hash never recurs, so it is unique among all rows.
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at, id);

CREATE TABLE credit_accounts (
    user_id    uuid PRIMARY KEY REFERENCES users (id),
    balance    bigint NOT NULL DEFAULT 0 CONSTRAINT credit_accounts_balance_not_negative CHECK (balance >= 0),
    updated_at timestamptz NOT NULL
);

CREATE TABLE credit_ledger (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES credit_accounts (user_id),
    amount        bigint NOT NULL CHECK (amount <> 0),
    balance_after bigint NOT NULL CHECK (balance_after >= 0),
    kind          text NOT NULL CHECK (kind IN ('grant', 'purchase', 'spend', 'refund')),
    reference     text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL,
    CONSTRAINT credit_ledger_reference_once UNIQUE (user_id, reference)
);

-- Newest-first keyset pages of one account.
CREATE INDEX credit_ledger_pages ON credit_ledger (user_id, created_at DESC, id DESC);

-- The ledger is append-only: history is corrected by new entries.
CREATE FUNCTION credit_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit_ledger is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER credit_ledger_append_only
    BEFORE UPDATE OR DELETE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only();
