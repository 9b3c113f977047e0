//! `psirt feeds import` with the shared feeds (idempotent, per-record error report) and
//! `psirt scan` of real SBOMs (table, JSON, SARIF; exit status 1 when affected).

use crate::{psirt, shared};
use std::io::Write;

use serde_json::Value;

#[test]
fn feeds_import_and_scan() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("psirt.db");

    // PyPI: 7 PYSEC records carry a GIT `fixed` that is not a commit: each is reported and
    // skipped, the rest imported.
    let pypi = shared("feeds/osv/PyPI.jsonl.gz");
    let (code, out, err) = psirt(&db, &["feeds", "import", "osv", &pypi]);
    assert_eq!(code, 0, "{out}{err}");
    let summary = out.lines().next().unwrap();
    assert!(summary.contains("7 rejected"), "{out}");
    assert!(summary.contains(" 0 updated, 0 unchanged"), "{out}");
    assert_eq!(out.matches("  rejected ").count(), 7, "{out}");
    assert!(
        out.contains("PyPI.jsonl.gz:"),
        "the locator names file and line: {out}"
    );
    // Idempotent.
    let (code, again, err) = psirt(&db, &["feeds", "import", "osv", &pypi]);
    assert_eq!(code, 0, "{err}");
    assert!(again.contains(": 0 new, 0 updated,"), "{again}");

    let packagist = shared("feeds/osv/Packagist.jsonl.gz");
    let (code, out, err) = psirt(&db, &["feeds", "import", "osv", &packagist]);
    assert_eq!(code, 0, "{out}{err}");
    let kev = shared("feeds/kev/known_exploited_vulnerabilities.json");
    let (code, out, err) = psirt(&db, &["feeds", "import", "kev", &kev]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1404 records: 1404 new"), "{out}");
    let cve = shared("feeds/cve5/vulnrichment-sample.jsonl.gz");
    let (code, out, err) = psirt(&db, &["feeds", "import", "cve5", &cve]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1151 records"), "{out}");

    // EPSS: the daily CSV, gzipped, with its model line.
    let epss = dir.path().join("epss.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&epss).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(b"#model_version:v2025.03.14,score_date:2026-11-29T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99957\nCVE-2019-10906,0.0123,0.5\nnot-a-cve,x,y\n")
        .unwrap();
    gz.finish().unwrap();
    let (code, out, err) = psirt(&db, &["feeds", "import", "epss", epss.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("3 records: 2 new") && out.contains("1 rejected"),
        "{out}"
    );

    let (code, status, _) = psirt(&db, &["feeds", "status"]);
    assert_eq!(code, 0);
    assert!(
        status.contains("kev 1404") && status.contains("epss 2"),
        "{status}"
    );

    // Scan: a Jupyter image's SPDX SBOM (Python packages) against the PyPI advisories.
    let jupyter =
        shared("sboms/spdx/spdx-syft-bitnami_jupyter-base-notebook-sha256-b831bfa3de47.spdx.json");
    let (code, table, err) = psirt(&db, &["scan", &jupyter]);
    assert_eq!(code, 1, "affected → exit 1: {table}{err}");
    assert!(table.starts_with("PACKAGE"), "{table}");
    let (code, json, _) = psirt(&db, &["scan", "--format", "json", &jupyter]);
    assert_eq!(code, 1);
    let findings: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert!(!findings.is_empty());
    assert!(findings
        .iter()
        .any(|f| f["purl"] == "pkg:pypi/cryptography@36.0.0"
            && !f["fixed_versions"].as_array().unwrap().is_empty()));
    assert!(table.contains(&format!("{} findings", findings.len())));
    let (code, sarif, _) = psirt(&db, &["scan", "--format", "sarif", &jupyter]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        findings.len()
    );
    // Every result's rule is declared.
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| rules.contains(&r["ruleId"].as_str().unwrap())));

    // Nothing affected → exit 0.
    let clean = dir.path().join("clean.json");
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"}]}"#,
    )
    .unwrap();
    let (code, out, _) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no known vulnerabilities"));
    // Not an SBOM → exit 2 with the reason.
    std::fs::write(&clean, "{}").unwrap();
    let (code, _, err) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not an SBOM"), "{err}");
}
