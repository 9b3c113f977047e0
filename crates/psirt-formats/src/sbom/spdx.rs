//! SPDX 2.3 JSON: the fields the importer reads (serde skips the rest), and their mapping.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::Deserialize;

use super::build::{self, Builder, Node, Str};
use super::{Component, EdgeKind, Header, SbomFormat};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document<'d> {
    #[serde(rename = "SPDXID", borrow)]
    spdx_id: Str<'d>,
    name: String,
    document_namespace: Option<String>,
    creation_info: Option<CreationInfo>,
    #[serde(default, borrow)]
    document_describes: Vec<Str<'d>>,
    #[serde(default, borrow)]
    packages: Vec<Package<'d>>,
    #[serde(default, borrow)]
    files: Vec<Element<'d>>,
    #[serde(default, borrow)]
    snippets: Vec<Element<'d>>,
    #[serde(default, borrow)]
    relationships: Vec<Relationship<'d>>,
}

#[derive(Deserialize)]
struct CreationInfo {
    created: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package<'d> {
    #[serde(rename = "SPDXID", borrow)]
    spdx_id: Str<'d>,
    name: String,
    version_info: Option<String>,
    #[serde(default, borrow)]
    external_refs: Vec<ExternalRef<'d>>,
    #[serde(default)]
    checksums: Vec<Checksum>,
    license_concluded: Option<String>,
    license_declared: Option<String>,
    primary_package_purpose: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef<'d> {
    #[serde(borrow)]
    reference_type: Str<'d>,
    #[serde(borrow)]
    reference_locator: Str<'d>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: String,
    checksum_value: String,
}

/// Files and snippets: only their ids, to tell "a relationship to a non-package" from "to nothing declared".
#[derive(Deserialize)]
struct Element<'d> {
    #[serde(rename = "SPDXID", borrow)]
    spdx_id: Str<'d>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship<'d> {
    #[serde(borrow)]
    spdx_element_id: Str<'d>,
    #[serde(borrow)]
    relationship_type: Str<'d>,
    #[serde(borrow)]
    related_spdx_element: Str<'d>,
}

pub(crate) fn convert<'d>(doc: Document<'d>, b: &mut Builder<'d, '_>) -> Header {
    let header = Header {
        format: SbomFormat::Spdx,
        spec_version: "2.3",
        name: Some(doc.name),
        document_id: doc.document_namespace,
        timestamp: doc.creation_info.and_then(|c| c.created),
    };
    let subject = subject_id(&doc.spdx_id, &doc.document_describes, &doc.relationships);
    b.reserve(doc.packages.len());
    let subject = subject.map(str::to_string);
    for (i, p) in doc.packages.into_iter().enumerate() {
        let is_subject = subject.as_deref().is_some_and(|s| s == &*p.spdx_id);
        let (c, purl, purl_at, reference) = map(p);
        let at = move || match purl_at {
            Some(j) => format!("/packages/{i}/externalRefs/{j}/referenceLocator"),
            None => format!("/packages/{i}"),
        };
        if is_subject {
            b.set_subject(c, purl.as_deref(), Some(reference), at);
        } else {
            b.add(c, purl.as_deref(), Some(reference), at);
        }
    }
    let mut others: HashSet<&str> = doc.files.iter().map(|f| &*f.spdx_id).collect();
    others.extend(doc.snippets.iter().map(|s| &*s.spdx_id));
    others.insert(&doc.spdx_id);
    for (i, r) in doc.relationships.iter().enumerate() {
        let (from, to, kind) = match &*r.relationship_type {
            "DEPENDS_ON" => (
                &r.spdx_element_id,
                &r.related_spdx_element,
                EdgeKind::DependsOn,
            ),
            t if t.ends_with("DEPENDENCY_OF") => (
                &r.related_spdx_element,
                &r.spdx_element_id,
                EdgeKind::DependsOn,
            ),
            "CONTAINS" => (
                &r.spdx_element_id,
                &r.related_spdx_element,
                EdgeKind::Contains,
            ),
            "CONTAINED_BY" => (
                &r.related_spdx_element,
                &r.spdx_element_id,
                EdgeKind::Contains,
            ),
            _ => {
                b.ignore_relationship();
                continue;
            }
        };
        match (
            end(b, &others, from, i, "spdxElementId"),
            end(b, &others, to, i, "relatedSpdxElement"),
        ) {
            (Some(f), Some(t)) => b.edge(f, t, kind),
            _ => b.drop_edge(),
        }
    }
    header
}

/// Resolves one end of a relationship to a package; warns when the id is declared nowhere in the document.
fn end(
    b: &mut Builder<'_, '_>,
    others: &HashSet<&str>,
    id: &str,
    i: usize,
    field: &str,
) -> Option<Node> {
    if let Some(n) = b.resolve(id) {
        return Some(n);
    }
    // Files, snippets, the document itself, NONE/NOASSERTION and external "DocumentRef-…:" elements are legitimate
    // ends that are not components.
    let external = id.starts_with("DocumentRef-") || id == "NONE" || id == "NOASSERTION";
    if !external && !others.contains(id) {
        b.warn(
            || format!("/relationships/{i}/{field}"),
            format!("relationship to {id:?}, which the document does not declare"),
        );
    }
    None
}

/// The one package the document describes (documentDescribes, DESCRIBES, DESCRIBED_BY); none if several.
fn subject_id<'a>(
    doc_id: &str,
    describes: &'a [Str<'_>],
    relationships: &'a [Relationship<'_>],
) -> Option<&'a str> {
    let mut ids: Vec<&str> = describes.iter().map(|d| &**d).collect();
    for r in relationships {
        match &*r.relationship_type {
            "DESCRIBES" if &*r.spdx_element_id == doc_id => ids.push(&r.related_spdx_element),
            "DESCRIBED_BY" if &*r.related_spdx_element == doc_id => ids.push(&r.spdx_element_id),
            _ => {}
        }
    }
    ids.sort_unstable();
    ids.dedup();
    match ids.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Maps a package; also returns its raw purl, the index of the external reference it came from (for warnings)
/// and the SPDXID.
fn map(p: Package<'_>) -> (Component, Option<Str<'_>>, Option<usize>, Cow<'_, str>) {
    let mut c = build::component(p.name);
    c.version = p.version_info;
    let mut purl = None;
    // OPERATING_SYSTEM → operating-system: CycloneDX's spelling of the shared vocabulary.
    c.kind = p
        .primary_package_purpose
        .map(|k| k.to_ascii_lowercase().replace('_', "-"));
    let mut purl_at = None;
    let mut cpe22 = None;
    for (j, r) in p.external_refs.into_iter().enumerate() {
        match &*r.reference_type {
            "purl" if purl.is_none() => {
                purl = Some(r.reference_locator);
                purl_at = Some(j);
            }
            "cpe23Type" if c.cpe.is_none() => c.cpe = Some(r.reference_locator.0.into_owned()),
            "cpe22Type" if cpe22.is_none() => cpe22 = Some(r.reference_locator.0.into_owned()),
            _ => {}
        }
    }
    if c.cpe.is_none() {
        c.cpe = cpe22;
    }
    for h in p.checksums {
        build::push_unique(
            &mut c.hashes,
            build::hash(algorithm(&h.algorithm), h.checksum_value),
        );
    }
    for l in [p.license_concluded, p.license_declared]
        .into_iter()
        .flatten()
    {
        if l != "NOASSERTION" && l != "NONE" {
            build::push_unique(&mut c.licenses, l);
        }
    }
    (c, purl, purl_at, p.spdx_id.0)
}

/// SPDX spells SHA-2 and SHA-1 without a hyphen ("SHA256"); CycloneDX's names are the common vocabulary.
fn algorithm(spdx: &str) -> String {
    match spdx {
        "SHA1" => "SHA-1".into(),
        "SHA224" => "SHA-224".into(),
        "SHA256" => "SHA-256".into(),
        "SHA384" => "SHA-384".into(),
        "SHA512" => "SHA-512".into(),
        other => other.into(),
    }
}
