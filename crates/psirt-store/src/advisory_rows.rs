//! Reading advisories back: rows to [`AdvisoryRecord`]s, the lists, and the stored bytes of a
//! rendering (see `advisories.rs` for the writes).

use std::collections::HashMap;

use psirt_domain::{Acknowledgment, AdvisoryContent, AdvisoryId, Reference, Revision};
use serde_json::json;
use time::OffsetDateTime;

use crate::advisories::{
    parse_version, AdvisoryCase, AdvisoryRecord, PublicationGeneration, RenderingInfo,
    StoredRevision,
};
use crate::{Result, Store, StoreError};

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
from_row!(AdvisoryRow {
    id,
    prefix,
    year,
    number,
    title,
    summary,
    notes,
    references_json,
    acknowledgments_json,
    tlp,
    status,
    created_at,
    updated_at
});

struct RevisionRow {
    advisory_id: i64,
    id: i64,
    seq: i64,
    version: String,
    status: String,
    summary: String,
    published_at: OffsetDateTime,
}
from_row!(RevisionRow {
    advisory_id,
    id,
    seq,
    version,
    status,
    summary,
    published_at
});

/// Which advisories [`Store::load_advisories`] reads.
#[derive(Clone, Copy)]
enum Which {
    All,
    Pk(i64),
    /// Those covering this case.
    Case(i64),
}

impl Which {
    /// A condition on `advisories` (fixed SQL: the value is bound as `$1`).
    fn condition(self) -> &'static str {
        match self {
            Which::All => "1 = 1",
            Which::Pk(_) => "id = $1",
            Which::Case(_) => "id IN (SELECT advisory_id FROM advisory_cases WHERE case_id = $1)",
        }
    }

    fn value(self) -> Option<i64> {
        match self {
            Which::All => None,
            Which::Pk(v) | Which::Case(v) => Some(v),
        }
    }
}

/// `sql` (built from [`Which::condition`] and constants) with `which`'s value bound, all rows.
macro_rules! fetch_which {
    ($store:expr, $which:expr, $sql:expr) => {
        with_pool!($store, p => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe($sql));
            match $which.value() {
                Some(v) => q.bind(v),
                None => q,
            }
            .fetch_all(p)
            .await?
        })
    };
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
        self.load_advisories(Which::All).await
    }

    /// The advisories covering a case.
    pub async fn case_advisories(&self, case_id: i64) -> Result<Vec<AdvisoryRecord>> {
        let mut out = self.load_advisories(Which::Case(case_id)).await?;
        out.sort_by_key(|a| a.pk);
        Ok(out)
    }

    /// What has been published, in one cheap query: changes whenever a revision is published. Revisions and their
    /// renderings are only ever inserted, together (`publish_advisory`), never changed or deleted, so the count
    /// of revisions grows with every publication; the highest id is a second witness. Callers may cache what they
    /// derive from the published revisions under this value.
    pub async fn publication_generation(&self) -> Result<PublicationGeneration> {
        let (count, last): (i64, i64) = with_pool!(self, p => {
            sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM advisory_revisions")
                .fetch_one(p)
                .await?
        });
        Ok(PublicationGeneration { count, last })
    }

    /// Every advisory's latest published CSAF document in one query: advisory pk → (revision seq, bytes).
    pub async fn latest_csaf_documents(&self) -> Result<HashMap<i64, (i64, Vec<u8>)>> {
        let rows: Vec<(i64, i64, Vec<u8>)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT v.advisory_id, v.seq, r.body FROM advisory_renderings r \
                 JOIN advisory_revisions v ON v.id = r.revision_id \
                 WHERE r.kind = 'csaf' AND r.name = '' \
                 AND v.seq = (SELECT MAX(seq) FROM advisory_revisions l WHERE l.advisory_id = v.advisory_id)",
            )
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(pk, seq, body)| (pk, (seq, body)))
            .collect())
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
        self.load_advisories(Which::Pk(pk))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("advisory"))
    }

    /// The advisories `which` names, newest first, with their cases, revisions and renderings: four queries however
    /// many advisories (not four per advisory and one per revision: the public CSAF directory lists them all on
    /// every request).
    async fn load_advisories(&self, which: Which) -> Result<Vec<AdvisoryRecord>> {
        let cond = which.condition();
        let rows: Vec<AdvisoryRow> = fetch_which!(self, which, format!(
            "SELECT {ADVISORY_COLUMNS} FROM advisories WHERE {cond} ORDER BY year DESC, number DESC, id DESC"
        ));
        let in_set = format!("advisory_id IN (SELECT id FROM advisories WHERE {cond})");
        let cases: Vec<(i64, i64, String)> = fetch_which!(self, which, format!(
            "SELECT advisory_id, case_id, cve_ids FROM advisory_cases WHERE {in_set} ORDER BY advisory_id, position"
        ));
        let revs: Vec<RevisionRow> = fetch_which!(self, which, format!(
            "SELECT advisory_id, id, seq, version, status, summary, published_at FROM advisory_revisions \
             WHERE {in_set} ORDER BY advisory_id, seq"
        ));
        let renderings: Vec<(i64, String, String, String, String)> = fetch_which!(self, which, format!(
            "SELECT revision_id, kind, name, media_type, sha256 FROM advisory_renderings \
             WHERE revision_id IN (SELECT id FROM advisory_revisions WHERE {in_set}) ORDER BY revision_id, kind, name"
        ));
        let mut cases_of: HashMap<i64, Vec<AdvisoryCase>> = HashMap::new();
        for (advisory, case_id, cves) in cases {
            let cve_ids = serde_json::from_str(&cves).map_err(|_| corrupt("cve ids", &cves))?;
            cases_of
                .entry(advisory)
                .or_default()
                .push(AdvisoryCase { case_id, cve_ids });
        }
        let mut renderings_of: HashMap<i64, Vec<RenderingInfo>> = HashMap::new();
        for (revision, kind, name, media_type, sha256) in renderings {
            renderings_of
                .entry(revision)
                .or_default()
                .push(RenderingInfo {
                    kind,
                    name,
                    media_type,
                    sha256,
                });
        }
        let mut revisions_of: HashMap<i64, Vec<StoredRevision>> = HashMap::new();
        for r in revs {
            revisions_of
                .entry(r.advisory_id)
                .or_default()
                .push(StoredRevision {
                    seq: r.seq,
                    revision: Revision {
                        number: parse_version(&r.version)?,
                        date: r.published_at,
                        summary: r.summary,
                        status: label(&r.status, "advisory status")?,
                    },
                    renderings: renderings_of.remove(&r.id).unwrap_or_default(),
                });
        }
        rows.into_iter()
            .map(|row| {
                let cases = cases_of.remove(&row.id).unwrap_or_default();
                let revisions = revisions_of.remove(&row.id).unwrap_or_default();
                advisory_record(row, cases, revisions)
            })
            .collect()
    }
}

/// One advisory from its row and its already-read cases and revisions.
fn advisory_record(
    row: AdvisoryRow,
    cases: Vec<AdvisoryCase>,
    revisions: Vec<StoredRevision>,
) -> Result<AdvisoryRecord> {
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
        cases,
        revisions,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
