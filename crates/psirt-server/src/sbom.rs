//! SBOM upload: psirt-formats parses and validates, this maps its model onto what the store
//! keeps, and its errors onto 422 answers that name the JSON path.

use psirt_domain::{DomainError, FieldError};
use psirt_formats::{ParseOptions, Sbom, SbomError, SbomNode, SbomWarning};
use psirt_store::{ComponentHash, NewComponent, SbomImport};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// A parsed SBOM ready for the store, with the importer's caveats.
pub struct ParsedSbom {
    pub import: SbomImport,
    pub warnings: Vec<SbomWarning>,
}

/// Parses, validates and converts an uploaded SBOM (CPU-bound: call it off the async runtime).
pub fn parse(bytes: &[u8]) -> Result<ParsedSbom, ApiError> {
    let sbom = psirt_formats::parse_sbom_bytes(bytes, &ParseOptions::default(), &mut |_| {})
        .and_then(Sbom::into_storable)
        .map_err(rejection)?;
    Ok(to_import(sbom, &sha256_hex(bytes)))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The store's view of a parsed SBOM. Dependency and containment edges are both kept as
/// "depends on": for impact analysis a contained component ships as much as a dependency. The subject (the product
/// itself) is not a component: its edges are kept with an empty `from` (the product's direct dependencies); edges
/// to it are dropped.
pub fn to_import(sbom: Sbom, sha256: &str) -> ParsedSbom {
    let key = |node: SbomNode| match node {
        SbomNode::Subject => None,
        SbomNode::Component(i) => sbom.components.get(i).map(|c| c.key.clone()),
    };
    let dependencies = sbom
        .dependencies
        .iter()
        .filter_map(|e| {
            let from = match e.from {
                SbomNode::Subject => String::new(),
                node => key(node)?,
            };
            Some((from, key(e.to)?))
        })
        .collect();
    let components = sbom
        .components
        .into_iter()
        .map(|c| NewComponent {
            // An SBOM may give the version only in the purl (both formats make the field optional): the import's
            // diff pairs an upgrade by it.
            version: match c.version.as_deref() {
                Some(v) if !v.is_empty() => v.to_owned(),
                _ => c.purl().and_then(purl_version).unwrap_or_default(),
            },
            purl: c.purl().map(str::to_owned),
            name: match &c.group {
                Some(g) if !g.is_empty() => format!("{g}/{}", c.name),
                _ => c.name,
            },
            key: c.key,
            cpe: c.cpe,
            hashes: c
                .hashes
                .into_iter()
                .map(|h| ComponentHash {
                    alg: h.alg,
                    value: h.hex,
                })
                .collect(),
            licenses: c.licenses,
        })
        .collect();
    ParsedSbom {
        import: SbomImport {
            format: match sbom.format {
                psirt_formats::SbomFormat::CycloneDx => "cyclonedx".into(),
                psirt_formats::SbomFormat::Spdx => "spdx".into(),
            },
            spec_version: sbom.spec_version,
            sha256: sha256.to_owned(),
            components,
            dependencies,
            allow_empty: false,
        },
        warnings: sbom.warnings,
    }
}

/// The version a purl names, decoded — when it is one the store takes as a version (the parser checked the key, not
/// this decoded text): else none, as before, rather than a document refused for a field it does not have.
fn purl_version(purl: &str) -> Option<String> {
    let p = psirt_versions::Purl::parse_lenient(purl).ok()?;
    let v = p.version()?;
    let storable = v.chars().count() <= psirt_store::MAX_COMPONENT_VERSION_CHARS
        && !v.chars().any(char::is_control);
    storable.then(|| v.to_owned())
}

/// Every rejection is the document's fault (422) except a schema that does not compile (ours).
pub fn rejection(e: SbomError) -> ApiError {
    let field = match &e {
        SbomError::Schema { pointer, .. } | SbomError::Refused { pointer, .. }
            if !pointer.is_empty() =>
        {
            pointer.clone()
        }
        SbomError::SchemaSetup { .. } => return ApiError::Internal(e.to_string()),
        // The field that names the version.
        SbomError::UnsupportedVersion {
            format: "SPDX",
            version,
            ..
        } if version == psirt_formats::SPDX3_JSON_LD => "/@context".to_owned(),
        SbomError::UnsupportedVersion { format: "SPDX", .. } => "/spdxVersion".to_owned(),
        SbomError::UnsupportedVersion { .. } => "/specVersion".to_owned(),
        _ => "body".to_owned(),
    };
    let message = match e {
        SbomError::Schema { message, .. } => message,
        SbomError::Refused { message, .. } => format!("the component cannot be stored: {message}"),
        other => other.to_string(),
    };
    ApiError::Domain(DomainError::Invalid(vec![FieldError::new(field, message)]))
}
