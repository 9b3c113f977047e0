-- Foundation schema (SQLite). Keep in lockstep with ../postgres/0001_foundation.sql:
-- the store tests compare the two migrated schemas.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'engineer', 'viewer')),
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE reporters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL UNIQUE,
    credit_preference TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    resolution TEXT,
    severity TEXT,
    priority TEXT,
    embargoed BOOLEAN NOT NULL DEFAULT TRUE,
    public_date TEXT,
    assignee_id INTEGER REFERENCES users (id),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_state ON cases (state);

CREATE TABLE case_members (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_members_user ON case_members (user_id);

CREATE TABLE case_cwes (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    cwe_id INTEGER NOT NULL,
    PRIMARY KEY (case_id, cwe_id)
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    product TEXT NOT NULL DEFAULT '',
    steps_to_reproduce TEXT NOT NULL DEFAULT '',
    impact TEXT NOT NULL DEFAULT '',
    reporter_id INTEGER REFERENCES reporters (id),
    reporter_name TEXT NOT NULL DEFAULT '',
    reporter_email TEXT NOT NULL DEFAULT '',
    credit_preference TEXT NOT NULL,
    received_at TEXT NOT NULL,
    tracking_token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    case_id INTEGER REFERENCES cases (id),
    triaged_by INTEGER REFERENCES users (id),
    triaged_at TEXT
);
CREATE INDEX reports_status ON reports (status);
CREATE INDEX reports_case ON reports (case_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    author_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX comments_case ON comments (case_id);

-- The reporter's thread with the PSIRT, per report (the tracking token opens it).
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    from_reporter BOOLEAN NOT NULL,
    author_id INTEGER REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_report ON messages (report_id);

CREATE TABLE cvss_assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    version TEXT NOT NULL,
    vector TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    severity TEXT NOT NULL,
    source TEXT NOT NULL,
    authoritative BOOLEAN NOT NULL DEFAULT FALSE,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX cvss_assessments_case ON cvss_assessments (case_id);

-- Append-only, hash-chained (DESIGN.md AuditEvent). `at` is the exact text that was hashed.
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);

-- One row: the chain's head. Appending locks it, so concurrent writers cannot fork the chain.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
