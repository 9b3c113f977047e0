-- Coordinated disclosure: affect statements, disclosure planning, advisories and their immutable
-- published revisions (SQLite; keep in lockstep with ../postgres/0007_disclosure.sql).

-- The analyst's statement on an affect (CSAF impact statement / description); 0006 lacked it.
ALTER TABLE affects ADD COLUMN statement TEXT NOT NULL DEFAULT '';

-- Free-text coordination notes (who else is involved, agreed dates); `public_date` is the plan.
ALTER TABLE cases ADD COLUMN coordination_notes TEXT NOT NULL DEFAULT '';

-- An advisory: `<prefix>-SA-<year>-<number>`, its editable content and where it stands.
CREATE TABLE advisories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    -- psirt_domain::Reference / Acknowledgment lists, as JSON.
    references_json TEXT NOT NULL DEFAULT '[]',
    acknowledgments_json TEXT NOT NULL DEFAULT '[]',
    tlp TEXT NOT NULL,
    -- draft | interim | final
    status TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (prefix, year, number)
);

-- The cases an advisory covers, in order, with the CVE ids each contributes.
CREATE TABLE advisory_cases (
    advisory_id INTEGER NOT NULL REFERENCES advisories (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    position INTEGER NOT NULL,
    cve_ids TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (advisory_id, case_id)
);
CREATE INDEX advisory_cases_case ON advisory_cases (case_id);

-- One row per published revision (1.0.0, 1.0.1, ...). Rows are only ever inserted.
CREATE TABLE advisory_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    advisory_id INTEGER NOT NULL REFERENCES advisories (id),
    seq INTEGER NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by INTEGER REFERENCES users (id),
    UNIQUE (advisory_id, seq)
);

-- The bytes published with a revision: csaf, vex, osv, cve (name = the CVE id), html.
CREATE TABLE advisory_renderings (
    revision_id INTEGER NOT NULL REFERENCES advisory_revisions (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    media_type TEXT NOT NULL,
    body BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (revision_id, kind, name)
);

-- What was published stays as published: the database refuses to rewrite or delete it.
CREATE TRIGGER advisory_revisions_immutable BEFORE UPDATE ON advisory_revisions
BEGIN SELECT RAISE(ABORT, 'published revisions are immutable'); END;
CREATE TRIGGER advisory_revisions_undeletable BEFORE DELETE ON advisory_revisions
BEGIN SELECT RAISE(ABORT, 'published revisions are immutable'); END;
CREATE TRIGGER advisory_renderings_immutable BEFORE UPDATE ON advisory_renderings
BEGIN SELECT RAISE(ABORT, 'published renderings are immutable'); END;
CREATE TRIGGER advisory_renderings_undeletable BEFORE DELETE ON advisory_renderings
BEGIN SELECT RAISE(ABORT, 'published renderings are immutable'); END;

-- OpenPGP keys the CSAF provider signs with; the newest is the one in use. The secret key is
-- stored armored here, or (admin's choice) only in `secret_key_file` on the server's disk.
CREATE TABLE openpgp_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL UNIQUE,
    algorithm TEXT NOT NULL,
    public_key TEXT NOT NULL,
    secret_key TEXT,
    secret_key_file TEXT,
    created_at TEXT NOT NULL
);
