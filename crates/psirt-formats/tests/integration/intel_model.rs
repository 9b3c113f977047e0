//! The normalised model: aliases, purls, ranges, the CVE 5 affected mapping, withdrawn records, serialisation.

use psirt_formats::{parse_cve5, parse_osv, IntelError, IntelRecord, ParseOptions, SeverityKind};
use psirt_versions::{affected, Event, RangeKind};
use serde_json::{json, Value};

use crate::common::{gz_lines, read};

fn osv_by_id(file: &str, id: &str) -> IntelRecord {
    let line = gz_lines(&format!("feeds/osv/{file}.jsonl.gz"))
        .into_iter()
        .find(|l| l.contains(&format!("\"id\":\"{id}\"")))
        .unwrap_or_else(|| panic!("{id} not in {file}"));
    parse_osv(line.as_bytes(), &ParseOptions::default()).unwrap()
}

fn cve(v: &Value) -> Result<IntelRecord, IntelError> {
    parse_cve5(&serde_json::to_vec(v).unwrap(), &ParseOptions::default())
}

#[test]
fn pypi_record_aliases_purl_and_ranges() {
    let r = osv_by_id("PyPI", "PYSEC-2010-10");
    assert_eq!(r.aliases, ["CVE-2009-5013", "GHSA-8gv6-x88p-3f6h"]);
    assert!(r.related.is_empty());
    assert_eq!(r.cve_ids().collect::<Vec<_>>(), ["CVE-2009-5013"]);
    let a = &r.affected[0];
    assert_eq!(
        (a.ecosystem.as_str(), a.name.as_str()),
        ("PyPI", "pyftpdlib")
    );
    assert_eq!(a.purl.as_ref().unwrap().to_string(), "pkg:pypi/pyftpdlib");
    let raw = r.raw.to_value().unwrap();
    assert!(raw.is_object());
    assert_eq!(raw["id"], "PYSEC-2010-10");
}

#[test]
fn purls_are_derived_when_absent() {
    // Go records carry no purl: pkg:golang/<module path>.
    let r = osv_by_id("Go", "GO-2020-0001");
    let a = &r.affected[0];
    assert_eq!(a.name, "github.com/gin-gonic/gin");
    assert_eq!(
        a.purl.as_ref().unwrap().to_string(),
        "pkg:golang/github.com/gin-gonic/gin"
    );
    assert_eq!(r.aliases, ["CVE-2020-36567", "GHSA-6vm3-jj99-7229"]);
    assert!(affected(&a.ranges, "1.5.0").unwrap());
    assert!(!affected(&a.ranges, "1.6.0").unwrap());
    // AlmaLinux: the suffix stays on the ecosystem, the ranges use the base ecosystem (RPM ordering).
    let r = osv_by_id("AlmaLinux", "ALBA-2019:0973");
    let a = &r.affected[0];
    assert_eq!(a.ecosystem, "AlmaLinux:8");
    assert_eq!(a.ranges.ecosystem.to_string(), "AlmaLinux");
    assert_eq!(
        a.purl.as_ref().unwrap().to_string(),
        "pkg:rpm/almalinux/oci-systemd-hook"
    );
    // OSS-Fuzz has no purl type; GIT ranges are kept.
    let r = osv_by_id("OSS-Fuzz", "OSV-2016-1");
    assert!(r.affected[0].purl.is_none());
    assert_eq!(r.affected[0].ranges.ranges[0].kind, RangeKind::Git);
}

#[test]
fn record_level_and_package_severity() {
    let r = osv_by_id("Hackage", "HSEC-2023-0001");
    assert!(r.severity.is_empty());
    assert_eq!(r.affected[0].severity[0].kind, SeverityKind::CvssV3);
    assert!(r.affected[0].severity[0].score.starts_with("CVSS:3.1/"));
}

#[test]
fn osv_errors_carry_pointers() {
    let err = parse_osv(b"{\"id\": 1}", &ParseOptions::default()).unwrap_err();
    let IntelError::Schema { pointer, .. } = &err else {
        panic!("{err}")
    };
    // `modified` missing is reported at the root or `id` first, whichever the validator meets first: both are "".
    assert!(pointer.is_empty() || pointer == "/id", "{err}");
    let err = parse_osv(b"[", &ParseOptions::default()).unwrap_err();
    assert!(matches!(err, IntelError::Json { line: 1, .. }), "{err}");
    let bad_time = json!({"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-13-45T99:00:00Z"});
    let err = parse_osv(bad_time.to_string().as_bytes(), &ParseOptions::default()).unwrap_err();
    assert_eq!(err.pointer(), Some("/modified"), "{err}");
    // With validation off the model still refuses what it cannot read, with the pointer.
    let off = ParseOptions { validate: false };
    let err = parse_osv(bad_time.to_string().as_bytes(), &off).unwrap_err();
    assert!(
        matches!(&err, IntelError::Model { pointer, .. } if pointer == "/modified"),
        "{err}"
    );
}

fn cve_base() -> Value {
    serde_json::from_slice(&read("examples/cve5/CVEv5_basic-example.json")).unwrap()
}

#[test]
fn cve5_examples_parse() {
    let r = cve(&cve_base()).unwrap();
    assert_eq!(r.id, "CVE-1337-1234");
    let p = &r.products[0];
    assert_eq!(p.vendor.as_deref(), Some("Example.org"));
    // semver without a registry: a SEMVER range on the placeholder ecosystem, no package.
    let ranges = p.ranges.as_ref().unwrap();
    assert_eq!(ranges.ranges[0].kind, RangeKind::Semver);
    assert_eq!(
        ranges.ranges[0].events,
        [
            Event::Introduced("1.0.0".into()),
            Event::Fixed("1.0.6".into())
        ]
    );
    assert!(r.affected.is_empty());

    // The advanced example: an unaffected range whose `changes` make 2.1.6..2.1.9 affected.
    let adv: Value =
        serde_json::from_slice(&read("examples/cve5/CVEv5_advanced-example.json")).unwrap();
    let r = cve(&adv).unwrap();
    let ranges = r.products[0].ranges.as_ref().unwrap();
    for (v, want) in [
        ("1.0.5", true),
        ("1.0.6", false),
        ("2.1.5", false),
        ("2.1.7", true),
        ("2.1.9", false),
        ("3.1.0", false),
    ] {
        assert_eq!(affected(ranges, v).unwrap(), want, "{v}");
    }
    assert!(r
        .severity
        .iter()
        .any(|s| s.kind == SeverityKind::CvssV3 && s.base_score.is_some()));
}

#[test]
fn cve5_registry_package_becomes_affected_package() {
    let mut v = cve_base();
    v["containers"]["cna"]["affected"] = json!([
        {
            "vendor": "pallets", "product": "flask",
            "collectionURL": "https://pypi.org", "packageName": "Flask",
            "defaultStatus": "unaffected",
            "versions": [
                {"version": "0", "lessThan": "2.2.5", "status": "affected", "versionType": "python"},
                {"version": "2.3.0", "lessThanOrEqual": "2.3.1", "status": "affected", "versionType": "python"}
            ]
        },
        {
            "vendor": "Acme", "product": "Widget",
            "versions": [{"version": "abc123", "lessThan": "def456", "status": "affected", "versionType": "git"}]
        },
        {
            "vendor": "Acme", "product": "Gadget", "defaultStatus": "affected",
            "versions": [{"version": "5.0", "status": "unaffected"}]
        }
    ]);
    v["containers"]["cna"]["references"] = json!([
        {"url": "https://github.com/pallets/flask/security/advisories/GHSA-m2qf-hxjv-5gpq"},
        {"url": "https://github.com/advisories/GHSA-m2qf-hxjv-5gpq"},
        {"url": "https://example.org/GHSA-notreal"}
    ]);
    let r = cve(&v).unwrap();
    assert_eq!(r.aliases, ["GHSA-m2qf-hxjv-5gpq"]);
    assert_eq!(r.affected.len(), 1);
    let a = &r.affected[0];
    assert_eq!((a.ecosystem.as_str(), a.name.as_str()), ("PyPI", "Flask"));
    assert_eq!(a.purl.as_ref().unwrap().to_string(), "pkg:pypi/flask");
    assert_eq!(
        a.ranges.ranges[1].events[1],
        Event::LastAffected("2.3.1".into())
    );
    for (ver, want) in [
        ("2.2.4", true),
        ("2.2.5", false),
        ("2.3.1", true),
        ("2.3.2", false),
    ] {
        assert_eq!(affected(&a.ranges, ver).unwrap(), want, "{ver}");
    }
    // git hashes and "all but 5.0" stay text.
    assert_eq!(r.products.len(), 3);
    assert!(r.products[1].ranges.is_none() && r.products[2].ranges.is_none());
    assert_eq!(
        r.products[1].versions[0].version_type.as_deref(),
        Some("git")
    );
    // The basic example's problem type has no cweId, but its text names it ("CWE-78 …").
    assert_eq!(r.cwe_ids, ["CWE-78"]);
}

#[test]
fn cve5_rejected_record_is_withdrawn() {
    let line = gz_lines("feeds/cve5/vulnrichment-sample.jsonl.gz")
        .into_iter()
        .find(|l| l.contains("\"state\":\"REJECTED\"") || l.contains("\"state\": \"REJECTED\""))
        .unwrap();
    let r = parse_cve5(line.as_bytes(), &ParseOptions::default()).unwrap();
    assert!(r.is_withdrawn());
    assert!(r.affected.is_empty());
}

#[test]
fn record_serialises_with_rfc3339_and_iso_dates() {
    let r = osv_by_id("Go", "GO-2020-0001");
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["source"], "osv");
    assert_eq!(v["published"], "2021-04-14T20:04:52Z");
    assert_eq!(
        v["affected"][0]["purl"],
        "pkg:golang/github.com/gin-gonic/gin"
    );
    assert_eq!(v["affected"][0]["ranges"]["ranges"][0]["type"], "SEMVER");
}
