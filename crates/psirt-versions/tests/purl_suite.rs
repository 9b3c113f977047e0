//! The purl-spec test suite (testvectors/purl: spec/ and types/), every case.
//!
//! `parse` cases of the "required" group and all `build` cases use the strict [`Purl::parse`]/[`Purl::new`];
//! `validate` cases and "recommended" `parse` cases describe tolerant normalisation (e.g. `repositorY_url` →
//! `repository_url`) and use [`Purl::parse_lenient`]. This split is forced by the suite itself: it has a required
//! parse case that must reject `?Platform=java` and a validate case that normalises the same input.

use std::collections::BTreeMap;

use psirt_versions::Purl;
use serde_json::Value;

use crate::common::{data_dir, json};

fn components(p: &Purl) -> Value {
    let q: BTreeMap<&str, &str> = p
        .qualifiers()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    serde_json::json!({
        "type": p.ty(),
        "namespace": p.namespace(),
        "name": p.name(),
        "version": p.version(),
        "qualifiers": if q.is_empty() { Value::Null } else { serde_json::to_value(q).unwrap() },
        "subpath": p.subpath(),
    })
}

fn build(input: &Value) -> Result<Purl, psirt_versions::Error> {
    let s = |k: &str| input.get(k).and_then(Value::as_str);
    let quals: Vec<(String, String)> = input
        .get("qualifiers")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    Purl::new(
        s("type").unwrap_or(""),
        s("namespace"),
        s("name").unwrap_or(""),
        s("version"),
        quals,
        s("subpath"),
    )
}

#[test]
fn purl_spec_suite() {
    let mut files: Vec<String> = vec!["testvectors/purl/spec/specification-test.json".into()];
    let mut types: Vec<String> = std::fs::read_dir(data_dir().join("testvectors/purl/types"))
        .unwrap()
        .map(|e| {
            format!(
                "testvectors/purl/types/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    types.sort();
    files.extend(types);
    let (mut total, mut failures) = (0, Vec::new());
    for f in &files {
        for t in json(f)["tests"].as_array().unwrap() {
            total += 1;
            let kind = t["test_type"].as_str().unwrap();
            let fail = t["expected_failure"].as_bool().unwrap_or(false);
            let group = t["test_group"].as_str().unwrap_or("");
            let input = &t["input"];
            let expected = &t["expected_output"];
            let ok = match kind {
                "parse" => {
                    let s = input.as_str().unwrap();
                    let r = if group == "recommended" {
                        Purl::parse_lenient(s)
                    } else {
                        Purl::parse(s)
                    };
                    match r {
                        Ok(p) => !fail && components(&p) == *expected,
                        Err(_) => fail,
                    }
                }
                "validate" => match Purl::parse_lenient(input.as_str().unwrap()) {
                    Ok(p) => !fail && p.to_string() == expected.as_str().unwrap(),
                    Err(_) => fail,
                },
                "build" => match build(input) {
                    Ok(p) => !fail && p.to_string() == expected.as_str().unwrap_or(""),
                    Err(_) => fail,
                },
                other => panic!("unknown test_type {other}"),
            };
            if !ok {
                let got = match kind {
                    "build" => format!("{:?}", build(input).map(|p| p.to_string())),
                    "parse" => format!(
                        "{:?}",
                        Purl::parse(input.as_str().unwrap()).map(|p| components(&p))
                    ),
                    _ => format!(
                        "{:?}",
                        Purl::parse_lenient(input.as_str().unwrap()).map(|p| p.to_string())
                    ),
                };
                failures.push(format!(
                    "{f} {kind} {group} {input} expected {expected} fail={fail}, got {got}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} purl cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total > 500);
}

/// Display writes percent-encoding without intermediate strings: multi-byte characters, reserved characters and
/// runs around them must still come out canonical, and the text round-trips.
#[test]
fn display_encodes_non_ascii_and_reserved_characters() {
    let cases = [
        ("pkg:npm/caf%C3%A9@1.0%2Bx", "pkg:npm/caf%C3%A9@1.0%2Bx"),
        (
            "pkg:npm/%E2%82%AC%E2%82%AC@%C3%A9",
            "pkg:npm/%E2%82%AC%E2%82%AC@%C3%A9",
        ),
        (
            "pkg:generic/ns%20a/na%20me@v%201?k=a%26b#sub/p%20ath",
            "pkg:generic/ns%20a/na%20me@v%201?k=a%26b#sub/p%20ath",
        ),
        ("pkg:pypi/plain@1.2.3", "pkg:pypi/plain@1.2.3"),
    ];
    for (input, canonical) in cases {
        let p = Purl::parse_lenient(input).unwrap();
        assert_eq!(p.to_string(), canonical, "{input}");
        assert_eq!(Purl::parse_lenient(canonical).unwrap(), p, "{input}");
    }
    assert_eq!(
        Purl::parse_lenient("pkg:npm/caf%C3%A9@1").unwrap().name(),
        "café"
    );
}
