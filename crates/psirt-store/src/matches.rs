//! Matches (intel record × component instance) as the engine reports them, the upstream queue,
//! and the analyst's decision on each: open an upstream case or dismiss with a VEX justification.
//!
//! Rows are never deleted. A match the engine retracts goes inactive (and leaves the queue); one
//! that comes back is active again with its decision kept. A dismissal holds until the record's
//! content changes (see `intel.rs`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use psirt_domain::deadline::cra::{AwarenessSource, CraReporting, CraTrack};
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
    /// New rows that keep a dismissal: the same package in the same product version was dismissed before its
    /// component row was replaced (an SBOM re-import that dropped it and one that brought it back), and the record
    /// has not changed since. They do not enter the queue.
    pub kept_dismissed: usize,
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
    /// The item's first record id: what its links and decisions name (any of `record_ids` decides the same).
    pub record_id: String,
    /// Every record of the item: those describing the same vulnerability (`psirt_domain::upstream`), sorted. A
    /// decision covers them all.
    pub record_ids: Vec<String>,
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
    /// What a decision is made on: the content of the item's records (every source) and of their aliases' records
    /// (a KEV entry under its CVE), and its undecided matches. Sent back with a dismissal, which is refused when
    /// any of it has changed since (see [`Store::dismiss_matches`]).
    pub revision: String,
    /// Open cases already covering the vulnerability: linked to a record that shares a name with the item's records
    /// (an id or alias). The item's matches can be added to one ([`Store::add_upstream_to_case`]) instead of opening
    /// a second case.
    pub open_cases: Vec<i64>,
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
    /// A product version's findings only: how the component got into the product — component keys from one of
    /// the product's direct dependencies down to the component ([`Store::dependency_paths`]); none when the SBOM's
    /// dependency edges do not connect it to the product (absent then, and on other findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency_path: Option<Vec<String>>,
    /// The versions that fix the component by the matching record's ranges (psirt-match's `fixed_versions`): filled
    /// in by the server, empty when no fixed version is known.
    pub fixed_versions: Vec<String>,
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
    epss,
    dependency_path = None,
    fixed_versions = Vec::new()
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

pub(crate) const FINDING_SELECT: &str = concat!("SELECT m.id AS match_id, m.record_id, m.component_id, m.product_version_id, p.name AS product, \
     pv.version, m.purl, m.status, m.case_id, m.justification, \
     (SELECT r.summary FROM intel_records r WHERE r.record_id = m.record_id AND r.summary IS NOT NULL \
        ORDER BY r.withdrawn IS NOT NULL, r.match_input IS NULL, r.id LIMIT 1) AS summary, \
     (SELECT MAX(r.cvss_score) FROM intel_records r WHERE r.record_id = m.record_id AND r.withdrawn IS NULL) AS cvss_score, \
     EXISTS (SELECT 1 FROM intel_records r WHERE r.exploited AND r.withdrawn IS NULL AND r.record_id IN (", own_names!(), ")) AS exploited, \
     (SELECT MAX(e.score) FROM epss_scores e WHERE e.cve IN (", own_names!(), ")) AS epss \
     FROM matches m JOIN product_versions pv ON pv.id = m.product_version_id JOIN products p ON p.id = pv.product_id");

/// The undecided match rows of `record_id`'s queue item (every record of the same vulnerability), locked in (record,
/// component) order — as `apply_match_changes` and an intel import take them —, before the audit head: taken the
/// other way round, an opening and a dismissal of the same record deadlock on PostgreSQL. Conflict when there are
/// none (another analyst decided first). Gives the item's names (its records' ids and aliases) and the rows.
macro_rules! lock_undecided {
    ($tx:ident, $store:expr, $record_id:expr) => {{
        let names: Vec<(String, Option<String>)> = sqlx::query_as(crate::queue::QUEUED_NAMES)
            .fetch_all(&mut *$tx)
            .await?;
        let group = crate::queue::group_of(crate::queue::queue_groups(&names), $record_id);
        let undecided: Vec<i64> = with_ids!(
            "SELECT id FROM matches WHERE status = 'new' AND active AND record_id IN",
            &group,
            format!(
                "ORDER BY record_id{}, component_id{}",
                $store.bytewise(),
                $store.for_update()
            )
        )
        .build_query_scalar()
        .fetch_all(&mut *$tx)
        .await?;
        if undecided.is_empty() {
            return Err(StoreError::Conflict(format!(
                "{} has no undecided matches in the upstream queue",
                $record_id
            )));
        }
        (crate::queue::item_names(&group, &names), undecided)
    }};
}

/// Claims the locked undecided matches for a case: (id, product version, record id, purl) of those still `new` (the
/// claim decides: matches another decision took first are not).
macro_rules! claim_for_case {
    ($tx:ident, $undecided:expr, $case_id:expr, $actor:expr, $now:expr) => {{
        let list = $undecided.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let claimed: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE matches SET status = 'case_opened', case_id = $1, decided_by = $2, decided_at = $3, updated_at = $3 \
             WHERE id IN ({list}) AND status = 'new' AND active RETURNING id, product_version_id, record_id, purl"
        )))
        .bind($case_id)
        .bind($actor.user_id())
        .bind($now)
        .fetch_all(&mut *$tx)
        .await?;
        claimed
    }};
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
        // Retractions first: a package dropped and brought back in one change (two component rows, one of them
        // retracted) keeps its dismissal, which only a retracted dismissed row passes on.
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
        for chunk in added.chunks(BATCH) {
            with_tx!(self, tx => {
                // Per record: the new rows that kept a dismissal, and the rows they kept it from.
                let mut kept: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
                // The (record, product version) pairs with a retracted dismissal to keep, read once for the chunk: a
                // new match of any other pair is raised without looking (the common case, a first import).
                let records: BTreeSet<&String> = chunk.iter().map(|m| &m.record_id).collect();
                let retracted_dismissals: HashSet<(String, i64)> = with_ids!(
                    "SELECT DISTINCT record_id, product_version_id FROM matches WHERE NOT active AND status = 'dismissed' AND record_id IN",
                    &records,
                    ""
                )
                .build_query_as()
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
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
                            // A dismissal of the same package in the same product version, on a row whose component
                            // was replaced, holds: still `dismissed` means the record has not changed since (a change
                            // re-raises a record's dismissed rows, retracted ones too: `upsert_intel_records`).
                            // Locked (PostgreSQL), or skipped when an import holds it (it is resetting the record's
                            // dismissals: the match is raised, as the reset would have raised it). An import that
                            // locks them later waits for this transaction and, once it has them, reads them again:
                            // it sees the row kept here, and resets it too. Skipping, never waiting: no lock order
                            // to keep with imports, which lock records before matches.
                            let may_keep = retracted_dismissals.contains(&(m.record_id.clone(), m.product_version_id));
                            let from: Option<i64> = if !may_keep { None } else { sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                                "SELECT o.id FROM components c JOIN matches o ON o.record_id = $1 AND o.product_version_id = $2 \
                                 AND o.purl = COALESCE(c.purl, c.component_key) AND NOT o.active AND o.status = 'dismissed' \
                                 WHERE c.id = $3 ORDER BY o.decided_at DESC, o.id DESC LIMIT 1{}",
                                self.for_update_of_skip_locked("o")
                            )))
                            .bind(&m.record_id).bind(m.product_version_id).bind(m.component_id)
                            .fetch_optional(&mut *tx)
                            .await? };
                            if let Some(from) = from {
                                // None when the component is gone meanwhile (a re-import after the engine read it)
                                // or another engine wrote the row first.
                                let id: Option<i64> = sqlx::query_scalar(
                                    "INSERT INTO matches (record_id, component_id, product_version_id, purl, record_sha256, status, justification, \
                                     note, decided_by, decided_at, first_seen_at, raised_at, updated_at) \
                                     SELECT $1, c.id, $2, COALESCE(c.purl, c.component_key), o.record_sha256, 'dismissed', o.justification, \
                                     o.note, o.decided_by, o.decided_at, $3, $3, $3 FROM components c, matches o WHERE c.id = $4 AND o.id = $5 \
                                     ON CONFLICT (record_id, component_id) DO NOTHING RETURNING id",
                                )
                                .bind(&m.record_id).bind(m.product_version_id).bind(now).bind(m.component_id).bind(from)
                                .fetch_optional(&mut *tx)
                                .await?;
                                if let Some(id) = id {
                                    kept.entry(m.record_id.as_str()).or_default().push((id, from));
                                    applied.kept_dismissed += 1;
                                }
                                continue;
                            }
                            // Nothing when the component is gone meanwhile (a re-import after the engine read it) or
                            // another engine raised the match first (two servers, a CLI beside a server).
                            let done = sqlx::query(
                                "INSERT INTO matches (record_id, component_id, product_version_id, purl, record_sha256, first_seen_at, raised_at, updated_at) \
                                 SELECT $1, c.id, $2, COALESCE(c.purl, c.component_key), \
                                 COALESCE((SELECT MIN(r.content_sha256) FROM intel_records r WHERE r.record_id = $1), ''), $3, $3, $3 \
                                 FROM components c WHERE c.id = $4 ON CONFLICT (record_id, component_id) DO NOTHING",
                            )
                            .bind(&m.record_id).bind(m.product_version_id).bind(now).bind(m.component_id)
                            .execute(&mut *tx)
                            .await?;
                            applied.raised += usize::try_from(done.rows_affected()).unwrap_or(0);
                        }
                    }
                }
                for (record_id, pairs) in &kept {
                    let (matches, from): (Vec<i64>, Vec<i64>) = pairs.iter().copied().unzip();
                    audit!(tx, self, AuditDraft::new(&Actor::System("matching"), "intel_record", *record_id, "match.dismissal_kept")
                        .after(json!({"record_id": record_id, "matches": matches, "kept_from": from})));
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

    /// Moves the match generation without a change to what matching reads: the stored matches may lag behind it (a
    /// full re-match gave up on a store that kept changing), and every engine is to reload and reconcile at its next
    /// use.
    pub async fn mark_matches_behind(&self) -> Result<()> {
        with_tx!(self, tx => {
            bump_match_generation!(tx);
        });
        Ok(())
    }

    /// The generation of what matching reads: one more for every committed transaction that changed intel records
    /// or a product version's components (`upsert_intel_records` once per call that inserted or updated a record,
    /// `import_sbom` once per call).
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

    /// Active matches not dismissed of a product's versions: what its page sums up per version.
    pub async fn product_findings(&self, product_id: i64) -> Result<Vec<Finding>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{FINDING_SELECT} WHERE m.active AND m.status <> 'dismissed' AND pv.product_id = $1 ORDER BY m.product_version_id, m.record_id"
            )))
            .bind(product_id)
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
            // Every record of the queue item: the case covers the same vulnerability under all its ids.
            let (_, undecided) = lock_undecided!(tx, self, record_id);
            let case_id = insert_case!(tx, self, actor, &new, &title, now);
            // The claim decides: matches another opening took first are no longer `new`.
            let claimed: Vec<(i64, i64, String)> = claim_for_case!(tx, &undecided, case_id, actor, now)
                .into_iter()
                .map(|(id, pv, record, _)| (id, pv, record))
                .collect();
            if claimed.is_empty() {
                // Dropping the transaction rolls the case back.
                return Err(StoreError::Conflict(format!(
                    "{record_id} has no undecided matches in the upstream queue"
                )));
            }
            let linked: BTreeSet<&str> = claimed.iter().map(|(_, _, r)| r.as_str()).collect();
            for linked_id in &linked {
                sqlx::query("INSERT INTO case_intel_links (case_id, record_id, created_at) VALUES ($1, $2, $3)")
                    .bind(case_id).bind(*linked_id).bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let mut ids: Vec<i64> = claimed.iter().map(|&(id, _, _)| id).collect();
            ids.sort_unstable();
            let pv_set: BTreeSet<i64> = claimed.iter().map(|&(_, pv, _)| pv).collect();
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
                "record_id": record_id, "records": linked, "matches": ids, "affects_under_investigation": pv_set,
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

    /// Adds a queue item's undecided matches to an open case that already covers the vulnerability (a product
    /// version hit after the case was opened): the matches are claimed by the case, its records linked to it, and
    /// each newly hit product version gets an `under_investigation` affect (an affect the case already has for a
    /// version is kept as it is, but "not affected", said without the new component, goes back under investigation).
    /// Returns the number of matches claimed. Locks as [`Store::open_upstream_case`] does. Conflict when nothing is
    /// undecided any more or the case is closed or rejected; invalid (`case_id`) when the case is linked to no record
    /// of the vulnerability.
    pub async fn add_upstream_to_case(
        &self,
        actor: &Actor,
        record_id: &str,
        case_id: i64,
    ) -> Result<usize> {
        let now = self.now();
        Ok(with_tx!(self, tx => {
            let (item_names, undecided) = lock_undecided!(tx, self, record_id);
            let state: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT state FROM cases WHERE id = $1{}",
                self.for_share()
            )))
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?;
            match state.as_deref() {
                None => return Err(StoreError::NotFound("case")),
                Some("closed" | "rejected") => {
                    return Err(StoreError::Conflict(format!(
                        "case {case_id} is closed: open a new upstream case instead"
                    )))
                }
                Some(_) => {}
            }
            // Only a case that covers the vulnerability (linked to a record sharing a name with the item's): a
            // mistyped id must not file one vulnerability's matches under another's case.
            let case_names: Vec<(i64, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE l.case_id = $1",
                crate::queue::CASE_LINK_NAMES
            )))
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await?;
            let covers = case_names
                .iter()
                .flat_map(|(_, id, alias)| std::iter::once(id).chain(alias))
                .any(|name| item_names.contains(name));
            if !covers {
                return Err(psirt_domain::DomainError::Invalid(vec![psirt_domain::FieldError::new(
                    "case_id",
                    format!("case {case_id} does not cover {record_id} (no record of this vulnerability is linked to it): open an upstream case instead"),
                )])
                .into());
            }
            let claimed = claim_for_case!(tx, &undecided, case_id, actor, now);
            let claimed_purls: Vec<(i64, String)> =
                claimed.iter().map(|(_, pv, _, purl)| (*pv, purl.clone())).collect();
            let claimed: Vec<(i64, i64, String)> =
                claimed.into_iter().map(|(id, pv, record, _)| (id, pv, record)).collect();
            if claimed.is_empty() {
                return Err(StoreError::Conflict(format!(
                    "{record_id} has no undecided matches in the upstream queue"
                )));
            }
            let linked: BTreeSet<&str> = claimed.iter().map(|(_, _, r)| r.as_str()).collect();
            for linked_id in &linked {
                sqlx::query(
                    "INSERT INTO case_intel_links (case_id, record_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (case_id, record_id) DO NOTHING",
                )
                .bind(case_id).bind(*linked_id).bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let mut ids: Vec<i64> = claimed.iter().map(|&(id, _, _)| id).collect();
            ids.sort_unstable();
            let pv_set: BTreeSet<i64> = claimed.iter().map(|&(_, pv, _)| pv).collect();
            let mut added: Vec<i64> = Vec::new();
            let mut reopened: Vec<(i64, Option<String>, String)> = Vec::new();
            for pv in &pv_set {
                let inserted = sqlx::query(
                    "INSERT INTO affects (case_id, product_version_id, status, created_at, updated_at) VALUES ($1, $2, 'under_investigation', $3, $3) \
                     ON CONFLICT (case_id, product_version_id) DO NOTHING",
                )
                .bind(case_id).bind(pv).bind(now)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() > 0 {
                    added.push(*pv);
                    continue;
                }
                // "Not affected" was said of the version without a package it ships now: that puts it under
                // investigation again (affected and fixed stay: they cover the new component too). A package the case
                // already had for the version changes nothing: through another record of the vulnerability (its
                // GHSA after its PYSEC), or a component dropped and brought back by SBOM re-imports.
                let purls: BTreeSet<&str> = claimed_purls
                    .iter()
                    .filter(|(claimed_pv, _)| claimed_pv == pv)
                    .map(|(_, purl)| purl.as_str())
                    .collect();
                let mut new_to_case = false;
                for purl in purls {
                    let had: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM matches WHERE case_id = $1 AND product_version_id = $2 AND purl = $3",
                    )
                    .bind(case_id).bind(pv).bind(purl)
                    .fetch_all(&mut *tx)
                    .await?;
                    // The matches just claimed are the case's now too: they are not what it had.
                    new_to_case |= had.iter().all(|id| ids.binary_search(id).is_ok());
                }
                if !new_to_case {
                    continue;
                }
                // What was said goes into the audit event; the statement went with the "not affected".
                let said: Option<(Option<String>, String)> = sqlx::query_as(
                    "SELECT justification, statement FROM affects WHERE case_id = $1 AND product_version_id = $2 AND status = 'not_affected'",
                )
                .bind(case_id).bind(pv)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((justification, statement)) = said {
                    // Only while it is still "not affected": an analyst's change committed since the read above (on
                    // PostgreSQL nothing locks the row in between) stays as it is.
                    let changed = sqlx::query(
                        "UPDATE affects SET status = 'under_investigation', justification = NULL, statement = '', updated_at = $3 \
                         WHERE case_id = $1 AND product_version_id = $2 AND status = 'not_affected'",
                    )
                    .bind(case_id).bind(pv).bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if changed.rows_affected() > 0 {
                        reopened.push((*pv, justification, statement));
                    }
                }
            }
            added.extend(reopened.iter().map(|(pv, _, _)| *pv));
            added.sort_unstable();
            let reopened: Vec<serde_json::Value> = reopened
                .iter()
                .map(|(pv, justification, statement)| json!({
                    "product_version_id": pv, "justification": justification, "statement": statement,
                }))
                .collect();
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.upstream_add").after(json!({
                "record_id": record_id, "records": linked, "matches": ids, "affects_under_investigation": added,
                "not_affected_reopened": reopened,
            })));
            claimed.len()
        }))
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
