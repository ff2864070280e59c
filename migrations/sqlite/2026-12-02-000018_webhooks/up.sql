-- Webhooks (issue 18): endpoints admins register, and the events they are
-- sent. An event is recorded by the database in the transaction of the
-- change itself (the triggers below), so no change is committed without its
-- event, and none is told that was rolled back; the webhook worker turns
-- each event into one delivery per subscribed endpoint in the outbox, which
-- retries with backoff and sets aside what keeps failing.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- The HMAC key of Paydesk-Signature; shown once, when registered.
    secret TEXT NOT NULL,
    -- Comma-separated: ticket.created, ticket.updated, ticket.resolved,
    -- escalation.approved, escalation.answered.
    events TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    ticket_id TEXT,
    escalation_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_events_created ON webhook_events (created_at, id);

-- A delivery in the outbox: to which endpoint, with which body.
ALTER TABLE outbox ADD COLUMN webhook_id TEXT;
ALTER TABLE outbox ADD COLUMN payload TEXT;

-- Only while some endpoint listens: no rows pile up otherwise.
CREATE TRIGGER webhook_ticket_created AFTER INSERT ON tickets
WHEN EXISTS (SELECT 1 FROM webhooks WHERE active)
BEGIN
    INSERT INTO webhook_events (id, kind, ticket_id, created_at)
    VALUES (lower(hex(randomblob(16))), 'ticket.created', NEW.id, strftime('%Y-%m-%d %H:%M:%f', 'now'));
END;

CREATE TRIGGER webhook_ticket_updated AFTER UPDATE OF
    reference, tracking_token_hash, status, language, platform,
    payment_scenario, payment_method, failing_step, symptom, error_code,
    error_message, city, account_masked, checks_tried, occurred_at,
    amount_cents, order_number, contact_email, description, created_at,
    updated_at, case_kind, queue, priority, assignee_id, due_at,
    first_response_at, screenshot_count, merged_into, routing_rule,
    routing_facts, escalation_id, paused_at, incident_id, resolved_at
ON tickets
WHEN EXISTS (SELECT 1 FROM webhooks WHERE active)
BEGIN
    INSERT INTO webhook_events (id, kind, ticket_id, created_at)
    VALUES (
        lower(hex(randomblob(16))),
        CASE WHEN NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN 'ticket.resolved' ELSE 'ticket.updated' END,
        NEW.id,
        strftime('%Y-%m-%d %H:%M:%f', 'now')
    );
END;

-- Approved by a supervisor (and sent), and answered by its target.
CREATE TRIGGER webhook_escalation AFTER UPDATE OF status ON escalations
WHEN NEW.status <> OLD.status AND NEW.status IN ('sent', 'approved', 'declined')
    AND EXISTS (SELECT 1 FROM webhooks WHERE active)
BEGIN
    INSERT INTO webhook_events (id, kind, escalation_id, created_at)
    VALUES (
        lower(hex(randomblob(16))),
        CASE WHEN NEW.status = 'sent' THEN 'escalation.approved' ELSE 'escalation.answered' END,
        NEW.id,
        strftime('%Y-%m-%d %H:%M:%f', 'now')
    );
END;
