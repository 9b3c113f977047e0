-- Intel records (OSV, CVE 5, KEV, CSAF from suppliers), EPSS scores, feed sources, matches of
-- records against inventory components, and case affects (SQLite; keep in lockstep with
-- ../postgres/0006_intel.sql).

-- One row per (source, record id): the record as received plus the normalised fields psirt needs.
CREATE TABLE intel_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    record_id TEXT NOT NULL,
    modified TEXT,
    published TEXT,
    withdrawn TEXT,
    summary TEXT,
    -- The highest CVSS base score any source gives, and its vector: what lists sort by.
    cvss_score REAL,
    cvss_vector TEXT,
    exploited BOOLEAN NOT NULL DEFAULT FALSE,
    -- psirt-formats' normalised record (without `raw`), as JSON.
    normalized TEXT NOT NULL,
    -- psirt-match's AdvisoryInput, as JSON; NULL when the record names no evaluable package.
    match_input TEXT,
    raw TEXT NOT NULL,
    -- SHA-256 of the normalised record: equal means re-importing changed nothing.
    content_sha256 TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source, record_id)
);
CREATE INDEX intel_records_record_id ON intel_records (record_id);

-- Other ids of the same vulnerability (CVE <-> GHSA <-> PYSEC ...): the alias merge.
CREATE TABLE intel_aliases (
    record_pk INTEGER NOT NULL REFERENCES intel_records (id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    PRIMARY KEY (record_pk, alias)
);
CREATE INDEX intel_aliases_alias ON intel_aliases (alias);

-- FIRST EPSS: one current score per CVE (the daily file replaces the previous day's).
CREATE TABLE epss_scores (
    cve TEXT PRIMARY KEY,
    score REAL NOT NULL,
    percentile REAL NOT NULL,
    score_date TEXT,
    model_version TEXT,
    updated_at TEXT NOT NULL
);

-- Feeds synced over HTTP by the background worker.
CREATE TABLE feed_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    interval_secs INTEGER NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    etag TEXT,
    last_modified TEXT,
    last_attempt_at TEXT,
    last_success_at TEXT,
    last_status TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (kind, url)
);

-- Every import run (CLI or worker): counts and the per-record error report.
CREATE TABLE feed_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    records INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    stale INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    error_report TEXT NOT NULL DEFAULT '[]'
);

-- An intel record x component instance the engine says is affected. Rows are never deleted:
-- `active` goes false when the match no longer holds; a decision (case opened, dismissed) stays.
CREATE TABLE matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL,
    component_id INTEGER NOT NULL,
    product_version_id INTEGER NOT NULL REFERENCES product_versions (id),
    purl TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- new (in the upstream queue) | case_opened | dismissed
    status TEXT NOT NULL DEFAULT 'new',
    -- The record's content hash when the match was raised or decided: a dismissal holds until it changes.
    record_sha256 TEXT NOT NULL,
    case_id INTEGER REFERENCES cases (id),
    justification TEXT,
    note TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES users (id),
    decided_at TEXT,
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (record_id, component_id)
);
CREATE INDEX matches_queue ON matches (status, active);
CREATE INDEX matches_product_version ON matches (product_version_id);

-- Case x product version -> VEX status (DESIGN.md "Affect").
CREATE TABLE affects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    product_version_id INTEGER NOT NULL REFERENCES product_versions (id),
    status TEXT NOT NULL,
    justification TEXT,
    fixed_in TEXT,
    remediation_kind TEXT,
    remediation_text TEXT NOT NULL DEFAULT '',
    target_release TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (case_id, product_version_id)
);

-- Upstream cases: the intel records a case was opened from.
CREATE TABLE case_intel_links (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    record_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (case_id, record_id)
);
