-- Retention: closed tickets that still hold screenshots or a contact email,
-- by their last change. Purged tickets leave these indexes, so the sweep
-- reads only what is due however many tickets are kept.
CREATE INDEX tickets_retention_screenshots ON tickets (updated_at)
    WHERE screenshot_count > 0 AND status IN ('resolved', 'closed');
CREATE INDEX tickets_retention_email ON tickets (updated_at)
    WHERE contact_email <> '' AND status IN ('resolved', 'closed');
