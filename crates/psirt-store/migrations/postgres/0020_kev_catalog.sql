-- The newest CISA KEV catalog imported (postgres; keep in lockstep with the other backend's 0020): one row. An older
-- catalog (a lagging mirror, an old file) is skipped whole instead of reverting entries, and entries a newer complete
-- catalog no longer lists are withdrawn.
CREATE TABLE kev_catalog (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    date_released TIMESTAMPTZ NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);

-- The feed source an import run synced (NULL for CLI imports and runs from before this migration): a source's runs
-- are found by it, not by their (redacted) origin, which two sources differing only in credentials or query share.
ALTER TABLE feed_imports ADD COLUMN source_id BIGINT;
CREATE INDEX feed_imports_source ON feed_imports (source_id);
