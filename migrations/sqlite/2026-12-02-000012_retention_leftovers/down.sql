DROP INDEX outbox_mail_file_leftover;
ALTER TABLE outbox DROP COLUMN mail_file;
