DROP TRIGGER tickets_change_seq;
DROP TRIGGER tickets_change_seq_insert;
DROP INDEX tickets_change_seq;
ALTER TABLE tickets DROP COLUMN change_seq;
