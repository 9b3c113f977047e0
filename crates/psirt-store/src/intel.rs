//! Intel records (OSV, CVE 5, KEV, supplier CSAF), EPSS scores and feed-import runs.
//!
//! A record is stored as received (`raw`) plus the normalised fields psirt needs; the importer
//! (psirt-server's `intel` module) converts psirt-formats' records into [`NewIntelRecord`]s so the
//! store does not depend on the codecs. Imports are idempotent (a record whose normalised
//! content hash is unchanged is left alone) and incremental (a record older than the stored one,
//! by `modified`, is skipped as stale).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use psirt_domain::upstream::canonical_id;
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::audit::AuditDraft;
use crate::{Actor, Result, Store, StoreError};

/// Records per transaction during an import.
pub const INTEL_BATCH: usize = 500;

/// A record ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIntelRecord {
    /// `osv`, `cve5`, `kev`, `csaf`.
    pub source: String,
    pub record_id: String,
    pub aliases: Vec<String>,
    pub modified: Option<OffsetDateTime>,
    pub published: Option<OffsetDateTime>,
    pub withdrawn: Option<OffsetDateTime>,
    pub summary: Option<String>,
    pub cvss_score: Option<f64>,
    pub cvss_vector: Option<String>,
    pub exploited: bool,
    /// The normalised record as JSON text.
    pub normalized: String,
    /// psirt-match's `AdvisoryInput` as JSON text, when the record names evaluable packages.
    pub match_input: Option<String>,
    pub raw: String,
    pub content_sha256: String,
}

/// What storing one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upserted {
    Inserted,
    Updated,
    /// Same content as stored.
    Unchanged,
    /// Older (`modified`) than the stored record: kept the stored one.
    Stale,
}

/// One EPSS row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEpss {
    pub cve: String,
    pub score: f64,
    pub percentile: f64,
    pub score_date: Option<Date>,
    pub model_version: Option<String>,
}

/// A stored record, without `raw` (see [`Store::intel_record_raw`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntelRecordSummary {
    pub id: i64,
    pub source: String,
    pub record_id: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub modified: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn: Option<OffsetDateTime>,
    pub summary: Option<String>,
    pub cvss_score: Option<f64>,
    pub cvss_vector: Option<String>,
    pub exploited: bool,
    pub aliases: Vec<String>,
    /// The normalised record.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub normalized: String,
}
from_row!(IntelRecordSummary { id, source, record_id, modified, published, withdrawn, summary, cvss_score, cvss_vector, exploited, aliases = Default::default(), normalized });

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EpssEntry {
    pub cve: String,
    pub score: f64,
    pub percentile: f64,
    pub score_date: Option<Date>,
    pub model_version: Option<String>,
}
from_row!(EpssEntry {
    cve,
    score,
    percentile,
    score_date,
    model_version
});

/// The merged view of one vulnerability: every record naming it under any of its ids.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vulnerability {
    /// Every id of the vulnerability, CVE ids first.
    pub ids: Vec<String>,
    pub records: Vec<IntelRecordSummary>,
    /// A current (not withdrawn) record says it is exploited (KEV catalog or CISA ADP).
    pub exploited: bool,
    pub epss: Vec<EpssEntry>,
    /// The highest CVSS base score a current record gives.
    pub cvss_score: Option<f64>,
}

/// What the records say of one id by the findings' rule ([`Vulnerability::own_facts`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnFacts {
    pub summary: Option<String>,
    pub cvss_score: Option<f64>,
    pub exploited: bool,
    pub epss: Option<f64>,
}

impl Vulnerability {
    /// The names of the record `id` itself: `id` and the aliases its records (of any source, withdrawn ones too)
    /// give. Not the whole transitive group, which can reach another CVE through a record naming two: what a
    /// finding's KEV flag and EPSS, and an upstream case's CRA start, go by (as findings' `own_names!` in SQL).
    pub fn own_names<'a>(&'a self, id: &'a str) -> Vec<&'a str> {
        std::iter::once(id)
            .chain(
                self.records
                    .iter()
                    .filter(|r| r.record_id == id)
                    .flat_map(|r| r.aliases.iter().map(String::as_str)),
            )
            .collect()
    }

    /// What a finding of `id` says of its advisory, by the rules of the findings' SQL (`FINDING_SELECT`): the
    /// summary and the highest CVSS score of the current records of `id`, and "known exploited" and EPSS of `id` and
    /// the aliases its records name ([`Vulnerability::own_names`]). Withdrawn records count for nothing. The summary
    /// is a current record's other than the KEV entry's (a terse name) when there is one; the SQL prefers the record
    /// with packages, which is usually the same.
    pub fn own_facts(&self, id: &str) -> OwnFacts {
        let own: Vec<&IntelRecordSummary> = self
            .records
            .iter()
            .filter(|r| r.record_id == id && r.withdrawn.is_none())
            .collect();
        let names = self.own_names(id);
        OwnFacts {
            summary: own
                .iter()
                .filter(|r| r.source != "kev")
                .chain(own.iter().filter(|r| r.source == "kev"))
                .find_map(|r| r.summary.clone()),
            cvss_score: own.iter().filter_map(|r| r.cvss_score).reduce(f64::max),
            exploited: self.records.iter().any(|r| {
                r.exploited && r.withdrawn.is_none() && names.contains(&r.record_id.as_str())
            }),
            epss: self
                .epss
                .iter()
                .filter(|e| names.contains(&e.cve.as_str()))
                .map(|e| e.score)
                .reduce(f64::max),
        }
    }
}

/// What one import run read, for the log (and the CLI's summary).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedImportLog {
    pub kind: String,
    /// A path or URL.
    pub origin: String,
    pub records: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub stale: u64,
    pub errors: u64,
    /// The first per-record errors (locator and message).
    pub error_report: Vec<(String, String)>,
    /// The feed source synced (none for an import from the CLI).
    pub source_id: Option<i64>,
}

impl FeedImportLog {
    pub fn count(&mut self, outcome: Upserted) {
        self.records += 1;
        match outcome {
            Upserted::Inserted => self.inserted += 1,
            Upserted::Updated => self.updated += 1,
            Upserted::Unchanged => self.unchanged += 1,
            Upserted::Stale => self.stale += 1,
        }
    }
}

/// Rounds of the alias walk: real alias groups close in two.
const ALIAS_ROUNDS: usize = 4;

/// Positions in `reachable` of the records each id names (as its `record_id` or an alias).
fn naming_index(reachable: &[IntelRecordSummary]) -> HashMap<&str, Vec<usize>> {
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    for (at, r) in reachable.iter().enumerate() {
        for id in std::iter::once(&r.record_id).chain(&r.aliases) {
            let positions = index.entry(id.as_str()).or_default();
            // A record naming one id twice (as record id and alias) is listed once.
            if positions.last() != Some(&at) {
                positions.push(at);
            }
        }
    }
    index
}

/// One id's alias walk over `reachable` (records in `source, record_id` order; `index` from [`naming_index`]): the
/// records naming any id known so far, their ids and aliases added, for at most [`ALIAS_ROUNDS`] rounds. Returns
/// every id (CVE ids first, each group sorted) and the last round's records, in `reachable`'s order.
///
/// The walk does not cross from one CVE to another: a record that would bring a CVE id into a walk that already
/// holds a different one (DRUPAL-CORE-2020-013 names CVE-2020-28948 and CVE-2020-28949; a CVE 5 record of another
/// CVE naming this one's GHSA) is listed but not followed: its own id is taken only when it is not a CVE id and it
/// names a CVE the walk holds (the DRUPAL advisory on each of its CVEs' views), its aliases never, and it counts for
/// neither the view's KEV flag nor its CVSS — else one CVE's view would take in the other's KEV entry and affected
/// product versions. An id some followed record named whose own records are all such records (a CVE 5 record
/// linking GHSA-a, which says it is CVE-1) is left out in the end: it is the other CVE's. Asked for itself, such a
/// record's walk holds no CVE yet and takes both. The third value says, per record, whether it was followed.
fn alias_walk(
    seed: &str,
    reachable: &[IntelRecordSummary],
    index: &HashMap<&str, Vec<usize>>,
) -> (Vec<String>, Vec<IntelRecordSummary>, Vec<bool>) {
    let mut ids: BTreeSet<String> = BTreeSet::from([seed.to_owned()]);
    let mut records: BTreeSet<usize> = BTreeSet::new();
    let mut followed: BTreeSet<usize> = BTreeSet::new();
    for _ in 0..ALIAS_ROUNDS {
        records = ids
            .iter()
            .filter_map(|id| index.get(id.as_str()))
            .flatten()
            .copied()
            .collect();
        // The seed's own records first, then the known ids' own records (what a record says of itself outranks
        // what another record says of it: PYSEC-1 naming GHSA-a is GHSA-a's CVE's, not that of a CVE record whose
        // references link GHSA-a and whose id sorts first), then by id and source (as Rust sorts strings): which CVE
        // a walk settles on depends neither on the order the database returned the records in nor on the sources'
        // names.
        let mut round: Vec<usize> = records.iter().copied().collect();
        round.sort_by_key(|&at| {
            let r = &reachable[at];
            (
                r.record_id != seed,
                !ids.contains(&r.record_id),
                r.record_id.as_str(),
                r.source.as_str(),
            )
        });
        followed.clear();
        let before = ids.len();
        for at in round {
            let r = &reachable[at];
            let holds_cve = ids.iter().any(|i| is_cve(i));
            let brings_another_cve = holds_cve
                && std::iter::once(&r.record_id)
                    .chain(&r.aliases)
                    .any(|n| is_cve(n) && !ids.contains(n));
            if !brings_another_cve {
                ids.insert(r.record_id.clone());
                ids.extend(r.aliases.iter().cloned());
                followed.insert(at);
            } else if !is_cve(&r.record_id) && names_held_cve(r, &ids) {
                ids.insert(r.record_id.clone());
            }
        }
        if ids.len() == before {
            break;
        }
    }
    // An id another record named whose own records are all of another CVE (a CVE record linking GHSA-a, which says
    // it is CVE-1) is that CVE's: kept, its affected product versions would show under this one.
    let mut belongs: HashMap<&str, bool> = HashMap::new();
    for &at in &records {
        let r = &reachable[at];
        let here = followed.contains(&at) || names_held_cve(r, &ids);
        *belongs.entry(r.record_id.as_str()).or_default() |= here;
    }
    let mut ids: Vec<String> = ids
        .iter()
        .filter(|id| *id == seed || belongs.get(id.as_str()).copied().unwrap_or(true))
        .cloned()
        .collect();
    ids.sort_by_key(|i| (!i.starts_with("CVE-"), i.clone()));
    let flags = records.iter().map(|at| followed.contains(at)).collect();
    (
        ids,
        records
            .into_iter()
            .map(|at| reachable[at].clone())
            .collect(),
        flags,
    )
}

/// A stored record's content hash: SHA-256 of its normalised text, a NUL, and its raw text (both as stored). What
/// tells a changed record from an unchanged one at import.
pub fn content_sha256(normalized: &str, raw: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(normalized.as_bytes());
    hash.update([0]);
    hash.update(raw.as_bytes());
    hex::encode(hash.finalize())
}

fn is_cve(id: &str) -> bool {
    id.starts_with("CVE-")
}

/// Whether `r` names (as its id or an alias) a CVE id of `ids`.
fn names_held_cve(r: &IntelRecordSummary, ids: &BTreeSet<String>) -> bool {
    std::iter::once(&r.record_id)
        .chain(&r.aliases)
        .any(|n| is_cve(n) && ids.contains(n))
}

const RECORD_COLUMNS: &str = "id, source, record_id, modified, published, withdrawn, summary, cvss_score, cvss_vector, exploited, normalized";

fn utc(t: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    t.map(|t| t.to_offset(UtcOffset::UTC))
}

/// A dismissed match's id, VEX justification and note.
type DismissedMatch = (i64, Option<String>, String);

impl Store {
    /// Stores a batch of records in one transaction; returns what happened to each, in order. Counts once in
    /// [`Store::match_generation`] when it commits a change (a record inserted or updated): a batch of unchanged
    /// or stale records leaves what matching reads as it was, and every server's engine current.
    pub async fn upsert_intel_records(&self, batch: &[NewIntelRecord]) -> Result<Vec<Upserted>> {
        let now = self.now();
        let mut outcomes = vec![Upserted::Unchanged; batch.len()];
        // Rows in (source, record id) order: two batches over the same records (two feeds, two servers, the CLI
        // beside the worker) lock them in one order and cannot deadlock on PostgreSQL.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by(|&a, &b| {
            (&batch[a].source, &batch[a].record_id).cmp(&(&batch[b].source, &batch[b].record_id))
        });
        const READ: &str = "SELECT id, content_sha256, modified FROM intel_records WHERE source = $1 AND record_id = $2";
        // Locked only to be changed: an unchanged record (most of a re-import) is only read, as a lock is a write on
        // PostgreSQL.
        let read_locked = format!("{READ}{}", self.for_update());
        let mut reraised: Vec<(&str, &str, Vec<DismissedMatch>)> = Vec::new();
        // Ids with a changed or new record: id → that record's content hash. Their dismissed matches are raised
        // again at the end (see there).
        let mut changed: BTreeMap<&str, &str> = BTreeMap::new();
        // Those of them that got a new source (an inserted record).
        let mut new_source: BTreeSet<&str> = BTreeSet::new();
        macro_rules! stored {
            ($tx:ident, $sql:expr, $r:expr) => {
                sqlx::query_as::<_, (i64, String, Option<OffsetDateTime>)>(sqlx::AssertSqlSafe(
                    $sql,
                ))
                .bind(&$r.source)
                .bind(&$r.record_id)
                .fetch_optional(&mut *$tx)
                .await?
            };
        }
        with_tx!(self, tx => {
            for at in order {
                let r = &batch[at];
                let mut stored = stored!(tx, READ, r);
                let mut inserted = None;
                if stored.is_none() {
                    // Another transaction may insert it meanwhile: then nothing is inserted here (on PostgreSQL
                    // after that transaction ends), and the row it wrote is read, locked, and compared below.
                    inserted = sqlx::query_scalar(
                        "INSERT INTO intel_records (source, record_id, modified, published, withdrawn, summary, cvss_score, cvss_vector, \
                         exploited, normalized, match_input, raw, content_sha256, first_seen_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
                         ON CONFLICT (source, record_id) DO NOTHING RETURNING id",
                    )
                    .bind(&r.source).bind(&r.record_id).bind(utc(r.modified)).bind(utc(r.published)).bind(utc(r.withdrawn))
                    .bind(&r.summary).bind(r.cvss_score).bind(&r.cvss_vector).bind(r.exploited).bind(&r.normalized)
                    .bind(&r.match_input).bind(&r.raw).bind(&r.content_sha256).bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if inserted.is_none() {
                        stored = stored!(tx, read_locked.as_str(), r);
                    }
                } else if stored.as_ref().is_some_and(|(_, sha, _)| *sha != r.content_sha256) {
                    // About to change: locked, and read again under the lock.
                    stored = stored!(tx, read_locked.as_str(), r);
                }
                let pk = match (inserted, stored) {
                    (Some(pk), _) => {
                        outcomes[at] = Upserted::Inserted;
                        changed.entry(r.record_id.as_str()).or_insert(r.content_sha256.as_str());
                        new_source.insert(r.record_id.as_str());
                        pk
                    }
                    (None, Some((_, sha, _))) if sha == r.content_sha256 => {
                        outcomes[at] = Upserted::Unchanged;
                        continue;
                    }
                    (None, Some((_, _, Some(old)))) if r.modified.is_some_and(|m| m < old) => {
                        outcomes[at] = Upserted::Stale;
                        continue;
                    }
                    (None, Some((pk, _, _))) => {
                        sqlx::query(
                            "UPDATE intel_records SET modified = $1, published = $2, withdrawn = $3, summary = $4, cvss_score = $5, \
                             cvss_vector = $6, exploited = $7, normalized = $8, match_input = $9, raw = $10, content_sha256 = $11, updated_at = $12 \
                             WHERE id = $13",
                        )
                        .bind(utc(r.modified)).bind(utc(r.published)).bind(utc(r.withdrawn)).bind(&r.summary)
                        .bind(r.cvss_score).bind(&r.cvss_vector).bind(r.exploited).bind(&r.normalized)
                        .bind(&r.match_input).bind(&r.raw).bind(&r.content_sha256).bind(now).bind(pk)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query("DELETE FROM intel_aliases WHERE record_pk = $1").bind(pk).execute(&mut *tx).await?;
                        changed.entry(r.record_id.as_str()).or_insert(r.content_sha256.as_str());
                        outcomes[at] = Upserted::Updated;
                        pk
                    }
                    (None, None) => {
                        return Err(StoreError::Conflict(format!(
                            "intel record {} {} neither inserted nor found",
                            r.source, r.record_id
                        )));
                    }
                };
                // As their issuers write them: a lower-case `cve-…` alias still joins the CVE's records.
                let aliases: BTreeSet<Cow<'_, str>> = r.aliases.iter().map(|a| canonical_id(a)).filter(|a| *a != r.record_id.as_str()).collect();
                for alias in aliases {
                    sqlx::query("INSERT INTO intel_aliases (record_pk, alias) VALUES ($1, $2)")
                        .bind(pk).bind(alias.as_ref())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            // A dismissal holds for the record as it was: a changed record, or a new source of its id (the CVE 5
            // record or the KEV entry beside an OSV record of that id), raises its dismissed matches again, undecided
            // (the decision they had goes into the audit event). Locked after every record, all in one (record,
            // component) order — bytewise, as imports sort records and `apply_match_changes` matches —, so that two
            // imports cannot lock each other's matches crosswise. For an id that got a new source, undecided rows are
            // locked too: the new record was not there for a dismissal running now to lock, so the dismissal's
            // change is waited for and seen dismissed once it commits, not skipped as still `new`. (A changed record
            // waited for such a dismissal already, on its record lock.) Locks are writes on PostgreSQL: no more rows
            // than that.
            let ids: Vec<&str> = changed.keys().copied().collect();
            let mut of_record: BTreeMap<String, Vec<DismissedMatch>> = BTreeMap::new();
            // On PostgreSQL a dismissal kept meanwhile is looked for once the locks are held: the lock statement
            // waits for a transaction keeping a dismissal (`apply_match_changes` holds the dismissed row it keeps
            // from) but reads as of its start. Only dismissed rows it did not see are taken then, each locked by
            // id in key order: no `new` row (none is reset), so no lock out of the order every writer keeps on rows
            // an analyst's dismissal or case opening may hold.
            let again = matches!(self.pool, crate::Pool::Postgres(_));
            for chunk in ids.chunks(500) {
                let build = |lock: bool| {
                    let mut q = sqlx::QueryBuilder::new(
                        "SELECT id, record_id, status, record_sha256, justification, note FROM matches WHERE record_id IN (",
                    );
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    q.push(") AND (status = 'dismissed'");
                    let fresh: Vec<&str> = chunk.iter().copied().filter(|id| new_source.contains(id)).collect();
                    if lock && !fresh.is_empty() {
                        q.push(" OR (status = 'new' AND record_id IN (");
                        let mut list = q.separated(", ");
                        for id in fresh {
                            list.push_bind(id);
                        }
                        q.push("))");
                    }
                    let lock = if lock { self.for_update() } else { "" };
                    q.push(format!(") ORDER BY record_id{}, component_id{}", self.bytewise(), lock));
                    q
                };
                let mut rows: Vec<(i64, String, String, String, Option<String>, String)> =
                    build(true).build_query_as().fetch_all(&mut *tx).await?;
                if again {
                    let seen: HashSet<i64> = rows.iter().map(|r| r.0).collect();
                    let later: Vec<(i64, String, String, String, Option<String>, String)> =
                        build(false).build_query_as().fetch_all(&mut *tx).await?;
                    for row in later.into_iter().filter(|r| !seen.contains(&r.0)) {
                        let locked: Option<(i64, String, String, String, Option<String>, String)> = sqlx::query_as(
                            "SELECT id, record_id, status, record_sha256, justification, note FROM matches \
                             WHERE id = $1 AND status = 'dismissed' FOR UPDATE",
                        )
                        .bind(row.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                        rows.extend(locked);
                    }
                }
                for (id, record_id, status, decided_on, justification, note) in rows {
                    let now_sha = changed.get(record_id.as_str()).copied().unwrap_or_default();
                    if status == "dismissed" && decided_on != now_sha {
                        of_record.entry(record_id).or_default().push((id, justification, note));
                    }
                }
            }
            for (record_id, dismissed) in of_record {
                let Some((&record_id, &sha256)) = changed.get_key_value(record_id.as_str()) else {
                    continue;
                };
                let list = dismissed.iter().map(|d| d.0.to_string()).collect::<Vec<_>>().join(", ");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE matches SET status = 'new', justification = NULL, note = '', decided_by = NULL, decided_at = NULL, \
                     updated_at = $1, raised_at = $1 WHERE id IN ({list})"
                )))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                reraised.push((record_id, sha256, dismissed));
            }
            for (record_id, sha256, dismissed) in &reraised {
                let ids: Vec<i64> = dismissed.iter().map(|d| d.0).collect();
                let justifications: Vec<&Option<String>> = dismissed.iter().map(|d| &d.1).collect();
                let notes: Vec<&str> = dismissed.iter().map(|d| d.2.as_str()).collect();
                audit!(tx, self, AuditDraft::new(&Actor::System("intel-import"), "intel_record", record_id, "match.reraise").after(json!({
                    "record_id": record_id, "content_sha256": sha256, "matches": ids, "dismissed_as": justifications,
                    "notes": notes,
                })));
            }
            if !changed.is_empty() {
                bump_match_generation!(tx);
            }
        });
        Ok(outcomes)
    }

    /// Stores EPSS rows (one current score per CVE). A row older than the stored score (`score_date`) is stale; an
    /// undated one is not (a file whose date line changed form must not freeze every score unnoticed).
    pub async fn upsert_epss(&self, batch: &[NewEpss]) -> Result<Vec<Upserted>> {
        let now = self.now();
        let mut outcomes = Vec::with_capacity(batch.len());
        with_tx!(self, tx => {
            for e in batch {
                let stored: Option<(f64, f64, Option<Date>)> = sqlx::query_as(
                    "SELECT score, percentile, score_date FROM epss_scores WHERE cve = $1",
                )
                .bind(&e.cve)
                .fetch_optional(&mut *tx)
                .await?;
                let outcome = match stored {
                    Some((s, p, d)) if s == e.score && p == e.percentile && d == e.score_date => Upserted::Unchanged,
                    Some((_, _, Some(old))) if e.score_date.is_some_and(|d| d < old) => Upserted::Stale,
                    Some(_) => Upserted::Updated,
                    None => Upserted::Inserted,
                };
                if matches!(outcome, Upserted::Inserted | Upserted::Updated) {
                    sqlx::query(
                        "INSERT INTO epss_scores (cve, score, percentile, score_date, model_version, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (cve) DO UPDATE SET score = $2, percentile = $3, score_date = $4, model_version = $5, updated_at = $6",
                    )
                    .bind(&e.cve).bind(e.score).bind(e.percentile).bind(e.score_date).bind(&e.model_version).bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                outcomes.push(outcome);
            }
        });
        Ok(outcomes)
    }

    /// Logs a finished import run and appends its audit event.
    pub async fn log_feed_import(
        &self,
        actor: &Actor,
        started_at: OffsetDateTime,
        log: &FeedImportLog,
    ) -> Result<i64> {
        let now = self.now();
        let report = serde_json::to_string(&log.error_report)
            .map_err(|e| StoreError::Corrupt(format!("serialising: {e}")))?;
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let id = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO feed_imports (kind, origin, started_at, finished_at, records, inserted, updated, unchanged, stale, errors, error_report, source_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(&log.kind).bind(&log.origin).bind(started_at).bind(now)
            .bind(n(log.records)).bind(n(log.inserted)).bind(n(log.updated)).bind(n(log.unchanged)).bind(n(log.stale)).bind(n(log.errors))
            .bind(&report).bind(log.source_id)
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, self, AuditDraft::new(actor, "feed_import", id, "feed.import").after(json!({
                "kind": log.kind, "origin": log.origin, "records": log.records, "inserted": log.inserted,
                "updated": log.updated, "unchanged": log.unchanged, "stale": log.stale, "errors": log.errors,
            })));
            id
        });
        Ok(id)
    }

    /// Every stored record's match input (JSON), withdrawn records excluded; the records of one id together.
    pub async fn advisory_inputs(&self) -> Result<Vec<String>> {
        Ok(with_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT match_input FROM intel_records WHERE match_input IS NOT NULL AND withdrawn IS NULL ORDER BY record_id, id",
            )
            .fetch_all(p)
            .await?
        }))
    }

    /// The match inputs of the records with this id (of any source) that have one and are not withdrawn, in the
    /// order they were first stored.
    pub async fn advisory_inputs_of(&self, record_id: &str) -> Result<Vec<String>> {
        Ok(with_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT match_input FROM intel_records WHERE record_id = $1 AND match_input IS NOT NULL AND withdrawn IS NULL ORDER BY id",
            )
            .bind(record_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// [`Store::advisory_inputs_of`] of several ids at once (one query per 500 ids), keyed by id; ids without a current
    /// match input are left out.
    pub async fn advisory_inputs_of_ids(
        &self,
        record_ids: &[String],
    ) -> Result<BTreeMap<String, Vec<String>>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for chunk in record_ids.chunks(500) {
            let rows: Vec<(String, String)> = with_pool!(self, p => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT record_id, match_input FROM intel_records WHERE match_input IS NOT NULL AND withdrawn IS NULL AND record_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(id);
                }
                q.push(") ORDER BY record_id, id");
                q.build_query_as().fetch_all(p).await?
            });
            for (id, input) in rows {
                out.entry(id).or_default().push(input);
            }
        }
        Ok(out)
    }

    /// A record as received.
    pub async fn intel_record_raw(&self, source: &str, record_id: &str) -> Result<String> {
        let raw: Option<String> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT raw FROM intel_records WHERE source = $1 AND record_id = $2")
                .bind(source)
                .bind(record_id)
                .fetch_optional(p)
                .await?
        });
        raw.ok_or(StoreError::NotFound("intel record"))
    }

    /// Records whose id or alias is one of `ids`. The ids go in as one bound array (PostgreSQL `ANY`, SQLite
    /// `json_each`), not one bound value each: a purl search's alias walk may name more ids than a statement may bind.
    async fn records_naming(&self, ids: &[String]) -> Result<Vec<IntelRecordSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<IntelRecordSummary> = match &self.pool {
            crate::Pool::Sqlite(p) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {RECORD_COLUMNS} FROM intel_records WHERE record_id IN (SELECT value FROM json_each($1)) \
                     OR id IN (SELECT record_pk FROM intel_aliases WHERE alias IN (SELECT value FROM json_each($1))) \
                     ORDER BY source, record_id"
                )))
                .bind(json!(ids).to_string())
                .fetch_all(p)
                .await?
            }
            crate::Pool::Postgres(p) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {RECORD_COLUMNS} FROM intel_records WHERE record_id = ANY($1) \
                     OR id IN (SELECT record_pk FROM intel_aliases WHERE alias = ANY($1)) ORDER BY source, record_id"
                )))
                .bind(ids)
                .fetch_all(p)
                .await?
            }
        };
        if rows.is_empty() {
            return Ok(rows);
        }
        // Every row's aliases in one query (one per row was N+1 for large alias groups and purl searches).
        let pks: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let aliases: Vec<(i64, String)> = match &self.pool {
            crate::Pool::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT record_pk, alias FROM intel_aliases WHERE record_pk IN (SELECT value FROM json_each($1)) \
                     ORDER BY record_pk, alias",
                )
                .bind(json!(pks).to_string())
                .fetch_all(p)
                .await?
            }
            crate::Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT record_pk, alias FROM intel_aliases WHERE record_pk = ANY($1) ORDER BY record_pk, alias",
                )
                .bind(&pks)
                .fetch_all(p)
                .await?
            }
        };
        let mut by_record: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (pk, alias) in aliases {
            by_record.entry(pk).or_default().push(alias);
        }
        for r in &mut rows {
            r.aliases = by_record.remove(&r.id).unwrap_or_default();
        }
        Ok(rows)
    }

    /// The merged view of the vulnerability `id` names (any of its ids), or `None` when no
    /// record names it. Aliases are followed transitively (bounded: real alias groups are small).
    pub async fn vulnerability(&self, id: &str) -> Result<Option<Vulnerability>> {
        Ok(self
            .vulnerabilities(&[id.to_owned()])
            .await?
            .into_values()
            .next())
    }

    /// [`Store::vulnerability`] of several ids at once, keyed by the (trimmed) id asked for; ids no record names are
    /// left out. A CVE or GHSA id is looked for as its issuer writes it (`cve-2021-44228` finds CVE-2021-44228:
    /// [`canonical_id`]). The alias walk queries for all ids together (at most four rounds), not up to four rounds
    /// per id: a purl search shows every advisory of a package.
    pub async fn vulnerabilities(&self, ids: &[String]) -> Result<BTreeMap<String, Vulnerability>> {
        // Asked id → the id looked for.
        let asked: BTreeMap<String, String> = ids
            .iter()
            .map(|i| (i.trim().to_owned(), canonical_id(i.trim()).into_owned()))
            .collect();
        let seeds: BTreeSet<String> = asked.values().cloned().collect();
        // Every record that any seed's walk (below) can reach: naming more ids never names fewer records, so the last
        // round's records include every earlier round's.
        let mut known = seeds.clone();
        let mut reachable = Vec::new();
        for _ in 0..ALIAS_ROUNDS {
            reachable = self
                .records_naming(&known.iter().cloned().collect::<Vec<_>>())
                .await?;
            let before = known.len();
            for r in &reachable {
                known.insert(r.record_id.clone());
                known.extend(r.aliases.iter().cloned());
            }
            if known.len() == before {
                break;
            }
        }
        let index = naming_index(&reachable);
        type Walk = (String, Vec<String>, Vec<IntelRecordSummary>, Vec<bool>);
        let walks: Vec<Walk> = asked
            .into_iter()
            .filter_map(|(asked, seed)| {
                let (ids, records, followed) = alias_walk(&seed, &reachable, &index);
                (!records.is_empty()).then_some((asked, ids, records, followed))
            })
            .collect();
        let cves: BTreeSet<&String> = walks
            .iter()
            .flat_map(|(_, ids, _, _)| ids.iter().filter(|i| i.starts_with("CVE-")))
            .collect();
        let mut epss: BTreeMap<String, EpssEntry> = BTreeMap::new();
        let cves: Vec<&String> = cves.into_iter().collect();
        for chunk in cves.chunks(500) {
            let rows: Vec<EpssEntry> = with_pool!(self, p => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT cve, score, percentile, score_date, model_version FROM epss_scores WHERE cve IN (",
                );
                let mut list = q.separated(", ");
                for cve in chunk {
                    list.push_bind(*cve);
                }
                q.push(")");
                q.build_query_as().fetch_all(p).await?
            });
            epss.extend(rows.into_iter().map(|e| (e.cve.clone(), e)));
        }
        Ok(walks
            .into_iter()
            .map(|(seed, ids, records, followed)| {
                // CVE ids come first in `ids`, sorted: their scores in CVE order.
                let epss = ids.iter().filter_map(|i| epss.get(i).cloned()).collect();
                // Records listed but not followed (of another CVE) say nothing of this one.
                let current = records
                    .iter()
                    .zip(&followed)
                    .filter(|(r, &followed)| followed && r.withdrawn.is_none())
                    .map(|(r, _)| r);
                let view = Vulnerability {
                    exploited: current.clone().any(|r| r.exploited),
                    cvss_score: current.filter_map(|r| r.cvss_score).reduce(f64::max),
                    ids,
                    records,
                    epss,
                };
                (seed, view)
            })
            .collect())
    }

    /// EPSS of one CVE.
    pub async fn epss(&self, cve: &str) -> Result<Option<EpssEntry>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT cve, score, percentile, score_date, model_version FROM epss_scores WHERE cve = $1")
                .bind(cve)
                .fetch_optional(p)
                .await?
        }))
    }

    /// How many records each source holds (every feed kind listed, 0 where empty: a kind that failed to import
    /// shows as 0, not as a missing line), and EPSS rows.
    pub async fn intel_counts(&self) -> Result<Vec<(String, i64)>> {
        let held: Vec<(String, i64)> = with_pool!(self, p => {
            sqlx::query_as("SELECT source, COUNT(*) FROM intel_records GROUP BY source ORDER BY source")
                .fetch_all(p)
                .await?
        });
        let empty: Vec<(String, i64)> = ["csaf", "cve5", "kev", "osv"]
            .iter()
            .filter(|k| !held.iter().any(|(s, _)| s == *k))
            .map(|k| ((*k).to_owned(), 0))
            .collect();
        let mut counts: Vec<(String, i64)> = held.into_iter().chain(empty).collect();
        counts.sort();
        let epss: i64 = with_pool!(self, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM epss_scores").fetch_one(p).await?
        });
        counts.push(("epss".to_owned(), epss));
        Ok(counts)
    }
}

/// A feed the worker syncs over HTTP.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedSource {
    pub id: i64,
    pub kind: String,
    pub url: String,
    pub interval_secs: i64,
    pub enabled: bool,
    pub etag: Option<String>,
    /// The server's `Last-Modified`, as sent (replayed in `If-Modified-Since`).
    pub last_modified: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    /// `imported`, `not_modified` or `failed`.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    /// A sync holds the feed until then ([`Store::claim_feed_sync`]).
    #[serde(with = "time::serde::rfc3339::option")]
    pub sync_lease_until: Option<OffsetDateTime>,
}
from_row!(FeedSource {
    id,
    kind,
    url,
    interval_secs,
    enabled,
    etag,
    last_modified,
    last_attempt_at,
    last_success_at,
    last_status,
    last_error,
    sync_lease_until
});

const FEED_SOURCE_COLUMNS: &str = "id, kind, url, interval_secs, enabled, etag, last_modified, last_attempt_at, last_success_at, last_status, last_error, sync_lease_until";

/// A feed URL as logs and the audit trail keep it: without user information and query, where feed URLs carry
/// credentials (`https://user:token@host/…`, `…?token=…`). The source row keeps the URL itself, to sync with.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            if u.query().is_some() {
                u.set_query(Some("redacted"));
            }
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => "(unparsable URL)".to_owned(),
    }
}

/// The outcome of one sync attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedAttempt {
    pub status: &'static str,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub error: Option<String>,
    /// The claim this attempt ends (the `sync_lease_until` of [`Store::claim_feed_sync`]'s answer); a lease taken
    /// since by another sync (this one ran past its lease) stays.
    pub lease: Option<OffsetDateTime>,
}

/// What [`Store::update_feed_source`] changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct FeedSourceChange {
    pub url: Option<String>,
    pub interval_secs: Option<i64>,
    pub enabled: Option<bool>,
}

/// One import run of a feed, with its per-record error report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedImport {
    pub id: i64,
    pub kind: String,
    /// The path or (credentials and query removed) URL read.
    pub origin: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub records: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub stale: i64,
    pub errors: i64,
    /// The first bad records: where (file, line, zip entry or catalog index) and why.
    pub error_report: ErrorReport,
}
from_row!(FeedImport {
    id,
    kind,
    origin,
    started_at,
    finished_at,
    records,
    inserted,
    updated,
    unchanged,
    stale,
    errors,
    error_report as String
});

/// A feed import's per-record errors, (where, why); stored as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorReport(pub Vec<(String, String)>);

impl TryFrom<String> for ErrorReport {
    type Error = serde_json::Error;

    fn try_from(text: String) -> std::result::Result<Self, Self::Error> {
        serde_json::from_str(&text).map(ErrorReport)
    }
}

/// The checks a feed source's fields pass, at creation and on a change.
fn feed_source_errors(
    kind: Option<&str>,
    url: Option<&str>,
    interval_secs: Option<i64>,
) -> Vec<psirt_domain::FieldError> {
    let mut errors = Vec::new();
    if kind.is_some_and(|k| !["osv", "cve5", "kev", "epss"].contains(&k)) {
        errors.push(psirt_domain::FieldError::new(
            "kind",
            "must be osv, cve5, kev or epss",
        ));
    }
    if let Some(url) = url {
        let parsed = url::Url::parse(url).ok();
        if !parsed.is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.has_host())
            || url.len() > 2_000
        {
            errors.push(psirt_domain::FieldError::new(
                "url",
                "must be an http(s) URL",
            ));
        }
    }
    if interval_secs.is_some_and(|i| !(60..=30 * 86_400).contains(&i)) {
        errors.push(psirt_domain::FieldError::new(
            "interval_secs",
            "must be between 60 s and 30 days",
        ));
    }
    errors
}

impl Store {
    pub async fn create_feed_source(
        &self,
        actor: &Actor,
        kind: &str,
        url: &str,
        interval_secs: i64,
    ) -> Result<FeedSource> {
        let errors = feed_source_errors(Some(kind), Some(url), Some(interval_secs));
        if !errors.is_empty() {
            return Err(psirt_domain::DomainError::Invalid(errors).into());
        }
        let now = self.now();
        let id = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO feed_sources (kind, url, interval_secs, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(kind).bind(url).bind(interval_secs).bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "a feed source with this kind and URL"))?;
            audit!(tx, self, AuditDraft::new(actor, "feed_source", id, "feed_source.create")
                .after(json!({"kind": kind, "url": redacted_url(url), "interval_secs": interval_secs})));
            id
        });
        self.feed_source(id).await
    }

    /// The `dateReleased` of the newest CISA KEV catalog imported.
    pub async fn kev_catalog_released(&self) -> Result<Option<OffsetDateTime>> {
        Ok(with_pool!(self, p => {
            sqlx::query_scalar("SELECT date_released FROM kev_catalog WHERE id = 1")
                .fetch_optional(p)
                .await?
        }))
    }

    /// Ends the import of a KEV catalog released at `released`: it becomes the newest catalog imported and, when it
    /// was read whole (`listed`: every entry's CVE id; none withdraws nothing), the stored KEV entries it no longer
    /// lists are withdrawn —
    /// CISA removes entries now and then, and a removed entry must not keep a CVE "known exploited" (nor start CRA
    /// clocks). A withdrawal is a change of the record (its content hash changes), so an entry listed again later is
    /// stored again. Returns the ids withdrawn; nothing is done for a catalog older than the newest one imported.
    pub async fn finish_kev_catalog(
        &self,
        actor: &Actor,
        released: OffsetDateTime,
        listed: Option<&[String]>,
    ) -> Result<Vec<String>> {
        let now = self.now();
        let released = released.to_offset(UtcOffset::UTC);
        Ok(with_tx!(self, tx => {
            let newest: Option<OffsetDateTime> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT date_released FROM kev_catalog WHERE id = 1{}",
                self.for_update()
            )))
            .fetch_optional(&mut *tx)
            .await?;
            if newest.is_some_and(|n| n > released) {
                return Ok(Vec::new());
            }
            sqlx::query(
                "INSERT INTO kev_catalog (id, date_released, imported_at) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET date_released = excluded.date_released, imported_at = excluded.imported_at",
            )
            .bind(released).bind(now)
            .execute(&mut *tx)
            .await?;
            // (A `return` here would drop the transaction, and with it the catalog's date written above.)
            let mut withdrawn = Vec::new();
            if let Some(listed) = listed.filter(|l| !l.is_empty()) {
                let listed: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
                let current: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, record_id FROM intel_records WHERE source = 'kev' AND withdrawn IS NULL",
                )
                .fetch_all(&mut *tx)
                .await?;
                let mut gone: Vec<(i64, String)> =
                    current.into_iter().filter(|(_, id)| !listed.contains(id.as_str())).collect();
                // Only the entries withdrawn are locked, in record id order as imports lock records: the others stay
                // free for matching and imports.
                gone.sort_by(|a, b| a.1.cmp(&b.1));
                let at = released
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| StoreError::Corrupt(format!("timestamp: {e}")))?;
                for (pk, record_id) in gone {
                    let row: Option<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT normalized, raw FROM intel_records WHERE id = $1 AND withdrawn IS NULL{}",
                        self.for_update()
                    )))
                    .bind(pk)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((normalized, raw)) = row else { continue };
                    let mut doc: serde_json::Value = serde_json::from_str(&normalized)
                        .map_err(|e| StoreError::Corrupt(format!("kev {record_id} normalized: {e}")))?;
                    doc["withdrawn"] = json!(at);
                    let normalized = doc.to_string();
                    sqlx::query(
                        "UPDATE intel_records SET withdrawn = $1, normalized = $2, content_sha256 = $3, updated_at = $4 WHERE id = $5",
                    )
                    .bind(released).bind(&normalized).bind(content_sha256(&normalized, &raw)).bind(now).bind(pk)
                    .execute(&mut *tx)
                    .await?;
                    audit!(tx, self, AuditDraft::new(actor, "intel_record", record_id.as_str(), "kev.delisted")
                        .after(json!({"record_id": record_id, "catalog_released": at})));
                    withdrawn.push(record_id);
                }
            }
            withdrawn
        }))
    }

    /// Changes a source's URL, interval or whether the worker syncs it. A new URL forgets the old one's validators
    /// (ETag, Last-Modified): its first sync downloads in full.
    pub async fn update_feed_source(
        &self,
        actor: &Actor,
        id: i64,
        change: &FeedSourceChange,
    ) -> Result<FeedSource> {
        let errors = feed_source_errors(None, change.url.as_deref(), change.interval_secs);
        if !errors.is_empty() {
            return Err(psirt_domain::DomainError::Invalid(errors).into());
        }
        let before = self.feed_source(id).await?;
        let new_url = change.url.as_deref().filter(|u| *u != before.url);
        let now = self.now();
        with_tx!(self, tx => {
            // Not while a sync holds the source: it would store the old URL's validators on the new one. A claim run
            // out ends here, so that its sync, still running, records nothing (`record_feed_attempt`).
            let done = sqlx::query(
                "UPDATE feed_sources SET url = COALESCE($1, url), interval_secs = COALESCE($2, interval_secs), \
                 enabled = COALESCE($3, enabled), \
                 etag = CASE WHEN $1 IS NULL THEN etag ELSE NULL END, \
                 last_modified = CASE WHEN $1 IS NULL THEN last_modified ELSE NULL END, \
                 sync_lease_until = CASE WHEN $1 IS NULL THEN sync_lease_until ELSE NULL END \
                 WHERE id = $4 AND ($1 IS NULL OR sync_lease_until IS NULL OR sync_lease_until <= $5)",
            )
            .bind(new_url).bind(change.interval_secs).bind(change.enabled).bind(id).bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "a feed source with this kind and URL"))?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(
                    "a sync of this feed is running: change its URL once it is done".into(),
                ));
            }
            audit!(tx, self, AuditDraft::new(actor, "feed_source", id, "feed_source.update")
                .before(json!({"url": redacted_url(&before.url), "interval_secs": before.interval_secs, "enabled": before.enabled}))
                .after(json!({"url": new_url.map(redacted_url), "interval_secs": change.interval_secs, "enabled": change.enabled})));
        });
        self.feed_source(id).await
    }

    /// Appends a sync someone asked for (`feed_source.sync`) with what it did: the worker's syncs are in the
    /// source's status and imports, but an admin's sync that got a 304 or failed would leave no trace of who ran it.
    pub async fn audit_feed_sync(
        &self,
        actor: &Actor,
        id: i64,
        outcome: &serde_json::Value,
    ) -> Result<()> {
        with_tx!(self, tx => {
            audit!(tx, self, AuditDraft::new(actor, "feed_source", id, "feed_source.sync").after(outcome.clone()));
        });
        Ok(())
    }

    /// Removes a source; its import runs stay in the log.
    pub async fn delete_feed_source(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.feed_source(id).await?;
        with_tx!(self, tx => {
            let done = sqlx::query("DELETE FROM feed_sources WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("feed source"));
            }
            audit!(tx, self, AuditDraft::new(actor, "feed_source", id, "feed_source.delete")
                .before(json!({"kind": before.kind, "url": redacted_url(&before.url)})));
        });
        Ok(())
    }

    /// The latest import runs of a feed source's syncs, newest first.
    pub async fn feed_imports(&self, source_id: i64, limit: i64) -> Result<Vec<FeedImport>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(
                "SELECT id, kind, origin, started_at, finished_at, records, inserted, updated, unchanged, stale, errors, error_report \
                 FROM feed_imports WHERE source_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(source_id).bind(limit)
            .fetch_all(p)
            .await?
        }))
    }

    pub async fn feed_source(&self, id: i64) -> Result<FeedSource> {
        let row: Option<FeedSource> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {FEED_SOURCE_COLUMNS} FROM feed_sources WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.ok_or(StoreError::NotFound("feed source"))
    }

    pub async fn feed_sources(&self) -> Result<Vec<FeedSource>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {FEED_SOURCE_COLUMNS} FROM feed_sources ORDER BY id")))
                .fetch_all(p)
                .await?
        }))
    }

    /// Enabled sources never tried, or last tried at least their interval ago, that no sync holds.
    pub async fn due_feed_sources(&self) -> Result<Vec<FeedSource>> {
        let now = self.now();
        Ok(self
            .feed_sources()
            .await?
            .into_iter()
            .filter(|s| {
                s.enabled
                    && s.sync_lease_until.is_none_or(|t| t <= now)
                    && s.last_attempt_at
                        .is_none_or(|t| now - t >= time::Duration::seconds(s.interval_secs))
            })
            .collect())
    }

    /// Claims a source for one sync until `lease` from now and returns it as it is now (its validators current):
    /// `None` when another sync holds it (on this server or another one over the same database) or, given `seen`
    /// (the `last_attempt_at` the caller found it due with), when it has been synced since. The returned
    /// `sync_lease_until` is the claim's token: [`Store::record_feed_attempt`] ends this claim and no later one.
    pub async fn claim_feed_sync(
        &self,
        id: i64,
        lease: time::Duration,
        seen: Option<Option<OffsetDateTime>>,
    ) -> Result<Option<FeedSource>> {
        let now = self.now();
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE feed_sources SET sync_lease_until = $1 WHERE id = $2 AND (sync_lease_until IS NULL OR sync_lease_until <= $3) \
                 AND ($4 OR last_attempt_at IS NOT DISTINCT FROM $5) RETURNING {FEED_SOURCE_COLUMNS}"
            )))
            .bind(now + lease).bind(id).bind(now).bind(seen.is_none()).bind(seen.flatten())
            .fetch_optional(p)
            .await?
        }))
    }

    /// Extends a claim that is still `held` (its current `sync_lease_until`, the claim's token) to `lease` from now;
    /// returns the new token, or `None` when the claim is no longer this one (it ran out and another sync took the
    /// feed, or its attempt was recorded).
    pub async fn renew_feed_sync(
        &self,
        id: i64,
        held: OffsetDateTime,
        lease: time::Duration,
    ) -> Result<Option<OffsetDateTime>> {
        let now = self.now();
        Ok(with_pool!(self, p => {
            sqlx::query_scalar(
                "UPDATE feed_sources SET sync_lease_until = $1 WHERE id = $2 AND sync_lease_until = $3 \
                 RETURNING sync_lease_until",
            )
            .bind(now + lease).bind(id).bind(held)
            .fetch_optional(p)
            .await?
        }))
    }

    /// Records a sync attempt and ends its claim.
    ///
    /// An attempt under a claim is recorded only while that claim is the source's (held, or run out and not taken
    /// since): a sync that lost its claim (it ran past its lease and another sync took the feed, or the URL was
    /// changed once the lease had run out) must not write its validators over the newer sync's or onto the new URL.
    /// `false`: not recorded. A download imported replaces both validators (one the server no longer sends is
    /// dropped: kept, it would be sent again and make the other one useless); other outcomes keep them.
    pub async fn record_feed_attempt(&self, id: i64, attempt: &FeedAttempt) -> Result<bool> {
        let now = self.now();
        let success = attempt.status != "failed";
        let imported = attempt.status == "imported";
        let done = with_pool!(self, p => {
            sqlx::query(
                "UPDATE feed_sources SET last_attempt_at = $1, last_status = $2, last_error = $3, \
                 sync_lease_until = CASE WHEN $8 IS NULL THEN sync_lease_until ELSE NULL END, \
                 last_success_at = CASE WHEN $4 THEN $1 ELSE last_success_at END, \
                 etag = CASE WHEN $9 THEN $5 ELSE etag END, \
                 last_modified = CASE WHEN $9 THEN $6 ELSE last_modified END \
                 WHERE id = $7 AND ($8 IS NULL OR sync_lease_until = $8)",
            )
            .bind(now).bind(attempt.status).bind(&attempt.error).bind(success)
            .bind(&attempt.etag).bind(&attempt.last_modified).bind(id).bind(attempt.lease).bind(imported)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn feed_urls_lose_credentials_and_query() {
        for (url, shown) in [
            (
                "https://user:tok3n@feeds.example/osv/all.zip?key=s3cr3t#x",
                "https://feeds.example/osv/all.zip?redacted",
            ),
            (
                "https://feeds.example/kev.json",
                "https://feeds.example/kev.json",
            ),
            // Unencoded '/' and '#' inside the credentials (pasted tokens): the parser keeps them out too.
            ("https://u:ab/cd@host/f", "(unparsable URL)"),
            ("https://u:p%2Fq@host/f?x", "https://host/f?redacted"),
            ("not a url", "(unparsable URL)"),
        ] {
            let got = super::redacted_url(url);
            assert_eq!(got, shown, "{url}");
            assert!(!got.contains("tok3n") && !got.contains("s3cr3t") && !got.contains("cd@"));
        }
    }
}
