DROP TRIGGER tickets_version ON tickets;
DROP FUNCTION tickets_bump_version();
ALTER TABLE tickets DROP COLUMN version;
