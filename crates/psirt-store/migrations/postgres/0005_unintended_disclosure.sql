-- Unintended disclosure (PostgreSQL; keep in lockstep with ../sqlite/0005_unintended_disclosure.sql):
-- when a case's embargo was broken, and what is known of how.
ALTER TABLE cases ADD COLUMN disclosed_early_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN disclosed_early_note TEXT NOT NULL DEFAULT '';
