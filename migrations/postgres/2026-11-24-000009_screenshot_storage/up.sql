-- Screenshots are PNG, JPEG or WebP: already compressed. Stored out of line
-- without PostgreSQL trying (and failing) to compress them again, which
-- cost several milliseconds of CPU per 200 KB image at intake.
ALTER TABLE screenshots ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE screenshot_drafts ALTER COLUMN data SET STORAGE EXTERNAL;
