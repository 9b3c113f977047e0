//! The engine's own input and output types: it depends on neither the store nor the feed codecs.

use std::sync::Arc;

use psirt_versions::OsvAffectedRanges;

/// An intel record, reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdvisoryInput {
    /// The record id (`GHSA-…`, `PYSEC-…`, `ALSA-…`): the key of upserts and removals.
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// OSV `modified` (RFC 3339), kept as given.
    pub modified: String,
    pub affected: Vec<AffectedInput>,
}

/// One OSV `affected[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AffectedInput {
    /// The OSV ecosystem name as given, release suffix included (`Debian:12`, `AlmaLinux:8`). It decides the
    /// package key and the version scheme (it replaces `ranges.ecosystem`).
    pub ecosystem: String,
    /// The package name as OSV gives it.
    pub name: String,
    /// The ranges and the `versions` list.
    pub ranges: OsvAffectedRanges,
}

/// One component instance: an SBOM entry of one product version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ComponentInput {
    pub component_id: i64,
    pub product_version_id: i64,
    /// The component's Package URL, with its version.
    pub purl: String,
}

/// An advisory that affects a component instance.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Match {
    pub advisory_id: Arc<str>,
    pub component_id: i64,
    pub product_version_id: i64,
}

/// What an update changed: the matches the caller must persist and retract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<Match>,
    pub removed: Vec<Match>,
    /// Of an upserted advisory: why each `affected` entry left out was (the others are matched).
    pub skipped: Vec<crate::Error>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
    /// Both lists sorted (updates return them in index order).
    pub fn sorted(mut self) -> Changes {
        self.added.sort_unstable();
        self.removed.sort_unstable();
        self
    }
}

/// A component instance, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ComponentRef {
    pub product_version_id: i64,
    pub component_id: i64,
}

/// What one advisory affects.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AdvisoryMatches {
    /// Affected component instances, sorted.
    pub components: Vec<ComponentRef>,
    /// Product versions holding at least one of them, sorted, unique.
    pub product_versions: Vec<i64>,
}

/// Sizes of the index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct IndexStats {
    pub advisories: usize,
    /// Compiled `affected[]` entries (entries with only GIT ranges and no `versions` are not kept).
    pub entries: usize,
    /// Distinct package keys seen (intel or inventory).
    pub packages: usize,
    /// Distinct (package, version) pairs in the inventory.
    pub package_versions: usize,
    pub product_versions: usize,
    pub component_instances: usize,
}
