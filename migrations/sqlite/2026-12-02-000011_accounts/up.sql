-- Accounts (issue 15). API tokens may expire: a token created from now on
-- carries its end (90 days unless chosen otherwise; NULL: never). Tokens
-- made before this had no end: they get 90 days from this upgrade, so no
-- integration stops without warning and none lives forever.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '+90 days') WHERE revoked_at IS NULL;

-- Secrets the server makes for itself on first use, e.g. the key that signs
-- device cookies (sign-in throttling); nothing to configure.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The worker's sweep forgets old sign-in failures by their time.
CREATE INDEX login_throttles_last_failure ON login_throttles (last_failure_at);
