-- Chats and their messages, with full-text search over the messages.

-- Search folds accents with the unaccent extension. It is trusted
-- (PostgreSQL 13 and later): an owner of the database may create it. A
-- role without that right gets this message, naming the one statement an
-- administrator runs once, after which the migration goes through.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN insufficient_privilege THEN
    -- The whole advice is in the message: clients print it, not the hint.
    RAISE EXCEPTION 'chatlens needs the unaccent extension, which role % may not create: run once, as a superuser, in database %: CREATE EXTENSION IF NOT EXISTS unaccent; then migrate again', current_user, current_database()
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- chatlens_search is the simple configuration (no stemming, no stop
-- words: chats are multilingual) with accents removed first. Only word
-- tokens go through unaccent; numbers, hosts, emails, URLs and paths are
-- kept as the parser cut them (lower-cased by simple). core.SearchTokens
-- mirrors this in Go.
CREATE TEXT SEARCH CONFIGURATION chatlens_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION chatlens_search
    ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword,
                      hword_asciipart, hword_part, hword_numpart
    WITH unaccent, simple;

CREATE TABLE chats (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes      bigint NOT NULL CHECK (bytes >= 0),
    format     text NOT NULL CHECK (char_length(format) BETWEEN 1 AND 40),
    -- An IANA zone name, or '' when the import was given none.
    time_zone  text NOT NULL CHECK (char_length(time_zone) <= 64),
    messages   bigint NOT NULL CHECK (messages >= 0),
    -- The import report and the statistics, as the chats service wrote
    -- them. json, not jsonb: storage gives back the very bytes it was
    -- given (jsonb would reorder keys and respace them).
    report     json,
    statistics json,
    version    bigint NOT NULL CHECK (version >= 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Set by the chat's own deletion or its user's, with that deletion's
    -- time, so a restore brings back exactly the group deleted together.
    deleted_at timestamptz,
    -- Set once a purge claimed the deleted chat: it can no longer be
    -- restored, and its messages are being deleted in batches.
    purging    boolean NOT NULL DEFAULT false,
    CONSTRAINT chats_purging_deleted CHECK (NOT purging OR deleted_at IS NOT NULL)
);

-- The same file from the same user is one live chat.
CREATE UNIQUE INDEX chats_user_sha256_live ON chats (user_id, sha256) WHERE deleted_at IS NULL;
-- A user's chats newest first; also counts the uploads since a time,
-- deleted chats included (Usage), so it is not partial.
CREATE INDEX chats_user_pages ON chats (user_id, created_at DESC, id DESC);
-- Deleted chats oldest first, for the purge.
CREATE INDEX chats_deleted ON chats (deleted_at) WHERE deleted_at IS NOT NULL;

-- Messages belong to a chat and are hidden through it: deleting a chat
-- never rewrites them. They are read per chat in seq order (the primary
-- key); a search or a narrow time window goes through its own index.
CREATE TABLE messages (
    chat_id     uuid NOT NULL REFERENCES chats (id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    -- The wall time as the export wrote it (core.Message.Local), the
    -- instant when known (At), and core.MessageTime, the one time every
    -- adapter filters on.
    local       timestamp,
    at          timestamptz,
    filter_at   timestamptz NOT NULL,
    author      text NOT NULL,
    author_id   text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('text', 'media', 'system', 'deleted', 'call', 'location', 'poll', 'sticker')),
    text        text NOT NULL,
    media_type  text NOT NULL,
    attachment  text NOT NULL,
    -- The rest of core.Message, rare and never filtered on.
    attachments jsonb,
    reactions   jsonb,
    geo_lat     double precision,
    geo_lon     double precision,
    event       jsonb,
    edited      boolean NOT NULL,
    reply_to    text NOT NULL,
    platform_id text NOT NULL,
    -- The first 100,000 characters (core.SearchIndexedRunes): a tsvector
    -- holds at most 1 MB, and a longer one would fail the whole import.
    search      tsvector GENERATED ALWAYS AS (to_tsvector('chatlens_search'::regconfig, left(text, 100000))) STORED,
    PRIMARY KEY (chat_id, seq),
    CONSTRAINT messages_geo_pair CHECK ((geo_lat IS NULL) = (geo_lon IS NULL))
);

-- Search within one chat: its chat, its lexemes and its bucket of 8,192
-- seqs (a key per chat and bucket) in one GIN index, so a term is looked
-- up among this chat's messages only (a term frequent in other chats and
-- absent from this one costs nothing), and, when frequent in this chat,
-- among a range of it, by intersecting posting lists: what is read is the
-- matches in that range, not all of them. The chat and the bucket are
-- indexed as arrays, with the built-in array operator class (btree_gin's
-- would need an extension): no other index serves ARRAY[chat_id] @> … or
-- ARRAY[chat_id::text || '/' || (seq >> 13)::text] && …, so a query
-- written with them is always answered by this index. Messages.List
-- reads a search in seq order over a bounded window first, then through
-- this index (adapters/postgres/messages.go).
CREATE INDEX messages_search ON messages USING gin ((ARRAY[chat_id]), search, (ARRAY[chat_id::text || '/' || (seq >> 13)::text]));
-- One author's messages in seq order: without it an author with few
-- messages (or none) in a chat of 100,000 meant reading them all (560 ms
-- measured, 8 ms with it).
CREATE INDEX messages_author ON messages (chat_id, author, seq);
-- A time window of a chat: Messages.List counts its rows here (up to a
-- bound) and, when few, reads them through it rather than walking the
-- chat in seq order up to the window.
CREATE INDEX messages_time ON messages (chat_id, filter_at);
