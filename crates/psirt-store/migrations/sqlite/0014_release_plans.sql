-- Security patch release plans (SQLite; keep in lockstep with ../postgres/0014_release_plans.sql):
-- one per planned release of a product version line, with the cases it fixes.
CREATE TABLE release_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_version_id INTEGER NOT NULL REFERENCES product_versions (id),
    planned_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE release_plan_cases (
    plan_id INTEGER NOT NULL REFERENCES release_plans (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    PRIMARY KEY (plan_id, case_id)
);
