//! Feed import: psirt-formats reads a feed (file, directory, archive) record by record on a
//! blocking thread; records are converted, batched and stored here; per-record errors go into the
//! run's report and never stop it. Used by `psirt feeds import` and the feed-sync worker.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::path::PathBuf;

use psirt_formats::intel::{read_feed, FeedKind, FeedProgress, IntelRecord, SeverityKind};
use psirt_formats::ParseOptions;
use psirt_match::{AdvisoryInput, AffectedInput};
use psirt_store::intel::INTEL_BATCH;
use psirt_store::{Actor, FeedImportLog, NewEpss, NewIntelRecord, Store, Upserted};
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;

/// Per-record errors kept in the run's report (the count covers all of them).
pub const MAX_REPORTED_ERRORS: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Feed(#[from] psirt_formats::intel::IntelError),
    #[error(transparent)]
    Store(#[from] psirt_store::StoreError),
    #[error("feed reader stopped: {0}")]
    Reader(String),
    /// One record that cannot be stored (the rest of the import goes on).
    #[error("{0}")]
    Record(String),
}

/// What an import did: the log (also stored) and the records that changed, for the matcher.
#[derive(Debug, Default)]
pub struct Imported {
    pub log: FeedImportLog,
    pub import_id: i64,
    /// (source, record id) of every inserted or updated record.
    pub changed: Vec<(String, String)>,
    /// Calls of `upsert_intel_records` that committed a change: the import's own steps of the match generation.
    pub match_writes: i64,
    /// The first error after which a file or zip entry was not read to its end (a download cut off, a corrupt
    /// gzip stream), with its locator: the import took only part of the feed.
    pub unread_rest: Option<(String, String)>,
}

/// The CVSS score of a vector, if psirt-cvss can read it.
fn vector_score(vector: &str) -> Option<f64> {
    psirt_cvss::parse(vector).ok().map(|c| c.base_score())
}

/// How a CVSS version ranks as a record's score: CVSS v3.1, then v3.0 (the score source the PSIRT's severity rules
/// are written for), then v4.0, then v2 (STANDARDS: "the first of CVSSv3 base, CVSSv2 base"). Lower is preferred.
fn cvss_rank(kind: SeverityKind, vector: &str) -> Option<u8> {
    match kind {
        SeverityKind::CvssV3 if vector.starts_with("CVSS:3.1/") => Some(0),
        SeverityKind::CvssV3 => Some(1),
        SeverityKind::CvssV4 => Some(2),
        SeverityKind::CvssV2 => Some(3),
        SeverityKind::Ubuntu => None,
    }
}

/// The record's CVSS score and vector: of the most preferred version ([`cvss_rank`]), the first given — the
/// record's own before its packages', a CVE record's CNA before an ADP (the order they are read in). A given
/// `baseScore` wins over computing. Not the highest score of any version: a v2 score is not a v3 one, and taking
/// the highest let a CVE's v2 4.0 stand for its CNA's v3.1 3.5 (CVE-2014-125034).
fn best_cvss(r: &IntelRecord) -> (Option<f64>, Option<String>) {
    let mut best: Option<(u8, f64, &str)> = None;
    let all = r
        .severity
        .iter()
        .chain(r.affected.iter().flat_map(|a| a.severity.iter()));
    for s in all {
        let Some(rank) = cvss_rank(s.kind, &s.score) else {
            continue;
        };
        if let Some(score) = s.base_score.or_else(|| vector_score(&s.score)) {
            if best.is_none_or(|(b, _, _)| rank < b) {
                best = Some((rank, score, &s.score));
            }
        }
    }
    match best {
        Some((_, s, v)) => (Some(s), Some(v.to_owned())),
        None => (None, None),
    }
}

/// The engine's view of a record: its packages with evaluable ranges.
pub fn advisory_input(r: &IntelRecord) -> Option<AdvisoryInput> {
    if r.is_withdrawn() {
        return None;
    }
    let affected: Vec<AffectedInput> = r
        .affected
        .iter()
        .filter(|a| {
            !a.ranges.versions.is_empty()
                || a.ranges
                    .ranges
                    .iter()
                    .any(|g| g.kind != psirt_versions::RangeKind::Git)
        })
        .map(|a| AffectedInput {
            ecosystem: a.ecosystem.clone(),
            name: a.name.clone(),
            ranges: a.ranges.clone(),
        })
        .collect();
    if affected.is_empty() {
        return None;
    }
    Some(AdvisoryInput {
        id: r.id.clone(),
        aliases: r.aliases.clone(),
        modified: r
            .modified
            .and_then(|m| m.format(&Rfc3339).ok())
            .unwrap_or_default(),
        affected,
    })
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String, ImportError> {
    serde_json::to_string(v).map_err(|e| ImportError::Reader(format!("serialising: {e}")))
}

/// The store's form of a record.
///
/// `raw` is stored (and hashed) in its canonical form ([`psirt_formats::intel::RawRecord::canonical`]: compact, keys
/// sorted), the form every earlier version stored: OSV records now arrive as received text, and hashing that text
/// would make every stored record look changed once after an upgrade (re-raising dismissed matches), and an
/// unchanged re-import must change nothing.
pub fn new_record(mut r: IntelRecord) -> Result<NewIntelRecord, ImportError> {
    check_ids(&r)?;
    // Shown, not looked up: a NUL (which PostgreSQL's text refuses, and would fail the record's whole batch) is
    // replaced, here and so in `normalized`; `raw` keeps it, escaped as JSON writes it.
    if let Some(summary) = r.summary.as_mut().filter(|s| s.contains('\0')) {
        *summary = summary.replace('\0', "\u{FFFD}");
    }
    let raw = r
        .raw
        .canonical()
        .map_err(|e| ImportError::Reader(format!("record text: {e}")))?
        .into_owned();
    // Not serialised into `normalized` (removed below): a `null` placeholder is not parsed again.
    r.raw = Default::default();
    let r = &r;
    let mut normalized =
        serde_json::to_value(r).map_err(|e| ImportError::Reader(format!("serialising: {e}")))?;
    if let Some(obj) = normalized.as_object_mut() {
        obj.remove("raw");
    }
    // The text `Display` writes, without its `fmt::Write` layer (the same bytes, in half the time).
    let normalized = json_text(&normalized)?;
    let content_sha256 = psirt_store::intel::content_sha256(&normalized, &raw);
    let (cvss_score, cvss_vector) = best_cvss(r);
    let exploited = r.exploited.is_some()
        || r.ssvc
            .as_ref()
            // CISA's Vulnrichment writes "Active" as often as "active".
            .is_some_and(|s| {
                s.exploitation
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case("active"))
            });
    Ok(NewIntelRecord {
        source: source_name(r),
        record_id: r.id.clone(),
        aliases: r.aliases.clone(),
        modified: r.modified,
        published: r.published,
        withdrawn: r.withdrawn,
        summary: r.summary.clone(),
        cvss_score,
        cvss_vector,
        exploited,
        match_input: advisory_input(r).map(|a| json_text(&a)).transpose()?,
        normalized,
        raw,
        content_sha256,
    })
}

/// A record id as an error report names it: as it is when it is a plain id, else quoted and cut (a feed's text
/// reaches the terminal and the stored report).
fn shown_id(id: &str) -> String {
    const SHOWN: usize = 100;
    let plain = id.len() <= SHOWN && !id.chars().any(char::is_control);
    match plain {
        true => id.to_owned(),
        false => {
            let cut: String = id.chars().take(SHOWN).collect();
            let more = if cut.len() < id.len() { "…" } else { "" };
            format!("{cut:?}{more}")
        }
    }
}

/// Longest record id or alias stored: real ones are under 50 bytes, and PostgreSQL refuses index entries over ~2.7 kB
/// (which would fail the whole batch).
const MAX_ID_BYTES: usize = 256;

/// The record's id and aliases are storable as ids: not too long, no control characters (a NUL would fail the whole
/// batch on PostgreSQL). A record that fails is its own error.
fn check_ids(r: &IntelRecord) -> Result<(), ImportError> {
    for id in std::iter::once(&r.id).chain(&r.aliases) {
        if id.len() > MAX_ID_BYTES {
            return Err(ImportError::Record(format!(
                "an id or alias is longer than {MAX_ID_BYTES} bytes"
            )));
        }
        if id.chars().any(char::is_control) {
            return Err(ImportError::Record(format!(
                "id or alias {id:?} holds a control character"
            )));
        }
    }
    Ok(())
}

fn source_name(r: &IntelRecord) -> String {
    serde_json::to_value(r.source)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn kind_name(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Osv => "osv",
        FeedKind::Cve5 => "cve5",
        FeedKind::Kev => "kev",
        FeedKind::Epss => "epss",
        FeedKind::Csaf => "csaf",
    }
}

/// A record read but not stored: counted, and reported up to [`MAX_REPORTED_ERRORS`].
fn record_error(log: &mut FeedImportLog, at: String, message: String) {
    log.records += 1;
    log.errors += 1;
    if log.error_report.len() < MAX_REPORTED_ERRORS {
        log.error_report.push((at, message));
    }
}

enum Item {
    Record(Box<IntelRecord>),
    Error {
        at: String,
        message: String,
        input_failed: bool,
    },
}

/// Imports everything under `path` as `kind`; `progress` is called from the reading thread.
pub async fn import_feed(
    store: &Store,
    actor: &Actor,
    kind: FeedKind,
    path: PathBuf,
    origin: String,
    progress: Box<dyn FnMut(FeedProgress) + Send>,
) -> Result<Imported, ImportError> {
    import_feed_of(store, actor, kind, path, origin, None, progress).await
}

/// [`import_feed`] of a feed source's download: the run is logged as the source's.
pub(crate) async fn import_feed_of(
    store: &Store,
    actor: &Actor,
    kind: FeedKind,
    path: PathBuf,
    origin: String,
    source_id: Option<i64>,
    mut progress: Box<dyn FnMut(FeedProgress) + Send>,
) -> Result<Imported, ImportError> {
    let started = store.now();
    let (tx, mut rx) = mpsc::channel::<Item>(INTEL_BATCH * 2);
    let reader = tokio::task::spawn_blocking(move || {
        let mut on_record = |item: Result<IntelRecord, psirt_formats::intel::RecordError>| {
            let item = match item {
                Ok(r) => Item::Record(Box::new(r)),
                Err(e) => Item::Error {
                    at: e.locator.to_string(),
                    message: e.error.to_string(),
                    input_failed: e.error.is_input_failure(),
                },
            };
            // The receiver only goes away when storing failed: stop reading.
            match tx.blocking_send(item) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        };
        read_feed(
            kind,
            &path,
            &ParseOptions::default(),
            &mut on_record,
            &mut *progress,
        )
    });
    let mut out = Imported {
        log: FeedImportLog {
            kind: kind_name(kind).to_owned(),
            origin,
            source_id,
            ..FeedImportLog::default()
        },
        ..Imported::default()
    };
    let mut records = Vec::with_capacity(INTEL_BATCH);
    let mut epss = Vec::new();
    // KEV entries: (CVE, date added), for the CRA trigger once stored.
    let mut kev = Vec::new();
    // The KEV catalogs read: the newest one imported before (or earlier in this run) — an older catalog is skipped
    // whole, as a lagging mirror or an old file must not revert entries —, each catalog's release and `count`, and
    // every stored entry's CVE id (to withdraw the others).
    let newest_kev = match kind {
        FeedKind::Kev => store.kev_catalog_released().await?,
        _ => None,
    };
    let mut catalogs: BTreeMap<time::OffsetDateTime, Option<u64>> = BTreeMap::new();
    let mut listed: Vec<String> = Vec::new();
    let mut seen = SeenRecords::default();
    while let Some(item) = rx.recv().await {
        match item {
            Item::Error {
                at,
                message,
                input_failed,
            } => {
                if input_failed && out.unread_rest.is_none() {
                    out.unread_rest = Some((at.clone(), message.clone()));
                }
                record_error(&mut out.log, at, message)
            }
            Item::Record(r) => match &r.epss {
                Some(e) => epss.push(NewEpss {
                    cve: e.cve.clone(),
                    score: e.score,
                    percentile: e.percentile,
                    score_date: e.score_date,
                    model_version: e.model_version.clone(),
                }),
                None => {
                    if r.source == psirt_formats::intel::IntelSource::Kev {
                        let catalog = r
                            .exploited
                            .as_ref()
                            .and_then(|e| e.catalog_released.map(|at| (at, e.catalog_count)));
                        if let Some((released, count)) = catalog {
                            let newest_in_run = catalogs.keys().next_back().copied();
                            if newest_kev
                                .into_iter()
                                .chain(newest_in_run)
                                .any(|n| n > released)
                            {
                                out.log.count(Upserted::Stale);
                                continue;
                            }
                            catalogs.insert(released, count);
                        }
                        listed.push(r.id.clone());
                        if let Some(added) = r.exploited.as_ref().and_then(|e| e.date_added) {
                            kev.push((r.id.clone(), added));
                        }
                    }
                    let id = shown_id(&r.id);
                    // A record that cannot take its stored form (only without validation: text that does not
                    // parse back, e.g. a lone surrogate escape in a field the model skips) is its own error.
                    match new_record(*r) {
                        Ok(n) => match seen.second_copy(&n) {
                            None => records.push(n),
                            Some(why) => record_error(&mut out.log, id, why),
                        },
                        Err(e) => record_error(&mut out.log, id, e.to_string()),
                    }
                }
            },
        }
        if records.len() >= INTEL_BATCH {
            flush(store, &mut records, &mut out).await?;
        }
        if epss.len() >= INTEL_BATCH * 4 {
            flush_epss(store, &mut epss, &mut out).await?;
        }
    }
    flush(store, &mut records, &mut out).await?;
    flush_epss(store, &mut epss, &mut out).await?;
    reader
        .await
        .map_err(|e| ImportError::Reader(e.to_string()))??;
    // The newest catalog read is recorded. Read whole — the run's only catalog, no bad entry (whose id is unknown),
    // as many entries as its `count` says — it withdraws the stored entries it no longer lists.
    if let Some((&released, &count)) = catalogs.iter().next_back() {
        let whole = catalogs.len() == 1
            && out.log.errors == 0
            && count.is_some_and(|c| usize::try_from(c).ok() == Some(listed.len()));
        let withdrawn = store
            .finish_kev_catalog(actor, released, whole.then_some(listed.as_slice()))
            .await?;
        if !withdrawn.is_empty() {
            tracing::info!(
                count = withdrawn.len(),
                "KEV entries no longer listed: withdrawn"
            );
        }
        out.changed
            .extend(withdrawn.into_iter().map(|id| ("kev".to_owned(), id)));
    }
    out.import_id = store.log_feed_import(actor, started, &out.log).await?;
    // Every entry of the catalog, not only the changed ones: only what has not started starts (open cases of a
    // listed CVE without CRA reporting), so an import cut off before this point (a shutdown, an error) is made good
    // by the next one, where the entries are no longer changed.
    if !kev.is_empty() {
        kev_triggers(store, &kev).await?;
    }
    Ok(out)
}

/// CISA KEV entries (CVE, date added) name the CVEs of open cases without CRA reporting: those cases are actively
/// exploited (EU CRA Art. 14), and their early-warning and notification clocks start now. A case named by several
/// entries takes the earliest added (then the lowest CVE id; the catalog lists newest first). One query finds the
/// cases (not one per entry); a case whose reporting started meanwhile is skipped, one the CRA rules refuse is
/// skipped with a warning, and a database error ends the run (the next import starts what is left). Returns the
/// cases started.
pub async fn kev_triggers(
    store: &Store,
    kev: &[(String, time::Date)],
) -> Result<Vec<i64>, ImportError> {
    let mut listed: HashMap<&str, time::Date> = HashMap::new();
    for (cve, added) in kev {
        if psirt_domain::deadline::cra::is_cve_id(cve) {
            let earliest = listed.entry(cve.as_str()).or_insert(*added);
            *earliest = (*earliest).min(*added);
        }
    }
    let mut first: BTreeMap<i64, (time::Date, String)> = BTreeMap::new();
    for (case, id) in store.uncovered_case_ids().await? {
        if let Some(&added) = listed.get(id.as_str()) {
            let entry = (added, id);
            if first.get(&case).is_none_or(|seen| entry < *seen) {
                first.insert(case, entry);
            }
        }
    }
    let mut started = Vec::with_capacity(first.len());
    for (case, (date_added, cve)) in first {
        let start = store
            .start_cra(
                &Actor::System("kev"),
                case,
                psirt_domain::deadline::cra::CraTrack::ExploitedVulnerability,
                store.now(),
                psirt_domain::deadline::cra::AwarenessSource::Kev {
                    cve_id: cve.clone(),
                    date_added,
                },
            )
            .await;
        match start {
            Ok(_) => started.push(case),
            // Started meanwhile (an analyst, another import): nothing left to do.
            Err(psirt_store::StoreError::Conflict(_)) => {}
            Err(e @ psirt_store::StoreError::Domain(_)) => {
                tracing::warn!(case, cve, "KEV entry could not start CRA reporting: {e}")
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(started)
}

/// The records of one import run by (source, id): their `modified` and content hash.
#[derive(Default)]
struct SeenRecords(HashMap<(String, String), (Option<time::OffsetDateTime>, String)>);

impl SeenRecords {
    /// Why `r` is not stored: a second copy of a record this run already read, as recent and different (a mirror
    /// holding a record's file and an export with another text of it). Stored both, each import would replace one
    /// with the other — "updated" every time, dismissed matches raised again every time —; the first is kept. A
    /// copy with another `modified` is the store's to order (the older is stale), an identical one unchanged.
    fn second_copy(&mut self, r: &NewIntelRecord) -> Option<String> {
        let key = (r.source.clone(), r.record_id.clone());
        match self.0.get(&key) {
            Some((modified, sha)) if *modified == r.modified && *sha != r.content_sha256 => Some(format!(
                "a second copy of {} {} in this import, as recent as the first and different from it: the first \
                 is kept",
                r.source, r.record_id
            )),
            Some(_) => None,
            None => {
                self.0.insert(key, (r.modified, r.content_sha256.clone()));
                None
            }
        }
    }
}

async fn flush(
    store: &Store,
    records: &mut Vec<NewIntelRecord>,
    out: &mut Imported,
) -> Result<(), ImportError> {
    if records.is_empty() {
        return Ok(());
    }
    let outcomes = store.upsert_intel_records(records).await?;
    // The store moves the match generation only for a batch that changed something.
    if outcomes
        .iter()
        .any(|o| matches!(o, Upserted::Inserted | Upserted::Updated))
    {
        out.match_writes += 1;
    }
    for (r, o) in records.drain(..).zip(outcomes) {
        out.log.count(o);
        if matches!(o, Upserted::Inserted | Upserted::Updated) {
            out.changed.push((r.source, r.record_id));
        }
    }
    Ok(())
}

async fn flush_epss(
    store: &Store,
    rows: &mut Vec<NewEpss>,
    out: &mut Imported,
) -> Result<(), ImportError> {
    if rows.is_empty() {
        return Ok(());
    }
    for o in store.upsert_epss(rows).await? {
        out.log.count(o);
    }
    rows.clear();
    Ok(())
}
