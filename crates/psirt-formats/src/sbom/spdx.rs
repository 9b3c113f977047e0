//! SPDX 2.3 JSON: the fields the importer reads (serde skips the rest), and their mapping.

use std::borrow::Cow;
use std::collections::HashSet;

use std::fmt;

use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;

use super::build::{self, Builder, Node, Str};
use super::{Component, ComponentHash, EdgeKind, Header, SbomFormat};

/// The top-level object, visited key by key so that `packages` streams into the builder.
pub(crate) struct DocumentSeed<'b, 'd, 'p> {
    pub b: &'b mut Builder<'d, 'p>,
}

impl<'d> DeserializeSeed<'d> for DocumentSeed<'_, 'd, '_> {
    type Value = Header;
    fn deserialize<D: Deserializer<'d>>(self, d: D) -> Result<Header, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'d> Visitor<'d> for DocumentSeed<'_, 'd, '_> {
    type Value = Header;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SPDX document object")
    }
    fn visit_map<A: MapAccess<'d>>(self, mut map: A) -> Result<Header, A::Error> {
        let b = self.b;
        let mut spdx_id: Option<Str<'d>> = None;
        let mut name: Option<String> = None;
        let mut header = Header {
            format: SbomFormat::Spdx,
            spec_version: "2.3",
            name: None,
            document_id: None,
            timestamp: None,
        };
        let mut describes: Vec<Str<'d>> = Vec::new();
        let mut files: Vec<Element<'d>> = Vec::new();
        let mut snippets: Vec<Element<'d>> = Vec::new();
        let mut relationships: Vec<Relationship<'d>> = Vec::new();
        while let Some(key) = map.next_key::<Str<'d>>()? {
            match &*key {
                "SPDXID" => spdx_id = Some(map.next_value()?),
                "name" => name = Some(map.next_value()?),
                "documentNamespace" => header.document_id = map.next_value()?,
                "creationInfo" => {
                    let info: Option<CreationInfo> = map.next_value()?;
                    header.timestamp = info.and_then(|c| c.created);
                }
                "documentDescribes" => describes = map.next_value()?,
                "packages" => {
                    map.next_value_seed(build::each(|i, p: Package<'d>| add_package(b, i, p)))?
                }
                "files" => files = map.next_value()?,
                "snippets" => snippets = map.next_value()?,
                "relationships" => relationships = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let spdx_id = spdx_id.ok_or_else(|| A::Error::missing_field("SPDXID"))?;
        header.name = Some(name.ok_or_else(|| A::Error::missing_field("name"))?);
        let mut others: HashSet<&str> = files.iter().map(|f| &*f.spdx_id).collect();
        others.extend(snippets.iter().map(|s| &*s.spdx_id));
        others.insert(&spdx_id);
        link(b, &others, &relationships);
        if let Some(subject) = subject_id(&spdx_id, &describes, &relationships) {
            b.promote_to_subject(subject);
        }
        Ok(header)
    }
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
    external_refs: ExternalRefs<'d>,
    #[serde(default)]
    checksums: Checksums,
    #[serde(borrow)]
    license_concluded: Option<Str<'d>>,
    #[serde(borrow)]
    license_declared: Option<Str<'d>>,
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

/// The external references the importer reads — the first purl (with its index, for warnings), the first CPE 2.3
/// and 2.2 — picked while the array is parsed: no `Vec` per package.
#[derive(Default)]
struct ExternalRefs<'d> {
    purl: Option<(usize, Str<'d>)>,
    cpe23: Option<Str<'d>>,
    cpe22: Option<Str<'d>>,
}

impl<'de: 'd, 'd> Deserialize<'de> for ExternalRefs<'d> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Refs<'d>(std::marker::PhantomData<&'d ()>);
        impl<'de: 'd, 'd> Visitor<'de> for Refs<'d> {
            type Value = ExternalRefs<'d>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of external references")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = ExternalRefs::default();
                for j in 0.. {
                    let Some(r) = seq.next_element::<ExternalRef<'d>>()? else {
                        break;
                    };
                    let locator = r.reference_locator;
                    match &*r.reference_type {
                        "purl" if out.purl.is_none() => out.purl = Some((j, locator)),
                        "cpe23Type" if out.cpe23.is_none() => out.cpe23 = Some(locator),
                        "cpe22Type" if out.cpe22.is_none() => out.cpe22 = Some(locator),
                        _ => {}
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Refs(std::marker::PhantomData))
    }
}

/// `checksums`, mapped to hashes while parsed (no intermediate `Vec`); duplicates dropped.
#[derive(Default)]
struct Checksums(Vec<ComponentHash>);

impl<'de> Deserialize<'de> for Checksums {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Checksum {
            algorithm: String,
            checksum_value: String,
        }
        let mut out = Vec::new();
        d.deserialize_seq(build::each(|_, h: Checksum| {
            build::push_unique(
                &mut out,
                build::hash(algorithm(h.algorithm), h.checksum_value),
            );
        }))?;
        Ok(Checksums(out))
    }
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

fn add_package<'d>(b: &mut Builder<'d, '_>, i: usize, p: Package<'d>) {
    let (c, purl, purl_at, reference) = map_package(p);
    b.add(c, purl.as_deref(), Some(reference), move |leaf| {
        match (leaf, purl_at) {
            (build::PURL, Some(j)) => format!("/packages/{i}/externalRefs/{j}/referenceLocator"),
            (build::PURL, None) => format!("/packages/{i}"),
            (build::REFERENCE, _) => format!("/packages/{i}/SPDXID"),
            _ => format!("/packages/{i}{leaf}"),
        }
    });
}

/// Turns dependency and containment relationships between packages into edges.
fn link(b: &mut Builder<'_, '_>, others: &HashSet<&str>, relationships: &[Relationship<'_>]) {
    for (i, r) in relationships.iter().enumerate() {
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
            end(b, others, from, i, "spdxElementId"),
            end(b, others, to, i, "relatedSpdxElement"),
        ) {
            (Some(f), Some(t)) => b.edge(f, t, kind),
            _ => b.drop_edge(),
        }
    }
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
fn map_package(p: Package<'_>) -> (Component, Option<Str<'_>>, Option<usize>, Cow<'_, str>) {
    let mut c = build::component(p.name);
    c.version = p.version_info;
    // OPERATING_SYSTEM → operating-system: CycloneDX's spelling of the shared vocabulary.
    c.kind = p
        .primary_package_purpose
        .map(|k| k.to_ascii_lowercase().replace('_', "-"));
    let refs = p.external_refs;
    c.cpe = refs.cpe23.or(refs.cpe22).map(|r| r.0.into_owned());
    c.hashes = p.checksums.0;
    // Concluded and declared are usually the same text: borrowed, and copied once.
    for l in [p.license_concluded, p.license_declared]
        .into_iter()
        .flatten()
    {
        if &*l != "NOASSERTION" && &*l != "NONE" && !c.licenses.iter().any(|x| *x == *l) {
            c.licenses.push(l.0.into_owned());
        }
    }
    let (purl_at, purl) = refs.purl.unzip();
    (c, purl, purl_at, p.spdx_id.0)
}

/// SPDX spells SHA-2 and SHA-1 without a hyphen ("SHA256"); CycloneDX's names are the common vocabulary.
fn algorithm(spdx: String) -> String {
    match spdx.as_str() {
        "SHA1" => "SHA-1".into(),
        "SHA224" => "SHA-224".into(),
        "SHA256" => "SHA-256".into(),
        "SHA384" => "SHA-384".into(),
        "SHA512" => "SHA-512".into(),
        _ => spdx,
    }
}
