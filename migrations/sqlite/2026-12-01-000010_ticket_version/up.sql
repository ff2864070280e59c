-- A ticket's version: one more on every change, whoever makes it, so a form
-- or an API client acting on what it saw earlier can be told that the ticket
-- changed since (409 for pages, 412 for If-Match). Kept by the database, so
-- no write can forget it.
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Every column but the version itself and the supervisors' breach-notice
-- mark (bookkeeping nobody acting on the ticket sees): a sweep noting a
-- breach must not make an agent's open page stale.
-- SQLite cannot change NEW in a trigger: a second update bumps it. It runs
-- only when the statement did not set the version itself, and does not fire
-- itself again (recursive triggers are off).
CREATE TRIGGER tickets_version AFTER UPDATE OF
    reference, tracking_token_hash, status, language, platform,
    payment_scenario, payment_method, failing_step, symptom, error_code,
    error_message, city, account_masked, checks_tried, occurred_at,
    amount_cents, order_number, contact_email, description, created_at,
    updated_at, case_kind, queue, priority, assignee_id, due_at,
    first_response_at, screenshot_count, merged_into, routing_rule,
    routing_facts, escalation_id, paused_at, incident_id, resolved_at
ON tickets
WHEN NEW.version = OLD.version
BEGIN
    UPDATE tickets SET version = OLD.version + 1 WHERE id = NEW.id;
END;
