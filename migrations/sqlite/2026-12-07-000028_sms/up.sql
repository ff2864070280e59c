-- Reaching customers by SMS (issue 28).

-- A mainland mobile number (11 digits, stored normalised; '' when not
-- given, or once the retention purge anonymised the ticket), how the
-- customer asked to be reached (sms, email or both), and the extension
-- code sent with the ticket's SMS, which Alibaba echoes as `dest_code`
-- on a reply so that it lands on this ticket.
ALTER TABLE tickets ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN contact_channel TEXT NOT NULL DEFAULT 'email';
ALTER TABLE tickets ADD COLUMN sms_extend_code TEXT NOT NULL DEFAULT '';
CREATE INDEX tickets_contact_phone ON tickets (contact_phone, created_at) WHERE contact_phone <> '';
-- What the retention purge looks for (its query repeats these terms).
CREATE INDEX tickets_retention_phone ON tickets (updated_at)
    WHERE contact_phone <> '' AND status IN ('resolved', 'closed');

-- SMS queued in the transaction of the change that causes them, as the
-- email outbox: claimed by a worker, retried with backoff, held for quiet
-- hours and caps. Rendered when sent (a fresh short link each time), so
-- no text is stored; `params` holds only a one-time code until it is sent.
CREATE TABLE sms_messages (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    ticket_id TEXT REFERENCES tickets (id) ON DELETE CASCADE,
    event_id TEXT,
    phone TEXT NOT NULL,
    language TEXT NOT NULL,
    params TEXT,
    -- pending, unsettled (sent, no answer: the receipt decides), sent,
    -- delivered, undelivered, refused (permanently, by the provider), dead.
    status TEXT NOT NULL,
    -- Not held for quiet hours (one-time codes, money taken).
    urgent BOOLEAN NOT NULL DEFAULT 0,
    -- Still sent to a number that asked to stop (one-time codes, answers).
    essential BOOLEAN NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    -- When it was held for quiet hours (once; then it goes in the morning).
    held_at TIMESTAMP,
    last_error TEXT,
    -- The provider's code for a refusal or a delivery receipt.
    provider_code TEXT,
    biz_id TEXT,
    -- The file it was written to when no provider is configured.
    file TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    reported_at TIMESTAMP
);
CREATE INDEX sms_messages_due ON sms_messages (status, next_attempt_at);
CREATE INDEX sms_messages_phone ON sms_messages (phone, sent_at);
CREATE INDEX sms_messages_ticket ON sms_messages (ticket_id);
CREATE INDEX sms_messages_biz ON sms_messages (biz_id);

-- One-time codes that open a lost link by phone (/find): stored hashed,
-- valid five minutes, five tries.
CREATE TABLE sms_codes (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    -- Who asked (a hash of the address): codes per address are capped.
    requester TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sms_codes_phone ON sms_codes (phone, created_at);
CREATE INDEX sms_codes_requester ON sms_codes (requester, created_at);

-- Numbers that answered "TD" / "退订": no more non-essential SMS. Kept
-- as a hash, so the list itself holds no number.
CREATE TABLE sms_optouts (
    phone_hash TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- A number that wrote to us is not capped as a stranger's would be.
CREATE TABLE sms_replies (
    id TEXT PRIMARY KEY NOT NULL,
    phone_hash TEXT NOT NULL,
    ticket_id TEXT REFERENCES tickets (id) ON DELETE CASCADE,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX sms_replies_phone ON sms_replies (phone_hash, received_at);
