-- PostgreSQL only (storage of screenshot bytes without compression); SQLite
-- never compresses. Kept so both backends have the same migrations.
SELECT 1;
