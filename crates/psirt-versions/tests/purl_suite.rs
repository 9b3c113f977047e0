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

/// `Purl::is_canonical` may only say yes to what the parser prints back unchanged: checked on every string of the
/// purl-spec suite (inputs and expected outputs), on crafted near-misses, and on the real SBOMs' purls.
#[test]
fn is_canonical_never_disagrees_with_the_parser() {
    fn check(s: &str, yes: &mut usize) {
        if Purl::is_canonical(s) {
            *yes += 1;
            let p =
                Purl::parse_lenient(s).unwrap_or_else(|e| panic!("{s:?} taken as canonical: {e}"));
            assert_eq!(p.to_string(), s, "taken as canonical");
        }
        if let Some(parts) = Purl::canonical_parts(s) {
            let p = Purl::parse_lenient(s).unwrap();
            assert_eq!(parts.ty, p.ty(), "{s}");
            assert_eq!(parts.namespace, p.namespace(), "{s}");
            assert_eq!(parts.name, p.name(), "{s}");
            assert_eq!(parts.version, p.version(), "{s}");
            assert_eq!(parts.subpath, p.subpath(), "{s}");
            let mut n = 0;
            for (k, v) in p.qualifiers() {
                assert_eq!(parts.qualifier(k), Some(v.as_str()), "{s}");
                n += 1;
            }
            assert_eq!(
                parts.qualifiers.map_or(0, |q| q.split('&').count()),
                n,
                "{s}"
            );
        }
    }
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s.starts_with("pkg:") => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(
        &json("testvectors/purl/spec/specification-test.json"),
        &mut all,
    );
    for e in std::fs::read_dir(data_dir().join("testvectors/purl/types")).unwrap() {
        let f = format!(
            "testvectors/purl/types/{}",
            e.unwrap().file_name().to_string_lossy()
        );
        strings(&json(&f), &mut all);
    }
    // Real SBOM purls (JSON strings starting with "pkg:" anywhere in the shared SBOMs).
    let sboms = data_dir().join("sboms");
    for dir in ["cyclonedx", "spdx"] {
        for e in std::fs::read_dir(sboms.join(dir)).into_iter().flatten() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap_or_default();
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                strings(&v, &mut all);
            }
        }
    }
    for s in [
        "pkg:npm/foo@1.0",
        "pkg:npm/@babel/core@7.0.0",
        "pkg:npm//foo@1",
        "pkg:npm/foo/@1",
        "pkg:npm/foo@",
        "pkg:NPM/foo@1",
        "pkg:pypi/Foo_Bar@1.0",
        "pkg:pypi/foo-bar@1.0",
        "pkg:pypi/foo_bar@1.0",
        "pkg:maven/a@1",
        "pkg:maven/org.x/a@1",
        "pkg:otp/ns/a@1",
        "pkg:golang/github.com/A/B@v1.2.3",
        "pkg:github/A/B@1",
        "pkg:deb/debian/curl@7.0?arch=amd64",
        "pkg:npm/a@1/b",
        "pkg:cargo/serde@1.0.0+build",
        "pkg:huggingface/x/y@ABC",
        // Qualifiers, escapes and subpaths.
        "pkg:deb/debian/curl@7.0?arch=amd64&distro=debian-12",
        "pkg:deb/debian/curl@7.0?distro=debian-12&arch=amd64",
        "pkg:deb/debian/curl@7.0?arch=amd64&arch=i386",
        "pkg:deb/debian/curl@7.0?arch=",
        "pkg:deb/debian/curl@7.0?Arch=amd64",
        "pkg:deb/debian/curl@7.0?arch",
        "pkg:deb/debian/curl@7.0?arch=amd64&",
        "pkg:deb/debian/curl@7.0?1arch=amd64",
        "pkg:deb/debian/curl@1%3A7.0",
        "pkg:deb/debian/curl@7.0%2Bdfsg",
        "pkg:deb/debian/curl@7.0%2bdfsg",
        "pkg:deb/debian/curl@7.0+dfsg",
        "pkg:deb/Debian/curl@7.0%2Bdfsg",
        "pkg:rpm/fedora/curl@7.0?arch=x86_64&epoch=1",
        "pkg:golang/github.com/a/b@v1.2.3?type=module",
        "pkg:npm/%40babel/core@7.0.0",
        "pkg:npm/%40Babel/core@7.0.0",
        "pkg:npm/%40babel/core@7.0.0#lib/x",
        "pkg:npm/foo@1#main",
        "pkg:npm/foo@1#./main",
        "pkg:npm/foo@1#a/../b",
        "pkg:npm/foo@1#a//b",
        "pkg:npm/foo@1#",
        "pkg:npm/foo@1?a=b#c",
        "pkg:npm/fo%2Fo@1",
        "pkg:npm/a%2Fb/foo@1",
        "pkg:npm/foo@1%41",
        "pkg:npm/foo@1%4",
        "pkg:npm/foo@1%",
        "pkg:npm/foo@1%C3%A9",
        "pkg:npm/foo@1%25",
        "pkg:npm/foo@1%20",
        "pkg:npm/foo@1%7F",
        "pkg:npm/foo@1%00",
        "pkg:maven/org.x/a@1?classifier=sources&type=jar",
        "pkg:maven/org.x/a@1?type=jar&classifier=sources",
        "pkg:pypi/foo@1?file_name=foo-1.tar.gz",
        "pkg:mlflow/x@1?repository_url=https:%2F%2Fdatabricks",
        "pkg:julia/x@1?uuid=1",
    ] {
        all.push(s.to_string());
    }
    let mut yes = 0;
    for s in &all {
        check(s, &mut yes);
    }
    assert!(yes > 1000, "only {yes} of {} strings recognised", all.len());
    // The shapes SBOM generators print are recognised (else the importer parses them all).
    for s in [
        "pkg:deb/debian/curl@7.0?arch=amd64&distro=debian-12",
        "pkg:golang/github.com/a/b@v1.2.3?type=module",
        "pkg:npm/%40babel/core@7.0.0",
        "pkg:npm/foo@1#main",
        "pkg:deb/debian/curl@7.0%2Bdfsg",
    ] {
        assert!(Purl::is_canonical(s), "{s}");
    }
    for s in [
        "pkg:deb/debian/curl@7.0?distro=debian-12&arch=amd64",
        "pkg:deb/debian/curl@7.0+dfsg",
        "pkg:deb/debian/curl@7.0%2bdfsg",
        "pkg:npm/foo@1%41",
        "pkg:npm/a%2Fb/foo@1",
    ] {
        assert!(!Purl::is_canonical(s), "{s}");
    }
    eprintln!("is_canonical: {yes} of {} strings recognised", all.len());
}
