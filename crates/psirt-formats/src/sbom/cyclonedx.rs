//! CycloneDX 1.4–1.6 JSON: the fields the importer reads (serde skips the rest), and their mapping.

use std::collections::HashSet;

use serde::Deserialize;

use super::build::{self, Builder, Node};
use super::{Component, EdgeKind, Header, SbomFormat};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    serial_number: Option<String>,
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Vec<CdxComponent>,
    #[serde(default)]
    services: Vec<Service>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
}

/// Services are not components, but `dependencies` may name them: their refs are known, not dangling.
#[derive(Deserialize)]
struct Service {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    #[serde(default)]
    services: Vec<Service>,
}

#[derive(Deserialize)]
struct Metadata {
    timestamp: Option<String>,
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    group: Option<String>,
    name: String,
    version: Option<String>,
    purl: Option<String>,
    cpe: Option<String>,
    #[serde(default)]
    hashes: Vec<Hash>,
    #[serde(default)]
    licenses: Vec<LicenseChoice>,
    #[serde(default)]
    components: Vec<CdxComponent>,
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    depends_on: Vec<String>,
}

pub(crate) fn convert(bom: Bom, spec_version: &'static str, b: &mut Builder<'_>) -> Header {
    let mut header = Header {
        format: SbomFormat::CycloneDx,
        spec_version,
        name: None,
        document_id: bom.serial_number,
        timestamp: None,
    };
    b.reserve(bom.components.len());
    let mut path = Vec::new();
    if let Some(md) = bom.metadata {
        header.timestamp = md.timestamp;
        if let Some(mut subject) = md.component {
            header.name = Some(subject.name.clone());
            let children = std::mem::take(&mut subject.components);
            let node = b.set_subject(map(subject), || "/metadata/component/purl".into());
            walk(b, children, Some(node), "/metadata/component", &mut path);
        }
    }
    walk(b, bom.components, None, "", &mut path);
    let mut services = HashSet::new();
    service_refs(&bom.services, &mut services);
    for (i, dep) in bom.dependencies.into_iter().enumerate() {
        let Some(from) = b.resolve(&dep.reference) else {
            for _ in &dep.depends_on {
                b.drop_edge();
            }
            if services.contains(dep.reference.as_str()) {
                continue;
            }
            b.warn(
                || format!("/dependencies/{i}/ref"),
                format!("dependency ref {:?} matches no component", dep.reference),
            );
            continue;
        };
        for (j, to) in dep.depends_on.iter().enumerate() {
            match b.resolve(to) {
                Some(node) => b.edge(from, node, EdgeKind::DependsOn),
                None if services.contains(to.as_str()) => b.drop_edge(),
                None => {
                    b.drop_edge();
                    b.warn(
                        || format!("/dependencies/{i}/dependsOn/{j}"),
                        format!("dependency ref {to:?} matches no component"),
                    );
                }
            }
        }
    }
    header
}

fn service_refs<'a>(services: &'a [Service], into: &mut HashSet<&'a str>) {
    for s in services {
        if let Some(r) = &s.bom_ref {
            into.insert(r);
        }
        service_refs(&s.services, into);
    }
}

/// Adds `comps` (and, depth first, their nested components) with `parent` containing each.
fn walk(
    b: &mut Builder<'_>,
    comps: Vec<CdxComponent>,
    parent: Option<Node>,
    base: &str,
    path: &mut Vec<usize>,
) {
    for (i, mut raw) in comps.into_iter().enumerate() {
        path.push(i);
        let children = std::mem::take(&mut raw.components);
        let node = b.add(map(raw), || pointer(base, path, "/purl"));
        if let Some(p) = parent {
            b.edge(p, node, EdgeKind::Contains);
        }
        walk(b, children, Some(node), base, path);
        path.pop();
    }
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

fn map(raw: CdxComponent) -> Component {
    let mut c = build::component(raw.name);
    c.purl = raw.purl;
    c.group = raw.group;
    c.version = raw.version;
    c.cpe = raw.cpe;
    c.bom_ref = raw.bom_ref;
    c.kind = raw.kind;
    for h in raw.hashes {
        build::push_unique(&mut c.hashes, build::hash(h.alg, &h.content));
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
    c
}
