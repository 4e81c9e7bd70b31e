-- Insights: the catalog of insight types on sale, the insights users
-- requested of their chats, and the clients' idempotency keys.

-- The catalog: categories group types on the price list. Rows are edited
-- in place (version counts the edits: the ETag of If-Match edits) and
-- never deleted: an insight names its type for good.
CREATE TABLE insight_categories (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description text NOT NULL CHECK (char_length(description) <= 2000),
    position    integer NOT NULL CHECK (position BETWEEN 0 AND 1000000),
    version     bigint NOT NULL CHECK (version >= 1),
    updated_at  timestamptz NOT NULL
);

-- generator names the code that makes the type (core.InsightType); the
-- insights module, not the schema, knows which names exist.
CREATE TABLE insight_types (
    slug         text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    category     text NOT NULL REFERENCES insight_categories (slug),
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description  text NOT NULL CHECK (char_length(description) <= 2000),
    cost         bigint NOT NULL CHECK (cost BETWEEN 0 AND 1000000),
    generator    text NOT NULL CHECK (char_length(generator) BETWEEN 1 AND 60),
    timeout_ms   integer NOT NULL CHECK (timeout_ms BETWEEN 1000 AND 600000),
    max_attempts integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 10),
    active       boolean NOT NULL,
    version      bigint NOT NULL CHECK (version >= 1),
    updated_at   timestamptz NOT NULL
);

-- The price list's order (Catalog.Types); also serves the foreign key.
CREATE INDEX insight_types_listing ON insight_types (category, cost, slug);

INSERT INTO insight_categories (slug, name, description, position, version, updated_at) VALUES
    ('activity', 'Activity',
     'When the chat is alive: how many messages are sent, by whom, on which days and at which hours.',
     10, 1, '2026-12-17 00:00:00+00'),
    ('conversation', 'Conversation',
     'How people talk to each other: who answers whom, how fast, and who gets a conversation going.',
     20, 1, '2026-12-17 00:00:00+00');

INSERT INTO insight_types (slug, category, name, description, cost, generator, timeout_ms, max_attempts, active, version, updated_at) VALUES
    ('activity-report', 'activity', 'Activity report',
     E'Messages per participant, per day of the week and per hour of the day, the busiest days and the quiet stretches.\nComputed from the messages alone: nothing leaves the server.',
     5, 'activity-report', 60000, 3, true, 1, '2026-12-17 00:00:00+00'),
    ('response-times', 'conversation', 'Response times and conversation starters',
     E'How long each participant takes to answer, typically and at worst, and who starts conversations after a silence.\nComputed from the messages alone: nothing leaves the server.',
     8, 'response-times', 60000, 3, true, 1, '2026-12-17 00:00:00+00'),
    ('who-replies-to-whom', 'conversation', 'Who replies to whom',
     E'For each participant, whose messages they answer and how often: the threads that hold the chat together.\nComputed from the messages alone: nothing leaves the server.',
     8, 'reply-graph', 60000, 3, true, 1, '2026-12-17 00:00:00+00');

-- One insight per (chat, type), regenerated in place: a new request adds
-- one to generation. Insights have no deleted_at: they hang from their
-- chat, which callers load first, so a deleted chat hides them and a
-- restored one brings them back; nothing rewrites them on either. Only a
-- purge, which deletes the chat's row for good, takes them with it.
CREATE TABLE insights (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    chat_id      uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    type         text NOT NULL REFERENCES insight_types (slug),
    generation   bigint NOT NULL CHECK (generation >= 1),
    status       text NOT NULL CHECK (status IN ('pending', 'ready', 'failed', 'cancelled')),
    cost         bigint NOT NULL CHECK (cost >= 0),
    -- The current generation's job, as the queue names it; NULL until
    -- it is enqueued.
    job_id       text CHECK (char_length(job_id) BETWEEN 1 AND 200),
    attempts     integer NOT NULL CHECK (attempts >= 0),
    -- A core.JobErrorClass, never an error's text (which could quote the
    -- chat).
    error_class  text CHECK (error_class ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    -- json, not jsonb, as chats' documents: the very bytes written.
    result       json,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    completed_at timestamptz,
    CONSTRAINT insights_chat_type UNIQUE (chat_id, type)
);

-- A chat's insights oldest first (Insights.List, PendingOfChat).
CREATE INDEX insights_chat_pages ON insights (chat_id, created_at, id);
-- Pending insights by last update, for the reconciler (Insights.Pending).
CREATE INDEX insights_pending ON insights (updated_at, id) WHERE status = 'pending';

-- What a client's Idempotency-Key did, per user, kept for a day
-- (core.IdempotencyTTL) and then deleted in batches (Idempotency.Expire).
-- Records belong to a user but take no part in the user's soft-delete
-- cascade (no deleted_at): a deleted user sends no requests, so nothing
-- reads them, they expire within a day anyway, and one still live when
-- the user is restored is as true as it was.
CREATE TABLE idempotency_keys (
    user_id     uuid NOT NULL REFERENCES users (id),
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    fingerprint text NOT NULL CHECK (length(fingerprint) <= 200),
    resource    text NOT NULL CHECK (length(resource) <= 200),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
