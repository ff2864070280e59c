-- Answer nonces a payment provider signed (WeChat Pay's Wechatpay-Nonce),
-- kept a few minutes: a genuine answer sent again, to this server or to
-- another one on the same database, is not taken as a new one (issue 27).
CREATE TABLE provider_nonces (
    nonce TEXT PRIMARY KEY,
    seen_at TIMESTAMP NOT NULL
);
CREATE INDEX provider_nonces_seen ON provider_nonces (seen_at);
