ALTER TABLE users DROP COLUMN last_assigned_at;
DROP INDEX tickets_escalation;
ALTER TABLE tickets DROP COLUMN paused_at;
ALTER TABLE tickets DROP COLUMN escalation_id;
ALTER TABLE tickets DROP COLUMN routing_facts;
ALTER TABLE tickets DROP COLUMN routing_rule;
DROP TABLE escalations;
DROP TABLE platform_scenarios;
DROP TABLE platforms;
