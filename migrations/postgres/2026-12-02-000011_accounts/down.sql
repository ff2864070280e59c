DROP INDEX login_throttles_last_failure;
DROP TABLE server_secrets;
ALTER TABLE api_tokens DROP COLUMN expires_at;
