//! Advisory publishing: every rendering of the fixtures validates against its schema (the renderers
//! check that themselves and fail otherwise), carries the expected statements, and is byte-stable.

use psirt_domain::{AdvisoryStatus, AffectStatus, Change};
use psirt_formats::publish::{
    csaf_file_name, render_csaf, render_cve5_container, render_cve5_records, render_osv, to_bytes,
    validate, AdvisoryView, CsafProfile, PublishError, PublishSchema,
};
use serde_json::{json, Value};
use time::macros::datetime;

use crate::publish_fixtures::{affect, libraries, router_and_web, router_and_web_updated};

fn vulnerability<'a>(doc: &'a Value, cve: &str) -> &'a Value {
    doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["cve"] == cve)
        .unwrap_or_else(|| panic!("no vulnerability {cve}"))
}

#[test]
fn csaf_advisory_carries_all_four_statuses_with_their_statements() {
    let doc = render_csaf(&router_and_web(), CsafProfile::SecurityAdvisory).unwrap();
    let d = &doc["document"];
    assert_eq!(d["category"], "csaf_security_advisory");
    assert_eq!(d["distribution"]["tlp"]["label"], "WHITE");
    assert_eq!(d["tracking"]["id"], "ACME-SA-2026-0001");
    assert_eq!(d["tracking"]["version"], "1.0.0");
    assert_eq!(d["tracking"]["status"], "final");
    assert_eq!(
        d["tracking"]["initial_release_date"],
        "2026-03-10T09:00:00Z"
    );
    assert_eq!(doc["vulnerabilities"].as_array().unwrap().len(), 3);
    let xss = vulnerability(&doc, "CVE-2026-10001");
    assert_eq!(
        xss["product_status"],
        json!({
            "fixed": ["PV-4"],
            "known_affected": ["PV-5"],
            "known_not_affected": ["PV-6"],
            "under_investigation": ["PV-1"],
        })
    );
    assert_eq!(
        xss["flags"],
        json!([{ "label": "vulnerable_code_not_present", "product_ids": ["PV-6"] }])
    );
    assert_eq!(xss["threats"][0]["category"], "impact");
    assert_eq!(xss["cwe"]["id"], "CWE-79");
    let v3 = &xss["scores"][0]["cvss_v3"];
    assert_eq!(xss["scores"][0]["products"], json!(["PV-4", "PV-5"]));
    assert_eq!(v3["attackVector"], "NETWORK");
    assert_eq!(v3["scope"], "CHANGED");
    assert_eq!(v3["userInteraction"], "REQUIRED");
    assert_eq!(v3["baseScore"], 6.1);
    assert_eq!(v3["version"], "3.1");
    let categories: Vec<&str> = xss["remediations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories, ["none_available", "vendor_fix", "workaround"]);
    // Both CVEs of the second case carry the same statements.
    let (a, b) = (
        vulnerability(&doc, "CVE-2026-10002"),
        vulnerability(&doc, "CVE-2026-10003"),
    );
    assert_eq!(a["product_status"], b["product_status"]);
    assert_eq!(a["remediations"][0]["category"], "none_available");
    assert!(a["remediations"][0]["details"]
        .as_str()
        .unwrap()
        .contains("4.1.9"));
    assert_eq!(
        a["threats"][0]["details"],
        "Router OS 5.0 replaced the affected HTTP daemon."
    );
    // vendor → product_name → product_version, with purl and CPE helpers.
    let tree = &doc["product_tree"]["branches"][0];
    assert_eq!(tree["category"], "vendor");
    assert_eq!(tree["branches"][0]["name"], "Router OS");
    let v41 = &tree["branches"][0]["branches"][0]["product"];
    assert_eq!(v41["product_id"], "PV-1");
    assert!(v41["product_identification_helper"]["cpe"]
        .as_str()
        .unwrap()
        .starts_with("cpe:2.3:o:acme"));
    let web = &tree["branches"][1]["branches"][0]["product"];
    assert_eq!(
        web["product_identification_helper"]["purl"],
        "pkg:npm/%40acme/web@1.2.3"
    );
}

#[test]
fn csaf_vex_and_an_interim_amber_advisory_validate() {
    for view in [router_and_web(), libraries()] {
        let vex = render_csaf(&view, CsafProfile::Vex).unwrap();
        assert_eq!(vex["document"]["category"], "csaf_vex");
    }
    let doc = render_csaf(&libraries(), CsafProfile::SecurityAdvisory).unwrap();
    assert_eq!(doc["document"]["distribution"]["tlp"]["label"], "AMBER");
    assert_eq!(doc["document"]["tracking"]["status"], "interim");
    let no_cve = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v.get("cve").is_none())
        .unwrap();
    assert_eq!(no_cve["ids"][0]["text"], "PSIRT-2026-0101");
    assert_eq!(no_cve["flags"].as_array().unwrap().len(), 2);
}

#[test]
fn csaf_file_names_follow_the_spec() {
    assert_eq!(
        csaf_file_name("ACME-SA-2026-0001"),
        "acme-sa-2026-0001.json"
    );
    assert_eq!(csaf_file_name("Foo:Bar 12+x"), "foo_bar_12+x.json");
    assert_eq!(csaf_file_name("RHSA-2019:1862"), "rhsa-2019_1862.json");
}

#[test]
fn cve_records_and_containers_validate_against_cve_5_1_1() {
    let view = router_and_web();
    let records = render_cve5_records(&view).unwrap();
    let ids: Vec<&str> = records.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["CVE-2026-10001", "CVE-2026-10002", "CVE-2026-10003"]);
    let (_, rce) = &records[1];
    assert_eq!(rce["dataVersion"], "5.1");
    assert_eq!(rce["cveMetadata"]["state"], "PUBLISHED");
    let cna = &rce["containers"]["cna"];
    assert_eq!(cna["metrics"][0]["cvssV3_1"]["baseScore"], 9.8);
    assert_eq!(cna["metrics"][1]["cvssV4_0"]["baseSeverity"], "CRITICAL");
    assert_eq!(
        cna["problemTypes"][0]["descriptions"][0]["cweId"],
        "CWE-787"
    );
    let versions = &cna["affected"][0]["versions"];
    assert_eq!(
        *versions,
        json!([
            { "version": "4.1", "status": "affected" },
            { "version": "4.2", "status": "affected", "lessThan": "4.2.7", "versionType": "custom" },
            { "version": "5.0", "status": "unaffected" },
        ])
    );
    assert_eq!(cna["references"][0]["tags"], json!(["vendor-advisory"]));
    for (cve, record) in &records {
        let container = render_cve5_container(&view, cve).unwrap();
        assert_eq!(&container, &record["containers"]["cna"]);
    }
    assert_eq!(render_cve5_records(&libraries()).unwrap().len(), 1);
}

#[test]
fn osv_lists_packages_with_purls_and_validates() {
    let osv = render_osv(&router_and_web()).unwrap();
    assert_eq!(osv["id"], "x_ACME-SA-2026-0001");
    assert_eq!(
        osv["aliases"],
        json!(["CVE-2026-10001", "CVE-2026-10002", "CVE-2026-10003"])
    );
    // The router has no purl: only the npm package is listed.
    let affected = osv["affected"].as_array().unwrap();
    assert_eq!(affected.len(), 1);
    assert_eq!(
        affected[0]["package"],
        json!({ "ecosystem": "npm", "name": "@acme/web", "purl": "pkg:npm/%40acme/web" })
    );
    assert_eq!(
        affected[0]["ranges"],
        json!([
            { "type": "SEMVER", "events": [{ "introduced": "1.2.3" }, { "fixed": "1.2.4" }] },
            { "type": "SEMVER", "events": [{ "introduced": "1.3.0" }, { "last_affected": "1.3.0" }] },
        ])
    );
    assert_eq!(
        osv["severity"][0]["score"],
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    );
    let osv = render_osv(&libraries()).unwrap();
    let ecosystems: Vec<&str> = osv["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["package"]["ecosystem"].as_str().unwrap())
        .collect();
    assert_eq!(ecosystems, ["Maven", "PyPI"]);
    assert_eq!(
        osv["affected"][0]["package"]["name"],
        "com.example:example-lib"
    );
    assert_eq!(osv["affected"][0]["ranges"][0]["type"], "ECOSYSTEM");
}

#[test]
fn rendering_twice_gives_identical_bytes_whatever_the_input_order() {
    let view = router_and_web();
    let mut shuffled = view.clone();
    shuffled.products.reverse();
    for profile in [CsafProfile::SecurityAdvisory, CsafProfile::Vex] {
        let a = to_bytes(&render_csaf(&view, profile).unwrap());
        let b = to_bytes(&render_csaf(&view, profile).unwrap());
        let c = to_bytes(&render_csaf(&shuffled, profile).unwrap());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(a.ends_with(b"\n"));
    }
    assert_eq!(
        to_bytes(&render_osv(&view).unwrap()),
        to_bytes(&render_osv(&view).unwrap())
    );
    let r1 = render_cve5_records(&view).unwrap();
    let r2 = render_cve5_records(&view).unwrap();
    for ((_, a), (_, b)) in r1.iter().zip(&r2) {
        assert_eq!(to_bytes(a), to_bytes(b));
    }
    // Keys come out sorted at every level.
    let text = String::from_utf8(to_bytes(&json!({ "b": 1, "a": { "d": [], "c": {} } }))).unwrap();
    assert_eq!(
        text,
        "{\n  \"a\": {\n    \"c\": {},\n    \"d\": []\n  },\n  \"b\": 1\n}\n"
    );
}

#[test]
fn a_published_revision_never_changes_when_a_later_one_is_published() {
    let views = router_and_web_updated();
    let first_bytes = to_bytes(&render_csaf(&views[0], CsafProfile::SecurityAdvisory).unwrap());
    let docs: Vec<Value> = views
        .iter()
        .map(|v| render_csaf(v, CsafProfile::SecurityAdvisory).unwrap())
        .collect();
    let versions: Vec<&str> = docs
        .iter()
        .map(|d| d["document"]["tracking"]["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.1.0", "2.0.0"]);
    // The earlier revisions are carried unchanged into the later histories ...
    let history = docs[2]["document"]["tracking"]["revision_history"]
        .as_array()
        .unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        history[0],
        docs[0]["document"]["tracking"]["revision_history"][0]
    );
    assert_eq!(
        views[2].advisory.revisions()[..2],
        views[1].advisory.revisions()[..]
    );
    assert_eq!(
        docs[2]["document"]["tracking"]["initial_release_date"],
        "2026-03-10T09:00:00Z"
    );
    assert_eq!(
        docs[2]["document"]["tracking"]["current_release_date"],
        "2026-04-02T16:45:10Z"
    );
    // ... and the first revision's document is still what it was.
    assert_eq!(
        to_bytes(&render_csaf(&views[0], CsafProfile::SecurityAdvisory).unwrap()),
        first_bytes
    );
    assert_ne!(to_bytes(&docs[2]), first_bytes);
}

#[test]
fn inconsistent_or_unpublished_views_are_refused() {
    let mut view = router_and_web();
    view.cases[0]
        .affects
        .push(affect("PV-404", AffectStatus::Affected, |_| {}));
    view.cases[1].cve_ids.push("CVE-2026-10001".into());
    let Err(PublishError::Inconsistent(problems)) = render_csaf(&view, CsafProfile::Vex) else {
        panic!("expected Inconsistent");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    let draft = AdvisoryView {
        advisory: psirt_domain::Advisory::draft(
            router_and_web().advisory.id.clone(),
            router_and_web().advisory.content.clone(),
        ),
        ..router_and_web()
    };
    assert!(matches!(
        render_osv(&draft),
        Err(PublishError::Unpublished(_))
    ));
    // Publishing an interim after final is refused by the domain.
    let a = router_and_web().advisory;
    assert!(a
        .publish(&psirt_domain::Publish {
            status: AdvisoryStatus::Interim,
            change: Change::Minor,
            summary: "x".into(),
            at: datetime!(2026-06-01 00:00 UTC),
        })
        .is_err());
}

#[test]
fn schema_violations_are_all_reported_with_pointers() {
    let mut doc = render_csaf(&router_and_web(), CsafProfile::SecurityAdvisory).unwrap();
    doc["document"]["tracking"]["status"] = json!("published");
    doc["document"]["distribution"]["tlp"]["label"] = json!("CLEAR");
    let Err(PublishError::Invalid { violations, .. }) = validate(PublishSchema::Csaf, &doc) else {
        panic!("expected Invalid");
    };
    let pointers: Vec<&str> = violations.iter().map(|v| v.pointer.as_str()).collect();
    assert!(
        pointers.contains(&"/document/tracking/status"),
        "{pointers:?}"
    );
    assert!(
        pointers.contains(&"/document/distribution/tlp/label"),
        "{pointers:?}"
    );
}

/// Every CSAF document the fixtures render, with a file name, for the oracle.
pub fn all_csaf_documents() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut views = router_and_web_updated();
    views.push(libraries());
    for (i, view) in views.iter().enumerate() {
        for (profile, tag) in [
            (CsafProfile::SecurityAdvisory, "sa"),
            (CsafProfile::Vex, "vex"),
        ] {
            let doc = render_csaf(view, profile).unwrap();
            let id = doc["document"]["tracking"]["id"].as_str().unwrap();
            out.push((format!("{i}-{tag}-{}", csaf_file_name(id)), to_bytes(&doc)));
        }
    }
    out
}
