-- Where a message written as an `.eml` file (no SMTP server) was put, so the
-- retention purge can delete it with the address it holds. NULL: sent over
-- SMTP, not sent yet, or already deleted.
ALTER TABLE outbox ADD COLUMN mail_file TEXT;
-- Files of anonymised tickets still to delete (normally none: the purge
-- deletes them right after it commits; this finds what a crash left).
CREATE INDEX outbox_mail_file_leftover ON outbox (id) WHERE mail_file IS NOT NULL AND recipient = '';
