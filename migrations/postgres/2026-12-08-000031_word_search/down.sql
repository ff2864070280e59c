ALTER TABLE tickets DROP COLUMN words_version;
DROP TABLE ticket_words;
