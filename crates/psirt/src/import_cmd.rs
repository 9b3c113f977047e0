//! `psirt import csaf FILE|DIR`: other vendors' CSAF advisories as intel records, through the feed
//! pipeline. Each document is validated whole: a bad one is reported with the JSON Pointer of every
//! schema violation and stored not at all; the exit status is 1 when any was rejected.

use std::path::PathBuf;

use crate::out::outln;
use anyhow::Context;
use clap::Subcommand;
use psirt_formats::intel::FeedKind;
use psirt_store::{Actor, Store};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// CSAF 2.0 documents: one file, a directory (recursively), a zip or JSON Lines.
    Csaf { path: PathBuf },
}

/// Returns whether every document was imported.
pub async fn run(store: &Store, command: ImportCommand) -> anyhow::Result<bool> {
    let ImportCommand::Csaf { path } = command;
    let origin = path.display().to_string();
    let imported = psirt_server::intel::import_feed(
        store,
        &Actor::System("cli"),
        FeedKind::Csaf,
        path,
        origin.clone(),
        Box::new(|_| {}),
    )
    .await
    .with_context(|| format!("importing {origin}"))?;
    let log = &imported.log;
    outln!(
        "csaf {}: {} documents: {} new, {} updated, {} unchanged, {} older than stored, {} rejected",
        log.origin, log.records, log.inserted, log.updated, log.unchanged, log.stale, log.errors
    );
    for (at, message) in &log.error_report {
        outln!("  rejected {at}: {message}");
    }
    if !imported.changed.is_empty() {
        crate::feeds_cmd::rematch(store).await;
    }
    Ok(log.errors == 0)
}
