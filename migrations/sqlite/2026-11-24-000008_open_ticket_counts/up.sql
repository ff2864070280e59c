-- How many open tickets each staff member holds, kept by the database itself
-- on every insert, status or assignee change, so assigning a new ticket to
-- the least loaded agent reads a few user rows instead of counting their
-- open tickets (tens of thousands at a million tickets) on every intake.
ALTER TABLE users ADD COLUMN open_tickets BIGINT NOT NULL DEFAULT 0;
UPDATE users SET open_tickets = (
    SELECT COUNT(*) FROM tickets
    WHERE tickets.assignee_id = users.id AND tickets.status NOT IN ('resolved', 'closed')
);

CREATE TRIGGER tickets_open_count_insert AFTER INSERT ON tickets
WHEN NEW.assignee_id IS NOT NULL AND NEW.status NOT IN ('resolved', 'closed')
BEGIN
    UPDATE users SET open_tickets = open_tickets + 1 WHERE id = NEW.assignee_id;
END;

CREATE TRIGGER tickets_open_count_update AFTER UPDATE OF status, assignee_id ON tickets
WHEN OLD.assignee_id IS NOT NEW.assignee_id OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE users SET open_tickets = open_tickets - 1
    WHERE id = OLD.assignee_id AND OLD.status NOT IN ('resolved', 'closed');
    UPDATE users SET open_tickets = open_tickets + 1
    WHERE id = NEW.assignee_id AND NEW.status NOT IN ('resolved', 'closed');
END;

CREATE TRIGGER tickets_open_count_delete AFTER DELETE ON tickets
WHEN OLD.assignee_id IS NOT NULL AND OLD.status NOT IN ('resolved', 'closed')
BEGIN
    UPDATE users SET open_tickets = open_tickets - 1 WHERE id = OLD.assignee_id;
END;
