//! SBOM import: CycloneDX 1.4/1.5/1.6 JSON and SPDX 2.3 JSON into one normalised model.
//!
//! Pipeline: read (with byte progress) → detect the format → validate against the official schema (optional, on
//! by default) → map the format's serde types into [`Component`]s keyed by canonical purl → [`Sbom`].
//!
//! Decisions (the importer and the store rely on them):
//! - **Versions.** Only versions with a vendored official schema are accepted: CycloneDX 1.4, 1.5, 1.6 and SPDX
//!   2.3. Anything else — CycloneDX 1.0–1.3 (e.g. the keycloak 1.2 SBOM), SPDX 2.2, SPDX 3 JSON-LD — is rejected
//!   with [`SbomError::UnsupportedVersion`]: we cannot check it, and "bad input is rejected whole" outranks
//!   leniency. Convert first (`cyclonedx convert --output-version v1_6`).
//! - **Identity.** A component's key is its canonical purl (parsed with [`Purl::parse_lenient`], printed with
//!   `Display`: qualifiers and subpath included), given the component's version when the purl has none
//!   (`pkg:npm/foo` with version 2.0 is `pkg:npm/foo@2.0`: matching reads the purl's version, and two versions of
//!   one package are two components). Components that share a key are **merged** into one (first
//!   occurrence wins for scalars; hashes and licenses are unioned; later `bom-ref`s/SPDXIDs point at the merged
//!   component), matching the store's one row per (product version, purl).
//! - **No purl.** Components without a purl — or with one that does not parse (a warning) — are **kept**, with
//!   [`Component::purl`] `None` and a synthetic key `nopurl:[group/]name[@version]` (never starts with `pkg:`), merged on that
//!   key. Keeping them preserves CPE and license data; bom-refs are not used as keys because they are not stable
//!   across regenerations of an SBOM. [`ImportStats::without_purl`] counts them.
//! - **Subject.** CycloneDX `metadata.component`, or the single package an SPDX document DESCRIBES
//!   (`documentDescribes`, DESCRIBES, DESCRIBED_BY), is the [`Sbom::subject`] (the product itself), not a
//!   component; its nested components are components. Several described packages: no subject, all components. A
//!   described package that other packages were merged into (same purl) stays a component as well. syft writes
//!   "SPDXRef-DOCUMENT DESCRIBES SPDXRef-DOCUMENT": no subject there.
//! - **Edges.** CycloneDX `dependencies` (ref → dependsOn) give [`EdgeKind::DependsOn`]; component nesting gives
//!   [`EdgeKind::Contains`] (parent → child). SPDX: `DEPENDS_ON` forward, `DEPENDENCY_OF` and the
//!   `*_DEPENDENCY_OF` variants reversed (dependent → dependency, scope not kept), `CONTAINS` forward and
//!   `CONTAINED_BY` reversed as `Contains` — only between packages: edges to files, snippets, the document or
//!   external documents are dropped and counted ([`ImportStats::edges_dropped`]); other relationship types are
//!   ignored ([`ImportStats::relationships_ignored`]). A reference to an element the document never declares is
//!   a warning. Edges are deduplicated and sorted by (from, to) in component order; self-edges dropped.
//! - **Schemas.** Validation is the official schema's, with one relaxation: `format: iri-reference` is not
//!   asserted (real npm SBOMs carry `git@github.com:…` URLs in externalReferences, which we never read); the other
//!   formats (date-time, idn-email, uri) are. See `schemas/README.md`.
//! - **Warnings vs errors.** Non-JSON input, an unknown/unsupported format and a schema violation reject the whole
//!   document ([`SbomError`]); per-component oddities become [`SbomWarning`]s (at most [`MAX_WARNINGS`]).
//!
//! Memory: validation needs the whole document as a `serde_json::Value` (the jsonschema crate has no streaming
//! mode, and a document must be checked whole before anything is accepted). Measured by the `sbom` bench at 100k
//! components: a validated import peaks at ~380 MiB for a 32.5 MiB CycloneDX document (11.7× its size) and ~460
//! MiB for a 78 MiB SPDX one (5.9×); the result itself is ~80–95 MiB. Acceptable for a server importing one SBOM at a
//! time; the HTTP layer should cap upload size (a 1M-component SBOM would need ~4 GiB). The Value is then consumed
//! (strings moved, not copied) by the same streaming visitor as the parse-only path, which parses straight from
//! the text (UTF-8 checked once for the whole document), borrows what it only looks up (refs, raw purls, SPDX
//! external references and licenses until kept) and converts each top-level component as soon as it is parsed (no
//! intermediate `Vec`): parse-only peaks at ~3.1× (CycloneDX) / ~1.5× (SPDX) the input size.

mod build;
mod cyclonedx;
mod schema;
mod spdx;

pub use schema::{warm_up, SPDX3_JSON_LD};

use std::io::Read;

use serde::Serialize;
use serde_json::Value;

use crate::error::SbomError;
#[cfg(doc)]
use psirt_versions::Purl;

/// At most this many warnings are kept; the rest are counted in [`ImportStats::warnings_omitted`].
pub const MAX_WARNINGS: usize = 1000;

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SbomFormat {
    CycloneDx,
    Spdx,
}

/// An imported SBOM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sbom {
    pub format: SbomFormat,
    /// Bare version: "1.4", "1.5", "1.6" (CycloneDX) or "2.3" (SPDX).
    pub spec_version: String,
    /// The subject's name (CycloneDX `metadata.component.name`) or the SPDX document `name`.
    pub name: Option<String>,
    /// CycloneDX `serialNumber` or SPDX `documentNamespace`.
    pub document_id: Option<String>,
    /// CycloneDX `metadata.timestamp` or SPDX `creationInfo.created`, as written (RFC 3339 per both schemas).
    pub timestamp: Option<String>,
    /// What the SBOM describes (see the module doc); not part of `components`.
    pub subject: Option<Component>,
    /// Unique by [`Component::key`], in order of first appearance in the document (depth first for nested
    /// components).
    pub components: Vec<Component>,
    /// Unique; sorted by (from, to) in component order, edges from the subject first; both ends always exist.
    pub dependencies: Vec<DependencyEdge>,
    pub warnings: Vec<SbomWarning>,
    pub stats: ImportStats,
    /// The first component psirt cannot store as it is, with its JSON Pointer: a key over 1,000 bytes, a name
    /// (`group/name`) over 1,000 characters, a version over 500, a CPE or license over 4,000, control characters.
    /// Importing refuses the SBOM with it ([`Sbom::into_storable`]); a scan, which stores nothing, reads it anyway.
    pub unstorable: Option<Unstorable>,
}

/// A component psirt cannot store as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unstorable {
    /// The JSON Pointer of the component (of the later duplicate when merging made it so).
    pub pointer: String,
    pub message: String,
}

impl Sbom {
    /// The SBOM when every component can be stored, else its [`Sbom::unstorable`] refusal.
    pub fn into_storable(mut self) -> Result<Sbom, SbomError> {
        match self.unstorable.take() {
            Some(Unstorable { pointer, message }) => Err(SbomError::Refused { pointer, message }),
            None => Ok(self),
        }
    }
}

/// One SBOM entry, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// Identity within the SBOM: the canonical Package URL when there is one (see [`Component::purl`]; with the
    /// component's version when the purl gives none), else
    /// `nopurl:[group/]name[@version]`. One string for both: a second copy of every purl was a tenth of an
    /// import's allocations.
    pub key: String,
    /// CycloneDX `group` (e.g. a Maven groupId); SPDX has none.
    pub group: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// CycloneDX `cpe`; SPDX: the first `cpe23Type` external reference, else the first `cpe22Type`.
    pub cpe: Option<String>,
    pub hashes: Vec<ComponentHash>,
    /// SPDX license ids, expressions or (CycloneDX) free-text names; SPDX NOASSERTION/NONE skipped.
    pub licenses: Vec<String>,
    /// CycloneDX `bom-ref` or SPDX `SPDXID` of the first occurrence.
    pub bom_ref: Option<String>,
    /// CycloneDX `type` ("library", "operating-system", …) or SPDX `primaryPackagePurpose` in the same spelling
    /// (lower case, `-` for `_`).
    pub kind: Option<String>,
}

impl Component {
    /// The canonical Package URL: the key, unless the key is synthetic (`nopurl:…`).
    pub fn purl(&self) -> Option<&str> {
        self.key.starts_with("pkg:").then_some(self.key.as_str())
    }
}

/// A hash with CycloneDX algorithm names ("SHA-256", "SHA3-512", "BLAKE2b-256", "MD5"; SPDX "SHA256" → "SHA-256")
/// and lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ComponentHash {
    pub alg: String,
    pub hex: String,
}

/// `from` depends on / contains `to`. The ends are positions, not keys: an SBOM has about as many edges as
/// components, and a copy of two keys per edge was a tenth of an import; [`Sbom::key`] names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DependencyEdge {
    pub from: SbomNode,
    pub to: SbomNode,
    pub kind: EdgeKind,
}

/// An end of a [`DependencyEdge`]: the SBOM's subject, or a component by its index in [`Sbom::components`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SbomNode {
    Subject,
    Component(usize),
}

impl Sbom {
    /// The component key of an edge end.
    pub fn key(&self, node: SbomNode) -> Option<&str> {
        match node {
            SbomNode::Subject => self.subject.as_ref().map(|c| c.key.as_str()),
            SbomNode::Component(i) => self.components.get(i).map(|c| c.key.as_str()),
        }
    }

    /// The edges by key: (from, to, kind), in the order of [`Sbom::dependencies`].
    pub fn dependency_keys(&self) -> impl Iterator<Item = (&str, &str, EdgeKind)> + '_ {
        self.dependencies
            .iter()
            .filter_map(|e| Some((self.key(e.from)?, self.key(e.to)?, e.kind)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    DependsOn,
    Contains,
}

/// Something imported with a caveat; the import still succeeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SbomWarning {
    /// JSON Pointer of the value concerned, e.g. `/components/3/purl` or `/packages/12/externalRefs/0`.
    pub pointer: String,
    pub message: String,
}

/// Counts for the import summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    /// Component entries read (nested ones included, the subject excluded), before merging.
    pub components_in_document: usize,
    /// Entries merged into an earlier one with the same key.
    pub duplicates_merged: usize,
    /// Unique components keyed synthetically (no purl, or an unparsable one).
    pub without_purl: usize,
    /// Purls that did not parse (each also a warning).
    pub invalid_purls: usize,
    /// Dependency/containment edges whose ends are not components (files, documents, unknown references).
    pub edges_dropped: usize,
    /// SPDX relationships that are neither dependency nor containment (DESCRIBES, OTHER, GENERATED_FROM, …).
    pub relationships_ignored: usize,
    /// Warnings beyond [`MAX_WARNINGS`].
    pub warnings_omitted: usize,
}

/// Import options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Validate against the official schema (default). Off only for trusted input or measurements.
    pub validate: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { validate: true }
    }
}

/// Where an import is. Reported at each stage start, every 1 MiB while reading and every 4096 components while
/// converting (components stream out of the parser: the count grows while the document is parsed), and once with
/// [`Stage::Done`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    /// Input bytes read so far.
    pub bytes_read: u64,
    /// Component entries converted so far (before merging).
    pub components: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the input (the reader entry point only).
    Reading,
    /// Parsing into a JSON tree and checking it against the schema (validation on).
    Validating,
    /// Parsing into the model, component by component.
    Converting,
    Done,
}

const READ_CHUNK: usize = 1 << 20;

/// Imports an SBOM from a reader (a file, an upload body), reporting progress. The input is read whole first:
/// validation and the all-or-nothing rule need the complete document.
pub fn parse_sbom(
    mut reader: impl Read,
    options: &ParseOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Sbom, SbomError> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        progress(Progress {
            stage: Stage::Reading,
            bytes_read: buf.len() as u64,
            components: 0,
        });
        // Fill a whole chunk before reporting, so small reads do not flood the callback.
        let mut filled = 0;
        while filled < chunk.len() {
            match reader.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        buf.extend_from_slice(&chunk[..filled]);
        if filled < chunk.len() {
            break;
        }
    }
    drop(chunk);
    parse_owned(buf, options, progress)
}

/// Imports an SBOM held in memory.
pub fn parse_sbom_bytes(
    bytes: &[u8],
    options: &ParseOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Sbom, SbomError> {
    let total = bytes.len() as u64;
    let text = utf8(bytes)?;
    if options.validate {
        progress(stage(Stage::Validating, total));
        let value: Value = serde_json::from_str(text).map_err(|e| SbomError::from_json(&e))?;
        return validate_and_convert(value, total, progress);
    }
    let probe = Probe::read(text)?;
    let kind = schema::detect(
        probe.bom_format.as_ref(),
        probe.spec_version.as_ref(),
        probe.spdx_version.as_ref(),
        probe.context.as_ref(),
    )?;
    let mut b = build::Builder::new(total, progress);
    let mut de = serde_json::Deserializer::from_str(text);
    let header = convert(kind, &mut de, &mut b)
        .and_then(|h| de.end().map(|()| h))
        .map_err(|e| SbomError::from_json(&e))?;
    Ok(b.finish(header))
}

/// JSON is UTF-8 (RFC 8259 §8.1). Checked once for the whole document, so the parser need not check every string
/// it reads (a tenth of a parse-only import) — and a bad byte in a field we skip is caught too.
fn utf8(bytes: &[u8]) -> Result<&str, SbomError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        SbomError::Json {
            line,
            column: before.len() - line_start + 1,
            message: "invalid UTF-8".into(),
        }
    })
}

/// The reader path owns the bytes, so they can be freed as soon as the Value exists (lower peak memory).
fn parse_owned(
    bytes: Vec<u8>,
    options: &ParseOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Sbom, SbomError> {
    if !options.validate {
        return parse_sbom_bytes(&bytes, options, progress);
    }
    let total = bytes.len() as u64;
    progress(stage(Stage::Validating, total));
    let value: Value = serde_json::from_str(utf8(&bytes)?).map_err(|e| SbomError::from_json(&e))?;
    drop(bytes);
    validate_and_convert(value, total, progress)
}

fn validate_and_convert(
    value: Value,
    total: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Sbom, SbomError> {
    let top = |k: &str| value.get(k);
    let kind = schema::detect(
        top("bomFormat"),
        top("specVersion"),
        top("spdxVersion"),
        top("@context"),
    )?;
    schema::validate(kind, &value)?;
    let mut b = build::Builder::new(total, progress);
    // Consuming the Value moves its strings into the model instead of copying them.
    let header = convert(kind, value, &mut b).map_err(|e| SbomError::from_json(&e))?;
    Ok(b.finish(header))
}

/// Streams the document into the builder with the format's top-level visitor.
fn convert<'d, D: serde::Deserializer<'d>>(
    kind: schema::SchemaId,
    de: D,
    b: &mut build::Builder<'d, '_>,
) -> Result<Header, D::Error> {
    use serde::de::DeserializeSeed;
    match kind {
        schema::SchemaId::Spdx23 => spdx::DocumentSeed { b }.deserialize(de),
        cdx => cyclonedx::BomSeed {
            b,
            spec_version: cdx.spec_version(),
        }
        .deserialize(de),
    }
}

fn stage(stage: Stage, bytes_read: u64) -> Progress {
    Progress {
        stage,
        bytes_read,
        components: 0,
    }
}

/// The top-level fields that tell the formats apart. Generators write them first, so the probe stops as soon as
/// it has them rather than scanning the whole document a second time (it scans on when they come late).
#[derive(Default)]
struct Probe {
    bom_format: Option<Value>,
    spec_version: Option<Value>,
    spdx_version: Option<Value>,
    context: Option<Value>,
    /// Set when the visitor stopped early on purpose (it does so by returning an error).
    complete: bool,
}

impl Probe {
    fn read(text: &str) -> Result<Probe, SbomError> {
        let mut probe = Probe::default();
        let mut de = serde_json::Deserializer::from_str(text);
        match serde::Deserializer::deserialize_map(&mut de, ProbeVisitor(&mut probe)) {
            Err(_) if probe.complete => Ok(probe),
            Ok(()) => Ok(probe),
            Err(e) => Err(match SbomError::from_json(&e) {
                SbomError::Model(_) => {
                    SbomError::UnknownFormat("the document is not a JSON object".into())
                }
                other => other,
            }),
        }
    }
}

struct ProbeVisitor<'a>(&'a mut Probe);

impl<'de> serde::de::Visitor<'de> for ProbeVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let p = self.0;
        while let Some(key) = map.next_key::<build::Str<'de>>()? {
            let slot = match &*key {
                "bomFormat" => &mut p.bom_format,
                "specVersion" => &mut p.spec_version,
                "spdxVersion" => &mut p.spdx_version,
                "@context" => &mut p.context,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
            if p.spdx_version.is_some() || (p.bom_format.is_some() && p.spec_version.is_some()) {
                p.complete = true;
                return Err(serde::de::Error::custom("probe complete"));
            }
        }
        Ok(())
    }
}

/// What a format module hands to [`build::Builder::finish`]: the document-level fields.
pub(crate) struct Header {
    pub format: SbomFormat,
    pub spec_version: &'static str,
    pub name: Option<String>,
    pub document_id: Option<String>,
    pub timestamp: Option<String>,
}
