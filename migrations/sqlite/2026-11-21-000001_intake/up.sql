-- Intake: tickets, their screenshots, their timeline, and screenshots kept
-- between a failed submit and the next try.
-- Ids are UUIDv7 text made by the application, so the same code runs on
-- SQLite and PostgreSQL and ids sort by creation time.

CREATE TABLE tickets (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    tracking_token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    language TEXT NOT NULL,
    platform TEXT NOT NULL,
    payment_scenario TEXT NOT NULL,
    payment_method TEXT,
    failing_step TEXT NOT NULL,
    symptom TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT,
    city TEXT NOT NULL,
    account_masked TEXT NOT NULL,
    checks_tried TEXT NOT NULL,
    occurred_at TIMESTAMP,
    amount_cents BIGINT,
    order_number TEXT,
    contact_email TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tickets_created_at ON tickets (created_at);
CREATE INDEX tickets_account_masked ON tickets (account_masked);
CREATE INDEX tickets_order_number ON tickets (order_number);

CREATE TABLE ticket_events (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    is_public BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, created_at);

CREATE TABLE screenshots (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    event_id TEXT REFERENCES ticket_events (id) ON DELETE SET NULL,
    content_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX screenshots_ticket ON screenshots (ticket_id);

CREATE TABLE screenshot_drafts (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX screenshot_drafts_created_at ON screenshot_drafts (created_at);
