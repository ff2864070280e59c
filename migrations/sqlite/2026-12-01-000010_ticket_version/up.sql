-- A ticket's version: one more on every change, whoever makes it, so a form
-- or an API client acting on what it saw earlier can be told that the ticket
-- changed since (409 for pages, 412 for If-Match). Kept by the database, so
-- no write can forget it.
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- SQLite cannot change NEW in a trigger: a second update bumps it. It runs
-- only when the statement did not set the version itself, and does not fire
-- itself again (recursive triggers are off).
CREATE TRIGGER tickets_version AFTER UPDATE ON tickets
WHEN NEW.version = OLD.version
BEGIN
    UPDATE tickets SET version = OLD.version + 1 WHERE id = NEW.id;
END;
