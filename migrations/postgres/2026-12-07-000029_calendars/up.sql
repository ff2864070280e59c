-- Working time (issue 30): calendars an admin edits or imports, their
-- dated exceptions, and which calendar each queue uses. The built-in
-- calendars (cn-workdays, 24x7) need no row: a row named like one replaces
-- it (an import into cn-workdays starts from the built-in days).

-- hours: '09:00-18:00' China time, '' for the whole day; weekdays:
-- 'mon,tue,wed,thu,fri'; known_years: the years whose exceptions are
-- published ('2026,2027'), other years being provisional.
CREATE TABLE calendars (
    name TEXT PRIMARY KEY NOT NULL,
    hours TEXT NOT NULL,
    weekdays TEXT NOT NULL,
    known_years TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- day: 'YYYY-MM-DD' (a China calendar day); is_open: a make-up working
-- day (true) or a closed day (false); note: the holiday's name.
CREATE TABLE calendar_days (
    calendar TEXT NOT NULL REFERENCES calendars (name) ON DELETE CASCADE,
    day TEXT NOT NULL,
    is_open BOOLEAN NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (calendar, day)
);

-- A queue's calendar set by an admin (else the rules file's).
CREATE TABLE queue_calendars (
    queue TEXT PRIMARY KEY NOT NULL,
    calendar TEXT NOT NULL
);
