DROP TRIGGER tickets_change_seq ON tickets;
DROP TRIGGER tickets_change_seq_insert ON tickets;
DROP FUNCTION tickets_record_change();
DROP INDEX tickets_change_seq;
ALTER TABLE tickets DROP COLUMN change_seq;
