-- How many open tickets each staff member holds, kept by the database itself
-- on every insert, status or assignee change, so assigning a new ticket to
-- the least loaded agent reads a few user rows instead of counting their
-- open tickets (tens of thousands at a million tickets) on every intake.
ALTER TABLE users ADD COLUMN open_tickets BIGINT NOT NULL DEFAULT 0;
UPDATE users SET open_tickets = (
    SELECT COUNT(*) FROM tickets
    WHERE tickets.assignee_id = users.id AND tickets.status NOT IN ('resolved', 'closed')
);

CREATE FUNCTION tickets_open_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.assignee_id IS NOT NULL
       AND OLD.status NOT IN ('resolved', 'closed') THEN
        UPDATE users SET open_tickets = open_tickets - 1 WHERE id = OLD.assignee_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.assignee_id IS NOT NULL
       AND NEW.status NOT IN ('resolved', 'closed') THEN
        UPDATE users SET open_tickets = open_tickets + 1 WHERE id = NEW.assignee_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_open_count_insert AFTER INSERT OR DELETE ON tickets
FOR EACH ROW EXECUTE FUNCTION tickets_open_count();
CREATE TRIGGER tickets_open_count_update AFTER UPDATE OF status, assignee_id ON tickets
FOR EACH ROW WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION tickets_open_count();
