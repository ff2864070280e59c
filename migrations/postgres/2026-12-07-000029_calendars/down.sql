DROP TABLE queue_calendars;
DROP TABLE calendar_days;
DROP TABLE calendars;
