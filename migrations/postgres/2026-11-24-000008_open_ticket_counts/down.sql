DROP TRIGGER tickets_open_count_insert ON tickets;
DROP TRIGGER tickets_open_count_update ON tickets;
DROP FUNCTION tickets_open_count();
ALTER TABLE users DROP COLUMN open_tickets;
