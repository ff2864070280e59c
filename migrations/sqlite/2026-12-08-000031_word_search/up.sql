-- Word search (issue 32). The terms of each ticket (domain::words: its
-- Chinese character pairs and ASCII words, space-separated) in an FTS5
-- index keyed by the ticket's rowid. Contentless: the terms are not kept a
-- second time; detail=none: a search asks only which tickets hold a term.
-- The ascii tokenizer leaves every non-ASCII character inside its term.
CREATE VIRTUAL TABLE ticket_words USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'ascii'
);
-- Which version of domain::words indexed the ticket (0: not yet); the
-- server indexes the rest when it starts.
ALTER TABLE tickets ADD COLUMN words_version INTEGER NOT NULL DEFAULT 0;
