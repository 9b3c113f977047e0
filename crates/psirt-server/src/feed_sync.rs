//! The feed-sync worker: downloads each configured feed when its interval has passed, with
//! conditional requests (`If-None-Match` / `If-Modified-Since`) so an unchanged feed costs a
//! 304, imports what came through the same pipeline as `psirt feeds import`, and re-matches the
//! changed records. Failures are recorded on the source and retried at the next interval.

use std::io::Write;
use std::time::Duration;

use psirt_formats::intel::FeedKind;
use psirt_store::intel::redacted_url;
use psirt_store::{Actor, FeedAttempt, FeedSource, Store};
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;

use crate::engine::SharedEngine;

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

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("psirt/", env!("CARGO_PKG_VERSION"), " feed-sync"))
        .connect_timeout(Duration::from_secs(30))
        // A stalled download ends after a minute without data, not after the whole budget: feeds sync one after
        // another, and a stuck OSV export must not hold KEV back for half an hour.
        .read_timeout(Duration::from_secs(60))
        .timeout(Duration::from_secs(30 * 60))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let refused = attempt
                .previous()
                .first()
                .and_then(|from| redirect_refused(from, attempt.url()));
            match refused {
                Some(why) => attempt.error(why),
                None if attempt.previous().len() > MAX_REDIRECTS => {
                    attempt.error("too many redirects")
                }
                None => attempt.follow(),
            }
        }))
        .build()
        .unwrap_or_default()
}

const MAX_REDIRECTS: usize = 10;

/// Why a redirect from the configured URL `from` to `to` is not followed: a downgrade from https (the feed is what
/// decides what is exploited and affected: it must not come over a connection anyone between could change), or a
/// hop further inside than the configured host ([`reach`]: from a public host to a private address, from a private
/// one to this host, from anywhere to a link-local address or a cloud's metadata service), given as an address: a
/// feed source must not become a way to read what only the server can reach. A mirror inside the network may
/// redirect within it. Names are not resolved here: a name that resolves to an internal address is the admin's to
/// avoid (README).
fn redirect_refused(from: &reqwest::Url, to: &reqwest::Url) -> Option<&'static str> {
    if from.scheme() == "https" && to.scheme() != "https" {
        return Some("redirect from https to another scheme refused");
    }
    if reach(to) > reach(from) {
        return Some("redirect to an internal address refused");
    }
    None
}

/// How far inside a URL's host is: 0 public (or a name); 1 private (RFC 1918, unique local, the shared
/// 100.64.0.0/10); 2 this host (loopback, unspecified, `localhost`); 3 link-local and the clouds' metadata services
/// (169.254.169.254, Alibaba's 100.100.100.200, AWS's fd00:ec2::254).
fn reach(url: &reqwest::Url) -> u8 {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    const METADATA_V4: [Ipv4Addr; 1] = [Ipv4Addr::new(100, 100, 100, 200)];
    const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)];
    let host = url.host_str().unwrap_or_default().trim_end_matches('.');
    let lower = host.to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return 2;
    }
    let v4 = |ip: Ipv4Addr| {
        let [a, b, ..] = ip.octets();
        if ip.is_link_local() || METADATA_V4.contains(&ip) {
            3
        } else if ip.is_loopback() || a == 0 {
            2
        } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
            1
        } else {
            0
        }
    };
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(IpAddr::V4(ip)) => v4(ip),
        Ok(IpAddr::V6(ip)) => {
            let first = ip.segments()[0];
            if let Some(mapped) = ip.to_ipv4_mapped() {
                v4(mapped)
            } else if first & 0xffc0 == 0xfe80 || METADATA_V6.contains(&ip) {
                3
            } else if ip.is_loopback() || ip.is_unspecified() {
                2
            } else if first & 0xfe00 == 0xfc00 {
                1
            } else {
                0
            }
        }
        Err(_) => 0,
    }
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

/// What a request's error says, with its causes (reqwest's own text stops at "error following redirect"; the
/// redirect policy's reason is the cause), without the URL (its query may hold a token: see `redacted_url`).
fn http_error(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// Syncs one source now, unless another sync holds it (`running`, nothing done); `when_due` (the worker): also
/// not when it has been synced since `source` was read. The sync uses the source as claimed (its validators
/// current) and keeps its claim alive while it runs ([`Heartbeat`]). A database error on the way leaves the feed
/// claimed until [`SYNC_LEASE`] runs out: it is not downloaded again every tick meanwhile.
pub async fn sync_source(
    store: &Store,
    engine: &SharedEngine,
    client: &reqwest::Client,
    source: &FeedSource,
    when_due: bool,
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
    let synced = sync_claimed(store, engine, client, &source).await;
    // Stopped before the attempt is recorded, so that no renewal follows it; the attempt ends the claim by its
    // newest token.
    let lease = heartbeat.stop().await;
    let (outcome, attempt) = synced?;
    store
        .record_feed_attempt(source.id, &FeedAttempt { lease, ..attempt })
        .await?;
    Ok(outcome)
}

/// The sync of a claimed source: what it did, and the attempt to record (without the claim's token).
async fn sync_claimed(
    store: &Store,
    engine: &SharedEngine,
    client: &reqwest::Client,
    source: &FeedSource,
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
    let (path, attempt) = match download(client, source, dir.path()).await {
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
    let actor = Actor::System("feed-sync");
    let before = store.match_generation().await?;
    let imported = match crate::intel::import_feed_of(
        store,
        &actor,
        kind,
        path,
        redacted_url(&source.url),
        Some(source.id),
        Box::new(|_| {}),
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
    let client = http_client();
    loop {
        match store.due_feed_sources().await {
            Ok(due) => {
                for source in due {
                    match sync_source(&store, &engine, &client, &source, true).await {
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
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn redirects_keep_tls_and_do_not_reach_inside_from_outside() {
        let public = url("https://feeds.example.org/kev.json");
        for to in [
            "https://objects.example.net/kev.json",
            "https://93.184.216.34/kev.json",
        ] {
            assert_eq!(redirect_refused(&public, &url(to)), None, "{to}");
        }
        for to in [
            "http://feeds.example.org/kev.json",
            "http://169.254.169.254/latest/meta-data/",
            "https://169.254.169.254/latest/meta-data/",
            "https://127.0.0.1:8080/x.json",
            "https://10.1.2.3/x.json",
            "https://192.168.0.1/x.json",
            "https://[::1]/x.json",
            "https://[fd00::1]/x.json",
            "https://[fe80::1]/x.json",
            "https://[::ffff:169.254.169.254]/x.json",
            "https://localhost/x.json",
            "https://localhost./x.json",
            "https://0.0.0.0/x.json",
            "https://0.1.2.3/x.json",
            "https://100.100.100.200/x.json",
        ] {
            assert!(redirect_refused(&public, &url(to)).is_some(), "{to}");
        }
        // A mirror inside the network may redirect within it (plain http stays plain http), but not to a link-local
        // address.
        let mirror = url("http://10.0.0.5/osv/all.zip");
        assert_eq!(
            redirect_refused(&mirror, &url("http://10.0.0.6/osv/all.zip")),
            None
        );
        for to in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/x",
            "http://100.100.100.200/latest/meta-data/",
            "http://[fd00:ec2::254]/latest/meta-data/",
            "http://127.0.0.1:8080/x",
        ] {
            assert!(redirect_refused(&mirror, &url(to)).is_some(), "{to}");
        }
        // A feed on this host (a test server, a local mirror) may redirect on it.
        let local = url("http://127.0.0.1:9000/kev.json");
        assert_eq!(
            redirect_refused(&local, &url("http://127.0.0.1:9000/v2/kev.json")),
            None
        );
    }
}
