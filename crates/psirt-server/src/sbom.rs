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
    let mut warnings = sbom.warnings;
    warnings.extend(without_release_warning(&sbom.components));
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
        warnings,
    }
}

/// One warning for the distro packages (deb, apk, rpm of a release-aware distribution) without the `distro`
/// qualifier their advisories are filed under: they are stored, but match only the few advisories filed without a
/// release, so the version's findings would look clean without a word.
fn without_release_warning(components: &[psirt_formats::Component]) -> Option<SbomWarning> {
    let mut lacking = components.iter().filter_map(|c| c.purl()).filter(|p| {
        ["pkg:deb/", "pkg:apk/", "pkg:rpm/"]
            .iter()
            .any(|t| p.starts_with(t))
            && psirt_match::purl_lacks_release(p)
    });
    let first = lacking.next()?;
    let n = 1 + lacking.count();
    Some(SbomWarning {
        pointer: String::new(),
        message: format!(
            "{n} distribution package(s) without a `distro` qualifier (the first: {first}): their advisories are \
             filed per release (e.g. `distro=debian-12`), so they match only those filed without one"
        ),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cyclonedx(purls: &[&str]) -> Vec<u8> {
        let components: Vec<_> = purls
            .iter()
            .enumerate()
            .map(|(i, p)| serde_json::json!({"type": "library", "name": format!("c{i}"), "version": "1", "purl": p}))
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components,
        }))
        .unwrap()
    }

    #[test]
    fn distro_packages_without_their_release_are_one_warning() {
        let parsed = parse(&cyclonedx(&[
            "pkg:npm/x@1",
            "pkg:deb/debian/bash@5.2?distro=debian-12",
            "pkg:deb/debian/curl@7.88.1",
            "pkg:apk/alpine/musl@1.2.4",
            "pkg:rpm/fedora/curl@8",
        ]))
        .unwrap_or_else(|_| panic!("parses"));
        let messages: Vec<&str> = parsed.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].starts_with(
                "2 distribution package(s) without a `distro` qualifier (the first: pkg:deb/debian/curl@7.88.1)"
            ),
            "{messages:?}"
        );
        let clean = parse(&cyclonedx(&["pkg:deb/debian/bash@5.2?distro=debian-12"]))
            .unwrap_or_else(|_| panic!("parses"));
        assert!(clean.warnings.is_empty());
    }
}
