-- Supervisor insight: counts per day kept current by the writes that change
-- them (so the dashboard reads a few thousand rows, not a million tickets),
-- and incidents: many tickets with one cause, handled together.

-- One row per China-time day, queue, and value of each dimension a chart
-- groups by (case_kind, city, failing_step): a ticket counts once in each
-- dimension, so every chart sums a few rows per day whatever the mix of
-- cities and steps. Filed counts a ticket on the day it was filed; the SLA
-- columns (kept on the case_kind rows only) count it on that same day, a
-- cohort, once its first answer or its resolution came, in time or not.
CREATE TABLE daily_stats (
    dimension TEXT NOT NULL,
    day TEXT NOT NULL,
    queue TEXT NOT NULL,
    value TEXT NOT NULL,
    filed BIGINT NOT NULL,
    first_response_met BIGINT NOT NULL,
    first_response_missed BIGINT NOT NULL,
    resolved_met BIGINT NOT NULL,
    resolved_missed BIGINT NOT NULL,
    PRIMARY KEY (dimension, day, queue, value)
);
-- Tickets filed before this table existed: their SLA outcomes are unknown.
INSERT INTO daily_stats SELECT 'case_kind', strftime('%Y-%m-%d', created_at, '+8 hours'), queue, case_kind, COUNT(*), 0, 0, 0, 0
FROM tickets GROUP BY strftime('%Y-%m-%d', created_at, '+8 hours'), queue, case_kind;
INSERT INTO daily_stats SELECT 'city', strftime('%Y-%m-%d', created_at, '+8 hours'), queue, city, COUNT(*), 0, 0, 0, 0
FROM tickets GROUP BY strftime('%Y-%m-%d', created_at, '+8 hours'), queue, city;
INSERT INTO daily_stats SELECT 'failing_step', strftime('%Y-%m-%d', created_at, '+8 hours'), queue, failing_step, COUNT(*), 0, 0, 0, 0
FROM tickets GROUP BY strftime('%Y-%m-%d', created_at, '+8 hours'), queue, failing_step;

CREATE TABLE incidents (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    -- proposed (by spike detection), open, resolved, dismissed
    status TEXT NOT NULL,
    -- What new tickets must share to join while it is open: case_kind,
    -- city or failing_step, and its value; empty for one made by hand
    -- without a match (tickets are then linked by hand).
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    -- The spike: tickets in the window, and what the baseline expected.
    window_start TIMESTAMP NOT NULL,
    spike_count BIGINT NOT NULL,
    expected_count BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT REFERENCES users (id),
    accepted_by TEXT REFERENCES users (id),
    accepted_at TIMESTAMP,
    resolved_by TEXT REFERENCES users (id),
    resolved_at TIMESTAMP
);
CREATE INDEX incidents_status ON incidents (status, dimension, value);

-- Public updates posted to every linked customer, and the resolution note.
CREATE TABLE incident_updates (
    id TEXT PRIMARY KEY NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body_zh TEXT NOT NULL,
    body_en TEXT NOT NULL,
    recipients BIGINT NOT NULL,
    author_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_updates_incident ON incident_updates (incident_id, created_at);

ALTER TABLE tickets ADD COLUMN incident_id TEXT REFERENCES incidents (id);
-- When the ticket was first resolved (its resolution SLA is judged then).
ALTER TABLE tickets ADD COLUMN resolved_at TIMESTAMP;
CREATE INDEX tickets_incident ON tickets (incident_id);
-- The backlog by age: open tickets by queue and filing time.
CREATE INDEX tickets_open_created ON tickets (status, queue, created_at);

ALTER TABLE outbox ADD COLUMN incident_id TEXT REFERENCES incidents (id);
