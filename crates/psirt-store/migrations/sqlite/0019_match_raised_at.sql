-- When a match last entered the upstream queue (sqlite; keep in lockstep with the other backend's 0019): raised,
-- raised again (its dismissed record changed, or gained a source), or back after a retraction. The queue is ordered
-- by it; first_seen_at keeps the first time. NULL (rows from before this migration, or inserted by an older binary
-- during an upgrade) reads as first_seen_at; an older binary's re-raise leaves it as it was.
ALTER TABLE matches ADD COLUMN raised_at TEXT;
