-- SLA clocks of cases and the admin-editable SLA policy (SQLite). Keep in lockstep with
-- ../postgres/0004_clocks.sql.

-- One row: the policy as JSON (psirt_domain::deadline::SlaPolicy); absent means the defaults.
CREATE TABLE sla_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    policy TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at TEXT NOT NULL
);

-- The clock itself is JSON (psirt_domain::deadline::DeadlineClock); kind, state and due_at are
-- copied out for the dashboard's queries. Clocks are never deleted: completed and cancelled
-- ones are the case's SLA record.
CREATE TABLE case_clocks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    severity TEXT,
    due_at TEXT NOT NULL,
    clock TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX case_clocks_case ON case_clocks (case_id);
CREATE INDEX case_clocks_open ON case_clocks (state, due_at);
