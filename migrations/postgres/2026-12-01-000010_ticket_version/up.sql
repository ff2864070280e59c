-- A ticket's version: one more on every change, whoever makes it, so a form
-- or an API client acting on what it saw earlier can be told that the ticket
-- changed since (409 for pages, 412 for If-Match). Kept by the database, so
-- no write can forget it.
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE FUNCTION tickets_bump_version() RETURNS trigger AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_version BEFORE UPDATE ON tickets
FOR EACH ROW EXECUTE FUNCTION tickets_bump_version();
