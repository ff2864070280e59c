DROP TRIGGER tickets_open_count_insert;
DROP TRIGGER tickets_open_count_update;
DROP TRIGGER tickets_open_count_delete;
ALTER TABLE users DROP COLUMN open_tickets;
