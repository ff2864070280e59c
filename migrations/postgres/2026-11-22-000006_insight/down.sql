ALTER TABLE outbox DROP COLUMN incident_id;
DROP INDEX tickets_open_created;
DROP INDEX tickets_incident;
ALTER TABLE tickets DROP COLUMN resolved_at;
ALTER TABLE tickets DROP COLUMN incident_id;
DROP TABLE incident_updates;
DROP TABLE incidents;
DROP TABLE daily_stats;
