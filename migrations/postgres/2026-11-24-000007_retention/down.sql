DROP INDEX tickets_retention_screenshots;
DROP INDEX tickets_retention_email;
