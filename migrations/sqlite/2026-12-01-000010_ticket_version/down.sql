DROP TRIGGER tickets_version;
ALTER TABLE tickets DROP COLUMN version;
