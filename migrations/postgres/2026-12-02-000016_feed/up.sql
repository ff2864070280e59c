-- The API's change feed (GET /api/v1/tickets?updated_since=…) reads tickets
-- in an order no later commit can slip behind, so a client paging through
-- it while others write never misses a change. Each change records its
-- transaction's id; the feed shows only changes of transactions older than
-- every one still running (pg_snapshot_xmin), all of which are finished.
ALTER TABLE tickets ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
-- Existing tickets stay at 0, below every transaction id to come (a
-- ranking could pass the ids of the next changes, and the feed would skip
-- them).
CREATE INDEX tickets_change_seq ON tickets (change_seq, id);

CREATE FUNCTION tickets_record_change() RETURNS trigger AS $$
BEGIN
    NEW.change_seq := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_change_seq_insert BEFORE INSERT ON tickets
FOR EACH ROW EXECUTE FUNCTION tickets_record_change();

-- The same columns as the version's trigger: what someone acting on the
-- ticket sees changing.
CREATE TRIGGER tickets_change_seq BEFORE UPDATE OF
    reference, tracking_token_hash, status, language, platform,
    payment_scenario, payment_method, failing_step, symptom, error_code,
    error_message, city, account_masked, checks_tried, occurred_at,
    amount_cents, order_number, contact_email, description, created_at,
    updated_at, case_kind, queue, priority, assignee_id, due_at,
    first_response_at, screenshot_count, merged_into, routing_rule,
    routing_facts, escalation_id, paused_at, incident_id, resolved_at
ON tickets
FOR EACH ROW EXECUTE FUNCTION tickets_record_change();
