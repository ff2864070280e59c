DROP INDEX tickets_complaint;
ALTER TABLE tickets DROP COLUMN complaint_at;
