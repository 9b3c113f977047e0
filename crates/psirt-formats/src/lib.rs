//! psirt-formats: the codecs layer.
//!
//! - [`sbom`]: SBOM import — CycloneDX 1.4/1.5/1.6 JSON and SPDX 2.3 JSON, validated against the official schemas
//!   (vendored under `schemas/`, no network) and normalised into one model keyed by Package URL. See [`sbom`] for
//!   the decisions (unsupported versions, components without purl, duplicates, SPDX relationships) and
//!   [`parse_sbom`] for the entry point.
//! - [`intel`]: intel feed import — OSV, CVE 5 (cvelistV5, Vulnrichment), CISA KEV and FIRST EPSS, validated against
//!   the official schemas (OSV, CVE 5.1.1, KEV; vendored) and normalised into [`IntelRecord`]s (aliases, affected
//!   packages with psirt-versions OSV ranges, severity, CWE, exploitation, EPSS, the raw record). [`read_feed`]
//!   reads directories, JSON Lines (gzipped or not), OSV `all.zip` and cvelistV5 zips record by record with
//!   per-record errors and progress. See [`intel`] for the decisions (schema leniency, withdrawn records, the CVE
//!   affected mapping, aliases).
//! - [`publish`]: advisory publishing — CSAF 2.0 (security advisory and VEX), CVE JSON 5.1 records and CNA
//!   containers, OSV, rendered from an [`publish::AdvisoryView`] into deterministic bytes and checked against the
//!   vendored schemas before they leave.

pub mod error;
pub mod intel;
pub mod publish;
pub mod sbom;
mod vendored;

pub use error::SbomError;
pub use intel::{
    parse_csaf, parse_cve5, parse_epss, parse_kev, parse_osv, read_feed, warm_up_intel,
    AffectedPackage, AffectedProduct, EpssReader, EpssScore, Exploited, FeedKind, FeedProgress,
    FeedSummary, IntelError, IntelRecord, IntelSource, KevCatalog, Locator, ProductVersion,
    RawRecord, RecordError, Reference, Severity, SeverityKind, Ssvc, MAX_DOCUMENT_BYTES,
};
pub use sbom::{
    parse_sbom, parse_sbom_bytes, warm_up, Component, ComponentHash, DependencyEdge, EdgeKind,
    ImportStats, ParseOptions, Progress, Sbom, SbomFormat, SbomNode, SbomWarning, Stage,
    Unstorable, MAX_WARNINGS, SPDX3_JSON_LD,
};
