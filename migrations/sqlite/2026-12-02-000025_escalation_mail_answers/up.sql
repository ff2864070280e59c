-- The address an escalation packet's answer comes back to
-- (support+<token>@domain), as for tickets' replies: only the token's hash.
CREATE TABLE packet_reply_addresses (
    token_hash TEXT PRIMARY KEY,
    escalation_id TEXT NOT NULL REFERENCES escalations (id),
    created_at TIMESTAMP NOT NULL
);

-- Answers to a packet that came in by email (src/inbound). Never applied by
-- themselves: a supervisor reads each and records the outcome (approved or
-- declined), which is what tells the customers.
CREATE TABLE escalation_mail_answers (
    id TEXT PRIMARY KEY,
    escalation_id TEXT NOT NULL REFERENCES escalations (id),
    sender TEXT NOT NULL,
    -- Whether it came from the address the packet went to.
    from_recipient BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX escalation_mail_answers_escalation ON escalation_mail_answers (escalation_id, received_at);
