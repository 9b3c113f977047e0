-- EU CRA Art. 14 reporting per case (SQLite; keep in lockstep with ../postgres/0009_cra.sql):
-- the regulatory clocks and sent times (psirt-domain's CraReporting, as JSON) and the facts the
-- draft reports are filled from.
CREATE TABLE case_cra (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    track TEXT NOT NULL,
    reporting TEXT NOT NULL,
    inputs TEXT NOT NULL DEFAULT '{}',
    -- The earliest open due time, for the dashboard.
    next_due_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX case_cra_due ON case_cra (next_due_at);
