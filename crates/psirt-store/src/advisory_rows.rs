//! Reading advisories back: rows to [`AdvisoryRecord`]s, the lists, and the stored bytes of a
//! rendering (see `advisories.rs` for the writes).

use psirt_domain::{Acknowledgment, AdvisoryContent, AdvisoryId, Reference, Revision};
use serde_json::json;
use time::OffsetDateTime;

use crate::advisories::{
    parse_version, AdvisoryCase, AdvisoryRecord, RenderingInfo, StoredRevision,
};
use crate::{Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct AdvisoryRow {
    id: i64,
    prefix: String,
    year: i64,
    number: i64,
    title: String,
    summary: String,
    notes: String,
    references_json: String,
    acknowledgments_json: String,
    tlp: String,
    status: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    id: i64,
    seq: i64,
    version: String,
    status: String,
    summary: String,
    published_at: OffsetDateTime,
}

const ADVISORY_COLUMNS: &str = "id, prefix, year, number, title, summary, notes, references_json, acknowledgments_json, tlp, status, created_at, updated_at";

pub(crate) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{v}`"))
}

pub(crate) fn label<T: serde::de::DeserializeOwned>(v: &str, what: &str) -> Result<T> {
    serde_json::from_value(json!(v)).map_err(|_| corrupt(what, v))
}

impl Store {
    pub async fn advisory(&self, id: &AdvisoryId) -> Result<AdvisoryRecord> {
        let pk: Option<i64> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT id FROM advisories WHERE prefix = $1 AND year = $2 AND number = $3")
                .bind(id.prefix())
                .bind(i64::from(id.year()))
                .bind(i64::from(id.number()))
                .fetch_optional(p)
                .await?
        });
        self.advisory_by_pk(pk.ok_or(StoreError::NotFound("advisory"))?)
            .await
    }

    /// All advisories, newest first (visibility is the caller's business: see the server).
    pub async fn advisories(&self) -> Result<Vec<AdvisoryRecord>> {
        let pks: Vec<i64> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT id FROM advisories ORDER BY year DESC, number DESC, id DESC")
                .fetch_all(p)
                .await?
        });
        let mut out = Vec::with_capacity(pks.len());
        for pk in pks {
            out.push(self.advisory_by_pk(pk).await?);
        }
        Ok(out)
    }

    /// The advisories covering a case.
    pub async fn case_advisories(&self, case_id: i64) -> Result<Vec<AdvisoryRecord>> {
        let pks: Vec<i64> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT advisory_id FROM advisory_cases WHERE case_id = $1 ORDER BY advisory_id")
                .bind(case_id)
                .fetch_all(p)
                .await?
        });
        let mut out = Vec::with_capacity(pks.len());
        for pk in pks {
            out.push(self.advisory_by_pk(pk).await?);
        }
        Ok(out)
    }

    /// The published bytes of one rendering of revision `seq`.
    pub async fn rendering(
        &self,
        id: &AdvisoryId,
        seq: i64,
        kind: &str,
        name: &str,
    ) -> Result<(RenderingInfo, Vec<u8>)> {
        let a = self.advisory(id).await?;
        let row: Option<(String, String, String, String, Vec<u8>)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT r.kind, r.name, r.media_type, r.sha256, r.body FROM advisory_renderings r \
                 JOIN advisory_revisions v ON v.id = r.revision_id \
                 WHERE v.advisory_id = $1 AND v.seq = $2 AND r.kind = $3 AND r.name = $4",
            )
            .bind(a.pk)
            .bind(seq)
            .bind(kind)
            .bind(name)
            .fetch_optional(p)
            .await?
        });
        let (kind, name, media_type, sha256, body) =
            row.ok_or(StoreError::NotFound("rendering"))?;
        Ok((
            RenderingInfo {
                kind,
                name,
                media_type,
                sha256,
            },
            body,
        ))
    }

    pub(crate) async fn advisory_by_pk(&self, pk: i64) -> Result<AdvisoryRecord> {
        let row: Option<AdvisoryRow> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ADVISORY_COLUMNS} FROM advisories WHERE id = $1")))
                .bind(pk)
                .fetch_optional(p)
                .await?
        });
        let row = row.ok_or(StoreError::NotFound("advisory"))?;
        let cases: Vec<(i64, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT case_id, cve_ids FROM advisory_cases WHERE advisory_id = $1 ORDER BY position")
                .bind(pk)
                .fetch_all(p)
                .await?
        });
        let revs: Vec<RevisionRow> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, seq, version, status, summary, published_at FROM advisory_revisions WHERE advisory_id = $1 ORDER BY seq")
                .bind(pk)
                .fetch_all(p)
                .await?
        });
        let mut revisions = Vec::with_capacity(revs.len());
        for r in revs {
            let renderings: Vec<RenderingInfo> = with_pool!(self, p => {
                sqlx::query_as("SELECT kind, name, media_type, sha256 FROM advisory_renderings WHERE revision_id = $1 ORDER BY kind, name")
                    .bind(r.id)
                    .fetch_all(p)
                    .await?
            });
            revisions.push(StoredRevision {
                seq: r.seq,
                revision: Revision {
                    number: parse_version(&r.version)?,
                    date: r.published_at,
                    summary: r.summary,
                    status: label(&r.status, "advisory status")?,
                },
                renderings,
            });
        }
        let json_list = |s: &str, what: &str| -> Result<serde_json::Value> {
            serde_json::from_str(s).map_err(|_| corrupt(what, s))
        };
        let references: Vec<Reference> =
            serde_json::from_value(json_list(&row.references_json, "references")?)
                .map_err(|_| corrupt("references", &row.references_json))?;
        let acknowledgments: Vec<Acknowledgment> =
            serde_json::from_value(json_list(&row.acknowledgments_json, "acknowledgments")?)
                .map_err(|_| corrupt("acknowledgments", &row.acknowledgments_json))?;
        let id = AdvisoryId::new(
            &row.prefix,
            i32::try_from(row.year).map_err(|_| corrupt("year", &row.year.to_string()))?,
            u32::try_from(row.number).map_err(|_| corrupt("number", &row.number.to_string()))?,
        )?;
        Ok(AdvisoryRecord {
            pk: row.id,
            id,
            content: AdvisoryContent {
                title: row.title,
                summary: row.summary,
                notes: row.notes,
                references,
                acknowledgments,
                tlp: label(&row.tlp, "tlp")?,
            },
            status: label(&row.status, "advisory status")?,
            cases: cases
                .into_iter()
                .map(|(case_id, cves)| {
                    let cve_ids =
                        serde_json::from_str(&cves).map_err(|_| corrupt("cve ids", &cves))?;
                    Ok(AdvisoryCase { case_id, cve_ids })
                })
                .collect::<Result<_>>()?,
            revisions,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
