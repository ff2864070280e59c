-- The API's change feed (GET /api/v1/tickets?updated_since=…) reads tickets
-- in the order their changes were committed, so a client paging through it
-- while others write never misses a change. SQLite has one writer at a
-- time: one more than the highest so far, set in the change's own
-- transaction, is that order. (PostgreSQL uses the transaction id; see its
-- migration.)

ALTER TABLE tickets ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
-- Existing tickets in the order they last changed.
UPDATE tickets SET change_seq = ranked.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS n FROM tickets) AS ranked
WHERE ranked.id = tickets.id;
CREATE INDEX tickets_change_seq ON tickets (change_seq, id);

CREATE TRIGGER tickets_change_seq_insert AFTER INSERT ON tickets
BEGIN
    UPDATE tickets SET change_seq = (SELECT MAX(change_seq) + 1 FROM tickets) WHERE id = NEW.id;
END;

-- The same columns as the version's trigger: what someone acting on the
-- ticket sees changing.
CREATE TRIGGER tickets_change_seq AFTER UPDATE OF
    reference, tracking_token_hash, status, language, platform,
    payment_scenario, payment_method, failing_step, symptom, error_code,
    error_message, city, account_masked, checks_tried, occurred_at,
    amount_cents, order_number, contact_email, description, created_at,
    updated_at, case_kind, queue, priority, assignee_id, due_at,
    first_response_at, screenshot_count, merged_into, routing_rule,
    routing_facts, escalation_id, paused_at, incident_id, resolved_at
ON tickets
BEGIN
    UPDATE tickets SET change_seq = (SELECT MAX(change_seq) + 1 FROM tickets) WHERE id = NEW.id;
END;
