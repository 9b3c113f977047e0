//! vers-spec vectors (testvectors/vers) for the schemes this crate implements.
//!
//! Skipped, and why:
//! - `*_range_from_native_test.json` (npm, pypi, nuget, gem, conan, nginx, openssl): converting native range
//!   syntaxes into `vers` is a separate feature this crate does not offer (OSV ranges are already event lists).
//! - `alpm_`, `conan_`, `gentoo_`, `openssl_`, `datetime_version_cmp_test.json`, `lexicographic-test.json`:
//!   schemes not implemented (no OSV ecosystem uses them).
//! - the `datetime` cases of `vers_canonical_parse_test.json`: same reason.

use std::cmp::Ordering;

use psirt_versions::{Scheme, VersRange};
use serde_json::Value;

use crate::common::json;

fn tests(file: &str) -> Vec<Value> {
    json(&format!("testvectors/vers/{file}"))["tests"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn version_comparison_vectors() {
    let mut bad = Vec::new();
    let mut n = 0;
    for (file, scheme) in [
        ("maven_version_cmp_test.json", Scheme::Maven),
        ("nuget_version_cmp_test.json", Scheme::NuGet),
        ("alpine_version_cmp_test.json", Scheme::Alpine),
    ] {
        for t in tests(file) {
            n += 1;
            let vs: Vec<&str> = t["input"]["versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let (a, b) = (scheme.parse(vs[0]), scheme.parse(vs[1]));
            let (Ok(a), Ok(b)) = (a, b) else {
                bad.push(format!("{file}: parse failed {vs:?}"));
                continue;
            };
            let ok = match t["test_type"].as_str().unwrap() {
                "equality" => {
                    (a.cmp(&b) == Ordering::Equal) == t["expected_output"].as_bool().unwrap()
                }
                _ => {
                    let exp: Vec<&str> = t["expected_output"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    // expected_output is the input sorted ascending (texts may be re-cased); compare positions
                    let swapped =
                        exp[0].eq_ignore_ascii_case(vs[1]) && !exp[0].eq_ignore_ascii_case(vs[0]);
                    if swapped {
                        a > b
                    } else {
                        a < b
                    }
                }
            };
            if !ok {
                bad.push(format!(
                    "{file}: {} {vs:?} expected {}",
                    t["test_type"], t["expected_output"]
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {n} failed:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn containment_vectors() {
    for file in [
        "npm_range_containment_test.json",
        "pypi_range_containment_test.json",
    ] {
        for t in tests(file) {
            let r = VersRange::parse_lenient(t["input"]["vers"].as_str().unwrap()).unwrap();
            let got = r.contains(t["input"]["version"].as_str().unwrap()).unwrap();
            assert_eq!(
                got,
                t["expected_output"].as_bool().unwrap(),
                "{file}: {}",
                t["input"]
            );
        }
    }
}

#[test]
fn validate_and_canonical_parse_vectors() {
    for t in tests("pypi_range_validate_test.json") {
        let r = VersRange::parse_lenient(t["input"].as_str().unwrap()).unwrap();
        assert_eq!(
            r.to_string(),
            t["expected_output"].as_str().unwrap(),
            "{}",
            t["input"]
        );
    }
    for t in tests("vers_canonical_parse_test.json") {
        let input = t["input"].as_str().unwrap();
        if input.starts_with("vers:datetime/") {
            continue;
        }
        let r = VersRange::parse(input);
        if t["expected_failure"].as_bool().unwrap_or(false) {
            assert!(r.is_err(), "{input} must fail");
            continue;
        }
        let r = r.unwrap();
        let exp = &t["expected_output"];
        assert_eq!(r.scheme_name(), exp["scheme"].as_str().unwrap());
        let got: Vec<(String, String)> = r
            .constraints()
            .iter()
            .map(|c| (c.comparator.as_str().to_string(), c.version.clone()))
            .collect();
        let want: Vec<(String, String)> = exp["version_constraints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_string(),
                    p[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "{input}");
    }
}

/// Cases the vectors leave out, answered as univers answers them: a lone `!=` holds every other version (the spec's
/// algorithm read to the letter holds nothing), several `!=` hold nothing; and a doubled comparator is refused
/// rather than read as a strange version.
#[test]
fn not_equal_only_ranges_and_doubled_comparators() {
    for (range, version, want) in [
        ("vers:npm/!=1.0.0", "2.0.0", true),
        ("vers:npm/!=1.0.0", "1.0.0", false),
        ("vers:pypi/!=0.0.1", "1.0", true),
        ("vers:npm/!=1.0.0|!=2.0.0", "2.0.0", false),
        ("vers:npm/!=1.0.0|!=2.0.0", "3.0.0", false),
        ("vers:npm/!=1.0.0|>=2.0.0", "1.5.0", false),
        ("vers:npm/!=1.0.0|>=2.0.0", "2.5.0", true),
    ] {
        let r = VersRange::parse(range).unwrap();
        assert_eq!(r.contains(version).unwrap(), want, "{range} {version}");
    }
    for range in [
        "vers:npm/>>1.0.0",
        "vers:npm/=>1.0.0",
        "vers:pypi/<<2.0",
        "vers:npm/<=!1.0.0",
    ] {
        assert!(VersRange::parse_lenient(range).is_err(), "{range}");
    }
    // Percent-encoded, such a character is part of the version.
    assert!(VersRange::parse_lenient("vers:generic/%3E1").is_ok());
}
