//! Advisories: drafts covering cases, and their published revisions with the exact bytes that
//! were published. Revisions and renderings are insert-only (the 0007 migration adds database
//! triggers refusing UPDATE and DELETE): publishing again adds a revision, it never rewrites one.
//!
//! Rendering is not done here: the server builds the documents (psirt-formats) from what this
//! module returns, then hands the bytes to [`Store::publish_advisory`], which stores them only if
//! no one published in between.

use psirt_domain::{
    Acknowledgment, Advisory, AdvisoryContent, AdvisoryId, AdvisoryStatus, CreditPreference,
    DomainError, FieldError, Revision, RevisionNumber, Tlp,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::advisory_rows::corrupt;
use crate::audit::AuditDraft;
use crate::{Actor, Result, Store, StoreError};

/// A case an advisory covers and the CVE ids it contributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryCase {
    pub case_id: i64,
    #[serde(default)]
    pub cve_ids: Vec<String>,
}

/// What a draft is made of (create and edit).
#[derive(Debug, Clone, Deserialize)]
pub struct AdvisoryInput {
    #[serde(flatten)]
    pub content: AdvisoryContent,
    pub cases: Vec<AdvisoryCase>,
}

/// One stored rendering of a revision, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderingInfo {
    /// `csaf`, `vex`, `osv`, `cve` or `html`.
    pub kind: String,
    /// The CVE id for `cve`, empty otherwise.
    pub name: String,
    pub media_type: String,
    pub sha256: String,
}
from_row!(RenderingInfo {
    kind,
    name,
    media_type,
    sha256
});

/// A published revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRevision {
    /// 1 for the first revision, 2 for the next, ...: the `{n}` of the renderings' URLs.
    pub seq: i64,
    pub revision: Revision,
    pub renderings: Vec<RenderingInfo>,
}

/// A witness of the set of published revisions ([`Store::publication_generation`]): equal values, the same
/// published set; a later publication gives a higher `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicationGeneration {
    /// Revisions published so far (they are never deleted).
    pub count: i64,
    /// The highest revision row id.
    pub last: i64,
}

/// An advisory with its cases and published revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisoryRecord {
    #[serde(skip)]
    pub pk: i64,
    pub id: AdvisoryId,
    #[serde(flatten)]
    pub content: AdvisoryContent,
    pub status: AdvisoryStatus,
    pub cases: Vec<AdvisoryCase>,
    pub revisions: Vec<StoredRevision>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl AdvisoryRecord {
    /// The domain advisory (content, status, revision history), checked for consistency.
    pub fn domain(&self) -> Result<Advisory> {
        let revisions = self.revisions.iter().map(|r| r.revision.clone()).collect();
        Ok(Advisory::from_parts(
            self.id.clone(),
            self.content.clone(),
            revisions,
        )?)
    }
}

/// A rendering to store with a new revision.
#[derive(Debug, Clone)]
pub struct NewRendering {
    pub kind: &'static str,
    pub name: String,
    pub media_type: &'static str,
    pub body: Vec<u8>,
}

/// Inserts an advisory's case list, in order, inside the running transaction.
macro_rules! write_cases {
    ($tx:ident, $pk:expr, $cases:expr) => {
        for (position, c) in $cases.iter().enumerate() {
            sqlx::query(
                "INSERT INTO advisory_cases (advisory_id, case_id, position, cve_ids) VALUES ($1, $2, $3, $4)",
            )
            .bind($pk)
            .bind(c.case_id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(json!(c.cve_ids).to_string())
            .execute(&mut *$tx)
            .await?;
        }
    };
}

fn tlp_text(t: Tlp) -> &'static str {
    match t {
        Tlp::Clear => "CLEAR",
        Tlp::Green => "GREEN",
        Tlp::Amber => "AMBER",
        Tlp::Red => "RED",
    }
}

pub(crate) fn parse_version(v: &str) -> Result<RevisionNumber> {
    let parts: Vec<u32> = v
        .split('.')
        .map(|p| p.parse().map_err(|_| corrupt("revision number", v)))
        .collect::<Result<_>>()?;
    match parts[..] {
        [major, minor, patch] => Ok(RevisionNumber {
            major,
            minor,
            patch,
        }),
        _ => Err(corrupt("revision number", v)),
    }
}

/// Checks the case list: at least one case, no case twice, CVE ids well-formed and each in one
/// case only (CSAF 6.1.23).
fn check_cases(cases: &[AdvisoryCase]) -> Result<Vec<AdvisoryCase>> {
    let mut errors = Vec::new();
    if cases.is_empty() {
        errors.push(FieldError::new("cases", "must name at least one case"));
    }
    let mut seen_cases = std::collections::BTreeSet::new();
    let mut seen_cves = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter().enumerate() {
        if !seen_cases.insert(c.case_id) {
            errors.push(FieldError::new(
                format!("cases[{i}].case_id"),
                "is listed twice",
            ));
        }
        let mut cves = Vec::new();
        for (j, cve) in c.cve_ids.iter().enumerate() {
            let cve = cve.trim().to_uppercase();
            let field = format!("cases[{i}].cve_ids[{j}]");
            if !is_cve_id(&cve) {
                errors.push(FieldError::new(field, "must look like CVE-2026-12345"));
            } else if !seen_cves.insert(cve.clone()) {
                errors.push(FieldError::new(field, "is listed twice"));
            } else {
                cves.push(cve);
            }
        }
        out.push(AdvisoryCase {
            case_id: c.case_id,
            cve_ids: cves,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(DomainError::Invalid(errors).into())
    }
}

/// `CVE-YYYY-NNNN+` (the CVE JSON 5 id pattern).
pub fn is_cve_id(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("CVE"), Some(y), Some(n))
            if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())
                && (4..=19).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
    )
}

impl Store {
    /// Acknowledgments from the reports of `case_ids`, following each reporter's credit
    /// preference: named reporters by name, anonymous ones anonymously, `none` not at all.
    pub async fn report_acknowledgments(&self, case_ids: &[i64]) -> Result<Vec<Acknowledgment>> {
        let mut names = Vec::new();
        let mut anonymous = false;
        for &case_id in case_ids {
            for r in self.case_reports(case_id).await? {
                match r.credit_preference {
                    CreditPreference::Named if !r.reporter_name.trim().is_empty() => {
                        let name = r.reporter_name.trim().to_owned();
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    CreditPreference::Named | CreditPreference::Anonymous => anonymous = true,
                    CreditPreference::None => {}
                }
            }
        }
        let mut out = Vec::new();
        if !names.is_empty() {
            out.push(Acknowledgment {
                names,
                organization: None,
                summary: Some("reporting the vulnerability".into()),
            });
        }
        if anonymous {
            out.push(Acknowledgment {
                names: Vec::new(),
                organization: None,
                summary: Some("an anonymous researcher, for reporting the vulnerability".into()),
            });
        }
        Ok(out)
    }

    /// Creates a draft numbered `<prefix>-SA-<this year>-<next number>`. Without
    /// acknowledgments in the input, they come from the cases' reports.
    pub async fn create_advisory(
        &self,
        actor: &Actor,
        prefix: &str,
        input: AdvisoryInput,
    ) -> Result<AdvisoryRecord> {
        let mut content = input.content.normalised()?;
        let cases = check_cases(&input.cases)?;
        for c in &cases {
            self.case(c.case_id).await?;
        }
        if content.acknowledgments.is_empty() {
            let ids: Vec<i64> = cases.iter().map(|c| c.case_id).collect();
            content.acknowledgments = self.report_acknowledgments(&ids).await?;
        }
        let now = self.now();
        let year = now.year();
        // Validates the prefix before anything is written.
        AdvisoryId::new(prefix, year, 1)?;
        let pk: i64 = with_tx!(self, tx => {
            let highest: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(number) FROM advisories WHERE prefix = $1 AND year = $2",
            )
            .bind(prefix)
            .bind(i64::from(year))
            .fetch_one(&mut *tx)
            .await?;
            let number = highest.unwrap_or(0) + 1;
            let id = AdvisoryId::new(prefix, year, u32::try_from(number).unwrap_or(u32::MAX))?;
            let pk: i64 = sqlx::query_scalar(
                "INSERT INTO advisories (prefix, year, number, title, summary, notes, references_json, acknowledgments_json, \
                 tlp, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $11) RETURNING id",
            )
            .bind(prefix)
            .bind(i64::from(year))
            .bind(number)
            .bind(&content.title)
            .bind(&content.summary)
            .bind(&content.notes)
            .bind(json!(content.references).to_string())
            .bind(json!(content.acknowledgments).to_string())
            .bind(tlp_text(content.tlp))
            .bind(actor.user_id())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "an advisory with this number"))?;
            write_cases!(tx, pk, &cases);
            audit!(tx, self, AuditDraft::new(actor, "advisory", &id, "advisory.create")
                .after(json!({"content": content, "cases": cases})));
            pk
        });
        self.advisory_by_pk(pk).await
    }

    /// Replaces an advisory's content and cases. Published revisions keep the bytes they were
    /// published with; the edit shows in the next revision.
    pub async fn update_advisory(
        &self,
        actor: &Actor,
        id: &AdvisoryId,
        input: AdvisoryInput,
    ) -> Result<AdvisoryRecord> {
        let content = input.content.normalised()?;
        let cases = check_cases(&input.cases)?;
        for c in &cases {
            self.case(c.case_id).await?;
        }
        let before = self.advisory(id).await?;
        let now = self.now();
        with_tx!(self, tx => {
            sqlx::query(
                "UPDATE advisories SET title = $1, summary = $2, notes = $3, references_json = $4, acknowledgments_json = $5, \
                 tlp = $6, updated_at = $7 WHERE id = $8",
            )
            .bind(&content.title)
            .bind(&content.summary)
            .bind(&content.notes)
            .bind(json!(content.references).to_string())
            .bind(json!(content.acknowledgments).to_string())
            .bind(tlp_text(content.tlp))
            .bind(now)
            .bind(before.pk)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM advisory_cases WHERE advisory_id = $1")
                .bind(before.pk)
                .execute(&mut *tx)
                .await?;
            write_cases!(tx, before.pk, &cases);
            audit!(tx, self, AuditDraft::new(actor, "advisory", id, "advisory.update")
                .before(json!({"content": before.content, "cases": before.cases}))
                .after(json!({"content": content, "cases": cases})));
        });
        self.advisory_by_pk(before.pk).await
    }

    /// Stores a new revision with its renderings, provided the advisory still has
    /// `expected_seq` revisions (else someone published meanwhile: conflict, nothing stored).
    pub async fn publish_advisory(
        &self,
        actor: &Actor,
        id: &AdvisoryId,
        expected_seq: i64,
        revision: &Revision,
        renderings: Vec<NewRendering>,
    ) -> Result<AdvisoryRecord> {
        let before = self.advisory(id).await?;
        with_tx!(self, tx => {
            // Taking the row lock first serialises concurrent publishers of one advisory.
            sqlx::query("UPDATE advisories SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(revision.status.as_str())
                .bind(self.now())
                .bind(before.pk)
                .execute(&mut *tx)
                .await?;
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM advisory_revisions WHERE advisory_id = $1")
                .bind(before.pk)
                .fetch_one(&mut *tx)
                .await?;
            if count != expected_seq {
                return Err(StoreError::Conflict("another revision was published meanwhile; reload and retry".into()));
            }
            let seq = count + 1;
            let rev_pk: i64 = sqlx::query_scalar(
                "INSERT INTO advisory_revisions (advisory_id, seq, version, status, summary, published_at, published_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(before.pk)
            .bind(seq)
            .bind(revision.number.to_string())
            .bind(revision.status.as_str())
            .bind(&revision.summary)
            .bind(revision.date)
            .bind(actor.user_id())
            .fetch_one(&mut *tx)
            .await?;
            let mut hashes = Vec::new();
            for r in &renderings {
                let sha = hex::encode(Sha256::digest(&r.body));
                sqlx::query(
                    "INSERT INTO advisory_renderings (revision_id, kind, name, media_type, body, sha256) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(rev_pk)
                .bind(r.kind)
                .bind(&r.name)
                .bind(r.media_type)
                .bind(&r.body)
                .bind(&sha)
                .execute(&mut *tx)
                .await?;
                hashes.push(json!({"kind": r.kind, "name": r.name, "sha256": sha}));
            }
            audit!(tx, self, AuditDraft::new(actor, "advisory", id, "advisory.publish")
                .before(json!({"status": before.status}))
                .after(json!({"seq": seq, "revision": revision, "renderings": hashes})));
        });
        self.advisory_by_pk(before.pk).await
    }
}
