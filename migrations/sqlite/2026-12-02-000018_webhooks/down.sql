DROP TRIGGER webhook_escalation;
DROP TRIGGER webhook_ticket_updated;
DROP TRIGGER webhook_ticket_created;
ALTER TABLE outbox DROP COLUMN payload;
ALTER TABLE outbox DROP COLUMN webhook_id;
DROP TABLE webhook_events;
DROP TABLE webhooks;
