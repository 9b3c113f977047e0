-- CVSS assessments on cases and the severity they suggest (SQLite). Keep in lockstep with
-- ../postgres/0002_cvss_assessments.sql.

-- The case severity's provenance: the suggestion of the authoritative assessment set last, and
-- who last set the severity ('suggestion' or 'analyst'; NULL while never set). A severity set by
-- an analyst against the suggestion is an override and is not replaced by later suggestions.
ALTER TABLE cases ADD COLUMN suggested_severity TEXT;
ALTER TABLE cases ADD COLUMN severity_source TEXT CHECK (severity_source IN ('suggestion', 'analyst'));
-- Severities set before suggestions existed were the analysts' choice.
UPDATE cases SET severity_source = 'analyst' WHERE severity IS NOT NULL;

-- Assessments are never deleted: a new one from the same source for the same version
-- supersedes the current one, which keeps its row with the time and the id that replaced it.
ALTER TABLE cvss_assessments ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE cvss_assessments ADD COLUMN superseded_at TEXT;
ALTER TABLE cvss_assessments ADD COLUMN superseded_by INTEGER REFERENCES cvss_assessments (id);
UPDATE cvss_assessments SET authoritative = (source = 'psirt');
UPDATE cvss_assessments SET superseded_at = created_at
WHERE EXISTS (
    SELECT 1 FROM cvss_assessments n
    WHERE n.case_id = cvss_assessments.case_id AND n.version = cvss_assessments.version
      AND n.source = cvss_assessments.source AND n.id > cvss_assessments.id
);
-- One current assessment per case, version and source; for source 'psirt' that is the one
-- authoritative assessment per version.
CREATE UNIQUE INDEX cvss_assessments_current ON cvss_assessments (case_id, version, source)
WHERE superseded_at IS NULL;
