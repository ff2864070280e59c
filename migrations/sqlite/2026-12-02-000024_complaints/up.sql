-- A customer asked for a supervisor (src/ops/complaint.rs): when, while the
-- complaint is open. NULL when there is none or it ended (a staff answer or
-- resolution ends it: domain::complaint). Supervisors list the open ones.
ALTER TABLE tickets ADD COLUMN complaint_at TIMESTAMP;
CREATE INDEX tickets_complaint ON tickets (complaint_at) WHERE complaint_at IS NOT NULL;
