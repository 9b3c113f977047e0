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
    // A path that cannot be opened: exit 2, the reason said once.
    let nowhere = dir.path().join("nowhere.json");
    let (code, _, err) = psirt(&db, &["feeds", "import", "osv", nowhere.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    // Rejected records are not fatal, but an input read only in part, or one with no record of its kind, is.
    let cut = dir.path().join("cut.jsonl.gz");
    let whole = std::fs::read(&pypi).unwrap();
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let (code, _, err) = psirt(&db, &["feeds", "import", "osv", cut.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("could not be read to its end"), "{err}");
    let (code, out, err) = psirt(&db, &["feeds", "import", "osv", &kev]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("no osv record could be read"), "{err}");

    let (code, status, _) = psirt(&db, &["feeds", "status"]);
    assert_eq!(code, 0);
    assert!(
        status.contains("kev 1404") && status.contains("epss 2"),
        "{status}"
    );

    // The GHSA of PYSEC-2023-11's CVE, as GitHub's feed has it (the shared PyPI feed has PYSEC records only).
    let ghsa = dir.path().join("GHSA-w7pp-m8wf-vj6r.json");
    std::fs::write(
        &ghsa,
        r#"{"id":"GHSA-w7pp-m8wf-vj6r","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2023-23931"],"summary":"Cipher.update_into can corrupt memory","affected":[{"package":{"ecosystem":"PyPI","name":"cryptography"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.8"},{"fixed":"39.0.1"}]}]}]}"#,
    )
    .unwrap();
    let (code, out, err) = psirt(&db, &["feeds", "import", "osv", ghsa.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    // Scan: a Jupyter image's SPDX SBOM (Python packages) against the PyPI advisories.
    let jupyter =
        shared("sboms/spdx/spdx-syft-bitnami_jupyter-base-notebook-sha256-b831bfa3de47.spdx.json");
    let (code, table, err) = psirt(&db, &["scan", &jupyter]);
    assert_eq!(code, 1, "affected → exit 1: {table}{err}");
    assert!(table.starts_with("PACKAGE"), "{table}");
    // Into a pipe nobody reads any more (`psirt scan … | head`): still exit 1, no panic. The read end is closed
    // right after the start, long before the scan has read its database and written (were it not, the report
    // would fit the pipe's buffer and the test would pass without testing: it cannot fail spuriously).
    let mut gate = std::process::Command::new(env!("CARGO_BIN_EXE_psirt"))
        .args(["scan", &jupyter])
        .env("DATABASE_URL", format!("sqlite:{}", db.display()))
        .env_remove("PSIRT_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(gate.stdout.take());
    let gate = gate.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&gate.stderr);
    assert_eq!(gate.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (code, json, _) = psirt(&db, &["scan", "--format", "json", &jupyter]);
    assert_eq!(code, 1);
    let findings: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert!(!findings.is_empty());
    // "Fixed in" is the upgrade of this package from this version: PYSEC-2023-11's GIT range (a commit) and fixes
    // below 36.0.0 are not.
    let crypto = findings
        .iter()
        .find(|f| {
            f["purl"] == "pkg:pypi/cryptography@36.0.0"
                && f["records"]
                    .as_array()
                    .unwrap()
                    .contains(&serde_json::json!("PYSEC-2023-11"))
        })
        .unwrap();
    // One finding per vulnerability and package: PYSEC-2023-11 and the GHSA of the same CVE are one, named by it.
    assert_eq!(crypto["vulnerability"], "CVE-2023-23931", "{crypto}");
    let same_package = |f: &Value| -> Vec<&Value> {
        findings
            .iter()
            .filter(|g| g["purl"] == f["purl"] && g["vulnerability"] != f["vulnerability"])
            .collect()
    };
    let mut grouped = 0;
    for f in &findings {
        let names = f["aliases"].as_array().unwrap();
        for other in same_package(f) {
            assert!(!names.contains(&other["vulnerability"]), "{f} and {other}");
        }
        grouped += usize::from(f["records"].as_array().unwrap().len() > 1);
    }
    assert_eq!(
        crypto["records"],
        serde_json::json!(["GHSA-w7pp-m8wf-vj6r", "PYSEC-2023-11"])
    );
    assert!(grouped > 0);
    assert_eq!(crypto["fixed_versions"], serde_json::json!(["39.0.1"]));
    let is_commit = |v: &str| v.len() >= 40 && v.bytes().all(|b| b.is_ascii_hexdigit());
    assert!(findings.iter().all(|f| f["fixed_versions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| !is_commit(v.as_str().unwrap()))));
    assert!(table.contains(&format!("{} findings", findings.len())));
    let (code, sarif, _) = psirt(&db, &["scan", "--format", "sarif", &jupyter]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // One result per (rule, package), every version of the package in it.
    let located: usize = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["logicalLocations"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(located, findings.len());
    // Every result's rule is declared.
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .all(|r| rules.contains(&r["ruleId"].as_str().unwrap())));
    // GitHub refuses a file whose security-severity is not a number from 0 to 10 (null included).
    let mut unscored = 0;
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        match rule["properties"].get("security-severity") {
            None => unscored += 1,
            Some(s) => {
                let score: f64 = s.as_str().unwrap().parse().unwrap();
                assert!((0.0..=10.0).contains(&score), "{rule}");
            }
        }
    }
    assert!(
        unscored > 0,
        "the PyPI records without CVSS are among the rules"
    );
    // One fingerprint per result: distinct findings stay distinct alerts.
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["psirtPackageVulnerability/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), results.len());
    // The SBOM as a URI reference: an absolute path is a file: URL, encoded.
    let odd = dir.path().join("my sbom#1.json");
    std::fs::copy(&jupyter, &odd).unwrap();
    let (code, sarif, err) = psirt(&db, &["scan", "--format", "sarif", odd.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/my%20sbom%231.json"),
        "{uri}"
    );
    // What was scanned, on stderr (stdout stays the SARIF document).
    assert!(
        err.contains("scanned ") && err.contains(" components"),
        "{err}"
    );

    // Nothing affected → exit 0.
    let clean = dir.path().join("clean.json");
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:pypi/left-pad@1.3.0"}]}"#,
    )
    .unwrap();
    let (code, out, _) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no known vulnerabilities"));
    // But an npm package, when no npm advisory was imported, was not scanned at all.
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"}]}"#,
    )
    .unwrap();
    let (code, _, err) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("scanned 0 of 1 components (not scanned: 1 of an ecosystem or release no imported advisory covers)"),
        "{err}"
    );
    // What could not be scanned is said: a gate must not read "clean" from components it never matched.
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"jinja2","cpe":"cpe:2.3:a:palletsprojects:jinja:2.10:*:*:*:*:*:*:*"},{"type":"library","name":"flask","purl":"pkg:pypi/flask"}]}"#,
    )
    .unwrap();
    let (code, _, err) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("scanned 0 of 2 components (not scanned: 1 without purl, 1 without version): no component could be matched"),
        "{err}"
    );
    // Nor from distro packages without their `distro` qualifier: OSV files their advisories per release.
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"openssl","version":"1.1.1n-0+deb11u3","purl":"pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u3?arch=amd64"}]}"#,
    )
    .unwrap();
    let (code, _, err) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("scanned 0 of 1 components; 1 distro packages without a `distro` qualifier"),
        "{err}"
    );
    // Nor from components of a purl type no advisory source covers.
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"openssl","version":"1.1.1k","purl":"pkg:generic/openssl@1.1.1k"},{"type":"container","name":"alpine","version":"3.18","purl":"pkg:oci/alpine@sha256%3A0123456789abcdef"}]}"#,
    )
    .unwrap();
    let (code, _, err) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "scanned 0 of 2 components (not scanned: 2 of a purl type no advisory source covers)"
        ),
        "{err}"
    );
    // An SBOM listing no components (a generator that failed half-way; here only its subject is named) scanned
    // nothing either.
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"library","name":"jinja2","version":"2.10","purl":"pkg:pypi/jinja2@2.10"}}}"#,
    )
    .unwrap();
    let (code, out, err) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("lists no components: nothing was scanned"),
        "{err}"
    );
    // Not an SBOM → exit 2 with the reason.
    std::fs::write(&clean, "{}").unwrap();
    let (code, _, err) = psirt(&db, &["scan", clean.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not an SBOM"), "{err}");
}

/// A scan never passes on a database that is missing or empty, and changes nothing in it.
#[test]
fn scan_refuses_a_missing_or_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let sbom =
        shared("sboms/spdx/spdx-syft-bitnami_jupyter-base-notebook-sha256-b831bfa3de47.spdx.json");
    let missing = dir.path().join("missing.db");
    let (code, out, err) = psirt(&missing, &["scan", &sbom]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!missing.exists(), "scan created the database");
    assert!(err.contains("missing.db"), "{err}");

    // A SQLite file that is not psirt's (an empty file is an empty database).
    let other = dir.path().join("other.db");
    std::fs::write(&other, b"").unwrap();
    let (code, out, err) = psirt(&other, &["scan", &sbom]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("not a psirt database"), "{err}");

    // Created (and migrated) by another command, but no intel in it.
    let empty = dir.path().join("empty.db");
    let (code, status, err) = psirt(&empty, &["feeds", "status"]);
    assert_eq!(code, 0, "{err}");
    // Every kind, 0 where empty (a failed import shows as 0, not as a missing line).
    for kind in ["csaf", "cve5", "epss", "kev", "osv"] {
        assert!(status.contains(&format!("{kind} 0")), "{status}");
    }
    let (code, out, err) = psirt(&empty, &["scan", &sbom]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no records with package ranges"), "{err}");

    // Only records without packages (the KEV catalog): nothing to match against either.
    let kev = shared("feeds/kev/known_exploited_vulnerabilities.json");
    let (code, _, err) = psirt(&empty, &["feeds", "import", "kev", &kev]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = psirt(&empty, &["scan", &sbom]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no records with package ranges"), "{err}");
}
