-- Routing: platforms and the payment scenarios each allows, escalations
-- (one per platform and scenario while open, many tickets), and what routing
-- decided for each ticket and why.

CREATE TABLE platforms (
    code TEXT PRIMARY KEY NOT NULL,
    -- A restricted platform allows only the scenarios listed for it.
    restricted BOOLEAN NOT NULL,
    -- Where approved escalation packets go.
    contact_email TEXT NOT NULL
);
CREATE TABLE platform_scenarios (
    platform TEXT NOT NULL REFERENCES platforms (code) ON DELETE CASCADE,
    scenario TEXT NOT NULL,
    PRIMARY KEY (platform, scenario)
);
INSERT INTO platforms (code, restricted, contact_email) VALUES
    ('wechat', TRUE, 'mini-program-review@wechat.example'),
    ('alipay', TRUE, 'mini-program-review@alipay.example'),
    ('utility_app', FALSE, 'app-team@utility.example'),
    ('bank_app', FALSE, 'support@bank.example'),
    ('other', FALSE, 'platforms@paydesk.example');
-- The articles' two examples: one platform allows the utility bills, the
-- other only outpatient fees and hospital deposits.
INSERT INTO platform_scenarios (platform, scenario) VALUES
    ('wechat', 'electricity_bill'), ('wechat', 'water_bill'), ('wechat', 'gas_bill'),
    ('alipay', 'outpatient_fee'), ('alipay', 'hospital_deposit');

CREATE TABLE escalations (
    id TEXT PRIMARY KEY NOT NULL,
    -- platform, engineering or provider
    target TEXT NOT NULL,
    platform TEXT NOT NULL,
    scenario TEXT NOT NULL,
    rule TEXT NOT NULL,
    -- pending_review, sent, sent_back, approved, declined
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    review_note TEXT NOT NULL,
    answer_reference TEXT NOT NULL,
    answer_text TEXT NOT NULL,
    answered_at TIMESTAMP
);
CREATE INDEX escalations_open ON escalations (status, target, platform, scenario);

ALTER TABLE tickets ADD COLUMN routing_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN routing_facts TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN escalation_id TEXT REFERENCES escalations (id);
-- Set while the ticket waits on the customer: the SLA clock is paused.
ALTER TABLE tickets ADD COLUMN paused_at TIMESTAMP;
-- Supervisors were told this ticket is past its due time.
ALTER TABLE tickets ADD COLUMN breach_notified_at TIMESTAMP;
CREATE INDEX tickets_escalation ON tickets (escalation_id);

ALTER TABLE users ADD COLUMN last_assigned_at TIMESTAMP;

-- The escalation an outgoing packet is about.
ALTER TABLE outbox ADD COLUMN escalation_id TEXT REFERENCES escalations (id);
