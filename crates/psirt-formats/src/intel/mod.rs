//! Intel feed import: OSV, CVE 5, CISA KEV and FIRST EPSS into one normalised [`IntelRecord`].
//!
//! Pure codecs: no database, no HTTP. [`parse_osv`], [`parse_cve5`], [`parse_kev`] and [`parse_epss`] read one
//! record / catalog / CSV; [`read_feed`] walks what `psirt feeds import osv|cve5|kev|epss PATH` is given (a JSON
//! file, a directory, `.jsonl[.gz]`, an OSV `all.zip`, a cvelistV5 zip, an EPSS `.csv[.gz]`) and hands every record
//! — or its [`RecordError`] with a [`Locator`] — to a callback, so one bad record is reported and skipped while the
//! rest of the batch is read.
//!
//! Decisions:
//! - **Validation.** OSV records are validated against the OSV schema (ossf/osv-schema), CVE records against CVE
//!   Record Format 5.1.1 (bundled; the `Published` or `Rejected` branch of its root `oneOf`, chosen by
//!   `cveMetadata.state`, so errors point into the record rather than at the root), KEV entries one by one against
//!   the catalog schema's `$defs/vulnerability`; format keywords (`date-time`, `uri`, `date`) are asserted. The first
//!   violation rejects the record with its JSON Pointer ([`IntelError::Schema`]).
//!   - CVE **5.0** records are accepted: the 5.1.1 schema's `dataVersion` pattern admits any 5.x and 5.1 only added
//!     optional fields; the shared sample's 5.0 record validates unchanged.
//!   - One leniency, CVE only: `uri` needs a scheme and no white space, not full RFC 3986. GitLab's CNA writes
//!     `affected[].repo` as `git://git@gitlab.com:gitlab-org/gitlab.git` and CVE Services publishes it (5 of the
//!     1151 sample records). OSV and KEV keep strict formats.
//!   - Shared corpus outcome: all 26,223 OSV records valid except 7 PyPI (PYSEC) records whose GIT event is
//!     `fixed: "<sha>.patch"` (not a commit hash): rejected per record, as the schema says. All 1151 CVE records
//!     and all 1404 KEV entries valid.
//! - **Withdrawn.** OSV `withdrawn` is kept as given. A CVE record in state `REJECTED` is imported (so earlier
//!   matches can be closed) with `withdrawn` = `dateRejected` (else `dateUpdated`, else `datePublished`), the
//!   rejection reason as `details`, no products or packages; [`IntelRecord::is_withdrawn`] tells.
//! - **Aliases.** `aliases` holds the ids that name the same vulnerability: OSV `aliases`; for CVE 5 (which has no
//!   aliases field) the GHSA ids in GitHub advisory reference URLs (`github.com/advisories/GHSA-…`,
//!   `…/security/advisories/GHSA-…`). Never the record's own id; duplicates dropped, order kept. OSV `related`
//!   (different but related vulnerabilities) and `upstream` (ids this record derives from, e.g. a distro record's
//!   CVE) are kept separately in [`IntelRecord::related`] and [`IntelRecord::upstream`].
//! - **Timestamps** are parsed into `OffsetDateTime` (RFC 3339; a CVE timestamp without offset is UTC); KEV and
//!   EPSS dates into `Date`. Unparsable ones reject the record ([`IntelError::Model`] with the pointer). The exact
//!   text stays in [`IntelRecord::raw`].
//! - **Affected (OSV).** One [`AffectedPackage`] per `affected[]` entry with a `package`, ranges as psirt-versions'
//!   [`OsvAffectedRanges`] (the explicit `versions` list included; GIT ranges kept, they are not evaluable);
//!   `ecosystem` keeps the release suffix (`AlmaLinux:8`), the ranges' ecosystem is the base. The purl is the
//!   record's own `package.purl` with the version dropped, else derived from ecosystem + name (none for OSS-Fuzz,
//!   GHC, Linux, … which have no purl type).
//! - **Affected (CVE 5).** Every `containers.cna.affected[]` entry becomes an [`AffectedProduct`] (vendor, product,
//!   packageName, collectionURL, cpes, defaultStatus and the version entries as text). Its version entries are also
//!   converted into OSV ranges ([`AffectedProduct::ranges`]) when every entry that can make a version affected has
//!   `versionType` `semver` (a SEMVER range) or a type naming an ecosystem's scheme (`maven`, `python`, `npm`,
//!   `rpm`, `deb`, …: an ECOSYSTEM range), or no type and a registry ecosystem (below):
//!   - an affected entry with a range: `version` → `introduced` (`0`, `*`, `n/a`, `unspecified`, empty →
//!     `introduced: "0"`), `lessThan` → `fixed`, `lessThanOrEqual` → `last_affected` (`*`: open end);
//!   - `changes` are walked as CVE 5 defines them (switch to `unaffected` → `fixed`, to `affected` →
//!     `introduced`), also inside an `unaffected` range (the advanced example's 2.1.6–2.1.9);
//!   - an affected version without a range joins the exact `versions` list;
//!   - `defaultStatus: affected` with no unaffected entry → `introduced: "0"` (all versions).
//!   - anything else — git hashes, `custom` and other types, `unknown` statuses in a range, "all but these"
//!     (unaffected entries under an affected default), mixed types — leaves `ranges: None` with the text kept;
//!     ranges must also compile with psirt-versions (every version parses), else `None`; without a registry
//!     ecosystem a SEMVER range carries the placeholder ecosystem `semver` (SEMVER ordering does not depend on
//!     it). Sample: 2,987 product entries, 192 with ranges;
//!   - when an entry also has a `packageName` and a `collectionURL` of a known registry (pypi.org, Maven Central,
//!     npmjs, crates.io, pkg.go.dev, rubygems, packagist, nuget, hex, pub.dev, CRAN, Hackage) and ranges, it is
//!     also an [`AffectedPackage`] (with purl), so CVE-only packages match like OSV ones (2 in the sample).
//! - **Severity** lists every CVSS vector with its type: OSV top-level `severity` (per-package ones are on the
//!   [`AffectedPackage`]); CVE `metrics` of the CNA and of every ADP container, with the provider's short name and
//!   `baseScore`. CWE ids: CVE `problemTypes` of CNA and ADPs; OSV `database_specific.cwe_ids` (GHSA style); KEV
//!   `cwes`. Deduplicated.
//! - **KEV/SSVC.** The CISA ADP container's `kev` metric sets [`IntelRecord::exploited`] (date added, reference)
//!   and its `ssvc` metric [`IntelRecord::ssvc`] (sample: 222 KEV-flagged, 1146 with SSVC). A KEV catalog entry
//!   gives a record (source `kev`, id the CVE) with `exploited` complete (due date, ransomware use, required
//!   action, notes) and vendor/product as an [`AffectedProduct`]; a bad entry is rejected alone, its pointer
//!   absolute in the catalog (`/vulnerabilities/7/dueDate`).
//! - **EPSS** rows become [`EpssScore`]s (and records of source `epss` through [`read_feed`]); the score date and
//!   model version come from the `#model_version:…,score_date:…` comment line; gzip is detected by magic bytes.
//! - **CSAF 2.0** documents of other vendors: see [`parse_csaf`] (`csaf.rs`) for the mapping.
//! - **raw** ([`RawRecord`]) is the record's JSON text: for OSV the text as received (the line of a `.jsonl`, the
//!   file or zip entry, surrounding white space trimmed), kept without building a `serde_json::Value`; for CVE 5,
//!   CSAF, KEV (the catalog entry) and EPSS (the row as a JSON object) the compact, key-sorted text of the parsed
//!   value. [`RawRecord::canonical`] gives the latter form for every source (what `raw` held before it was text).

mod container;
mod csaf;
mod cve5;
mod dates;
mod epss;
pub mod error;
mod kev;
mod osv;
mod package;
mod pipeline;
mod schema;

#[doc(hidden)]
pub use container::read_feed_threads;
pub use container::{read_feed, FeedKind, FeedProgress, FeedSummary, MAX_DOCUMENT_BYTES};
pub use csaf::parse_csaf;
pub use cve5::parse_cve5;
pub use epss::{parse_epss, EpssReader};
pub use error::{IntelError, Locator, RecordError};
pub use kev::{parse_kev, KevCatalog};
pub use osv::{osv_through, parse_osv};
pub use schema::warm_up_intel;

use std::borrow::Cow;
use std::sync::Arc;

use psirt_versions::{OsvAffectedRanges, Purl};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IntelSource {
    Osv,
    Cve5,
    Kev,
    Epss,
    /// A CSAF 2.0 document of another vendor ([`parse_csaf`]).
    Csaf,
}

/// A record from a public source, normalised; `raw` keeps it as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntelRecord {
    pub source: IntelSource,
    /// OSV id (`GHSA-…`, `PYSEC-…`, `GO-…`), or the CVE id for CVE 5, KEV and EPSS.
    pub id: String,
    /// Other ids of the same vulnerability (see the module doc); never `id` itself.
    pub aliases: Vec<String>,
    /// OSV `related`: different but related vulnerabilities.
    pub related: Vec<String>,
    /// OSV `upstream`: the ids this record is derived from.
    pub upstream: Vec<String>,
    /// OSV `modified`; CVE `dateUpdated`.
    #[serde(serialize_with = "dates::ser::opt_ts")]
    pub modified: Option<OffsetDateTime>,
    /// OSV `published`; CVE `datePublished`.
    #[serde(serialize_with = "dates::ser::opt_ts")]
    pub published: Option<OffsetDateTime>,
    /// OSV `withdrawn`; CVE `dateRejected` of a REJECTED record.
    #[serde(serialize_with = "dates::ser::opt_ts")]
    pub withdrawn: Option<OffsetDateTime>,
    /// OSV `summary`; CVE `title`; KEV `vulnerabilityName`.
    pub summary: Option<String>,
    /// OSV `details`; CVE: the first English description (or rejection reason); KEV `shortDescription`.
    pub details: Option<String>,
    pub severity: Vec<Severity>,
    /// `CWE-79`, …
    pub cwe_ids: Vec<String>,
    pub references: Vec<Reference>,
    /// Packages with OSV ranges: what the matching engine evaluates against SBOM purls.
    pub affected: Vec<AffectedPackage>,
    /// CVE 5 `affected[]` entries and KEV vendor/product, as written.
    pub products: Vec<AffectedProduct>,
    pub exploited: Option<Exploited>,
    pub ssvc: Option<Ssvc>,
    pub epss: Option<EpssScore>,
    /// The record as received (see [`RawRecord`]).
    pub raw: RawRecord,
}

impl IntelRecord {
    pub(crate) fn new(source: IntelSource, id: String, raw: RawRecord) -> IntelRecord {
        IntelRecord {
            source,
            id,
            aliases: Vec::new(),
            related: Vec::new(),
            upstream: Vec::new(),
            modified: None,
            published: None,
            withdrawn: None,
            summary: None,
            details: None,
            severity: Vec::new(),
            cwe_ids: Vec::new(),
            references: Vec::new(),
            affected: Vec::new(),
            products: Vec::new(),
            exploited: None,
            ssvc: None,
            epss: None,
            raw,
        }
    }

    /// Withdrawn (OSV) or rejected (CVE).
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// The CVE ids among `id` and `aliases`.
    pub fn cve_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .filter(|s| s.starts_with("CVE-"))
    }
}

/// A record's JSON text: one complete JSON document (checked by the parse that produced the record).
///
/// For OSV it is the text as received, so the fast path never builds a `serde_json::Value`. Its
/// [`canonical`](RawRecord::canonical) form is `serde_json::Value`'s compact output (object keys sorted, numbers and
/// string escapes normalised): what `raw` was before it held text. Anything that hashes or compares raw records
/// across versions (psirt-server's `content_sha256`) must use the canonical form, else every record would look
/// changed once after an upgrade. Serialises as the JSON it holds (not as a string); equality compares the text.
#[derive(Debug, Clone)]
pub struct RawRecord {
    text: Box<str>,
    canonical: Canonical,
}

#[derive(Debug, Clone)]
enum Canonical {
    /// `text` is canonical.
    Same,
    /// Made when the record was parsed into a `Value` anyway (validation), so that it is not parsed again later.
    Known(Box<str>),
    /// Made on demand.
    Unknown,
}

impl PartialEq for RawRecord {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for RawRecord {}

impl RawRecord {
    /// `text` as received; the caller has parsed it completely (it is one JSON document).
    pub(crate) fn received(text: &str) -> RawRecord {
        RawRecord {
            text: trim_json_ws(text).into(),
            canonical: Canonical::Unknown,
        }
    }

    /// `text` as received, and `value` parsed from it: the canonical form is made now.
    pub(crate) fn received_with_value(text: &str, value: &serde_json::Value) -> RawRecord {
        let text = trim_json_ws(text);
        let canonical = compact(value);
        RawRecord {
            text: text.into(),
            canonical: if canonical == text {
                Canonical::Same
            } else {
                Canonical::Known(canonical.into())
            },
        }
    }

    /// The canonical text of `value`.
    pub(crate) fn from_value(value: &serde_json::Value) -> RawRecord {
        RawRecord {
            text: compact(value).into(),
            canonical: Canonical::Same,
        }
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Parses the text into a `Value`.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        self.text.parse()
    }

    /// The compact, key-sorted text `serde_json::Value` writes for this record: the text itself when already in that
    /// form (CVE 5, CSAF, KEV, EPSS), the form made while validating (OSV, validated), else the text parsed and
    /// written again (OSV, unvalidated).
    pub fn canonical(&self) -> Result<Cow<'_, str>, serde_json::Error> {
        match &self.canonical {
            Canonical::Same => Ok(Cow::Borrowed(&self.text)),
            Canonical::Known(c) => Ok(Cow::Borrowed(c)),
            Canonical::Unknown => Ok(Cow::Owned(compact(&self.to_value()?))),
        }
    }
}

/// `null`.
impl Default for RawRecord {
    fn default() -> Self {
        RawRecord {
            text: "null".into(),
            canonical: Canonical::Same,
        }
    }
}

impl Serialize for RawRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.text).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// `value.to_string()` (the same text) written straight into a byte buffer, not through `fmt::Write`: twice as fast,
/// and a validated OSV parse spent a seventh of its time there.
fn compact(value: &serde_json::Value) -> String {
    // Serialising a `Value` into a `Vec` cannot fail (its keys are strings, a `Vec` takes every write). Were it to,
    // `Display` (what this replaced) would panic too: the fallback adds no new failure.
    serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// Trims JSON white space (space, tab, CR, LF) at both ends; unlike `str::trim`, no other Unicode white space.
pub(crate) fn trim_json_ws(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// One affected package with OSV ranges.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedPackage {
    /// OSV ecosystem name as given, release suffix included (`Debian:12`, `AlmaLinux:8`).
    pub ecosystem: String,
    /// Package name as given (`group:artifact` for Maven, module path for Go).
    pub name: String,
    /// Package purl without version: the record's own, else derived from ecosystem + name; `None` for ecosystems
    /// without a purl type (OSS-Fuzz, Linux, GIT, …).
    /// Shared: a feed names the same package in many records, and one purl is several allocations.
    pub purl: Option<Arc<Purl>>,
    /// Ranges and explicit versions (the ecosystem there is the base, without suffix).
    pub ranges: OsvAffectedRanges,
    /// OSV per-package `severity`.
    pub severity: Vec<Severity>,
}

/// A CVE 5 `affected[]` entry (or KEV vendor/product) as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedProduct {
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub package_name: Option<String>,
    pub collection_url: Option<String>,
    pub cpes: Vec<String>,
    /// `affected`, `unaffected` or `unknown` (the schema's default when absent is `unknown`).
    pub default_status: Option<String>,
    pub versions: Vec<ProductVersion>,
    /// The version entries as OSV ranges, when they convert (see the module doc).
    pub ranges: Option<OsvAffectedRanges>,
}

/// A CVE 5 `versions[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductVersion {
    pub version: String,
    pub status: String,
    pub version_type: Option<String>,
    pub less_than: Option<String>,
    pub less_than_or_equal: Option<String>,
    /// `changes[]` as (at, status).
    pub changes: Vec<(String, String)>,
}

/// A severity score as written: a CVSS vector (or an Ubuntu priority word).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    pub kind: SeverityKind,
    /// The vector (`CVSS:3.1/AV:N/…`) or, for [`SeverityKind::Ubuntu`], the priority.
    pub score: String,
    /// CVE `baseScore`, when given.
    pub base_score: Option<f64>,
    /// Who scored: the CVE container's provider short name (`CISA-ADP`, the CNA's); `None` for OSV.
    pub provider: Option<String>,
}

/// OSV `severity[].type`; CVE `cvssV2_0` → `CvssV2`, `cvssV3_0`/`cvssV3_1` → `CvssV3`, `cvssV4_0` → `CvssV4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SeverityKind {
    #[serde(rename = "CVSS_V2")]
    CvssV2,
    #[serde(rename = "CVSS_V3")]
    CvssV3,
    #[serde(rename = "CVSS_V4")]
    CvssV4,
    Ubuntu,
}

/// A reference link; `kind` is the OSV type (`ADVISORY`, `FIX`, …) or the CVE tags joined by `,`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub kind: Option<String>,
    pub url: String,
}

/// Known exploitation (CISA KEV), from the catalog or the CISA ADP container of a CVE record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exploited {
    #[serde(serialize_with = "dates::ser::opt_date")]
    pub date_added: Option<Date>,
    #[serde(serialize_with = "dates::ser::opt_date")]
    pub due_date: Option<Date>,
    /// `knownRansomwareCampaignUse`: `Known` → true, `Unknown` → false, absent → `None`.
    pub known_ransomware_use: Option<bool>,
    pub required_action: Option<String>,
    pub notes: Option<String>,
    /// The CISA ADP container's catalog link.
    pub reference: Option<String>,
    /// The KEV catalog's `dateReleased` the entry came in: not part of the record (every release of the catalog
    /// would change it), but what tells an older catalog from a newer one at import.
    #[serde(skip)]
    pub catalog_released: Option<OffsetDateTime>,
    /// The catalog's own `count` of entries (with `catalog_released`): a catalog holding fewer is not the whole list.
    #[serde(skip)]
    pub catalog_count: Option<u64>,
}

/// CISA's SSVC decision points (CISA ADP container).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ssvc {
    /// `none`, `poc`, `active`.
    pub exploitation: Option<String>,
    /// `yes`, `no`.
    pub automatable: Option<String>,
    /// `partial`, `total`.
    pub technical_impact: Option<String>,
    pub version: Option<String>,
    #[serde(serialize_with = "dates::ser::opt_ts")]
    pub timestamp: Option<OffsetDateTime>,
}

/// One EPSS row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpssScore {
    pub cve: String,
    /// Probability of exploitation in the next 30 days, in [0, 1].
    pub score: f64,
    /// In [0, 1].
    pub percentile: f64,
    /// From the file's comment line.
    #[serde(serialize_with = "dates::ser::opt_date")]
    pub score_date: Option<Date>,
    pub model_version: Option<String>,
}

/// Appends `s` unless it is empty, equal to `own` or already present (order kept).
pub(crate) fn push_unique(v: &mut Vec<String>, s: &str, own: &str) {
    if !s.is_empty() && s != own && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}
