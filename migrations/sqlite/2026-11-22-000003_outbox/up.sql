-- Email that is never lost: every message is queued here in the same
-- transaction as the change that causes it, and a worker sends it.

-- Every tracking link ever handed out (the first on the confirmation page,
-- a fresh one in each email), stored only as hashes.
CREATE TABLE tracking_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tracking_links_ticket ON tracking_links (ticket_id);
INSERT INTO tracking_links (token_hash, ticket_id, created_at) SELECT tracking_token_hash, id, created_at FROM tickets;

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    -- Stable across retries, so a receiver can drop a duplicate.
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    ticket_id TEXT REFERENCES tickets (id) ON DELETE CASCADE,
    event_id TEXT,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    -- pending, sent or dead (given up on: the dead-letter list).
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A worker holds the row until then; after a crash another takes it.
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
