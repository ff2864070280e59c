-- Email that comes in over IMAP (src/inbound). One row per message the
-- mailbox ever held, recorded in the transaction that acts on it: the
-- unique (mailbox, uid_validity, uid) is what makes a message handled once,
-- across restarts and servers; the mailbox's \Seen flag is set only after
-- the commit, and a message found already recorded is just marked seen.
CREATE TABLE inbound_mail (
    id TEXT PRIMARY KEY,
    mailbox TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    uid BIGINT NOT NULL,
    -- Its Message-ID header, and the sender's address (lowercased).
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- What became of it: InboundOutcome (src/domain/codes.rs).
    outcome TEXT NOT NULL,
    ticket_id TEXT REFERENCES tickets (id),
    received_at TIMESTAMP NOT NULL,
    UNIQUE (mailbox, uid_validity, uid)
);
CREATE INDEX inbound_mail_sender ON inbound_mail (sender, received_at);
CREATE INDEX inbound_mail_received ON inbound_mail (received_at);

-- The address a customer's reply comes back to: support+<token>@domain.
-- The token is derived from the ticket and a server secret when a message
-- is sent; only its SHA-256 is kept, to find the ticket again.
CREATE TABLE reply_addresses (
    token_hash TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reply_addresses_ticket ON reply_addresses (ticket_id);
