//! CVSS assessments of cases and the case severity they suggest.
//!
//! The store scores every vector itself with `psirt-cvss` (a caller's score is never taken)
//! and keeps the canonical vector. A case has at most one current assessment per CVSS version
//! and source; a new one supersedes the current one, which keeps its row (`superseded_at`,
//! `superseded_by`): nothing is deleted. The PSIRT's own assessments (`source` = `psirt`) are
//! the authoritative ones.
//!
//! Which assessment drives the suggestion: the authoritative assessment just set, whatever its
//! version. Setting a v4.0 assessment after a v3.1 one makes the v4.0 rating the suggestion
//! (and back, when the v3.1 one is set again): the latest considered judgement of the PSIRT is
//! the one that counts. Assessments from other sources never suggest.

use psirt_domain::{AssessmentSource, CvssRating, DomainError, FieldError};
use serde::Deserialize;
use serde_json::json;

use crate::audit::AuditDraft;
use crate::model::parse_opt;
use crate::{Actor, CvssAssessment, Result, Store, StoreError};

const ASSESSMENT_COLUMNS: &str = "id, case_id, version, vector, score, severity, source, authoritative, note, created_by, created_at, superseded_at, superseded_by";

/// Longest accepted vector (a full CVSS 4.0 vector with every metric is about 250 characters).
const MAX_VECTOR: usize = 512;
/// Longest note on an assessment.
const MAX_NOTE: usize = 2000;

/// An assessment to record on a case.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAssessment {
    /// A CVSS vector, e.g. `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`. The PSIRT's own
    /// assessments must be CVSS 3.1 or 4.0.
    pub vector: String,
    /// Defaults to `psirt` (the authoritative assessment).
    #[serde(default)]
    pub source: AssessmentSource,
    /// Why, or where it comes from (e.g. the NVD record).
    #[serde(default)]
    pub note: String,
}

/// What `set_cvss_assessment` did.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentSet {
    pub assessment: CvssAssessment,
    /// The assessment it superseded, if any (as it is now stored).
    pub superseded: Option<CvssAssessment>,
}

/// Parses and scores `vector`, or says what is wrong with it in the field `vector`.
fn score(new: &NewAssessment) -> Result<(psirt_cvss::Cvss, CvssRating)> {
    let invalid = |message: String| -> StoreError {
        DomainError::Invalid(vec![FieldError::new("vector", message)]).into()
    };
    if new.vector.len() > MAX_VECTOR {
        return Err(invalid(format!("is longer than {MAX_VECTOR} characters")));
    }
    let mut errors = Vec::new();
    psirt_domain::report::check_text(&mut errors, "note", &new.note, MAX_NOTE, false);
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors).into());
    }
    let cvss = psirt_cvss::parse(&new.vector).map_err(|e| invalid(e.to_string()))?;
    new.source.check_version(cvss.version().as_str())?;
    // psirt-cvss and the domain spell the qualitative ratings the same way.
    let rating: CvssRating = cvss.severity().as_str().parse()?;
    Ok((cvss, rating))
}

impl Store {
    /// Records a CVSS assessment on a case, superseding the current one of the same source and
    /// version. An authoritative assessment also suggests the case severity (see the module
    /// docs and `psirt_domain::SeverityState::suggest`). One transaction, with the events
    /// `case.cvss_assessment_set` and, when there is a suggestion, `case.severity_suggested`.
    pub async fn set_cvss_assessment(
        &self,
        actor: &Actor,
        case_id: i64,
        new: NewAssessment,
    ) -> Result<AssessmentSet> {
        let (cvss, rating) = score(&new)?;
        let version = cvss.version().as_str();
        let vector = cvss.vector();
        let score = cvss.score();
        let source = new.source;
        let note = new.note.trim().to_owned();
        let now = self.now();
        let (id, superseded_id) = with_tx!(self, tx => {
            // Lock the case row first: concurrent assessments of one case take turns, so the
            // supersede below and the severity decision see each other's result.
            let locked: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
                "UPDATE cases SET updated_at = $1 WHERE id = $2 RETURNING severity, suggested_severity, severity_source",
            )
            .bind(now)
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (sev, sug, src) = locked.ok_or(StoreError::NotFound("case"))?;
            let before = psirt_domain::SeverityState {
                severity: parse_opt(sev, "severity")?,
                suggested: parse_opt(sug, "suggested severity")?,
                source: parse_opt(src, "severity source")?,
            };
            let old: Option<(i64, String, f64, String)> = sqlx::query_as(
                "UPDATE cvss_assessments SET superseded_at = $1 \
                 WHERE case_id = $2 AND version = $3 AND source = $4 AND superseded_at IS NULL \
                 RETURNING id, vector, score, severity",
            )
            .bind(now)
            .bind(case_id)
            .bind(version)
            .bind(source.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO cvss_assessments (case_id, version, vector, score, severity, source, authoritative, note, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(case_id)
            .bind(version)
            .bind(&vector)
            .bind(score)
            .bind(rating.as_str())
            .bind(source.as_str())
            .bind(source.is_authoritative())
            .bind(&note)
            .bind(actor.user_id())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "a current assessment of this version and source"))?;
            if let Some((old_id, ..)) = &old {
                sqlx::query("UPDATE cvss_assessments SET superseded_by = $1 WHERE id = $2")
                    .bind(id)
                    .bind(old_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let superseded = old.as_ref().map(|(old_id, v, s, r)| json!({"id": old_id, "vector": v, "score": s, "severity": r}));
            let mut set = json!({
                "id": id, "version": version, "vector": vector, "score": score, "severity": rating,
                "source": source, "authoritative": source.is_authoritative(),
            });
            if !note.is_empty() {
                set["note"] = json!(note);
            }
            let mut draft = AuditDraft::new(actor, "case", case_id, "case.cvss_assessment_set").after(set);
            if let Some(s) = superseded {
                draft = draft.before(json!({ "superseded": s }));
            }
            audit!(tx, self, draft);

            if source.is_authoritative() {
                let suggested = rating.suggested_severity();
                let after = before.suggest(suggested);
                sqlx::query("UPDATE cases SET severity = $1, severity_source = $2, suggested_severity = $3 WHERE id = $4")
                    .bind(after.severity.map(|s| s.as_str()))
                    .bind(after.source.map(|s| s.as_str()))
                    .bind(after.suggested.map(|s| s.as_str()))
                    .bind(case_id)
                    .execute(&mut *tx)
                    .await?;
                // A 0.0 score suggests nothing: the previous suggestion is withdrawn silently
                // (the assessment event above says why), the severity is left alone.
                if let Some(s) = suggested {
                    audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.severity_suggested")
                        .before(json!({"severity": before.severity, "suggested": before.suggested, "severity_source": before.source}))
                        .after(json!({
                            "suggested": s,
                            "from": {"assessment_id": id, "version": version, "vector": vector, "score": score, "severity": rating},
                            "severity": after.severity,
                            "severity_source": after.source,
                            "applied": before.follows_suggestions(),
                        })));
                }
                sync_clocks!(tx, self, actor, case_id);
            }
            // A CVSS-suggested S1 starts the escalation checklist like an analyst's.
            start_runbook!(tx, self, actor, case_id);
            (id, old.map(|o| o.0))
        });
        let assessment = self.cvss_assessment(id).await?;
        let superseded = match superseded_id {
            Some(old) => Some(self.cvss_assessment(old).await?),
            None => None,
        };
        Ok(AssessmentSet {
            assessment,
            superseded,
        })
    }

    /// One assessment by id (no access check: callers check the case).
    pub async fn cvss_assessment(&self, id: i64) -> Result<CvssAssessment> {
        let row: Option<CvssAssessment> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ASSESSMENT_COLUMNS} FROM cvss_assessments WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.ok_or(StoreError::NotFound("CVSS assessment"))
    }

    /// Every assessment of a case, current and superseded, oldest first (no access check:
    /// callers check the case).
    pub async fn cvss_assessments(&self, case_id: i64) -> Result<Vec<CvssAssessment>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {ASSESSMENT_COLUMNS} FROM cvss_assessments WHERE case_id = $1 ORDER BY id"
            )))
            .bind(case_id)
            .fetch_all(p)
            .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cvss_rating_has_a_domain_name() {
        for (vector, rating) in [
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
                CvssRating::None,
            ),
            (
                "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
                CvssRating::Low,
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N",
                CvssRating::Medium,
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N",
                CvssRating::High,
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                CvssRating::Critical,
            ),
        ] {
            let new = NewAssessment {
                vector: vector.into(),
                source: AssessmentSource::Psirt,
                note: String::new(),
            };
            assert_eq!(score(&new).map(|s| s.1).ok(), Some(rating), "{vector}");
        }
    }

    #[test]
    fn bad_vectors_name_the_field_and_keep_the_parsers_message() {
        let new = |v: &str, source| NewAssessment {
            vector: v.into(),
            source,
            note: String::new(),
        };
        let msg = |r: Result<_>| match r {
            Err(StoreError::Domain(DomainError::Invalid(e))) => {
                assert_eq!(e[0].field, "vector");
                e[0].message.clone()
            }
            other => panic!("{:?}", other.map(|_: (psirt_cvss::Cvss, CvssRating)| ())),
        };
        let m = msg(score(&new("CVSS:3.1/AV:Q", AssessmentSource::Psirt)));
        assert!(m.contains("invalid value `Q` for metric AV"), "{m}");
        let m = msg(score(&new(
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            AssessmentSource::Psirt,
        )));
        assert!(m.contains("3.1 or 4.0"), "{m}");
        assert!(score(&new(
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            AssessmentSource::Nvd
        ))
        .is_ok());
        let m = msg(score(&new(&"x".repeat(600), AssessmentSource::Psirt)));
        assert!(m.contains("longer"), "{m}");
    }
}
