DROP TABLE screenshot_drafts;
DROP TABLE screenshots;
DROP TABLE ticket_events;
DROP TABLE tickets;
