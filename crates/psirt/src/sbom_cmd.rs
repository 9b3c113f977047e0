//! `psirt sbom import --product P --version V FILE`: parse and validate an SBOM, then replace
//! the version's components, with a progress bar for both halves.

use std::io::IsTerminal;
use std::path::PathBuf;

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

pub async fn run(store: &Store, command: SbomCommand) -> anyhow::Result<()> {
    let SbomCommand::Import {
        product,
        version,
        create_version,
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
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let size = bytes.len() as u64;
    let reading = bar(size, "{msg:>10} [{bar:40}] {bytes}/{total_bytes} {elapsed}");
    let sbom = {
        let reading = reading.clone();
        let path = file.clone();
        tokio::task::spawn_blocking(move || {
            psirt_formats::parse_sbom_bytes(&bytes, &ParseOptions::default(), &mut |p: Progress| {
                reading.set_message(match p.stage {
                    Stage::Reading => "reading",
                    Stage::Validating => "validating",
                    Stage::Converting => "converting",
                    Stage::Done => "parsed",
                });
                reading.set_position(p.bytes_read.min(size));
            })
            .and_then(psirt_formats::Sbom::into_storable)
            .map(|s| (s, psirt_server::sbom::sha256_hex(&bytes)))
            .with_context(|| format!("{} is not an SBOM psirt can import", path.display()))
        })
        .await??
    };
    reading.finish_and_clear();
    let (sbom, sha256) = sbom;
    let stats = sbom.stats.clone();
    let parsed = psirt_server::sbom::to_import(sbom, &sha256);
    for w in parsed.warnings.iter().take(20) {
        eprintln!("warning: {}: {}", w.pointer, w.message);
    }
    if parsed.warnings.len() > 20 {
        eprintln!("... and {} more warnings", parsed.warnings.len() - 20);
    }
    let target = match target {
        Ok(v) => v,
        Err(p) => {
            store
                .create_product_version(
                    &operator,
                    p.id,
                    psirt_domain::ProductVersionDraft {
                        version: version.clone(),
                        ..Default::default()
                    },
                )
                .await?
        }
    };
    let count = parsed.import.components.len();
    let writing = bar(
        count as u64,
        "   storing [{bar:40}] {pos}/{len} components {elapsed}",
    );
    let done = store
        .import_sbom(&operator, target.id, parsed.import, &mut |n| {
            writing.set_position(n as u64)
        })
        .await?;
    writing.finish_and_clear();
    let d = &done.diff;
    println!(
        "imported {} {} into {} (version id {}): {} components ({} duplicates merged, {} without purl)",
        done.product_version.sbom_format.as_deref().unwrap_or("?"),
        done.product_version.sbom_spec_version.as_deref().unwrap_or("?"),
        version,
        target.id,
        done.product_version.component_count,
        stats.duplicates_merged,
        stats.without_purl,
    );
    println!(
        "changes: {} added, {} removed, {} changed, {} version changes, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.version_changes.len(),
        d.unchanged
    );
    for c in d.version_changes.iter().take(50) {
        println!("  {} {} -> {}", c.package, c.from, c.to);
    }
    crate::feeds_cmd::rematch(store).await?;
    Ok(())
}
