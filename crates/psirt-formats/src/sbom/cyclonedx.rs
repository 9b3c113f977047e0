//! CycloneDX 1.4–1.6 JSON: the fields the importer reads (serde skips the rest), and their mapping.

use std::collections::HashSet;

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::build::{self, Builder, Node, Str};
use super::{Component, EdgeKind, Header, SbomFormat};

/// The top-level object, visited key by key so that `components` streams into the builder.
pub(crate) struct BomSeed<'b, 'd, 'p> {
    pub b: &'b mut Builder<'d, 'p>,
    pub spec_version: &'static str,
}

impl<'d> DeserializeSeed<'d> for BomSeed<'_, 'd, '_> {
    type Value = Header;
    fn deserialize<D: Deserializer<'d>>(self, d: D) -> Result<Header, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'d> Visitor<'d> for BomSeed<'_, 'd, '_> {
    type Value = Header;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CycloneDX BOM object")
    }
    fn visit_map<A: MapAccess<'d>>(self, mut map: A) -> Result<Header, A::Error> {
        let b = self.b;
        let mut header = Header {
            format: SbomFormat::CycloneDx,
            spec_version: self.spec_version,
            name: None,
            document_id: None,
            timestamp: None,
        };
        let mut services: Vec<Service<'d>> = Vec::new();
        let mut dependencies: Vec<Dependency<'d>> = Vec::new();
        let mut path = Vec::new();
        while let Some(key) = map.next_key::<Str<'d>>()? {
            match &*key {
                "serialNumber" => header.document_id = map.next_value()?,
                "metadata" => {
                    let md: Metadata<'d> = map.next_value()?;
                    header.timestamp = md.timestamp;
                    if let Some(mut subject) = md.component {
                        header.name = Some(subject.name.clone());
                        let children = std::mem::take(&mut subject.components);
                        let (c, purl, reference) = map_component(subject);
                        let node = b.set_subject(c, purl.as_deref(), reference, |leaf| {
                            format!("/metadata/component{leaf}")
                        });
                        walk(b, children, Some(node), "/metadata/component", &mut path);
                    }
                }
                "components" => map.next_value_seed(build::each(|i, raw: CdxComponent<'d>| {
                    add_tree(b, raw, i, None, "", &mut path);
                }))?,
                "services" => services = map.next_value()?,
                "dependencies" => dependencies = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        link(b, &services, &dependencies);
        Ok(header)
    }
}

#[derive(Deserialize)]
struct Metadata<'d> {
    timestamp: Option<String>,
    #[serde(borrow)]
    component: Option<CdxComponent<'d>>,
}

#[derive(Deserialize)]
struct CdxComponent<'d> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "bom-ref", borrow)]
    bom_ref: Option<Str<'d>>,
    group: Option<String>,
    name: String,
    version: Option<String>,
    #[serde(borrow)]
    purl: Option<Str<'d>>,
    cpe: Option<String>,
    #[serde(default)]
    hashes: Vec<Hash>,
    #[serde(default)]
    licenses: Vec<LicenseChoice>,
    #[serde(default, borrow)]
    components: Vec<CdxComponent<'d>>,
}

#[derive(Deserialize)]
struct Hash {
    alg: String,
    content: String,
}

/// Either `{"license": {"id"|"name": …}}` or `{"expression": …}`.
#[derive(Deserialize)]
struct LicenseChoice {
    license: Option<License>,
    expression: Option<String>,
}

#[derive(Deserialize)]
struct License {
    id: Option<String>,
    name: Option<String>,
}

/// Services are not components, but `dependencies` may name them: their refs are known, not dangling.
#[derive(Deserialize)]
struct Service<'d> {
    #[serde(rename = "bom-ref", borrow)]
    bom_ref: Option<Str<'d>>,
    #[serde(default, borrow)]
    services: Vec<Service<'d>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dependency<'d> {
    #[serde(rename = "ref", borrow)]
    reference: Str<'d>,
    #[serde(default, borrow)]
    depends_on: Vec<Str<'d>>,
}

/// Turns `dependencies` into edges, once every component is known.
fn link(b: &mut Builder<'_, '_>, services: &[Service<'_>], dependencies: &[Dependency<'_>]) {
    let mut known_services = HashSet::new();
    service_refs(services, &mut known_services);
    for (i, dep) in dependencies.iter().enumerate() {
        let Some(from) = b.resolve(&dep.reference) else {
            for _ in &dep.depends_on {
                b.drop_edge();
            }
            if known_services.contains(&*dep.reference) {
                continue;
            }
            b.warn(
                || format!("/dependencies/{i}/ref"),
                format!("dependency ref {:?} matches no component", &*dep.reference),
            );
            continue;
        };
        for (j, to) in dep.depends_on.iter().enumerate() {
            match b.resolve(to) {
                Some(node) => b.edge(from, node, EdgeKind::DependsOn),
                None if known_services.contains(&**to) => b.drop_edge(),
                None => {
                    b.drop_edge();
                    b.warn(
                        || format!("/dependencies/{i}/dependsOn/{j}"),
                        format!("dependency ref {:?} matches no component", &**to),
                    );
                }
            }
        }
    }
}

fn service_refs<'a>(services: &'a [Service<'_>], into: &mut HashSet<&'a str>) {
    for s in services {
        if let Some(r) = &s.bom_ref {
            into.insert(r);
        }
        service_refs(&s.services, into);
    }
}

/// Adds `comps` (and, depth first, their nested components) with `parent` containing each.
fn walk<'d>(
    b: &mut Builder<'d, '_>,
    comps: Vec<CdxComponent<'d>>,
    parent: Option<Node>,
    base: &str,
    path: &mut Vec<usize>,
) {
    for (i, raw) in comps.into_iter().enumerate() {
        add_tree(b, raw, i, parent, base, path);
    }
}

/// Adds the `i`th component of its array, then its nested components.
fn add_tree<'d>(
    b: &mut Builder<'d, '_>,
    mut raw: CdxComponent<'d>,
    i: usize,
    parent: Option<Node>,
    base: &str,
    path: &mut Vec<usize>,
) {
    path.push(i);
    let children = std::mem::take(&mut raw.components);
    let (c, purl, reference) = map_component(raw);
    let node = b.add(c, purl.as_deref(), reference, |leaf| {
        pointer(base, path, leaf)
    });
    if let Some(p) = parent {
        b.edge(p, node, EdgeKind::Contains);
    }
    walk(b, children, Some(node), base, path);
    path.pop();
}

/// Built only for warnings, so the common path allocates no pointer strings.
fn pointer(base: &str, path: &[usize], leaf: &str) -> String {
    let mut s = base.to_string();
    for i in path {
        s.push_str("/components/");
        s.push_str(&i.to_string());
    }
    s.push_str(leaf);
    s
}

/// The component, its raw purl and its bom-ref.
fn map_component(
    raw: CdxComponent<'_>,
) -> (
    Component,
    Option<Str<'_>>,
    Option<std::borrow::Cow<'_, str>>,
) {
    let mut c = build::component(raw.name);
    c.group = raw.group;
    c.version = raw.version;
    c.cpe = raw.cpe;
    c.kind = raw.kind;
    for h in raw.hashes {
        build::push_unique(&mut c.hashes, build::hash(h.alg, h.content));
    }
    for l in raw.licenses {
        let text = match (l.expression, l.license) {
            (Some(e), _) => e,
            (None, Some(License { id: Some(id), .. })) => id,
            (None, Some(License { name: Some(n), .. })) => n,
            _ => continue,
        };
        build::push_unique(&mut c.licenses, text);
    }
    (c, raw.purl, raw.bom_ref.map(|r| r.0))
}
