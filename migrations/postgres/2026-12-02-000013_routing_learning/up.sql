-- Routing learns and remembers (issue 16).
--
-- Phrases admins taught from tickets nothing matched (/admin/routing): read
-- beside the vocabulary file on every routing decision, so a new phrase
-- takes effect on the next ticket without a restart, on every server.
CREATE TABLE routing_phrases (
    id TEXT PRIMARY KEY NOT NULL,
    -- As the admin typed it; `normalized` is what is matched.
    phrase TEXT NOT NULL,
    normalized TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- Every routing decision on a ticket, oldest first: at intake, and again
-- whenever its facts change (an agent's correction, a customer's added
-- facts, a kind set by hand).
CREATE TABLE routing_decisions (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    cause TEXT NOT NULL,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    queue TEXT NOT NULL,
    priority TEXT NOT NULL,
    facts TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX routing_decisions_ticket ON routing_decisions (ticket_id, created_at);

-- Tickets filed before this have one decision: the one stored on them.
INSERT INTO routing_decisions (id, ticket_id, cause, rule, kind, queue, priority, facts, actor_id, created_at)
SELECT id || '-intake', id, 'intake', routing_rule, case_kind, queue, priority, routing_facts, NULL, created_at
FROM tickets;

-- /admin/routing lists the tickets routing placed in `other`, newest first.
CREATE INDEX tickets_case_kind_created ON tickets (case_kind, created_at);
