-- Word search (issue 32). The terms of each ticket (domain::words: its
-- Chinese character pairs and ASCII words) as a tsvector built from the
-- array as it is (array_to_tsvector: no parser, no dictionary), so that
-- PostgreSQL finds exactly what SQLite's FTS5 index finds.
CREATE TABLE ticket_words (
    ticket_id TEXT PRIMARY KEY,
    terms TSVECTOR NOT NULL
);
CREATE INDEX ticket_words_terms ON ticket_words USING GIN (terms);
-- Which version of domain::words indexed the ticket (0: not yet); the
-- server indexes the rest when it starts.
ALTER TABLE tickets ADD COLUMN words_version INTEGER NOT NULL DEFAULT 0;
