-- Bug bounty (SQLite; keep in lockstep with ../postgres/0010_bounty.sql): the program table
-- (admin-edited; the seed PSIRT's when absent) and one award per report, its life as JSON
-- (psirt-domain's BountyAward) beside the columns lists filter on.
CREATE TABLE bounty_program (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    program TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE bounty_awards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    status TEXT NOT NULL,
    total_usd INTEGER NOT NULL,
    award TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX bounty_awards_report ON bounty_awards (report_id);
-- At most one open (proposed or approved) award per report; the store maps a clash to a conflict.
CREATE UNIQUE INDEX bounty_awards_one_open ON bounty_awards (report_id) WHERE status IN ('proposed', 'approved');
