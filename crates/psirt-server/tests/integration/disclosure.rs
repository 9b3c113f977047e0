//! Coordinated disclosure over HTTP: affects by role, disclosure planning on the dashboard,
//! advisories from draft to published revisions whose bytes never change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_formats::publish::{validate, PublishSchema};
use psirt_store::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{Client, TestApp};

/// A product with one version, and a case; returns (version id, case id).
pub async fn product_and_case(c: &Client, embargoed: bool) -> (i64, i64) {
    let (s, p) = c
        .post(
            "/api/v1/products",
            json!({"name": "Router OS", "vendor": "ACME", "cpe": "cpe:2.3:o:acme:router_os", "purl": "pkg:npm/acme-router-os", "owner_team": "edge"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, v) = c
        .post(
            &format!("/api/v1/products/{}/versions", p["id"]),
            json!({"version": "4.2.0"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, case) = c
        .post(
            "/api/v1/cases",
            json!({"title": "RCE in the web UI", "description": "A crafted request runs code.", "embargoed": embargoed}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    (v["id"].as_i64().unwrap(), case["id"].as_i64().unwrap())
}

pub async fn bytes(c: &Client, path: &str) -> (StatusCode, Vec<u8>) {
    let r = c.request(Method::GET, path).send().await.unwrap();
    (r.status(), r.bytes().await.unwrap().to_vec())
}

pub async fn affects_and_planning(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let engineer = app.user("eng", Role::Engineer, false).await;
    let ana = app.bearer(&analyst).await;
    let eng = app.bearer(&engineer).await;
    let (pv, case) = product_and_case(&ana, true).await;
    let path = format!("/api/v1/cases/{case}/affects");

    // Validation through psirt_domain::affect: every inconsistent field at once.
    let (s, b) = ana
        .post(
            &path,
            json!({"product_version_id": pv, "status": "not_affected", "fixed_in": "4.2.1"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let fields: Vec<&str> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["fixed_in", "justification"]);
    let (s, a) = ana
        .post(
            &path,
            json!({"product_version_id": pv, "status": "affected", "statement": "The web UI is on by default.",
                   "remediation": {"kind": "workaround", "details": "Disable the web UI."}, "target_release": "4.2.1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["status"], "affected");
    assert_eq!(a["version"], "4.2.0");
    let (s, _) = ana
        .post(
            &path,
            json!({"product_version_id": pv, "status": "affected"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The engineer does not see the embargoed case, so not its affects either.
    assert_eq!(eng.get(&path).await.0, StatusCode::NOT_FOUND);
    let (s, _) = ana
        .send(
            Method::PUT,
            &format!("/api/v1/cases/{case}/members/{}", engineer.id),
            None,
        )
        .await;
    assert!(s.is_success(), "{s}");
    let (s, list) = eng.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Members read; only the PSIRT edits.
    let one = format!("{path}/{}", a["id"]);
    let fixed = json!({"status": "fixed", "fixed_in": "4.2.1"});
    assert_eq!(
        eng.send(Method::PUT, &one, Some(fixed.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        eng.send(Method::DELETE, &one, None).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, u) = ana.send(Method::PUT, &one, Some(fixed)).await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(
        (u["status"].as_str(), u["fixed_in"].as_str()),
        (Some("fixed"), Some("4.2.1"))
    );

    // Disclosure planning: the public date and coordination notes, on the dashboard.
    let date = (app.store.now() + time::Duration::days(7))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (s, c) = ana
        .send(
            Method::PATCH,
            &format!("/api/v1/cases/{case}"),
            Some(json!({"public_date": date, "coordination_notes": "CERT/CC coordinates."})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["coordination_notes"], "CERT/CC coordinates.");
    let (s, d) = ana.get("/api/v1/dashboard").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["upcoming_disclosures"][0]["id"], case);

    let (s, _) = ana.send(Method::DELETE, &one, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(ana.get(&one).await.0, StatusCode::NOT_FOUND);
    let (_, timeline) = ana.get(&format!("/api/v1/cases/{case}/timeline")).await;
    let text = timeline.to_string();
    for action in [
        "case.affect_add",
        "case.affect_update",
        "case.affect_delete",
    ] {
        assert!(text.contains(action), "{action} missing from {text}");
    }
    app.finish().await;
}

/// Creates a draft over `case` with one CVE; returns its id.
pub async fn draft(c: &Client, case: i64, tlp: &str) -> String {
    let (s, a) = c
        .post(
            "/api/v1/advisories",
            json!({"title": "Router OS: remote code execution", "summary": "A remote attacker can run code on the router.",
                   "tlp": tlp, "references": [{"url": "https://acme.example/kb/1", "summary": "KB article"}],
                   "cases": [{"case_id": case, "cve_ids": ["CVE-2026-10001"]}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    a["id"].as_str().unwrap().to_owned()
}

pub async fn add_fixed_affect(c: &Client, case: i64, pv: i64) {
    let (s, b) = c
        .post(
            &format!("/api/v1/cases/{case}/affects"),
            json!({"product_version_id": pv, "status": "fixed", "fixed_in": "4.2.1",
                   "remediation": {"kind": "vendor_fix", "details": "Update to 4.2.1."}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

pub async fn advisories_publish_immutably(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let viewer = app.user("val", Role::Viewer, false).await;
    let ana = app.bearer(&analyst).await;
    let val = app.bearer(&viewer).await;
    let (pv, case) = product_and_case(&ana, true).await;
    add_fixed_affect(&ana, case, pv).await;
    let id = draft(&ana, case, "CLEAR").await;
    let year = app.store.now().year();
    assert_eq!(id, format!("PSIRT-SA-{year}-0001"));
    let base = format!("/api/v1/advisories/{id}");

    // A draft over an embargoed case is hidden from those who may not see the case.
    assert_eq!(val.get(&base).await.0, StatusCode::NOT_FOUND);
    let (_, list) = val.get("/api/v1/advisories").await;
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(
        val.post(
            &format!("{base}/publish"),
            json!({"status": "final", "summary": "x"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Previews render without storing anything.
    let (s, preview) = bytes(&ana, &format!("{base}/preview/csaf")).await;
    assert_eq!(s, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&preview).unwrap();
    validate(PublishSchema::Csaf, &doc).unwrap();
    let (_, a) = ana.get(&base).await;
    assert!(a["revisions"].as_array().unwrap().is_empty());

    // Publishing is disclosure: refused while the case is embargoed, nothing stored.
    let (s, e) = ana
        .post(
            &format!("{base}/publish"),
            json!({"status": "interim", "summary": "too early"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("embargo"), "{e}");
    let (_, a) = ana.get(&base).await;
    assert!(a["revisions"].as_array().unwrap().is_empty());
    let (s, _) = ana
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/cases/{case}"),
            Some(json!({"embargoed": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, a) = ana
        .post(
            &format!("{base}/publish"),
            json!({"status": "interim", "summary": "Initial release"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["status"], "interim");
    assert_eq!(a["revisions"][0]["revision"]["number"]["major"], 1);
    let mut first = Vec::new();
    for f in ["csaf", "vex", "osv", "html", "cve/CVE-2026-10001"] {
        let (s, body) = bytes(&ana, &format!("{base}/revisions/1/{f}")).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        first.push(body);
    }
    let csaf: Value = serde_json::from_slice(&first[0]).unwrap();
    validate(PublishSchema::Csaf, &csaf).unwrap();
    assert_eq!(csaf["document"]["tracking"]["id"], id.as_str());
    validate(
        PublishSchema::Csaf,
        &serde_json::from_slice(&first[1]).unwrap(),
    )
    .unwrap();
    validate(
        PublishSchema::Osv,
        &serde_json::from_slice(&first[2]).unwrap(),
    )
    .unwrap();
    // The product's purl names each version: a CSAF identification helper and an OSV package.
    let text = String::from_utf8_lossy(&first[0]).to_string();
    assert!(
        text.contains("\"purl\": \"pkg:npm/acme-router-os@4.2.0\""),
        "{text}"
    );
    let osv: Value = serde_json::from_slice(&first[2]).unwrap();
    assert_eq!(
        osv["affected"][0]["package"]["purl"], "pkg:npm/acme-router-os",
        "{osv}"
    );
    validate(
        PublishSchema::CveRecord,
        &serde_json::from_slice(&first[4]).unwrap(),
    )
    .unwrap();
    assert!(String::from_utf8_lossy(&first[3]).contains(&id));
    // Published: now every staff member reads it.
    assert_eq!(val.get(&base).await.0, StatusCode::OK);

    // Edit and publish again, twice: revision 1's bytes never change.
    let (s, b) = ana
        .send(
            Method::PUT,
            &base,
            Some(json!({"title": "Router OS: remote code execution (updated)", "summary": "Fixed in 4.2.1.", "tlp": "CLEAR",
                        "cases": [{"case_id": case, "cve_ids": ["CVE-2026-10001"]}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for (status, change) in [("final", "minor"), ("final", "patch")] {
        let (s, a) = ana
            .post(
                &format!("{base}/publish"),
                json!({"status": status, "change": change, "summary": "Fix released"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{a}");
    }
    let (_, a) = ana.get(&base).await;
    let numbers: Vec<String> = a["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let n = &r["revision"]["number"];
            format!("{}.{}.{}", n["major"], n["minor"], n["patch"])
        })
        .collect();
    assert_eq!(numbers, ["1.0.0", "1.1.0", "1.1.1"]);
    for (i, f) in ["csaf", "vex", "osv", "html", "cve/CVE-2026-10001"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            bytes(&ana, &format!("{base}/revisions/1/{f}")).await.1,
            first[i],
            "{f}"
        );
    }
    let (_, latest) = bytes(&ana, &format!("{base}/revisions/3/csaf")).await;
    let latest: Value = serde_json::from_slice(&latest).unwrap();
    assert_eq!(latest["document"]["tracking"]["version"], "1.1.1");
    assert_eq!(
        latest["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A final advisory does not go back to interim (a refused transition: 409); unknown
    // renderings are 404.
    let (s, _) = ana
        .post(
            &format!("{base}/publish"),
            json!({"status": "interim", "summary": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        bytes(&ana, &format!("{base}/revisions/9/csaf")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bytes(&ana, &format!("{base}/revisions/1/pdf")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ana.get("/api/v1/advisories/nonsense").await.0,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}

/// The pages: affects on the case page, planning on the dashboard, an advisory drafted,
/// previewed and published through forms; a viewer sees no edit forms.
pub async fn disclosure_pages(backend: Backend) {
    use crate::ui::Browser;
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    app.user("val", Role::Viewer, false).await;
    let ana = app.bearer(&analyst).await;
    let (pv, case) = product_and_case(&ana, false).await;
    let b = Browser::login(&app, "ana").await;
    let pv_text = pv.to_string();
    // An inconsistent affect is refused with the field named; a good one shows up.
    let (s, page) = b
        .post(
            &format!("/cases/{case}/affects"),
            &[("product_version_id", &pv_text), ("status", "fixed")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("fixed_in"), "{page}");
    let (s, to) = b
        .post(
            &format!("/cases/{case}/affects"),
            &[
                ("product_version_id", &pv_text),
                ("status", "fixed"),
                ("fixed_in", "4.2.1"),
                ("remediation_kind", "vendor_fix"),
                ("remediation_details", "Update to 4.2.1."),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let (_, page) = b.get(&format!("/cases/{case}")).await;
    assert!(
        page.contains("id=\"affects\"") && page.contains("fixed in 4.2.1"),
        "{page}"
    );

    // Planning: date and notes through the case form, then on the dashboard.
    let date = (app.store.now() + time::Duration::days(5))
        .date()
        .to_string();
    let (s, _) = b
        .post(
            &format!("/cases/{case}"),
            &[
                ("title", "RCE in the web UI"),
                ("public_date", &date),
                ("coordination_notes", "Vendor B ships first."),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, dash) = b.get("/dashboard").await;
    let upcoming = dash.split("id=\"upcoming-disclosures\"").nth(1).unwrap();
    assert!(
        upcoming.contains(&format!("/cases/{case}#disclosure")),
        "{dash}"
    );

    // Draft, preview, publish.
    let cases = format!("{case}: CVE-2026-10001");
    let (s, to) = b
        .post(
            "/advisories",
            &[
                ("cases", &cases),
                ("title", "Router OS: RCE"),
                ("summary", "Update now."),
                ("tlp", "CLEAR"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let path = to.split('?').next().unwrap().to_owned();
    let (s, page) = b.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"csaf-preview\"") && page.contains("csaf_security_advisory"),
        "{page}"
    );
    let (s, _) = b
        .post(
            &format!("{path}/publish"),
            &[
                ("status", "final"),
                ("change", "patch"),
                ("summary", "Initial release"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = b.get(&path).await;
    assert!(
        page.contains("/revisions/1/csaf") && page.contains("CVE-2026-10001"),
        "{page}"
    );
    let (_, list) = b.get("/advisories").await;
    assert!(list.contains(path.trim_start_matches("/advisories/")));
    let (_, case_page) = b.get(&format!("/cases/{case}")).await;
    assert!(case_page.contains(&path), "{case_page}");

    // A viewer reads, without forms.
    let v = Browser::login(&app, "val").await;
    let (s, page) = v.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("publish-form") && !page.contains("csaf-preview"));
    let (_, case_page) = v.get(&format!("/cases/{case}")).await;
    assert!(!case_page.contains("new-affect"));
    app.finish().await;
}
