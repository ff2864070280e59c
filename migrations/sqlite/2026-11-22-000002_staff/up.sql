-- Staff: accounts, sessions, sign-in throttling, API tokens; the fields the
-- queue works on; the audit log; canned replies.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    -- Queues an agent serves, comma-separated.
    queues TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per key ("account:<email>" or "address:<ip>").
CREATE TABLE login_throttles (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

ALTER TABLE tickets ADD COLUMN case_kind TEXT NOT NULL DEFAULT 'other';
ALTER TABLE tickets ADD COLUMN queue TEXT NOT NULL DEFAULT 'general';
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE tickets ADD COLUMN assignee_id TEXT REFERENCES users (id);
-- When the next answer is due: the queue's sort key, never empty.
ALTER TABLE tickets ADD COLUMN due_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00';
ALTER TABLE tickets ADD COLUMN first_response_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN screenshot_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN merged_into TEXT;
UPDATE tickets SET due_at = created_at;
UPDATE tickets SET screenshot_count = (SELECT COUNT(*) FROM screenshots s WHERE s.ticket_id = tickets.id);

-- The queue's views and filters, each served by an index.
CREATE INDEX tickets_open_due ON tickets (status, due_at, id);
CREATE INDEX tickets_assignee_due ON tickets (assignee_id, status, due_at, id);
CREATE INDEX tickets_queue_due ON tickets (queue, status, due_at, id);
CREATE INDEX tickets_city ON tickets (city, status);
CREATE INDEX tickets_case_kind ON tickets (case_kind, status);

ALTER TABLE ticket_events ADD COLUMN author_id TEXT REFERENCES users (id);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    actor_id TEXT REFERENCES users (id),
    action TEXT NOT NULL,
    ticket_id TEXT REFERENCES tickets (id) ON DELETE SET NULL,
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_ticket ON audit_log (ticket_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, created_at);

CREATE TABLE canned_replies (
    id TEXT PRIMARY KEY NOT NULL,
    case_kind TEXT NOT NULL,
    language TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX canned_replies_kind ON canned_replies (case_kind, language);
