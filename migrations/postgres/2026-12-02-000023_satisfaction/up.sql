-- Satisfaction ratings: one per resolution of a ticket. `resolution` is
-- which resolution it rates (1 for the first, 2 after a reopened ticket is
-- resolved again: the count of its status changes to "resolved"); the
-- unique pair is what refuses a second rating of the same resolution, even
-- when two arrive at once. The kind, queue and agent (whoever resolved it:
-- db::ratings::agent_at_resolution) are copied so the dashboard groups
-- without reading the tickets.
CREATE TABLE ratings (
    id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    resolution INTEGER NOT NULL,
    good BOOLEAN NOT NULL,
    -- A code from domain::satisfaction::reasons, or '' for none.
    reason TEXT NOT NULL,
    comment TEXT NOT NULL,
    case_kind TEXT NOT NULL,
    queue TEXT NOT NULL,
    agent_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    -- A bad rating waits in the supervisors' follow-up list until marked.
    followed_up_by TEXT REFERENCES users (id),
    followed_up_at TIMESTAMP,
    UNIQUE (ticket_id, resolution)
);
CREATE INDEX ratings_created ON ratings (created_at);
CREATE INDEX ratings_follow_up ON ratings (good, followed_up_at);
