-- Many servers on one database (issue 31).

-- Who does a piece of time-driven work now: the sweeper, the inbound
-- mailbox. A server holds a lease while it renews it; when it stops
-- renewing (killed, or drained and released), another takes it over.
CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- The rate limits every server counts against (PostgreSQL; one SQLite
-- server keeps them in memory): per key (a hash of the limit's name and
-- the client's address or token), the theoretical arrival time of the
-- next request, in microseconds since 1970 (GCRA, the algorithm of the
-- in-memory limiter). A row in the past is a full bucket: the sweeper
-- deletes it.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY NOT NULL,
    tat_us BIGINT NOT NULL
);
