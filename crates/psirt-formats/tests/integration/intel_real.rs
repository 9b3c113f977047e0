//! The real feeds in shared/data: every OSV record, the CVE 5 Vulnrichment sample, the KEV catalog. Each corpus
//! is read once (the OSV one is the slow part of the suite).

use std::collections::BTreeMap;

use psirt_formats::{FeedKind, IntelError, IntelSource, SeverityKind};

use crate::common::{data_dir, files, read_all};

/// Records per shared OSV file, from shared/data/README.md.
const OSV_COUNTS: &[(&str, usize)] = &[
    ("AlmaLinux", 5355),
    ("Bitnami", 7072),
    ("CRAN", 14),
    ("GHC", 3),
    ("Go", 4076),
    ("Hackage", 30),
    ("Julia", 1618),
    ("OSS-Fuzz", 3813),
    ("Packagist", 561),
    ("PyPI", 2535),
    ("crates.io", 1146),
];

#[test]
fn every_shared_osv_record_parses_except_seven_invalid_pypi_ones() {
    let mut report = BTreeMap::new();
    let mut total = 0;
    for path in files("feeds/osv") {
        let eco = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".jsonl.gz")
            .to_string();
        let (ok, bad, summary) = read_all(FeedKind::Osv, &path);
        assert_eq!(summary.records as usize, ok.len() + bad.len());
        assert_eq!(summary.errors as usize, bad.len());
        let expected = OSV_COUNTS.iter().find(|(e, _)| *e == eco).unwrap().1;
        assert_eq!(ok.len() + bad.len(), expected, "{eco}: record count");
        if eco == "PyPI" {
            // Upstream data bug: a GIT range event `fixed: "<sha>.patch"` fails the schema's commit-hash pattern.
            assert_eq!(bad.len(), 7, "{eco}: {bad:#?}");
            for e in &bad {
                let IntelError::Schema { pointer, .. } = &e.error else {
                    panic!("{e}")
                };
                assert!(
                    pointer.starts_with("/affected/") && pointer.contains("/events/"),
                    "{e}"
                );
                assert!(e.locator.line.is_some(), "{e}");
            }
        } else {
            assert!(bad.is_empty(), "{eco}: {:#?}", &bad[..bad.len().min(5)]);
        }
        for r in &ok {
            assert_eq!(r.source, IntelSource::Osv);
            assert!(r.modified.is_some(), "{}: modified is required", r.id);
            assert!(!r.aliases.contains(&r.id));
        }
        let packages: usize = ok.iter().map(|r| r.affected.len()).sum();
        let with_purl: usize = ok
            .iter()
            .flat_map(|r| &r.affected)
            .filter(|a| a.purl.is_some())
            .count();
        let with_cve = ok.iter().filter(|r| r.cve_ids().next().is_some()).count();
        let withdrawn = ok.iter().filter(|r| r.is_withdrawn()).count();
        // Every package of an ecosystem with a purl type gets a purl.
        if !matches!(eco.as_str(), "OSS-Fuzz" | "GHC") {
            assert_eq!(with_purl, packages, "{eco}: packages without purl");
        }
        eprintln!(
            "OSV {eco:>10}: {:>5} ok, {} rejected, {packages:>6} packages ({with_purl} with purl), {with_cve} with a CVE id, {withdrawn} withdrawn",
            ok.len(),
            bad.len()
        );
        report.insert(eco, (ok.len(), bad.len()));
        total += ok.len() + bad.len();
    }
    assert_eq!(report.len(), OSV_COUNTS.len());
    assert_eq!(total, 26_223);
}

#[test]
fn cve5_vulnrichment_sample_parses() {
    let path = data_dir().join("feeds/cve5/vulnrichment-sample.jsonl.gz");
    let (ok, bad, _) = read_all(FeedKind::Cve5, &path);
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(ok.len(), 1151);
    let withdrawn: Vec<_> = ok.iter().filter(|r| r.is_withdrawn()).collect();
    assert_eq!(withdrawn.len(), 5);
    for r in &withdrawn {
        assert!(r.affected.is_empty() && r.products.is_empty(), "{}", r.id);
        assert!(r.details.is_some(), "{}: rejection reason", r.id);
    }
    // KEV and SSVC come from the CISA ADP container.
    let kev = ok.iter().filter(|r| r.exploited.is_some()).count();
    let ssvc = ok.iter().filter(|r| r.ssvc.is_some()).count();
    let active = ok
        .iter()
        .filter(|r| {
            r.ssvc
                .as_ref()
                .is_some_and(|s| s.exploitation.as_deref() == Some("active"))
        })
        .count();
    assert_eq!(kev, 222);
    assert_eq!(ssvc, 1146);
    assert!(ok
        .iter()
        .filter_map(|r| r.exploited.as_ref())
        .all(|e| e.date_added.is_some() && e.reference.is_some()));
    let adp_cvss = ok
        .iter()
        .filter(|r| {
            r.severity
                .iter()
                .any(|s| s.provider.as_deref() == Some("CISA-ADP"))
        })
        .count();
    let v4 = ok
        .iter()
        .filter(|r| r.severity.iter().any(|s| s.kind == SeverityKind::CvssV4))
        .count();
    let with_cwe = ok.iter().filter(|r| !r.cwe_ids.is_empty()).count();
    let products: usize = ok.iter().map(|r| r.products.len()).sum();
    let with_ranges = ok
        .iter()
        .flat_map(|r| &r.products)
        .filter(|p| p.ranges.is_some())
        .count();
    let packages: usize = ok.iter().map(|r| r.affected.len()).sum();
    let ghsa = ok
        .iter()
        .filter(|r| r.aliases.iter().any(|a| a.starts_with("GHSA-")))
        .count();
    eprintln!(
        "CVE 5: {} records, 5 withdrawn, {kev} KEV-flagged, {active} SSVC exploitation=active, {adp_cvss} with \
         CISA-ADP CVSS, {v4} with CVSS 4, {with_cwe} with CWE, {products} product entries ({with_ranges} as \
         ranges), {packages} registry packages, {ghsa} with a GHSA alias",
        ok.len()
    );
    assert_eq!(
        (products, with_ranges, packages, with_cwe, ghsa),
        // 48 records name their CWE only in the problem type's text.
        (2987, 192, 2, 826, 52)
    );
}

#[test]
fn kev_catalog_parses() {
    let bytes =
        std::fs::read(data_dir().join("feeds/kev/known_exploited_vulnerabilities.json")).unwrap();
    let catalog =
        psirt_formats::parse_kev(&bytes, "kev.json", &psirt_formats::ParseOptions::default())
            .unwrap();
    assert_eq!(catalog.catalog_version, "2025.08.25");
    assert_eq!(catalog.count, 1404);
    assert_eq!(catalog.records.len(), 1404);
    let ok: Vec<_> = catalog
        .records
        .iter()
        .map(|r| r.as_ref().unwrap())
        .collect();
    let ransomware = ok
        .iter()
        .filter(|r| r.exploited.as_ref().unwrap().known_ransomware_use == Some(true))
        .count();
    assert_eq!(ransomware, 293);
    let first = ok[0];
    assert_eq!(first.id, "CVE-2025-48384");
    assert_eq!(first.source, IntelSource::Kev);
    let e = first.exploited.as_ref().unwrap();
    assert_eq!(e.date_added.unwrap().to_string(), "2025-08-25");
    assert_eq!(e.due_date.unwrap().to_string(), "2025-09-15");
    assert_eq!(first.products[0].vendor.as_deref(), Some("Git"));
    eprintln!(
        "KEV: {} entries, {ransomware} with known ransomware use",
        ok.len()
    );
    // The container path gives the same records.
    let (records, bad, _) = read_all(
        FeedKind::Kev,
        &data_dir().join("feeds/kev/known_exploited_vulnerabilities.json"),
    );
    assert!(bad.is_empty());
    assert_eq!(records.len(), 1404);
}

#[test]
fn kev_bad_entries_are_rejected_one_by_one() {
    let bytes =
        std::fs::read(data_dir().join("feeds/kev/known_exploited_vulnerabilities.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["vulnerabilities"][3]["dueDate"] = "next week".into();
    v["vulnerabilities"][7]
        .as_object_mut()
        .unwrap()
        .remove("cveID");
    v["vulnerabilities"][9]["cwes"] = serde_json::json!(["CWE-79", 79]);
    let bytes = serde_json::to_vec(&v).unwrap();
    let options = psirt_formats::ParseOptions::default();
    let catalog = psirt_formats::parse_kev(&bytes, "kev.json", &options).unwrap();
    let bad: Vec<_> = catalog
        .records
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.locator.index, e.error.pointer().unwrap().to_string()))
        .collect();
    assert_eq!(
        bad,
        [
            (Some(3), "/vulnerabilities/3/dueDate".to_string()),
            (Some(7), "/vulnerabilities/7".to_string()),
            (Some(9), "/vulnerabilities/9/cwes/1".to_string()),
        ]
    );
    assert_eq!(catalog.records.len(), 1404);
    // A broken envelope rejects the catalog.
    v["count"] = "many".into();
    let err = psirt_formats::parse_kev(&serde_json::to_vec(&v).unwrap(), "kev.json", &options)
        .unwrap_err();
    assert_eq!(err.pointer(), Some("/count"), "{err}");
}
