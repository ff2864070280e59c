-- Queue indexes, after measuring the queue at 1M tickets (README,
-- performance): the unassigned view and its count read every unassigned row
-- without the partial index (170 ms → 10 ms); a city or kind filter sorted
-- its matches by due time without due_at in the index (85 ms → 36 ms a page).
CREATE INDEX tickets_unassigned ON tickets (queue, status, due_at, id) WHERE assignee_id IS NULL;
DROP INDEX tickets_city;
DROP INDEX tickets_case_kind;
CREATE INDEX tickets_city ON tickets (city, status, due_at, id);
CREATE INDEX tickets_case_kind ON tickets (case_kind, status, due_at, id);
