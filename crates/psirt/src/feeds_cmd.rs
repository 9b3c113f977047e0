//! `psirt feeds import osv|cve5|kev|epss PATH`: reads a feed (file, directory, `.jsonl.gz`, OSV
//! `all.zip`, cvelistV5 zip, EPSS `.csv.gz`) with a progress bar, stores what is new or changed,
//! reports every bad record, then re-matches the inventory.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::out::outln;
use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use psirt_formats::intel::FeedKind;
use psirt_server::engine::Engine;
use psirt_store::{Actor, Store};

#[derive(Subcommand)]
pub enum FeedsCommand {
    /// Import a feed from a local path. Idempotent: re-importing the same data changes nothing;
    /// a record older than the stored one (by `modified`) is skipped.
    Import {
        /// osv, cve5, kev, epss or csaf.
        kind: FeedKind,
        path: PathBuf,
    },
    /// Records per source.
    Status,
}

/// Recomputes every match against the stored inventory and intel, and prints what changed.
/// Re-matches after an import that is stored: a failure is told on stderr, not returned — the import stands (the
/// command must not say it failed), and the server's engine, behind the stored generation, matches it at its next
/// use (as the API's SBOM upload answers `matching_error`).
pub async fn rematch(store: &Store) {
    if let Err(e) = try_rematch(store).await {
        eprintln!(
            "warning: the import is stored, but matching after it failed: {e:#}; the server matches it at its next use"
        );
    }
}

async fn try_rematch(store: &Store) -> anyhow::Result<()> {
    let (engine, applied) = Engine::load_reconciled(store).await.context("matching")?;
    let applied = applied.ok_or(psirt_server::engine::EngineError::Behind)?;
    let stats = engine.index().stats();
    outln!(
        "matching: {} advisories x {} component instances: {} new matches, {} again, {} retracted, {} kept dismissed",
        stats.advisories,
        stats.component_instances,
        applied.raised,
        applied.reactivated,
        applied.retracted,
        applied.kept_dismissed
    );
    if !engine.skipped_records.is_empty() {
        outln!(
            "  {} records not matchable (ranges their ecosystem cannot order), e.g. {}",
            engine.skipped_records.len(),
            engine.skipped_records[..engine.skipped_records.len().min(5)].join(", ")
        );
    }
    Ok(())
}

pub async fn run(store: &Store, command: FeedsCommand) -> anyhow::Result<bool> {
    match command {
        FeedsCommand::Status => {
            for (source, n) in store.intel_counts().await? {
                outln!("{source:>6} {n}");
            }
            Ok(true)
        }
        FeedsCommand::Import { kind, path } => {
            let bar = if std::io::stderr().is_terminal() {
                let bar = ProgressBar::new(0);
                if let Ok(style) = ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} {elapsed} ({bytes_per_sec})",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar
            } else {
                ProgressBar::hidden()
            };
            let progress_bar = bar.clone();
            let origin = path.display().to_string();
            let imported = psirt_server::intel::import_feed(
                store,
                &Actor::System("cli"),
                kind,
                path,
                origin.clone(),
                Box::new(move |p| {
                    progress_bar.set_length(p.bytes_total);
                    progress_bar.set_position(p.bytes_read);
                    progress_bar.set_message(format!("{} records, {} errors", p.records, p.errors));
                }),
            )
            .await
            .with_context(|| format!("importing {origin}"))?;
            bar.finish_and_clear();
            let log = &imported.log;
            outln!(
                "{} {}: {} records: {} new, {} updated, {} unchanged, {} older than stored, {} rejected (import #{})",
                log.kind, log.origin, log.records, log.inserted, log.updated, log.unchanged, log.stale, log.errors,
                imported.import_id
            );
            for (at, message) in &log.error_report {
                outln!("  rejected {at}: {message}");
            }
            if log.errors > log.error_report.len() as u64 {
                outln!(
                    "  ... and {} more rejected records",
                    log.errors - log.error_report.len() as u64
                );
            }
            if !imported.changed.is_empty() {
                rematch(store).await;
            }
            // Rejected records are reported, not fatal: the batch was imported. An input read only in part, or one
            // that held no record of the kind that could be read, is (exit 1): a script must not take it for a feed
            // imported whole.
            if let Some((at, e)) = &imported.unread_rest {
                eprintln!("error: the input could not be read to its end: {at}: {e}");
                return Ok(false);
            }
            if log.errors == log.records {
                eprintln!(
                    "error: no {} record could be read from {}",
                    log.kind, log.origin
                );
                return Ok(false);
            }
            Ok(true)
        }
    }
}
