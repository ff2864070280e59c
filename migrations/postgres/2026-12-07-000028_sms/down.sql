DROP TABLE sms_replies;
DROP TABLE sms_optouts;
DROP TABLE sms_codes;
DROP TABLE sms_messages;
DROP INDEX tickets_retention_phone;
DROP INDEX tickets_contact_phone;
ALTER TABLE tickets DROP COLUMN sms_extend_code;
ALTER TABLE tickets DROP COLUMN contact_channel;
ALTER TABLE tickets DROP COLUMN contact_phone;
