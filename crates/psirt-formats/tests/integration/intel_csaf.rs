//! CSAF 2.0 import: the official examples and psirt's own documents become IntelRecords; invalid
//! documents are refused with every schema violation.

use psirt_formats::publish::{render_csaf, to_bytes, CsafProfile};
use psirt_formats::{parse_csaf, IntelError, IntelSource, ParseOptions};

use crate::publish_fixtures::router_and_web;

#[test]
fn every_official_csaf_example_imports() {
    let mut n = 0;
    for dir in ["examples/csaf", "examples/csaf-vex"] {
        for path in crate::common::files(dir) {
            let bytes = std::fs::read(&path).unwrap();
            let r = parse_csaf(&bytes, &ParseOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(r.source, IntelSource::Csaf);
            assert!(r.summary.is_some(), "{}", path.display());
            assert!(r.modified.is_some());
            n += 1;
        }
    }
    assert_eq!(n, 19);
    let read = |f: &str| {
        parse_csaf(
            &crate::common::read(&format!("examples/csaf/{f}")),
            &ParseOptions::default(),
        )
        .unwrap()
    };
    let rhsa = read("rhsa-2021_5186.json");
    assert_eq!(rhsa.id, "RHSA-2021:5186");
    assert_eq!(rhsa.aliases, ["CVE-2021-4104", "CVE-2021-4125"]);
    assert!(!rhsa.products.is_empty());
    let cisco = read("cisco-sa-20180328-smi2.json");
    assert_eq!(cisco.aliases, ["CVE-2018-0171"]);
    assert!(cisco.severity[0].score.starts_with("CVSS:3."));
}

#[test]
fn psirt_documents_round_trip_into_affected_packages() {
    let doc = render_csaf(&router_and_web(), CsafProfile::Vex).unwrap();
    let r = parse_csaf(&to_bytes(&doc), &ParseOptions::default()).unwrap();
    assert_eq!(r.id, "ACME-SA-2026-0001");
    assert_eq!(
        r.aliases,
        ["CVE-2026-10001", "CVE-2026-10002", "CVE-2026-10003"]
    );
    assert_eq!(r.cwe_ids, ["CWE-79", "CWE-787"]);
    assert_eq!(r.affected.len(), 1);
    let web = &r.affected[0];
    assert_eq!(
        (web.ecosystem.as_str(), web.name.as_str()),
        ("npm", "@acme/web")
    );
    assert_eq!(web.ranges.versions, ["1.3.0"]);
    let router: Vec<_> = r
        .products
        .iter()
        .filter(|p| p.product.as_deref() == Some("Router OS"))
        .collect();
    assert_eq!(router.len(), 3);
    assert_eq!(router[0].vendor.as_deref(), Some("ACME"));
    assert!(router[0].cpes[0].starts_with("cpe:2.3:o:acme:router_os:"));
}

#[test]
fn invalid_documents_report_every_violation_with_its_path() {
    let mut doc = render_csaf(&router_and_web(), CsafProfile::SecurityAdvisory).unwrap();
    doc["document"]["tracking"]["status"] = serde_json::json!("published");
    doc["document"]["publisher"]["category"] = serde_json::json!("nobody");
    doc["vulnerabilities"][0]["cve"] = serde_json::json!("CVE-1");
    let err = parse_csaf(&to_bytes(&doc), &ParseOptions::default()).unwrap_err();
    let IntelError::SchemaViolations(violations) = &err else {
        panic!("{err}");
    };
    let pointers: Vec<&str> = violations.iter().map(|v| v.pointer.as_str()).collect();
    for p in [
        "/document/tracking/status",
        "/document/publisher/category",
        "/vulnerabilities/0/cve",
    ] {
        assert!(pointers.contains(&p), "{p} not in {pointers:?}");
    }
    assert!(matches!(
        parse_csaf(b"{", &ParseOptions::default()),
        Err(IntelError::Json { .. })
    ));
}

#[test]
fn a_directory_of_csaf_documents_reads_as_a_feed() {
    let dir = crate::common::data_dir().join("examples/csaf-vex");
    let (ok, errors, _) = crate::common::read_all("csaf".parse().unwrap(), &dir);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ok.len(), 13);
    assert!(ok.iter().all(|r| r.source == IntelSource::Csaf));
}

#[test]
fn tlp_red_documents_are_refused_and_shareable_labels_import() {
    let mut doc = render_csaf(&router_and_web(), CsafProfile::SecurityAdvisory).unwrap();
    for label in ["WHITE", "GREEN", "AMBER"] {
        doc["document"]["distribution"]["tlp"] = serde_json::json!({"label": label});
        let r = parse_csaf(&to_bytes(&doc), &ParseOptions::default());
        assert!(r.is_ok(), "{label}: {r:?}");
    }
    doc["document"]["distribution"]["tlp"] = serde_json::json!({"label": "RED"});
    let err = parse_csaf(&to_bytes(&doc), &ParseOptions::default()).unwrap_err();
    let IntelError::Model { pointer, message } = &err else {
        panic!("{err}");
    };
    assert_eq!(pointer, "/document/distribution/tlp/label");
    assert!(message.contains("TLP:RED"), "{message}");
}
