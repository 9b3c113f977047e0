-- Root-cause analyses, S1/P1 runbook checklists and admin settings (SQLite; keep in lockstep
-- with ../postgres/0012_rca_runbooks.sql). Records are psirt-domain's types as JSON.
CREATE TABLE settings (
    setting_key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE case_rca (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    record TEXT NOT NULL,
    complete BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE case_runbooks (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    checklist TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
