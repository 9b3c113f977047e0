//! `psirt sbom import --product P --version V FILE`: parse and validate an SBOM, then replace
//! the version's components, with a progress bar for both halves.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::out::outln;
use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use psirt_formats::{ParseOptions, Progress, Stage};
use psirt_store::{Actor, Store, StoreError};

#[derive(Subcommand)]
pub enum SbomCommand {
    /// Import a CycloneDX 1.4–1.6 or SPDX 2.3 JSON SBOM for a product version; it replaces the
    /// version's components, and the audit trail records what changed.
    Import {
        /// Product id or name.
        #[arg(long)]
        product: String,
        #[arg(long)]
        version: String,
        /// Create the product version if it does not exist yet.
        #[arg(long)]
        create_version: bool,
        /// Import an SBOM that lists no components into a version that has some (refused otherwise: it would
        /// remove them all).
        #[arg(long)]
        allow_empty: bool,
        file: PathBuf,
    },
}

fn bar(len: u64, template: &str) -> ProgressBar {
    // A bar only for a person watching; pipelines get the summary lines alone.
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A spinner for the stages whose length is not known in advance (schema validation, conversion).
fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

/// What the spinner says at a parse stage: the stage, and while converting the components converted so far.
fn stage_message(p: &Progress) -> String {
    match p.stage {
        Stage::Reading => "reading".to_owned(),
        Stage::Validating => "validating against the schema".to_owned(),
        Stage::Converting => format!("converting: {} components", p.components),
        Stage::Done => format!("parsed: {} components", p.components),
    }
}

/// The file, read in 1 MiB chunks with the bar following.
fn read_with_progress(path: &std::path::Path, bar: &ProgressBar) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(bar.length().unwrap_or(0)).unwrap_or(0));
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(n) => {
                bytes.extend_from_slice(&chunk[..n]);
                bar.set_position(bytes.len() as u64);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

pub async fn run(store: &Store, command: SbomCommand) -> anyhow::Result<()> {
    let SbomCommand::Import {
        product,
        version,
        create_version,
        allow_empty,
        file,
    } = command;
    let operator = Actor::System("cli");
    // The version to import into, or the product to create it in once the SBOM has parsed: a malformed SBOM leaves
    // nothing behind, not even the version `--create-version` asked for.
    let target = match store.find_product_version(&product, &version).await {
        Ok(v) => Ok(v),
        Err(StoreError::NotFound(_)) if create_version => {
            Err(crate::inventory_cmd::find_product(store, &product).await?)
        }
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "product `{product}` version `{version}` (add --create-version to create it)"
                )
            })
        }
    };
    let size = std::fs::metadata(&file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let reading = bar(
        size,
        "   reading [{bar:40}] {bytes}/{total_bytes} {elapsed}",
    );
    let sbom = {
        let reading = reading.clone();
        let path = file.clone();
        tokio::task::spawn_blocking(move || {
            let bytes = read_with_progress(&path, &reading)
                .with_context(|| format!("reading {}", path.display()))?;
            reading.finish_and_clear();
            // The bytes are all read: what is left is validating and converting, measured in components.
            let working = spinner();
            let parsed = psirt_formats::parse_sbom_bytes(
                &bytes,
                &ParseOptions::default(),
                &mut |p: Progress| working.set_message(stage_message(&p)),
            );
            working.finish_and_clear();
            parsed
                .and_then(psirt_formats::Sbom::into_storable)
                .map(|s| (s, psirt_server::sbom::sha256_hex(&bytes)))
                .with_context(|| format!("{} is not an SBOM psirt can import", path.display()))
        })
        .await??
    };
    let (sbom, sha256) = sbom;
    let stats = sbom.stats.clone();
    let parsed = psirt_server::sbom::to_import(sbom, &sha256);
    for w in parsed.warnings.iter().take(20) {
        eprintln!("warning: {}: {}", w.pointer, w.message);
    }
    // Warnings past the parser's cap are only counted.
    let more = parsed.warnings.len().saturating_sub(20) + stats.warnings_omitted;
    if more > 0 {
        eprintln!("... and {more} more warnings");
    }
    let mut parsed = parsed;
    parsed.import.allow_empty = allow_empty;
    let empty = parsed.import.components.is_empty();
    let count = parsed.import.components.len();
    let writing = bar(
        count as u64,
        "   storing [{bar:40}] {pos}/{len} components {elapsed}",
    );
    let mut shown = |n: usize| writing.set_position(n as u64);
    // A version `--create-version` asked for is created with the import, in one transaction: an import that fails
    // (the database busy, interrupted) leaves no empty version behind.
    let done = match target {
        Ok(v) => store
            .import_sbom(&operator, v.id, parsed.import, &mut shown)
            .await
            .map_err(|e| {
                // The hint only where it helps: this import refused for emptying the version.
                let emptying = empty
                    && !allow_empty
                    && matches!(&e, StoreError::Domain(psirt_domain::DomainError::Invalid(f))
                        if f.first().is_some_and(|f| f.field == "components"));
                match emptying {
                    true => {
                        anyhow::Error::new(e).context("refused (--allow-empty empties the version)")
                    }
                    false => e.into(),
                }
            })?,
        Err(p) => {
            let draft = psirt_domain::ProductVersionDraft {
                version: version.clone(),
                ..Default::default()
            };
            store
                .import_sbom_into_new_version(&operator, p.id, draft, parsed.import, &mut shown)
                .await?
        }
    };
    writing.finish_and_clear();
    let target = &done.product_version;
    let d = &done.diff;
    outln!(
        "imported {} {} into {} (version id {}): {} components ({} duplicates merged, {} without purl)",
        done.product_version.sbom_format.as_deref().unwrap_or("?"),
        done.product_version.sbom_spec_version.as_deref().unwrap_or("?"),
        version,
        target.id,
        done.product_version.component_count,
        stats.duplicates_merged,
        stats.without_purl,
    );
    outln!(
        "changes: {} added, {} removed, {} changed, {} version changes, {} unchanged; dependencies: {} added, {} removed",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.version_changes.len(),
        d.unchanged,
        d.dependencies_added,
        d.dependencies_removed
    );
    const SHOWN: usize = 50;
    for c in d.version_changes.iter().take(SHOWN) {
        outln!("  {} {} -> {}", c.package, c.from, c.to);
    }
    if d.version_changes.len() > SHOWN {
        outln!("  ... and {} more", d.version_changes.len() - SHOWN);
    }
    crate::feeds_cmd::rematch(store).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stages_after_reading_say_what_they_do_and_count_components() {
        let at = |stage, components| Progress {
            stage,
            bytes_read: 1 << 20,
            components,
        };
        assert_eq!(
            stage_message(&at(Stage::Validating, 0)),
            "validating against the schema"
        );
        assert_eq!(
            stage_message(&at(Stage::Converting, 8192)),
            "converting: 8192 components"
        );
        assert_eq!(
            stage_message(&at(Stage::Done, 20000)),
            "parsed: 20000 components"
        );
    }
}
