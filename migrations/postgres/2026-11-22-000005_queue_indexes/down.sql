DROP INDEX tickets_case_kind;
DROP INDEX tickets_city;
CREATE INDEX tickets_city ON tickets (city, status);
CREATE INDEX tickets_case_kind ON tickets (case_kind, status);
DROP INDEX tickets_unassigned;
