DROP TRIGGER webhook_escalation ON escalations;
DROP FUNCTION webhook_escalation_event();
DROP TRIGGER webhook_ticket_updated ON tickets;
DROP TRIGGER webhook_ticket_created ON tickets;
DROP FUNCTION webhook_ticket_event();
ALTER TABLE outbox DROP COLUMN payload;
ALTER TABLE outbox DROP COLUMN webhook_id;
DROP TABLE webhook_events;
DROP TABLE webhooks;
