-- Payment truth (issue 17): paydesk asks the payment provider about the
-- payment a ticket names, and the merchant's order system about the bill.
--
-- Work to do: one job per ticket and request, taken by the background
-- worker (never in the request path), retried with backoff. Written in the
-- same transaction as the intake or the agent's "check now".
CREATE TABLE payment_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT '',
    done_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_jobs_due ON payment_jobs (next_attempt_at) WHERE done_at IS NULL;

-- What each check found, oldest first: the ticket page and the API show the
-- latest and the history.
CREATE TABLE payment_checks (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The provider's own words: its state code and description.
    provider_state TEXT NOT NULL DEFAULT '',
    provider_description TEXT NOT NULL DEFAULT '',
    -- In fen, as the provider recorded it.
    amount_cents BIGINT,
    paid_at TIMESTAMP,
    bill_state TEXT,
    -- Why a check did not give a verified answer.
    problem TEXT NOT NULL DEFAULT '',
    checked_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_checks_ticket ON payment_checks (ticket_id, checked_at);
