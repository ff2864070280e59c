-- Refund tracking (issue 17): a refund on a ticket, refreshed from the
-- payment provider until it ends; the customer hears of each change, and
-- supervisors see the ones past their due date.
CREATE TABLE refunds (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    -- The merchant's refund number at the provider (WeChat Pay: out_refund_no).
    refund_number TEXT NOT NULL,
    state TEXT NOT NULL,
    provider_state TEXT NOT NULL DEFAULT '',
    amount_cents BIGINT,
    requested_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    next_check_at TIMESTAMP NOT NULL,
    checked_at TIMESTAMP,
    finished_at TIMESTAMP,
    UNIQUE (ticket_id, refund_number)
);
CREATE INDEX refunds_to_check ON refunds (next_check_at) WHERE finished_at IS NULL;
CREATE INDEX refunds_open_due ON refunds (due_at) WHERE finished_at IS NULL;
