-- When a match last entered the upstream queue (postgres; keep in lockstep with the other backend's 0019): raised,
-- raised again after its dismissed record changed, or back after a retraction. The queue is ordered by it;
-- first_seen_at keeps the first time. Nullable: a row written without it (by a binary older than this migration,
-- during an upgrade) is read as first_seen_at.
ALTER TABLE matches ADD COLUMN raised_at TIMESTAMPTZ;
UPDATE matches SET raised_at = first_seen_at;
