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
CREATE FUNCTION webhook_ticket_event() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        INSERT INTO webhook_events (id, kind, ticket_id, created_at)
        VALUES (
            md5(random()::text || clock_timestamp()::text),
            CASE
                WHEN TG_OP = 'INSERT' THEN 'ticket.created'
                WHEN NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN 'ticket.resolved'
                ELSE 'ticket.updated'
            END,
            NEW.id,
            clock_timestamp() AT TIME ZONE 'UTC'
        );
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER webhook_ticket_created AFTER INSERT ON tickets
FOR EACH ROW EXECUTE FUNCTION webhook_ticket_event();

CREATE TRIGGER webhook_ticket_updated AFTER UPDATE OF
    reference, tracking_token_hash, status, language, platform,
    payment_scenario, payment_method, failing_step, symptom, error_code,
    error_message, city, account_masked, checks_tried, occurred_at,
    amount_cents, order_number, contact_email, description, created_at,
    updated_at, case_kind, queue, priority, assignee_id, due_at,
    first_response_at, screenshot_count, merged_into, routing_rule,
    routing_facts, escalation_id, paused_at, incident_id, resolved_at
ON tickets
FOR EACH ROW EXECUTE FUNCTION webhook_ticket_event();

-- Approved by a supervisor (and sent), and answered by its target.
CREATE FUNCTION webhook_escalation_event() RETURNS trigger AS $$
BEGIN
    IF NEW.status <> OLD.status AND NEW.status IN ('sent', 'approved', 'declined')
        AND EXISTS (SELECT 1 FROM webhooks WHERE active) THEN
        INSERT INTO webhook_events (id, kind, escalation_id, created_at)
        VALUES (
            md5(random()::text || clock_timestamp()::text),
            CASE WHEN NEW.status = 'sent' THEN 'escalation.approved' ELSE 'escalation.answered' END,
            NEW.id,
            clock_timestamp() AT TIME ZONE 'UTC'
        );
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER webhook_escalation AFTER UPDATE OF status ON escalations
FOR EACH ROW EXECUTE FUNCTION webhook_escalation_event();
