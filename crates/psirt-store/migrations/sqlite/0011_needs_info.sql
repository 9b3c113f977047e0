-- "Needs more info" (SQLite; keep in lockstep with ../postgres/0011_needs_info.sql): since when
-- a report waits on its reporter's answer (NULL: not waiting).
ALTER TABLE reports ADD COLUMN awaiting_reporter_since TEXT;
