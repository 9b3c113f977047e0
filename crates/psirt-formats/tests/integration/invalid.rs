//! Rejections: hand-broken variants of real SBOMs fail whole, with the JSON Pointer of the first error; non-JSON
//! fails with line/column; unknown and unsupported formats are named.

use psirt_formats::{parse_sbom_bytes, ParseOptions, SbomError};
use serde_json::{json, Value};

use crate::common::{parse, parse_json, read, schema_error};

fn juice_shop() -> Value {
    serde_json::from_slice(&read(
        "sboms/cyclonedx/juice-shop-14.1.1-npm-flat.bom.1.6.json",
    ))
    .unwrap()
}

fn redis_commander() -> Value {
    serde_json::from_slice(&read("sboms/cyclonedx/redis-commander-sbom-cdx.json")).unwrap()
}

fn laravel_spdx() -> Value {
    serde_json::from_slice(&read(
        "sboms/spdx/spdx-syft-bitnami_laravel-sha256-7aff7ad10ae5.spdx.json",
    ))
    .unwrap()
}

#[test]
fn cyclonedx_wrong_type_points_at_the_value() {
    let mut doc = juice_shop();
    doc["components"][5]["name"] = json!(42);
    let (pointer, message) = schema_error(&doc);
    assert_eq!(pointer, "/components/5/name");
    assert!(message.contains("is not of type \"string\""), "{message}");
}

#[test]
fn cyclonedx_missing_required_field_points_at_the_object() {
    let mut doc = juice_shop();
    doc["components"][3].as_object_mut().unwrap().remove("name");
    let (pointer, message) = schema_error(&doc);
    assert_eq!(pointer, "/components/3");
    assert!(
        message.contains("\"name\" is a required property"),
        "{message}"
    );
}

#[test]
fn cyclonedx_unknown_component_type() {
    let mut doc = redis_commander();
    doc["components"][0]["type"] = json!("librar");
    let (pointer, _) = schema_error(&doc);
    assert_eq!(pointer, "/components/0/type");
}

#[test]
fn cyclonedx_purl_of_wrong_json_type() {
    let mut doc = juice_shop();
    doc["components"][2]["purl"] = json!(["pkg:npm/a@1"]);
    let (pointer, _) = schema_error(&doc);
    assert_eq!(pointer, "/components/2/purl");
}

#[test]
fn cyclonedx_nested_component_error_has_the_nested_path() {
    let mut doc: Value = serde_json::from_slice(&read(
        "sboms/cyclonedx/juice-shop-14.1.1-npm-bare.bom.1.5.json",
    ))
    .unwrap();
    let parent = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c.get("components").is_some())
        .expect("a component with nested components");
    doc["components"][parent]["components"][0]["version"] = json!(1.5);
    let (pointer, _) = schema_error(&doc);
    assert_eq!(
        pointer,
        format!("/components/{parent}/components/0/version")
    );
}

#[test]
fn cyclonedx_hash_that_is_not_hex() {
    let mut doc = redis_commander();
    let i = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c.get("hashes").is_some())
        .unwrap();
    doc["components"][i]["hashes"][0]["content"] = json!("not hex!");
    let (pointer, _) = schema_error(&doc);
    assert_eq!(pointer, format!("/components/{i}/hashes/0/content"));
}

#[test]
fn cyclonedx_bad_timestamp_and_bom_format() {
    let mut doc = redis_commander();
    doc["metadata"]["timestamp"] = json!("yesterday");
    assert_eq!(schema_error(&doc).0, "/metadata/timestamp");
    let mut doc = redis_commander();
    doc["bomFormat"] = json!("cyclonedx");
    assert_eq!(schema_error(&doc).0, "/bomFormat");
}

#[test]
fn cyclonedx_dependency_without_ref() {
    let mut doc = juice_shop();
    doc["dependencies"][7]
        .as_object_mut()
        .unwrap()
        .remove("ref");
    assert_eq!(schema_error(&doc).0, "/dependencies/7");
}

#[test]
fn spdx_missing_spdxid_and_bad_checksum_algorithm() {
    let mut doc = laravel_spdx();
    doc["packages"][0].as_object_mut().unwrap().remove("SPDXID");
    let (pointer, message) = schema_error(&doc);
    assert_eq!(pointer, "/packages/0");
    assert!(message.contains("SPDXID"), "{message}");

    let mut doc = laravel_spdx();
    let i = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p.get("checksums").is_some())
        .unwrap();
    doc["packages"][i]["checksums"][0]["algorithm"] = json!("SHA-256");
    assert_eq!(
        schema_error(&doc).0,
        format!("/packages/{i}/checksums/0/algorithm")
    );
}

#[test]
fn spdx_bad_relationship_type_and_missing_creation_info() {
    let mut doc = laravel_spdx();
    doc["relationships"][2]["relationshipType"] = json!("USES");
    assert_eq!(schema_error(&doc).0, "/relationships/2/relationshipType");
    let mut doc = laravel_spdx();
    doc.as_object_mut().unwrap().remove("creationInfo");
    assert_eq!(schema_error(&doc).0, "");
}

#[test]
fn big_offending_values_are_masked_in_messages() {
    let mut doc = juice_shop();
    doc["components"][0]["licenses"] = json!([{ "license": {}, "expression": "MIT" }]);
    let (pointer, message) = schema_error(&doc);
    assert!(pointer.starts_with("/components/0/licenses"), "{pointer}");
    assert!(message.len() < 400, "{message}");
}

#[test]
fn non_json_reports_line_and_column() {
    match parse(b"{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": 1.6,,\n}") {
        Err(SbomError::Json { line, column, .. }) => assert_eq!((line, column), (3, 22)),
        other => panic!("{other:?}"),
    }
    match parse(b"<?xml version=\"1.0\"?><bom/>") {
        Err(SbomError::Json { line, column, .. }) => assert_eq!((line, column), (1, 1)),
        other => panic!("{other:?}"),
    }
    // Truncated input, with and without validation.
    let bytes = read("sboms/cyclonedx/laravel-7.12.0.bom.1.4.json");
    let cut = &bytes[..bytes.len() / 2];
    assert!(matches!(parse(cut), Err(SbomError::Json { .. })));
    let no_validation = ParseOptions { validate: false };
    assert!(matches!(
        parse_sbom_bytes(cut, &no_validation, &mut |_| {}),
        Err(SbomError::Json { .. })
    ));
    assert!(matches!(parse(b"\xff\xfe{}"), Err(SbomError::Json { .. })));
}

#[test]
fn unknown_and_unsupported_formats() {
    for doc in [
        json!([]),
        json!({}),
        json!({"name": "x"}),
        json!("CycloneDX"),
    ] {
        assert!(
            matches!(parse_json(&doc), Err(SbomError::UnknownFormat(_))),
            "{doc}"
        );
    }
    let unsupported = |doc: Value| match parse_json(&doc) {
        Err(SbomError::UnsupportedVersion {
            format, version, ..
        }) => (format, version),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        unsupported(json!({"bomFormat": "CycloneDX", "specVersion": "1.7"})),
        ("CycloneDX", "1.7".to_string())
    );
    // A number is no version string at all (the schemas' own verdict), not an unsupported "1.4".
    match parse_json(&json!({"bomFormat": "CycloneDX", "specVersion": 1.4})) {
        Err(SbomError::Schema { pointer, message }) => {
            assert_eq!(pointer, "/specVersion");
            assert!(message.contains("not of type \"string\""), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        unsupported(json!({"spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT"})),
        ("SPDX", "SPDX-2.2".to_string())
    );
    let spdx3 = json!({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []});
    assert_eq!(unsupported(spdx3).0, "SPDX");
    // Detection is the same without validation.
    let no_validation = ParseOptions { validate: false };
    assert!(matches!(
        parse_sbom_bytes(b"[1,2]", &no_validation, &mut |_| {}),
        Err(SbomError::UnknownFormat(_))
    ));
    assert!(matches!(
        parse_sbom_bytes(
            br#"{"bomFormat":"CycloneDX","specVersion":"1.2"}"#,
            &no_validation,
            &mut |_| {}
        ),
        Err(SbomError::UnsupportedVersion { .. })
    ));
}

#[test]
fn without_validation_only_the_model_is_checked() {
    // Schema-invalid (no component type) but fits the model: accepted when validation is off.
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "components": [{"name": "a", "purl": "pkg:npm/a@1"}]});
    assert_eq!(schema_error(&doc).0, "/components/0");
    let bytes = serde_json::to_vec(&doc).unwrap();
    let sbom = parse_sbom_bytes(&bytes, &ParseOptions { validate: false }, &mut |_| {}).unwrap();
    assert_eq!(sbom.components.len(), 1);
    // Not even the model fits: a Model error, not a panic.
    let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":7}]}"#;
    assert!(matches!(
        parse_sbom_bytes(doc, &ParseOptions { validate: false }, &mut |_| {}),
        Err(SbomError::Model(_))
    ));
}

/// JSON is UTF-8: a bad byte is rejected with its position on both paths (parse-only checks the whole document
/// once instead of every string it reads).
#[test]
fn invalid_utf8_is_rejected_with_its_position() {
    let mut text = serde_json::to_vec_pretty(&redis_commander()).unwrap();
    let at = text
        .windows(7)
        .position(|w| w == b"\"name\":")
        .expect("a name field");
    // Into the value after `"name": "`: line and column of that byte.
    let bad = at + 9;
    text[bad] = 0xff;
    let line = text[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
    let column = bad
        - text[..bad]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    for validate in [true, false] {
        match parse_sbom_bytes(&text, &ParseOptions { validate }, &mut |_| {}) {
            Err(SbomError::Json {
                line: l,
                column: c,
                message,
            }) => {
                assert_eq!((l, c), (line, column), "validate: {validate}");
                assert_eq!(message, "invalid UTF-8");
            }
            other => panic!("validate: {validate}: {other:?}"),
        }
    }
}

/// Expects the component at `pointer` to be refused on import (on the validating and the parse-only path) and
/// returns why; a plain parse (a scan) still reads the SBOM, with the refusal in `unstorable`.
fn refused_at(doc: &Value, pointer: &str) -> String {
    let bytes = serde_json::to_vec(doc).unwrap();
    let mut why = String::new();
    for validate in [true, false] {
        let sbom = parse_sbom_bytes(&bytes, &ParseOptions { validate }, &mut |_| {}).unwrap();
        let unstorable = sbom
            .unstorable
            .clone()
            .expect("a component psirt cannot store");
        assert_eq!(unstorable.pointer, pointer, "validate: {validate}");
        match sbom.into_storable() {
            Err(SbomError::Refused {
                pointer: p,
                message,
            }) => {
                assert_eq!((p.as_str(), &message), (pointer, &unstorable.message));
                why = message;
            }
            other => panic!("expected a refusal (validate: {validate}), got {other:?}"),
        }
    }
    why
}

fn storable(doc: &Value) -> psirt_formats::Sbom {
    parse_json(doc).unwrap().into_storable().unwrap()
}

/// Schema-valid values psirt cannot store (an index holds a key of at most 1,000 bytes; PostgreSQL refuses longer
/// index entries) refuse the whole SBOM at the component's pointer, before the store is asked.
#[test]
fn components_beyond_what_is_stored_refuse_the_sbom_at_their_pointer() {
    let long = |n: usize| "a".repeat(n);
    // The key limit counts bytes: a name of 600 `é` (within the 1,000 characters of a name) makes a `nopurl:` key
    // of over 1,200 bytes.
    let mut doc = juice_shop();
    doc["components"][4].as_object_mut().unwrap().remove("purl");
    doc["components"][4]["name"] = json!("é".repeat(600));
    let why = refused_at(&doc, "/components/4");
    assert!(why.contains("key") && why.contains("bytes long"), "{why}");
    // A purl just within the limit is kept.
    let mut doc = juice_shop();
    let fits = format!("pkg:npm/{}@1.0.0", long(1_000 - "pkg:npm/@1.0.0".len()));
    doc["components"][4]["purl"] = json!(fits);
    assert!(storable(&doc).components.iter().any(|c| c.key == fits));

    let mut doc = juice_shop();
    doc["components"][2]["version"] = json!(long(501));
    assert!(refused_at(&doc, "/components/2").contains("version"));
    let mut doc = juice_shop();
    doc["components"][2]["name"] = json!("bad\u{1}name");
    assert!(refused_at(&doc, "/components/2").contains("control characters"));

    // Duplicates are judged merged, as stored: a later one that fills in a group makes the name too long (and is
    // the one pointed at); a later one whose long name the merge drops refuses nothing.
    let mut doc = juice_shop();
    let purl = doc["components"][1]["purl"].clone();
    doc["components"][1]["name"] = json!(long(1_000));
    doc["components"][1]
        .as_object_mut()
        .unwrap()
        .remove("group");
    let mut duplicate = json!({"type": "library", "name": "x", "group": "g", "purl": purl});
    doc["components"]
        .as_array_mut()
        .unwrap()
        .push(duplicate.clone());
    let last = doc["components"].as_array().unwrap().len() - 1;
    assert!(refused_at(&doc, &format!("/components/{last}")).contains("name"));
    let mut doc = juice_shop();
    duplicate["name"] = json!(long(1_001));
    duplicate.as_object_mut().unwrap().remove("group");
    let first_group = doc["components"][1].get("group").cloned();
    if first_group.is_none() {
        doc["components"][1]["group"] = json!("g");
    }
    doc["components"].as_array_mut().unwrap().push(duplicate);
    storable(&doc);

    // Nested components have their own pointers.
    let mut doc: Value = serde_json::from_slice(&read(
        "sboms/cyclonedx/juice-shop-14.1.1-npm-bare.bom.1.5.json",
    ))
    .unwrap();
    let parent = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c.get("components").is_some())
        .unwrap();
    doc["components"][parent]["components"][0]["name"] = json!(long(1_001));
    refused_at(&doc, &format!("/components/{parent}/components/0"));

    // The subject is not stored, so not held to the limits: CycloneDX `metadata.component`, and the SPDX package
    // the document describes (a later package beyond them is still refused, at its own pointer).
    let mut doc = redis_commander();
    doc["metadata"]["component"]["version"] = json!(long(600));
    storable(&doc);
    let mut doc = laravel_spdx();
    let described = doc["packages"][3]["SPDXID"].clone();
    // The document describes itself; make it describe the package.
    for r in doc["relationships"].as_array_mut().unwrap() {
        if r["relationshipType"] == "DESCRIBES" {
            r["relatedSpdxElement"] = described.clone();
        }
    }
    doc["packages"][3]["versionInfo"] = json!(long(501));
    let sbom = storable(&doc);
    assert_eq!(sbom.subject.unwrap().version.unwrap().len(), 501);
    doc["packages"][5]["versionInfo"] = json!(long(501));
    assert!(refused_at(&doc, "/packages/5").contains("version"));
}
