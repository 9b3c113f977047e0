//! Matches (intel record × component instance) as the engine reports them, the upstream queue,
//! and the analyst's decision on each: open an upstream case or dismiss with a VEX justification.
//!
//! Rows are never deleted. A match the engine retracts goes inactive (and leaves the queue); one
//! that comes back is active again with its decision kept. A dismissal holds until the record's
//! content changes (see `intel.rs`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use psirt_domain::deadline::cra::{AwarenessSource, CraReporting, CraTrack};
use psirt_domain::{DomainError, FieldError};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::cases::{checked_title, NewCase};
use crate::cra::clock_err;
use crate::{Actor, Case, Result, Store, StoreError};

/// Rows per multi-row statement.
const BATCH: usize = 500;

/// The VEX `not_affected` justifications (CISA's, as CSAF and OpenVEX name them).
pub const VEX_JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// One match as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatchKey {
    pub record_id: String,
    pub component_id: i64,
    pub product_version_id: i64,
}

/// What applying engine results changed in the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MatchesApplied {
    /// New rows: they enter the upstream queue.
    pub raised: usize,
    /// Inactive rows that hold again.
    pub reactivated: usize,
    pub retracted: usize,
}

/// A CISA KEV entry naming the record's CVE: the case it opens is actively exploited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevEntry {
    pub cve_id: String,
    /// When CISA added the CVE to the catalog.
    pub date_added: time::Date,
}

/// One row of the upstream queue: a record and the product versions it newly hits.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueItem {
    pub record_id: String,
    pub summary: Option<String>,
    pub aliases: Vec<String>,
    pub cvss_score: Option<f64>,
    pub exploited: bool,
    pub epss: Option<f64>,
    pub product_versions: Vec<QueueProductVersion>,
    /// When the first of its undecided matches was found.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen_at: OffsetDateTime,
    /// When one of its undecided matches last entered the queue: found, raised again after the record changed, or
    /// back after a retraction. The queue is newest first by this.
    #[serde(with = "time::serde::rfc3339")]
    pub raised_at: OffsetDateTime,
    /// What a decision is made on: the content of the id's records (every source) and its undecided matches. Sent
    /// back with a dismissal, which is refused when either has changed since (see [`Store::dismiss_matches`]).
    pub revision: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueProductVersion {
    pub product_version_id: i64,
    pub product: String,
    pub version: String,
    /// The matching components' purls.
    pub purls: Vec<String>,
}

/// A match with its decision, for product-version and vulnerability pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub match_id: i64,
    pub record_id: String,
    pub component_id: i64,
    pub product_version_id: i64,
    pub product: String,
    pub version: String,
    pub purl: String,
    pub status: String,
    pub case_id: Option<i64>,
    pub justification: Option<String>,
    pub summary: Option<String>,
    pub cvss_score: Option<f64>,
    pub exploited: bool,
    pub epss: Option<f64>,
}
from_row!(Finding {
    match_id,
    record_id,
    component_id,
    product_version_id,
    product,
    version,
    purl,
    status,
    case_id,
    justification,
    summary,
    cvss_score,
    exploited,
    epss
});

/// A match with what its record says. Several records may share the matched id (an OSV `CVE-…` record, the CVE 5
/// record, the KEV entry): the summary is the matching record's (one with match input first), the CVSS score the
/// highest of the id's current records, and "known exploited" and EPSS hold for the id or any alias its records
/// name (a GHSA match is exploited when its CVE is in KEV), not for the whole transitive alias group.
/// The match's id and the aliases its records name, as one list (`x IN (...)`, not `x = id OR x IN (...)`, so that
/// PostgreSQL probes the index for each name instead of scanning the table once per finding).
macro_rules! own_names {
    () => {
        "SELECT m.record_id UNION SELECT a.alias FROM intel_aliases a JOIN intel_records o ON o.id = a.record_pk WHERE o.record_id = m.record_id"
    };
}

const FINDING_SELECT: &str = concat!("SELECT m.id AS match_id, m.record_id, m.component_id, m.product_version_id, p.name AS product, \
     pv.version, m.purl, m.status, m.case_id, m.justification, \
     (SELECT r.summary FROM intel_records r WHERE r.record_id = m.record_id AND r.summary IS NOT NULL \
        ORDER BY r.withdrawn IS NOT NULL, r.match_input IS NULL, r.id LIMIT 1) AS summary, \
     (SELECT MAX(r.cvss_score) FROM intel_records r WHERE r.record_id = m.record_id AND r.withdrawn IS NULL) AS cvss_score, \
     EXISTS (SELECT 1 FROM intel_records r WHERE r.exploited AND r.withdrawn IS NULL AND r.record_id IN (", own_names!(), ")) AS exploited, \
     (SELECT MAX(e.score) FROM epss_scores e WHERE e.cve IN (", own_names!(), ")) AS epss \
     FROM matches m JOIN product_versions pv ON pv.id = m.product_version_id JOIN products p ON p.id = pv.product_id");

/// A queue item's revision: SHA-256 over the id's records (`(source, content hash)` in source order) and its
/// undecided matches' ids (ascending).
fn queue_revision<'a>(
    records: impl Iterator<Item = (&'a str, &'a str)>,
    undecided: impl Iterator<Item = i64>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (source, sha) in records {
        h.update(format!("record {source} {sha}\n"));
    }
    let mut ids: Vec<i64> = undecided.collect();
    ids.sort_unstable();
    for id in ids {
        h.update(format!("match {id}\n"));
    }
    hex::encode(h.finalize())
}

/// Match keys in (record, component) order.
fn in_key_order(keys: &[MatchKey]) -> Vec<&MatchKey> {
    let mut keys: Vec<&MatchKey> = keys.iter().collect();
    keys.sort_by(|a, b| (&a.record_id, a.component_id).cmp(&(&b.record_id, b.component_id)));
    keys
}

impl Store {
    /// Applies engine changes: `added` rows are raised (or reactivated), `removed` ones retracted.
    pub async fn apply_match_changes(
        &self,
        added: &[MatchKey],
        removed: &[MatchKey],
    ) -> Result<MatchesApplied> {
        let now = self.now();
        let mut applied = MatchesApplied::default();
        // Rows in (record, component) order, the order every writer of matches takes them in (an intel import takes
        // records in id order and a record's matches in component order; dismissals and upstream openings too):
        // they cannot deadlock on PostgreSQL.
        let (added, removed) = (in_key_order(added), in_key_order(removed));
        for chunk in added.chunks(BATCH) {
            with_tx!(self, tx => {
                for m in chunk {
                    let existing: Option<(i64, bool)> = sqlx::query_as(
                        "SELECT id, active FROM matches WHERE record_id = $1 AND component_id = $2",
                    )
                    .bind(&m.record_id).bind(m.component_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match existing {
                        Some((_, true)) => {}
                        Some((id, false)) => {
                            // Undecided, it enters the queue again: raised now.
                            sqlx::query(
                                "UPDATE matches SET active = TRUE, updated_at = $1, \
                                 raised_at = CASE WHEN status = 'new' THEN $1 ELSE raised_at END WHERE id = $2",
                            )
                                .bind(now).bind(id).execute(&mut *tx).await?;
                            applied.reactivated += 1;
                        }
                        None => {
                            sqlx::query(
                                "INSERT INTO matches (record_id, component_id, product_version_id, purl, record_sha256, first_seen_at, raised_at, updated_at) \
                                 SELECT $1, c.id, $2, COALESCE(c.purl, c.component_key), \
                                 COALESCE((SELECT MIN(r.content_sha256) FROM intel_records r WHERE r.record_id = $1), ''), $3, $3, $3 \
                                 FROM components c WHERE c.id = $4",
                            )
                            .bind(&m.record_id).bind(m.product_version_id).bind(now).bind(m.component_id)
                            .execute(&mut *tx)
                            .await?;
                            applied.raised += 1;
                        }
                    }
                }
            });
        }
        for chunk in removed.chunks(BATCH) {
            with_tx!(self, tx => {
                for m in chunk {
                    let done = sqlx::query(
                        "UPDATE matches SET active = FALSE, updated_at = $1 WHERE record_id = $2 AND component_id = $3 AND active",
                    )
                    .bind(now).bind(&m.record_id).bind(m.component_id)
                    .execute(&mut *tx)
                    .await?;
                    applied.retracted += usize::try_from(done.rows_affected()).unwrap_or(0);
                }
            });
        }
        Ok(applied)
    }

    /// Brings the table in line with a full re-match: `all` is every match that holds now.
    pub async fn reconcile_matches(&self, all: &[MatchKey]) -> Result<MatchesApplied> {
        let active: Vec<(String, i64, i64)> = with_pool!(self, p => {
            sqlx::query_as("SELECT record_id, component_id, product_version_id FROM matches WHERE active")
                .fetch_all(p)
                .await?
        });
        let active: HashSet<MatchKey> = active
            .into_iter()
            .map(|(record_id, component_id, product_version_id)| MatchKey {
                record_id,
                component_id,
                product_version_id,
            })
            .collect();
        let now: HashSet<&MatchKey> = all.iter().collect();
        let mut added: Vec<MatchKey> = all
            .iter()
            .filter(|m| !active.contains(*m))
            .cloned()
            .collect();
        let mut removed: Vec<MatchKey> = active
            .iter()
            .filter(|m| !now.contains(m))
            .cloned()
            .collect();
        added.sort();
        removed.sort();
        self.apply_match_changes(&added, &removed).await
    }

    /// Every component instance with a purl, for the engine: (component id, product version id, purl).
    pub async fn component_inputs(&self) -> Result<Vec<(i64, i64, String)>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT id, product_version_id, purl FROM components WHERE purl IS NOT NULL ORDER BY id")
                .fetch_all(p)
                .await?
        }))
    }

    /// The generation of what matching reads: one more for every committed transaction that changed intel records
    /// or a product version's components (`upsert_intel_records`, `import_sbom`, each counting once per call).
    /// Between a read before an import and one after it, the number moved by exactly the import's own calls only
    /// if no other writer committed in between.
    pub async fn match_generation(&self) -> Result<i64> {
        Ok(with_pool!(self, p => {
            sqlx::query_scalar("SELECT generation FROM match_inputs WHERE id = 1")
                .fetch_one(p)
                .await?
        }))
    }

    /// One product version's components with a purl: (component id, purl).
    pub async fn component_inputs_of(&self, product_version_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT id, purl FROM components WHERE product_version_id = $1 AND purl IS NOT NULL ORDER BY id")
                .bind(product_version_id)
                .fetch_all(p)
                .await?
        }))
    }

    /// Active, undecided matches grouped by record, the most recently raised first.
    pub async fn upstream_queue(&self) -> Result<Vec<QueueItem>> {
        // The records' content before the matches shown: a record changed between the two reads makes the revision
        // older than what is shown (a dismissal is refused, and the analyst looks again), never newer.
        let records: Vec<(String, String, String)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT record_id, source, content_sha256 FROM intel_records \
                 WHERE record_id IN (SELECT record_id FROM matches WHERE active AND status = 'new') ORDER BY record_id, source",
            )
            .fetch_all(p)
            .await?
        });
        let mut records_of: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (record_id, source, sha) in records {
            records_of.entry(record_id).or_default().push((source, sha));
        }
        let rows: Vec<Finding> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{FINDING_SELECT} WHERE m.active AND m.status = 'new' ORDER BY m.record_id, p.name, pv.version, m.purl"
            )))
            .fetch_all(p)
            .await?
        });
        let seen: Vec<(String, OffsetDateTime, OffsetDateTime)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT record_id, MIN(first_seen_at), MAX(COALESCE(raised_at, first_seen_at)) FROM matches \
                 WHERE active AND status = 'new' GROUP BY record_id",
            )
            .fetch_all(p)
            .await?
        });
        let seen: BTreeMap<String, (OffsetDateTime, OffsetDateTime)> = seen
            .into_iter()
            .map(|(id, first, raised)| (id, (first, raised)))
            .collect();
        let mut items: BTreeMap<String, QueueItem> = BTreeMap::new();
        let mut match_ids: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for f in rows {
            let item = items
                .entry(f.record_id.clone())
                .or_insert_with(|| QueueItem {
                    record_id: f.record_id.clone(),
                    summary: f.summary.clone(),
                    aliases: Vec::new(),
                    cvss_score: f.cvss_score,
                    exploited: f.exploited,
                    epss: f.epss,
                    product_versions: Vec::new(),
                    first_seen_at: seen
                        .get(&f.record_id)
                        .map_or(OffsetDateTime::UNIX_EPOCH, |&(first, _)| first),
                    raised_at: seen
                        .get(&f.record_id)
                        .map_or(OffsetDateTime::UNIX_EPOCH, |&(_, raised)| raised),
                    revision: String::new(),
                });
            match_ids
                .entry(f.record_id.clone())
                .or_default()
                .push(f.match_id);
            match item.product_versions.last_mut() {
                Some(pv) if pv.product_version_id == f.product_version_id => pv.purls.push(f.purl),
                _ => item.product_versions.push(QueueProductVersion {
                    product_version_id: f.product_version_id,
                    product: f.product,
                    version: f.version,
                    purls: vec![f.purl],
                }),
            }
        }
        // The aliases of every queued record in one query (one per record was N+1 on a long queue).
        let aliases: Vec<(String, String)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT DISTINCT r.record_id, a.alias FROM intel_aliases a JOIN intel_records r ON r.id = a.record_pk \
                 WHERE r.record_id IN (SELECT record_id FROM matches WHERE active AND status = 'new') \
                 ORDER BY r.record_id, a.alias",
            )
            .fetch_all(p)
            .await?
        });
        for (record_id, alias) in aliases {
            if let Some(item) = items.get_mut(&record_id) {
                item.aliases.push(alias);
            }
        }
        for item in items.values_mut() {
            let of_id = records_of
                .get(&item.record_id)
                .map_or(&[][..], Vec::as_slice);
            item.revision = queue_revision(
                of_id
                    .iter()
                    .map(|(source, sha)| (source.as_str(), sha.as_str())),
                match_ids
                    .remove(&item.record_id)
                    .unwrap_or_default()
                    .into_iter(),
            );
        }
        let mut items: Vec<QueueItem> = items.into_values().collect();
        items.sort_by(|a, b| {
            b.raised_at
                .cmp(&a.raised_at)
                .then(a.record_id.cmp(&b.record_id))
        });
        Ok(items)
    }

    /// Active matches of one product version (its components' vulnerabilities).
    pub async fn product_version_findings(&self, product_version_id: i64) -> Result<Vec<Finding>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{FINDING_SELECT} WHERE m.active AND m.product_version_id = $1 ORDER BY m.purl, m.record_id"
            )))
            .bind(product_version_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Active matches of any of `record_ids` (a vulnerability's ids).
    pub async fn record_findings(&self, record_ids: &[String]) -> Result<Vec<Finding>> {
        if record_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(with_pool!(self, p => {
            let mut q = sqlx::QueryBuilder::new(FINDING_SELECT);
            q.push(" WHERE m.active AND m.record_id IN (");
            let mut list = q.separated(", ");
            for id in record_ids {
                list.push_bind(id);
            }
            q.push(") ORDER BY p.name, pv.version, m.purl");
            q.build_query_as().fetch_all(p).await?
        }))
    }

    /// Dismisses the record's undecided matches (in one product version, or all) with a VEX
    /// justification. Returns how many were dismissed.
    ///
    /// `revision` is the [`QueueItem::revision`] the decision was made on: when given and the record's content or
    /// its undecided matches (a product version newly hit) have changed since, nothing is dismissed (Conflict), so
    /// that no dismissal covers what the analyst never saw.
    pub async fn dismiss_matches(
        &self,
        actor: &Actor,
        record_id: &str,
        product_version_id: Option<i64>,
        justification: &str,
        note: &str,
        revision: Option<&str>,
    ) -> Result<usize> {
        if !VEX_JUSTIFICATIONS.contains(&justification) {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "justification",
                format!("must be one of {}", VEX_JUSTIFICATIONS.join(", ")),
            )])
            .into());
        }
        let mut errors = Vec::new();
        psirt_domain::report::check_text(&mut errors, "note", note, 10_000, false);
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors).into());
        }
        let now = self.now();
        let n = with_tx!(self, tx => {
            // The records of the id first (shared, PostgreSQL, in the (source, id) order an import takes them): the
            // dismissal holds for the content it reads, and an import changing the record meanwhile (which resets
            // dismissals of other content) must not commit unseen between that read and this commit. An import takes
            // a record, then its matches: the same order.
            // The content read before the lock is what the decision was made against (the analyst's request came
            // before any import still running); changed once the lock is held, it is refused: review it again.
            // Record by record: a record inserted meanwhile (a new source of the id) changes nothing read.
            let records_sql = format!(
                "SELECT id, source, content_sha256 FROM intel_records WHERE record_id = $1 ORDER BY source{}",
                self.for_share()
            );
            let seen: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, source, content_sha256 FROM intel_records WHERE record_id = $1 ORDER BY source",
            )
            .bind(record_id)
            .fetch_all(&mut *tx)
            .await?;
            // After waiting for a lock, each row is its latest committed version (PostgreSQL; SQLite's write
            // transaction excludes every other writer already).
            let locked: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(records_sql))
                .bind(record_id)
                .fetch_all(&mut *tx)
                .await?;
            let changed = seen
                .iter()
                .any(|(id, _, sha)| locked.iter().any(|(l, _, now)| l == id && now != sha));
            if changed {
                return Err(StoreError::Conflict(format!(
                    "{record_id} changed while it was being dismissed: review it again"
                )));
            }
            // Lock order: the match rows (in component order, as every writer of a record's matches takes
            // them), then the audit head, as in `open_upstream_case`. Every undecided match of the record: the
            // revision covers them all.
            let undecided: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, product_version_id FROM matches WHERE record_id = $1 AND status = 'new' AND active ORDER BY component_id{}",
                self.for_update()
            )))
            .bind(record_id)
            .fetch_all(&mut *tx)
            .await?;
            // Exactly the rows read and locked: a match committed after that read (a new product version hit) is
            // not dismissed unseen.
            let mut in_scope: Vec<i64> = undecided
                .iter()
                .filter(|&&(_, pv)| product_version_id.is_none_or(|want| want == pv))
                .map(|&(id, _)| id)
                .collect();
            in_scope.sort_unstable();
            // Nothing undecided (another analyst decided first) is said as such, before any revision.
            if let (Some(expected), false) = (revision, in_scope.is_empty()) {
                let now_revision = queue_revision(
                    locked.iter().map(|(_, source, sha)| (source.as_str(), sha.as_str())),
                    undecided.iter().map(|&(id, _)| id),
                );
                if now_revision != expected {
                    return Err(StoreError::Conflict(format!(
                        "{record_id} changed since the queue was shown (its record or the product versions it hits): review it again"
                    )));
                }
            }
            let ids: Vec<i64> = if in_scope.is_empty() {
                Vec::new()
            } else {
                let list = in_scope.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "UPDATE matches SET status = 'dismissed', justification = $1, note = $2, decided_by = $3, decided_at = $4, updated_at = $4, \
                     record_sha256 = COALESCE((SELECT MIN(r.content_sha256) FROM intel_records r WHERE r.record_id = $5), record_sha256) \
                     WHERE id IN ({list}) AND status = 'new' AND active RETURNING id"
                )))
                .bind(justification).bind(note).bind(actor.user_id()).bind(now).bind(record_id)
                .fetch_all(&mut *tx)
                .await?
            };
            if !ids.is_empty() {
                audit!(tx, self, AuditDraft::new(actor, "intel_record", record_id, "match.dismiss").after(json!({
                    "record_id": record_id, "product_version_id": product_version_id, "justification": justification,
                    "note": note, "matches": ids,
                })));
            }
            ids.len()
        });
        Ok(n)
    }

    /// Opens an upstream case from a record's undecided matches: the case is linked to the record,
    /// and every product version it hits gets an `under_investigation` affect. With `kev` (the
    /// record's CVE is in CISA's KEV catalog) the case is actively exploited from the start: its
    /// CRA reporting starts too (EU CRA Art. 14), as the KEV sync would have started it.
    ///
    /// The case, its links, affects, CRA reporting and (S1/P1) escalation checklist are written in
    /// one transaction, in which the matches are claimed: of two concurrent openings of the same
    /// record (or an opening and a dismissal) one wins and the other gets Conflict, with nothing of
    /// its own left.
    pub async fn open_upstream_case(
        &self,
        actor: &Actor,
        record_id: &str,
        new: NewCase,
        kev: Option<KevEntry>,
    ) -> Result<Case> {
        let title = checked_title(&new)?;
        let now = self.now();
        let cra = kev
            .map(|k| {
                CraReporting::start(
                    CraTrack::ExploitedVulnerability,
                    now,
                    AwarenessSource::Kev {
                        cve_id: k.cve_id,
                        date_added: k.date_added,
                    },
                )
                .map_err(clock_err)
            })
            .transpose()?;
        let case_id = with_tx!(self, tx => {
            // Lock order: the record's undecided match rows first (in component order, as
            // `apply_match_changes` and an intel import take them), then the audit
            // head (taken by `insert_case!` and `audit!`), as `dismiss_matches` does: taken the
            // other way round, an opening and a dismissal of the same record deadlock on
            // PostgreSQL. (SQLite write transactions exclude each other already.)
            let undecided: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM matches WHERE record_id = $1 AND status = 'new' AND active ORDER BY component_id{}",
                self.for_update()
            )))
            .bind(record_id)
            .fetch_all(&mut *tx)
            .await?;
            if undecided.is_empty() {
                return Err(StoreError::Conflict(format!(
                    "{record_id} has no undecided matches in the upstream queue"
                )));
            }
            let case_id = insert_case!(tx, self, actor, &new, &title, now);
            // The claim decides: matches another opening took first are no longer `new`.
            let claimed: Vec<(i64, i64)> = sqlx::query_as(
                "UPDATE matches SET status = 'case_opened', case_id = $1, decided_by = $2, decided_at = $3, updated_at = $3 \
                 WHERE record_id = $4 AND status = 'new' AND active RETURNING id, product_version_id",
            )
            .bind(case_id).bind(actor.user_id()).bind(now).bind(record_id)
            .fetch_all(&mut *tx)
            .await?;
            if claimed.is_empty() {
                // Dropping the transaction rolls the case back.
                return Err(StoreError::Conflict(format!(
                    "{record_id} has no undecided matches in the upstream queue"
                )));
            }
            sqlx::query("INSERT INTO case_intel_links (case_id, record_id, created_at) VALUES ($1, $2, $3)")
                .bind(case_id).bind(record_id).bind(now)
                .execute(&mut *tx)
                .await?;
            let mut ids: Vec<i64> = claimed.iter().map(|&(id, _)| id).collect();
            ids.sort_unstable();
            let pv_set: BTreeSet<i64> = claimed.iter().map(|&(_, pv)| pv).collect();
            for pv in &pv_set {
                sqlx::query(
                    "INSERT INTO affects (case_id, product_version_id, status, created_at, updated_at) VALUES ($1, $2, 'under_investigation', $3, $3) \
                     ON CONFLICT (case_id, product_version_id) DO NOTHING",
                )
                .bind(case_id).bind(pv).bind(now)
                .execute(&mut *tx)
                .await?;
            }
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.upstream_open").after(json!({
                "record_id": record_id, "matches": ids, "affects_under_investigation": pv_set,
            })));
            if let Some(reporting) = &cra {
                // The KEV entry starts the clocks, as `kev_trigger` does on a KEV sync.
                insert_cra!(tx, self, &Actor::System("kev"), case_id, reporting);
            }
            start_runbook!(tx, self, actor, case_id);
            case_id
        });
        self.case(case_id).await
    }

    /// The intel records a case was opened from.
    pub async fn case_intel_links(&self, case_id: i64) -> Result<Vec<String>> {
        Ok(with_pool!(self, p => {
            sqlx::query_scalar("SELECT record_id FROM case_intel_links WHERE case_id = $1 ORDER BY record_id")
                .bind(case_id)
                .fetch_all(p)
                .await?
        }))
    }
}
