//! The feed-sync worker: downloads each configured feed when its interval has passed, with
//! conditional requests (`If-None-Match` / `If-Modified-Since`) so an unchanged feed costs a
//! 304, imports what came through the same pipeline as `psirt feeds import`, and re-matches the
//! changed records. Failures are recorded on the source and retried at the next interval.

use std::io::Write;
use std::time::Duration;

use psirt_formats::intel::{FeedKind, FeedProgress};
use psirt_store::intel::redacted_url;
use psirt_store::{Actor, FeedAttempt, FeedSource, Store};
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;

use crate::engine::SharedEngine;
use crate::feed_http::{http_client, http_error};

/// Largest feed download accepted (the OSV all.zip of the largest ecosystems is well below).
pub const MAX_FEED_BYTES: u64 = 2 << 30;

/// How long a claim on a feed ([`Store::claim_feed_sync`]) lasts unless renewed. A running sync renews it every
/// [`RENEW_EVERY`] however long its download and import take; a sync that died (the process killed, the database
/// gone) keeps the feed at most this long.
pub const SYNC_LEASE: time::Duration = time::Duration::minutes(10);
/// How often a running sync renews its claim: a fifth of the lease, so a slow database or a busy runtime has four
/// more chances before the lease runs out.
pub const RENEW_EVERY: Duration = Duration::from_secs(120);

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncOutcome {
    /// `imported`, `not_modified` or `failed`; `running` when another sync (of this server or another one) holds
    /// the feed and this one did nothing; for the worker `skipped`: held, or synced since it was found due.
    pub status: &'static str,
    pub records: u64,
    pub changed: usize,
    pub errors: u64,
    pub error: Option<String>,
    /// The first bad records of an import (where and why); the whole run is in the source's imports.
    pub error_report: Vec<(String, String)>,
}

/// The file name the download is saved under: the URL's last segment, so the importer
/// recognises the container (`.json`, `.zip`, `.jsonl.gz`, `.csv.gz`).
fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if clean.is_empty() || clean.starts_with('.') {
        "feed.json".to_owned()
    } else {
        clean
    }
}

async fn download(
    client: &reqwest::Client,
    source: &FeedSource,
    dir: &std::path::Path,
) -> Result<Option<(std::path::PathBuf, FeedAttempt)>, String> {
    let mut req = client.get(&source.url);
    if let Some(etag) = &source.etag {
        req = req.header(IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &source.last_modified {
        req = req.header(IF_MODIFIED_SINCE, lm);
    }
    // reqwest's errors name the URL, query included: left out (see `redacted_url`).
    let mut resp = req.send().await.map_err(http_error)?;
    if resp.status() == StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let attempt = FeedAttempt {
        status: "imported",
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
        error: None,
        lease: None,
    };
    let path = dir.join(file_name(&source.url));
    let mut file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
    let mut written = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(http_error)? {
        written += chunk.len() as u64;
        if written > MAX_FEED_BYTES {
            return Err(format!("larger than {MAX_FEED_BYTES} bytes"));
        }
        file.write_all(&chunk).map_err(|e| e.to_string())?;
    }
    file.flush().map_err(|e| e.to_string())?;
    Ok(Some((path, attempt)))
}

/// Syncs one source now, unless another sync holds it (`running`, nothing done); `when_due` (the worker): also
/// not when it has been synced since `source` was read. The sync uses the source as claimed (its validators
/// current) and keeps its claim alive while it runs ([`Heartbeat`]). A database error on the way leaves the feed
/// claimed until [`SYNC_LEASE`] runs out: it is not downloaded again every tick meanwhile. The import is `actor`'s
/// (the worker, or the admin who asked for the sync).
pub async fn sync_source(
    store: &Store,
    engine: &SharedEngine,
    source: &FeedSource,
    when_due: bool,
    actor: &Actor,
) -> Result<SyncOutcome, psirt_store::StoreError> {
    let seen = when_due.then_some(source.last_attempt_at);
    let Some(source) = store.claim_feed_sync(source.id, SYNC_LEASE, seen).await? else {
        return Ok(SyncOutcome {
            // The worker's claim also fails for a feed synced since it was found due.
            status: if when_due { "skipped" } else { "running" },
            records: 0,
            changed: 0,
            errors: 0,
            error: None,
            error_report: Vec::new(),
        });
    };
    let heartbeat = Heartbeat::start(
        store.clone(),
        source.id,
        source.sync_lease_until,
        SYNC_LEASE,
        RENEW_EVERY,
    );
    let synced = sync_claimed(store, engine, &source, actor).await;
    // Stopped before the attempt is recorded, so that no renewal follows it; the attempt ends the claim by its
    // newest token.
    let lease = heartbeat.stop().await;
    let (outcome, attempt) = synced?;
    let recorded = store
        .record_feed_attempt(source.id, &FeedAttempt { lease, ..attempt })
        .await?;
    if !recorded {
        tracing::warn!(
            source = source.id,
            "the sync lost its claim while it ran (past its lease, or the URL changed): its attempt is not recorded"
        );
    }
    Ok(outcome)
}

/// The sync of a claimed source: what it did, and the attempt to record (without the claim's token).
async fn sync_claimed(
    store: &Store,
    engine: &SharedEngine,
    source: &FeedSource,
    actor: &Actor,
) -> Result<(SyncOutcome, FeedAttempt), psirt_store::StoreError> {
    // A failure keeps no validators: the next sync downloads the feed whole.
    let failed_attempt = |error: &str| FeedAttempt {
        status: "failed",
        etag: None,
        last_modified: None,
        error: Some(error.to_owned()),
        lease: None,
    };
    let failed = |error: String| {
        let attempt = failed_attempt(&error);
        let outcome = SyncOutcome {
            status: "failed",
            records: 0,
            changed: 0,
            errors: 0,
            error: Some(error),
            error_report: Vec::new(),
        };
        Ok((outcome, attempt))
    };
    let kind = match source.kind.parse::<FeedKind>() {
        Ok(kind) => kind,
        Err(e) => return failed(e.to_string()),
    };
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return failed(e.to_string()),
    };
    // A client per sync: where its redirects may lead depends on the feed's own host.
    let client = http_client(&source.url);
    let (path, attempt) = match download(&client, source, dir.path()).await {
        Err(e) => return failed(e),
        Ok(None) => {
            let attempt = FeedAttempt {
                status: "not_modified",
                etag: None,
                last_modified: None,
                error: None,
                lease: None,
            };
            let outcome = SyncOutcome {
                status: "not_modified",
                records: 0,
                changed: 0,
                errors: 0,
                error: None,
                error_report: Vec::new(),
            };
            return Ok((outcome, attempt));
        }
        Ok(Some(downloaded)) => downloaded,
    };
    let before = store.match_generation().await?;
    let imported = match crate::intel::import_feed_of(
        store,
        actor,
        kind,
        path,
        redacted_url(&source.url),
        Some(source.id),
        progress_log(source.id, PROGRESS_LOG_EVERY),
    )
    .await
    {
        Err(e) => return failed(e.to_string()),
        Ok(imported) => imported,
    };
    // A response that is no feed at all (an error page served with 200, a login form) reads as nothing but bad
    // records: a failure, not a sync that keeps the feed looking fresh.
    if imported.log.errors > 0 && imported.log.errors == imported.log.records {
        let first = imported
            .log
            .error_report
            .first()
            .map(|(at, e)| format!(" (first: {at}: {e})"))
            .unwrap_or_default();
        return failed(format!(
            "no record could be read: {} bad record(s){first}",
            imported.log.errors
        ));
    }
    // Nothing of this kind in the download (a zip of other files, an empty catalog): not a fresh, empty feed — its
    // validators are not kept, so the next sync downloads it again.
    if imported.log.records == 0 {
        return failed(format!("the download holds no {} records", source.kind));
    }
    let window = crate::engine::ImportWindow {
        before,
        after: store.match_generation().await?,
        own: imported.match_writes,
    };
    if let Err(e) = engine
        .records_changed(store, &imported.changed, window)
        .await
    {
        tracing::warn!(source = source.id, "re-matching after sync: {e}");
    }
    // A download read only in part (cut off, a corrupt stream): what was read is stored (and matched), but the sync
    // failed — its validators are not kept, or the next sync would be answered 304 and the rest never read.
    let mut outcome = SyncOutcome {
        status: "imported",
        records: imported.log.records,
        changed: imported.changed.len(),
        errors: imported.log.errors,
        error: None,
        error_report: imported.log.error_report,
    };
    if let Some((at, e)) = &imported.unread_rest {
        // What was read and stored is still told.
        let error = format!("the download could not be read to its end: {at}: {e}");
        outcome.status = "failed";
        let attempt = failed_attempt(&error);
        outcome.error = Some(error);
        return Ok((outcome, attempt));
    }
    Ok((outcome, attempt))
}

/// How often a running sync logs how far it is (an OSV `all.zip` takes minutes).
const PROGRESS_LOG_EVERY: Duration = Duration::from_secs(30);

/// A sync's progress, logged at most once per `every`.
fn progress_log(source: i64, every: Duration) -> Box<dyn FnMut(FeedProgress) + Send> {
    let mut throttle = Throttle::new(every);
    Box::new(move |p: FeedProgress| {
        if throttle.due(std::time::Instant::now()) {
            tracing::info!(
                source,
                records = p.records,
                errors = p.errors,
                bytes_read = p.bytes_read,
                bytes_total = p.bytes_total,
                "feed sync in progress"
            );
        }
    })
}

/// Lets something happen at most once per `every`, the first time once `every` has passed since it was made.
struct Throttle {
    every: Duration,
    last: std::time::Instant,
}

impl Throttle {
    fn new(every: Duration) -> Throttle {
        Throttle {
            every,
            last: std::time::Instant::now(),
        }
    }

    fn due(&mut self, now: std::time::Instant) -> bool {
        if now.saturating_duration_since(self.last) < self.every {
            return false;
        }
        self.last = now;
        true
    }
}

/// Keeps a claim alive while its sync runs: renews the lease every `every` with the claim's current token
/// ([`Store::renew_feed_sync`]). A failed renewal (the database away) is tried again at the next beat; a claim found
/// taken (it ran out, another sync holds the feed) is left alone. (A renewal that committed but whose answer was lost
/// looks like the latter: the claim then runs out within the lease.)
pub struct Heartbeat {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    /// The newest token, kept outside the task so that it survives the task (a panic, a cancelled runtime).
    held: std::sync::Arc<std::sync::Mutex<Option<time::OffsetDateTime>>>,
}

impl Heartbeat {
    /// Starts renewing the claim whose token is `held`.
    pub fn start(
        store: Store,
        id: i64,
        held: Option<time::OffsetDateTime>,
        lease: time::Duration,
        every: Duration,
    ) -> Heartbeat {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let held = std::sync::Arc::new(std::sync::Mutex::new(held));
        let token = std::sync::Arc::clone(&held);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    () = tokio::time::sleep(every) => {}
                }
                let current = match token.lock() {
                    Ok(t) => *t,
                    Err(_) => return,
                };
                let Some(current) = current else { return };
                match store.renew_feed_sync(id, current, lease).await {
                    Ok(Some(next)) => {
                        if let Ok(mut t) = token.lock() {
                            *t = Some(next);
                        }
                    }
                    Ok(None) => {
                        // The old token stays: the attempt will not end another sync's claim.
                        tracing::warn!(source = id, "feed sync: the claim ran out and was taken");
                        return;
                    }
                    Err(e) => tracing::warn!(source = id, "feed sync: renewing the claim: {e}"),
                }
            }
        });
        Heartbeat { stop, task, held }
    }

    /// Stops renewing (after a renewal in flight, never during one) and returns the claim's newest token.
    pub async fn stop(self) -> Option<time::OffsetDateTime> {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.held.lock().ok().and_then(|t| *t)
    }
}

/// Runs forever: every `tick`, syncs the sources that are due.
pub async fn run_worker(store: Store, engine: SharedEngine, tick: Duration) {
    loop {
        match store.due_feed_sources().await {
            Ok(due) => {
                for source in due {
                    match sync_source(&store, &engine, &source, true, &Actor::System("feed-sync"))
                        .await
                    {
                        Ok(o) => {
                            tracing::info!(source = source.id, url = %redacted_url(&source.url), status = o.status, records = o.records, changed = o.changed, errors = o.errors, error = ?o.error, "feed sync")
                        }
                        Err(e) => tracing::warn!(source = source.id, "feed sync: {e}"),
                    }
                }
            }
            Err(e) => tracing::warn!("feed sync: listing sources: {e}"),
        }
        tokio::time::sleep(tick).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Throttle;

    #[test]
    fn progress_is_logged_at_most_once_per_interval() {
        let mut t = Throttle::new(Duration::from_secs(30));
        let start = t.last;
        assert!(!t.due(start + Duration::from_secs(29)));
        assert!(t.due(start + Duration::from_secs(30)));
        assert!(!t.due(start + Duration::from_secs(59)));
        assert!(t.due(start + Duration::from_secs(61)));
        // A clock read before the last one (another thread's) is not due.
        assert!(!t.due(start));
    }
}
