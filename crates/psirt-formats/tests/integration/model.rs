//! The normalised model: keys, merging, edges, licenses, hashes, warnings and progress, on small hand-written
//! documents (each schema-valid, so they also go through validation).

use psirt_formats::{
    parse_sbom, Component, ComponentHash, DependencyEdge, EdgeKind, ParseOptions, Progress, Sbom,
    SbomFormat, SbomNode, Stage, MAX_WARNINGS,
};
use serde_json::{json, Value};

use crate::common::{data_dir, parse, parse_json};

fn cdx(components: Value, dependencies: Value) -> Value {
    json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "metadata": {
            "timestamp": "2026-11-30T12:00:00Z",
            "component": {"type": "application", "name": "app", "version": "2.0", "bom-ref": "app",
                "purl": "pkg:generic/acme/app@2.0",
                "components": [{"type": "library", "name": "bundled", "version": "1", "bom-ref": "bundled"}]}
        },
        "components": components,
        "dependencies": dependencies
    })
}

fn spdx(packages: Value, relationships: Value) -> Value {
    json!({
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": "image", "documentNamespace": "https://example.com/image-1",
        "creationInfo": {"created": "2026-11-30T12:00:00Z", "creators": ["Tool: test"]},
        "packages": packages,
        "files": [{"SPDXID": "SPDXRef-File-1", "fileName": "/bin/sh",
            "checksums": [{"algorithm": "SHA1", "checksumValue": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}]}],
        "relationships": relationships
    })
}

fn pkg(id: &str, name: &str, purl: Option<&str>) -> Value {
    let mut p = json!({"SPDXID": id, "name": name, "versionInfo": "1.0", "downloadLocation": "NOASSERTION"});
    if let Some(purl) = purl {
        p["externalRefs"] = json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
            "referenceLocator": purl}]);
    }
    p
}

fn rel(a: &str, t: &str, b: &str) -> Value {
    json!({"spdxElementId": a, "relationshipType": t, "relatedSpdxElement": b})
}

fn by_key<'a>(sbom: &'a Sbom, key: &str) -> &'a Component {
    sbom.components
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("no component {key}: {:#?}", sbom.components))
}

fn edge(from: &str, to: &str, kind: EdgeKind) -> (String, String, EdgeKind) {
    (from.into(), to.into(), kind)
}

/// The edges by key, checking on the way that each end is what [`Sbom::key`] says.
fn edges(sbom: &Sbom) -> Vec<(String, String, EdgeKind)> {
    let by_key: Vec<_> = sbom
        .dependency_keys()
        .map(|(f, t, k)| (f.to_string(), t.to_string(), k))
        .collect();
    assert_eq!(
        by_key.len(),
        sbom.dependencies.len(),
        "an edge end is missing"
    );
    by_key
}

#[test]
fn cyclonedx_header_subject_nesting_and_dependencies() {
    let doc = cdx(
        json!([
            {"type": "library", "name": "core", "group": "@babel", "version": "7.0.0", "bom-ref": "b1",
             "purl": "pkg:NPM/%40babel/core@7.0.0",
             "components": [{"type": "library", "name": "inner", "version": "0.1", "bom-ref": "in",
                             "purl": "pkg:npm/inner@0.1"}]},
            {"type": "framework", "name": "left-pad", "version": "1.3.0", "bom-ref": "lp",
             "purl": "pkg:npm/left-pad@1.3.0", "cpe": "cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:*:*:*"}
        ]),
        json!([
            {"ref": "app", "dependsOn": ["b1", "lp"]},
            {"ref": "b1", "dependsOn": ["lp", "b1"]},
            {"ref": "lp", "dependsOn": []}
        ]),
    );
    let sbom = parse_json(&doc).unwrap();
    assert_eq!(sbom.format, SbomFormat::CycloneDx);
    assert_eq!(sbom.spec_version, "1.6");
    assert_eq!(sbom.name.as_deref(), Some("app"));
    assert_eq!(sbom.timestamp.as_deref(), Some("2026-11-30T12:00:00Z"));
    assert_eq!(
        sbom.document_id.as_deref(),
        Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79")
    );
    let subject = sbom.subject.as_ref().unwrap();
    assert_eq!(subject.key, "pkg:generic/acme/app@2.0");
    assert_eq!(subject.kind.as_deref(), Some("application"));

    let keys: Vec<&str> = sbom.components.iter().map(|c| c.key.as_str()).collect();
    // Document order, depth first (json! sorts keys: here `components` comes before `metadata`, whose nested
    // component comes last).
    assert_eq!(
        keys,
        [
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:npm/inner@0.1",
            "pkg:npm/left-pad@1.3.0",
            "nopurl:bundled@1",
        ]
    );
    let core = by_key(&sbom, "pkg:npm/%40babel/core@7.0.0");
    assert_eq!(core.group.as_deref(), Some("@babel"));
    assert_eq!(core.bom_ref.as_deref(), Some("b1"));
    let lp = by_key(&sbom, "pkg:npm/left-pad@1.3.0");
    assert_eq!(lp.kind.as_deref(), Some("framework"));
    assert!(lp.cpe.as_deref().unwrap().starts_with("cpe:2.3:a:left-pad"));

    let app = "pkg:generic/acme/app@2.0";
    let core = "pkg:npm/%40babel/core@7.0.0";
    let lp = "pkg:npm/left-pad@1.3.0";
    assert_eq!(
        edges(&sbom),
        // Sorted by (from, to) in component order, the subject first.
        [
            edge(app, core, EdgeKind::DependsOn),
            edge(app, lp, EdgeKind::DependsOn),
            edge(app, "nopurl:bundled@1", EdgeKind::Contains),
            edge(core, "pkg:npm/inner@0.1", EdgeKind::Contains),
            edge(core, lp, EdgeKind::DependsOn),
        ]
    );
    // The ends are positions: the subject, then components by index.
    let core_at = sbom.components.iter().position(|c| c.key == core).unwrap();
    assert_eq!(
        sbom.dependencies[0],
        DependencyEdge {
            from: SbomNode::Subject,
            to: SbomNode::Component(core_at),
            kind: EdgeKind::DependsOn
        }
    );
    assert!(sbom.warnings.is_empty(), "{:?}", sbom.warnings);
    assert_eq!(sbom.stats.components_in_document, 4);
    assert_eq!(sbom.stats.without_purl, 1);
}

#[test]
fn cyclonedx_duplicates_merge_and_keep_their_refs() {
    let doc = cdx(
        json!([
            {"type": "library", "name": "a", "version": "1", "bom-ref": "a-1", "purl": "pkg:npm/a@1",
             "hashes": [{"alg": "SHA-256", "content": "AB".repeat(32)}],
             "licenses": [{"license": {"id": "MIT"}}]},
            {"type": "library", "name": "a", "version": "1", "bom-ref": "a-2", "purl": "pkg:npm/a@1",
             "cpe": "cpe:2.3:a:a:a:1:*:*:*:*:*:*:*",
             "hashes": [{"alg": "SHA-256", "content": "ab".repeat(32)}, {"alg": "MD5", "content": "0".repeat(32)}],
             "licenses": [{"license": {"name": "Custom licence"}}, {"license": {"id": "MIT"}}]},
            {"type": "library", "name": "b", "version": "2", "bom-ref": "b", "purl": "pkg:npm/b@2",
             "licenses": [{"expression": "MIT OR Apache-2.0"}]}
        ]),
        json!([{"ref": "a-2", "dependsOn": ["b"]}]),
    );
    let sbom = parse_json(&doc).unwrap();
    assert_eq!(sbom.components.len(), 3); // a, b and the subject's nested "bundled"
    assert_eq!(sbom.stats.duplicates_merged, 1);
    let a = by_key(&sbom, "pkg:npm/a@1");
    assert_eq!(a.bom_ref.as_deref(), Some("a-1"));
    assert_eq!(a.cpe.as_deref(), Some("cpe:2.3:a:a:a:1:*:*:*:*:*:*:*"));
    assert_eq!(
        a.hashes,
        [
            ComponentHash {
                alg: "SHA-256".into(),
                hex: "ab".repeat(32)
            },
            ComponentHash {
                alg: "MD5".into(),
                hex: "0".repeat(32)
            },
        ]
    );
    assert_eq!(a.licenses, ["MIT", "Custom licence"]);
    assert_eq!(by_key(&sbom, "pkg:npm/b@2").licenses, ["MIT OR Apache-2.0"]);
    // The second occurrence's bom-ref still resolves, to the merged component.
    assert_eq!(
        edges(&sbom),
        [
            edge(
                "pkg:generic/acme/app@2.0",
                "nopurl:bundled@1",
                EdgeKind::Contains
            ),
            edge("pkg:npm/a@1", "pkg:npm/b@2", EdgeKind::DependsOn)
        ]
    );
}

#[test]
fn cyclonedx_bad_purls_and_dangling_refs_are_warnings() {
    let doc = cdx(
        json!([
            {"type": "library", "name": "x", "version": "1", "bom-ref": "x", "purl": "not a purl"},
            {"type": "library", "group": "g", "name": "y", "bom-ref": "y"}
        ]),
        json!([{"ref": "x", "dependsOn": ["y", "ghost"]}, {"ref": "nobody", "dependsOn": ["x"]}]),
    );
    let sbom = parse_json(&doc).unwrap();
    assert_eq!(sbom.components[0].key, "nopurl:x@1");
    assert_eq!(sbom.components[0].purl(), None);
    assert_eq!(sbom.components[1].key, "nopurl:g/y");
    assert_eq!(sbom.stats.invalid_purls, 1);
    assert_eq!(sbom.stats.without_purl, 3);
    assert_eq!(sbom.stats.edges_dropped, 2);
    let pointers: Vec<&str> = sbom.warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/components/0/purl",
            "/dependencies/0/dependsOn/1",
            "/dependencies/1/ref"
        ]
    );
    assert!(sbom.warnings[0].message.contains("not a purl"));
}

/// bom-refs are unique in a BOM: a second element claiming one is warned of at its bom-ref, and references name the
/// first, wherever the first is (the subject in `metadata` written after the components too).
#[test]
fn a_reference_claimed_twice_names_the_first_and_is_a_warning() {
    let doc = cdx(
        json!([
            {"type": "library", "name": "x", "version": "1", "bom-ref": "dup", "purl": "pkg:npm/x@1"},
            {"type": "library", "name": "y", "version": "1", "bom-ref": "dup", "purl": "pkg:npm/y@1"},
            {"type": "library", "name": "z", "version": "1", "bom-ref": "app", "purl": "pkg:npm/z@1"},
            {"type": "library", "name": "x", "version": "1", "bom-ref": "x-again", "purl": "pkg:npm/x@1"}
        ]),
        json!([{"ref": "dup", "dependsOn": ["x-again"]}, {"ref": "z-dep", "dependsOn": []},
            {"ref": "app", "dependsOn": ["dup"]}]),
    );
    // The subject (metadata.component, bom-ref "app") written after the components.
    let piece = |v: &Value| serde_json::to_string(v).unwrap();
    let text = format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":{},"dependencies":{},"metadata":{}}}"#,
        piece(&doc["components"]),
        piece(&doc["dependencies"]),
        piece(&doc["metadata"])
    );
    let sbom = parse(text.as_bytes()).unwrap();
    let pointers: Vec<(&str, &str)> = sbom
        .warnings
        .iter()
        .map(|w| (w.pointer.as_str(), w.message.as_str()))
        .filter(|(_, m)| m.contains("already another element's"))
        .collect();
    assert_eq!(
        pointers.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        ["/components/1/bom-ref", "/metadata/component/bom-ref"],
        "{:?}",
        sbom.warnings
    );
    // "dup" is x's (a duplicate of x with its own bom-ref is the same component: no warning); "app" is z's.
    let deps = edges(&sbom);
    assert!(
        deps.contains(&edge("pkg:npm/z@1", "pkg:npm/x@1", EdgeKind::DependsOn)),
        "{deps:?}"
    );
    assert!(!deps.iter().any(|(f, _, _)| f == "pkg:npm/y@1"), "{deps:?}");
}

/// SPDX 2.2's spelling of the categories (`PACKAGE_MANAGER`), which 2.3.1 takes back and tools still write.
#[test]
fn spdx_underscore_reference_categories_are_valid() {
    let mut a = pkg("SPDXRef-a", "a", Some("pkg:npm/a@1.0"));
    a["externalRefs"][0]["referenceCategory"] = json!("PACKAGE_MANAGER");
    a["externalRefs"].as_array_mut().unwrap().push(
        json!({"referenceCategory": "PERSISTENT_ID", "referenceType": "swh",
            "referenceLocator": "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2"}),
    );
    let sbom = parse_json(&spdx(json!([a]), json!([]))).unwrap();
    assert_eq!(sbom.components[0].key, "pkg:npm/a@1.0");
    let mut bad = pkg("SPDXRef-a", "a", Some("pkg:npm/a@1.0"));
    bad["externalRefs"][0]["referenceCategory"] = json!("PACKAGE MANAGER");
    assert!(parse_json(&spdx(json!([bad]), json!([]))).is_err());
}

#[test]
fn warnings_are_capped() {
    let comps: Vec<Value> = (0..MAX_WARNINGS + 500)
        .map(|i| json!({"type": "library", "name": format!("c{i}"), "purl": format!("bad{i}")}))
        .collect();
    let sbom = parse_json(&cdx(json!(comps), json!([]))).unwrap();
    assert_eq!(sbom.warnings.len(), MAX_WARNINGS);
    assert_eq!(sbom.stats.warnings_omitted, 500);
    assert_eq!(sbom.stats.invalid_purls, MAX_WARNINGS + 500);
}

#[test]
fn spdx_packages_relationships_and_subject() {
    let mut root = pkg("SPDXRef-root", "image", None);
    root["primaryPackagePurpose"] = json!("CONTAINER");
    let mut a = pkg(
        "SPDXRef-a",
        "a",
        Some("pkg:deb/debian/libc6@2.36?arch=amd64"),
    );
    a["externalRefs"].as_array_mut().unwrap().extend([
        json!({"referenceCategory": "SECURITY", "referenceType": "cpe22Type", "referenceLocator": "cpe:/a:gnu:glibc:2.36"}),
        json!({"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*"}),
        json!({"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:libc6:libc6:2.36:*:*:*:*:*:*:*"}),
    ]);
    a["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": "AA".repeat(32)},
                            {"algorithm": "SHA3-256", "checksumValue": "bb".repeat(32)}]);
    a["licenseConcluded"] = json!("NOASSERTION");
    a["licenseDeclared"] = json!("LGPL-2.1-or-later");
    a["primaryPackagePurpose"] = json!("OPERATING_SYSTEM");
    let mut b = pkg("SPDXRef-b", "b", Some("pkg:pypi/Django@4.2"));
    b["licenseConcluded"] = json!("BSD-3-Clause");
    b["licenseDeclared"] = json!("BSD-3-Clause");
    let c = pkg("SPDXRef-c", "c", Some("pkg:npm/c@1"));
    let d = pkg("SPDXRef-d", "d", Some("pkg:npm/d@1"));
    let e = pkg("SPDXRef-e", "e", None);
    let doc = spdx(
        json!([root, a, b, c, d, e]),
        json!([
            rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-root"),
            rel("SPDXRef-root", "CONTAINS", "SPDXRef-a"),
            rel("SPDXRef-b", "CONTAINED_BY", "SPDXRef-root"),
            rel("SPDXRef-b", "DEPENDS_ON", "SPDXRef-c"),
            rel("SPDXRef-d", "DEPENDENCY_OF", "SPDXRef-c"),
            rel("SPDXRef-e", "DEV_DEPENDENCY_OF", "SPDXRef-d"),
            rel("SPDXRef-a", "CONTAINS", "SPDXRef-File-1"),
            rel("SPDXRef-a", "DEPENDS_ON", "DocumentRef-other:SPDXRef-x"),
            rel("SPDXRef-a", "DEPENDS_ON", "SPDXRef-ghost"),
            rel("SPDXRef-a", "GENERATED_FROM", "SPDXRef-b"),
        ]),
    );
    let sbom = parse_json(&doc).unwrap();
    assert_eq!(sbom.format, SbomFormat::Spdx);
    assert_eq!(sbom.spec_version, "2.3");
    assert_eq!(sbom.name.as_deref(), Some("image"));
    assert_eq!(
        sbom.document_id.as_deref(),
        Some("https://example.com/image-1")
    );
    assert_eq!(sbom.timestamp.as_deref(), Some("2026-11-30T12:00:00Z"));
    let subject = sbom.subject.as_ref().unwrap();
    assert_eq!(
        (subject.key.as_str(), subject.kind.as_deref()),
        ("nopurl:image@1.0", Some("container"))
    );

    let a = by_key(&sbom, "pkg:deb/debian/libc6@2.36?arch=amd64");
    assert_eq!(
        a.cpe.as_deref(),
        Some("cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*")
    );
    assert_eq!(a.kind.as_deref(), Some("operating-system"));
    assert_eq!(a.licenses, ["LGPL-2.1-or-later"]);
    assert_eq!(a.bom_ref.as_deref(), Some("SPDXRef-a"));
    assert_eq!(
        a.hashes,
        [
            ComponentHash {
                alg: "SHA-256".into(),
                hex: "aa".repeat(32)
            },
            ComponentHash {
                alg: "SHA3-256".into(),
                hex: "bb".repeat(32)
            }
        ]
    );
    // pypi names are normalised by the purl type rules.
    let b = by_key(&sbom, "pkg:pypi/django@4.2");
    assert_eq!(b.licenses, ["BSD-3-Clause"]);

    let root = "nopurl:image@1.0";
    assert_eq!(
        edges(&sbom),
        [
            edge(
                root,
                "pkg:deb/debian/libc6@2.36?arch=amd64",
                EdgeKind::Contains
            ),
            edge(root, "pkg:pypi/django@4.2", EdgeKind::Contains),
            edge("pkg:pypi/django@4.2", "pkg:npm/c@1", EdgeKind::DependsOn),
            edge("pkg:npm/c@1", "pkg:npm/d@1", EdgeKind::DependsOn),
            edge("pkg:npm/d@1", "nopurl:e@1.0", EdgeKind::DependsOn),
        ]
    );
    assert_eq!(sbom.stats.edges_dropped, 3);
    assert_eq!(sbom.stats.relationships_ignored, 2);
    assert_eq!(sbom.warnings.len(), 1, "{:?}", sbom.warnings);
    assert_eq!(
        sbom.warnings[0].pointer,
        "/relationships/8/relatedSpdxElement"
    );
}

#[test]
fn spdx_several_described_packages_stay_components() {
    let doc = spdx(
        json!([
            pkg("SPDXRef-a", "a", Some("pkg:npm/a@1")),
            pkg("SPDXRef-b", "b", Some("pkg:npm/a@1"))
        ]),
        json!([
            rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-a"),
            rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-b")
        ]),
    );
    let sbom = parse_json(&doc).unwrap();
    assert!(sbom.subject.is_none());
    assert_eq!(sbom.components.len(), 1);
    assert_eq!(sbom.stats.duplicates_merged, 1);
}

/// The described package has a duplicate, so it stays a component too: its dependencies (before and after the
/// DESCRIBES relationship) are still the product's direct dependencies.
#[test]
fn spdx_described_package_with_a_duplicate_keeps_the_product_s_edges() {
    let doc = spdx(
        json!([
            pkg("SPDXRef-root", "app", Some("pkg:npm/app@1")),
            pkg("SPDXRef-x", "x", Some("pkg:npm/x@1")),
            pkg("SPDXRef-y", "y", Some("pkg:npm/y@1")),
            pkg("SPDXRef-again", "app", Some("pkg:npm/app@1"))
        ]),
        json!([
            rel("SPDXRef-root", "DEPENDS_ON", "SPDXRef-x"),
            rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-root"),
            rel("SPDXRef-y", "DEPENDENCY_OF", "SPDXRef-root"),
            rel("SPDXRef-x", "DEPENDS_ON", "SPDXRef-root")
        ]),
    );
    let sbom = parse_json(&doc).unwrap();
    assert_eq!(sbom.subject.as_ref().unwrap().key, "pkg:npm/app@1");
    assert_eq!(sbom.components.len(), 3);
    let mut of_subject: Vec<&str> = sbom
        .dependencies
        .iter()
        .filter(|e| e.from == SbomNode::Subject)
        .filter_map(|e| sbom.key(e.to))
        .collect();
    of_subject.sort();
    assert_eq!(of_subject, ["pkg:npm/x@1", "pkg:npm/y@1"]);
    // The component's own edges stay, both ways.
    let mut got = edges(&sbom);
    got.sort();
    got.dedup();
    assert_eq!(
        got,
        [
            edge("pkg:npm/app@1", "pkg:npm/x@1", EdgeKind::DependsOn),
            edge("pkg:npm/app@1", "pkg:npm/y@1", EdgeKind::DependsOn),
            edge("pkg:npm/x@1", "pkg:npm/app@1", EdgeKind::DependsOn),
        ]
    );
}

#[test]
fn spdx_bad_purl_warning_points_at_the_locator() {
    let doc = spdx(json!([pkg("SPDXRef-a", "a", Some("pkg:/nope"))]), json!([]));
    let sbom = parse_json(&doc).unwrap();
    assert_eq!(sbom.components[0].key, "nopurl:a@1.0");
    assert_eq!(
        sbom.warnings[0].pointer,
        "/packages/0/externalRefs/0/referenceLocator"
    );
}

#[test]
fn progress_is_reported_in_stage_order() {
    let path =
        data_dir().join("sboms/spdx/spdx-syft-bitnami_laravel-sha256-7aff7ad10ae5.spdx.json");
    let size = std::fs::metadata(&path).unwrap().len();
    for validate in [true, false] {
        let mut seen: Vec<Progress> = Vec::new();
        let file = std::fs::File::open(&path).unwrap();
        let sbom = parse_sbom(file, &ParseOptions { validate }, &mut |p| seen.push(p)).unwrap();
        let stages: Vec<Stage> = seen.iter().map(|p| p.stage).collect();
        let mut dedup = stages.clone();
        dedup.dedup();
        let expected: &[Stage] = if validate {
            &[
                Stage::Reading,
                Stage::Validating,
                Stage::Converting,
                Stage::Done,
            ]
        } else {
            &[Stage::Reading, Stage::Converting, Stage::Done]
        };
        assert_eq!(dedup, expected);
        assert!(seen.windows(2).all(|w| w[0].bytes_read <= w[1].bytes_read));
        // 3.9 MB in 1 MiB chunks: several reading reports.
        assert!(stages.iter().filter(|s| **s == Stage::Reading).count() >= 4);
        let last = seen.last().unwrap();
        assert_eq!(last.bytes_read, size);
        assert_eq!(last.components, sbom.stats.components_in_document);
    }
}

#[test]
fn components_are_counted_while_they_stream_in() {
    let comps: Vec<Value> = (0..10_000)
        .map(|i| json!({"type": "library", "name": format!("c{i}"), "purl": format!("pkg:npm/c{i}@1")}))
        .collect();
    let bytes = serde_json::to_vec(&cdx(json!(comps), json!([]))).unwrap();
    for validate in [true, false] {
        let mut counts = Vec::new();
        parse_sbom(&bytes[..], &ParseOptions { validate }, &mut |p| {
            if p.stage == Stage::Converting {
                counts.push(p.components);
            }
        })
        .unwrap();
        assert_eq!(counts, [0, 4096, 8192]);
    }
}

#[test]
fn real_documents_give_the_expected_shapes() {
    let sbom = parse(&crate::common::read(
        "sboms/cyclonedx/juice-shop-14.1.1-npm-bare.bom.1.5.json",
    ))
    .unwrap();
    assert_eq!(sbom.name.as_deref(), Some("juice-shop"));
    assert_eq!(sbom.stats.components_in_document, 1101);
    assert_eq!(sbom.components.len() + sbom.stats.duplicates_merged, 1101);
    assert!(sbom
        .components
        .iter()
        .all(|c| c.purl() == Some(c.key.as_str())));
    assert!(sbom.warnings.is_empty());

    let sbom = parse(&crate::common::read("sboms/cyclonedx/ghidra-sbom-cdx.json")).unwrap();
    assert_eq!(sbom.stats.components_in_document, 109);
    assert!(sbom.stats.without_purl > 0);
    assert!(sbom.components.iter().all(|c| c.hashes.len() == 2));

    let sbom = parse(&crate::common::read(
        "sboms/spdx/spdx-syft-snyk_kubernetes-monitor-sha256-aa0abff423a3.spdx.json",
    ))
    .unwrap();
    // syft 0.64 writes "SPDXRef-DOCUMENT DESCRIBES SPDXRef-DOCUMENT": no subject package.
    assert_eq!(sbom.stats.components_in_document, 680);
    assert!(sbom.subject.is_none());
    assert!(sbom
        .dependencies
        .iter()
        .all(|e| e.kind == EdgeKind::DependsOn));
    assert!(!sbom.dependencies.is_empty());
}

#[test]
fn vendored_schemas_equal_the_shared_copies() {
    let vendored = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (ours, shared) in [
        (
            "bom-1.4.schema.json",
            "schemas/cyclonedx/bom-1.4.schema.json",
        ),
        (
            "bom-1.5.schema.json",
            "schemas/cyclonedx/bom-1.5.schema.json",
        ),
        (
            "bom-1.6.schema.json",
            "schemas/cyclonedx/bom-1.6.schema.json",
        ),
        ("spdx.schema.json", "schemas/cyclonedx/spdx.schema.json"),
        (
            "jsf-0.82.schema.json",
            "schemas/cyclonedx/jsf-0.82.schema.json",
        ),
        ("spdx-2.3.schema.json", "schemas/spdx-2.3/spdx-schema.json"),
        (
            "csaf_json_schema.json",
            "schemas/csaf-2.0/csaf_json_schema.json",
        ),
        (
            "provider_json_schema.json",
            "schemas/csaf-2.0/provider_json_schema.json",
        ),
        ("cvss-v2.0.json", "schemas/csaf-2.0/cvss-v2.0.json"),
        ("cvss-v3.0.json", "schemas/csaf-2.0/cvss-v3.0.json"),
        ("cvss-v3.1.json", "schemas/csaf-2.0/cvss-v3.1.json"),
        ("osv-schema.json", "schemas/osv/schema.json"),
        (
            "CVE_JSON_bundled_5.1.1.json",
            "schemas/cve-5.1.1/CVE_JSON_bundled_5.1.1.json",
        ),
        (
            "kev-schema.json",
            "schemas/kev/known_exploited_vulnerabilities_schema.json",
        ),
    ] {
        let a = std::fs::read(vendored.join(ours)).unwrap();
        assert!(
            a == crate::common::read(shared),
            "{ours} differs from shared/data/{shared}"
        );
    }
    psirt_formats::warm_up().unwrap();
}
