-- Idempotent filing through the API (the IETF httpapi Idempotency-Key
-- draft): the first request with a key claims it; the ticket it files
-- completes the claim in the ticket's own transaction; the same request
-- again within a day gets the first answer back. No tracking token is kept
-- here: the ticket's token is derived from the claim's nonce and a server
-- secret, so the answer can be given again without storing the secret.
CREATE TABLE idempotency_keys (
    caller TEXT NOT NULL,
    key TEXT NOT NULL,
    -- SHA-256 of the request's fields and file: the same key with another
    -- request is refused.
    fingerprint TEXT NOT NULL,
    nonce TEXT NOT NULL,
    -- Null while the first request is being handled.
    reference TEXT,
    status TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
