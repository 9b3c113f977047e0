//! EU CRA Art. 14 over HTTP: an analyst marks a case actively exploited, fills the facts,
//! records reports as sent and a corrective measure; a KEV entry for the CVE of an upstream
//! case starts the clocks by itself; the dashboard and the case page show them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_formats::intel::FeedKind;
use psirt_store::testing::Backend;
use psirt_store::Actor;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Client, TestApp};
use crate::ui::Browser;

pub async fn cra_reporting(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let viewer = app.user("vic", Role::Viewer, false).await;
    let ana = app.bearer(&analyst).await;
    let vic = app.bearer(&viewer).await;
    let (_, case) = ana
        .post("/api/v1/cases", json!({"title": "RCE in the updater"}))
        .await;
    let id = case["id"].as_i64().unwrap();
    assert_eq!(
        ana.get(&format!("/api/v1/cases/{id}/cra")).await.0,
        StatusCode::NOT_FOUND
    );
    // An embargoed case does not exist for a viewer.
    assert_eq!(
        vic.post(&format!("/api/v1/cases/{id}/cra"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let aware = (time::OffsetDateTime::now_utc() - time::Duration::hours(2))
        .replace_nanosecond(0)
        .unwrap();
    let aware_text = aware
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (s, cra) = ana
        .post(
            &format!("/api/v1/cases/{id}/cra"),
            json!({"aware_at": aware_text}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{cra}");
    let due = |stage: &str| {
        cra["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"] == stage)
            .unwrap()["due_at"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let plus = |h: i64| {
        (aware + time::Duration::hours(h))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    assert_eq!(due("early_warning"), plus(24));
    assert_eq!(due("notification"), plus(72));
    assert!(
        cra["drafts"]["early_warning"]["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "product"),
        "{cra}"
    );
    assert_eq!(
        ana.post(&format!("/api/v1/cases/{id}/cra"), json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let future = (time::OffsetDateTime::now_utc() + time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (s, _) = ana.post("/api/v1/cases", json!({"title": "other"})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        ana.post(
            &format!("/api/v1/cases/{}/cra", id + 1),
            json!({"aware_at": future})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (s, cra) = ana
        .send(
            Method::PUT,
            &format!("/api/v1/cases/{id}/cra/inputs"),
            Some(json!({"product": "Updater 2.1", "member_states": ["DE", "FR"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cra}");
    assert_eq!(cra["drafts"]["early_warning"]["product"], "Updater 2.1");
    let (s, cra) = ana
        .post(
            &format!("/api/v1/cases/{id}/cra/early_warning/sent"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cra}");
    let ew = cra["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["stage"] == "early_warning")
        .unwrap()
        .clone();
    assert_eq!(ew["phase"], "met", "{ew}");
    // No final report before a corrective measure.
    assert_eq!(
        ana.post(
            &format!("/api/v1/cases/{id}/cra/final_report/sent"),
            json!({})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (s, cra) = ana
        .post(
            &format!("/api/v1/cases/{id}/cra/corrective-measure"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cra}");
    assert_eq!(cra["clocks"].as_array().unwrap().len(), 3);

    // The dashboard lists the open regulatory deadlines.
    let (_, d) = ana.get("/api/v1/dashboard").await;
    let stages: Vec<&str> = d["regulatory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, vec!["notification", "final_report"], "{d}");
    let (_, trail) = ana.get(&format!("/api/v1/cases/{id}/timeline")).await;
    let text = trail.to_string();
    assert!(
        text.contains("case.cra_start") && text.contains("case.cra_report_sent"),
        "{text}"
    );

    // The page.
    let b = Browser::login(&app, "ana").await;
    let (s, page) = b.get(&format!("/cases/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"cra-clocks\"") && page.contains("Updater 2.1"),
        "{page}"
    );
    let (s, page) = b.get(&format!("/cases/{}", id + 1)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"cra-start\""));
    let (s, loc) = b
        .post(
            &format!("/cases/{}/cra", id + 1),
            &[("track", "severe_incident"), ("aware_at", "")],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/cases/{}?notice=cra_started#cra", id + 1).as_str()
        )
    );
    let (_, page) = b.get("/dashboard").await;
    assert!(page.contains("regulatory-clocks"), "{page}");
    app.finish().await;
}

pub async fn kev_entry_starts_cra_clocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let ana = app.bearer(&analyst).await;
    // Salt 3000.1 is hit by PYSEC-2020-102 (CVE-2020-11651) and PYSEC-2020-103 (CVE-2020-11652),
    // both in CISA's KEV catalog.
    crate::intel::import(&app, &["PYSEC-2020-102", "PYSEC-2020-103"]).await;
    ship_salt_3000_1(&ana).await;
    let (s, first) = ana
        .post("/api/v1/upstream-queue/PYSEC-2020-102/case", json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let first = first["id"].as_i64().unwrap();
    assert_eq!(
        ana.get(&format!("/api/v1/cases/{first}/cra")).await.0,
        StatusCode::NOT_FOUND,
        "no KEV yet"
    );

    // The KEV catalog arrives: the case is actively exploited now.
    let kev = format!(
        "{}/../../../shared/data/feeds/kev/known_exploited_vulnerabilities.json",
        env!("CARGO_MANIFEST_DIR")
    );
    psirt_server::intel::import_feed(
        &app.store,
        &Actor::System("test"),
        FeedKind::Kev,
        kev.clone().into(),
        "test".into(),
        Box::new(|_| {}),
    )
    .await
    .unwrap();
    let (s, cra) = ana.get(&format!("/api/v1/cases/{first}/cra")).await;
    assert_eq!(s, StatusCode::OK, "{cra}");
    assert_eq!(
        cra["reporting"]["source"],
        json!({"type": "kev", "cve_id": "CVE-2020-11651", "date_added": "2021-11-03"})
    );

    // An import cut off after storing the catalog but before starting the clocks (a shutdown): the case has no
    // CRA reporting, and the next import, in which every entry is unchanged, starts it.
    let forget = "DELETE FROM case_cra WHERE case_id = $1";
    match app.store.pool() {
        psirt_store::Pool::Sqlite(p) => sqlx::query(forget).bind(first).execute(p).await.map(drop),
        psirt_store::Pool::Postgres(p) => {
            sqlx::query(forget).bind(first).execute(p).await.map(drop)
        }
    }
    .unwrap();
    assert_eq!(
        ana.get(&format!("/api/v1/cases/{first}/cra")).await.0,
        StatusCode::NOT_FOUND
    );
    let again = psirt_server::intel::import_feed(
        &app.store,
        &Actor::System("test"),
        FeedKind::Kev,
        kev.into(),
        "test".into(),
        Box::new(|_| {}),
    )
    .await
    .unwrap();
    assert!(again.changed.is_empty(), "the same catalog again");
    let (s, cra) = ana.get(&format!("/api/v1/cases/{first}/cra")).await;
    assert_eq!(s, StatusCode::OK, "{cra}");
    assert_eq!(cra["reporting"]["source"]["cve_id"], "CVE-2020-11651");
    // An upstream case opened after the KEV entry starts its clocks at once, in the same
    // request. A double click opens one case: the other request is a conflict and leaves nothing.
    let (_, before) = ana.get("/api/v1/cases").await;
    let path = "/api/v1/upstream-queue/PYSEC-2020-103/case";
    let (one, two) = tokio::join!(ana.post(path, json!({})), ana.post(path, json!({})));
    let second = match (one, two) {
        ((StatusCode::CREATED, case), (StatusCode::CONFLICT, _))
        | ((StatusCode::CONFLICT, _), (StatusCode::CREATED, case)) => case,
        other => panic!("one 201 and one 409: {other:?}"),
    };
    let (_, after) = ana.get("/api/v1/cases").await;
    assert_eq!(
        after["items"].as_array().unwrap().len(),
        before["items"].as_array().unwrap().len() + 1,
        "{after}"
    );
    let (s, cra) = ana
        .get(&format!("/api/v1/cases/{}/cra", second["id"]))
        .await;
    assert_eq!(s, StatusCode::OK, "{cra}");
    assert_eq!(cra["reporting"]["source"]["cve_id"], "CVE-2020-11652");
    let (_, timeline) = ana
        .get(&format!("/api/v1/cases/{}/timeline", second["id"]))
        .await;
    let start = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "case.cra_start")
        .cloned()
        .unwrap_or_else(|| panic!("case.cra_start in {timeline}"));
    assert_eq!(start["actor"], "system:kev");
    app.finish().await;
}

/// A KEV record whose id is not a CVE id (a feed oddity) in the alias group of an upstream
/// record does not block opening its case: it is skipped, and the case opens without CRA
/// reporting (the CRA clocks take a KEV entry by its CVE id).
pub async fn kev_record_without_cve_id_is_skipped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let ana = app.bearer(&analyst).await;
    crate::intel::import(&app, &["PYSEC-2020-103"]).await;
    app.store
        .upsert_intel_records(&[kev_like("kev", "KEV-ODD-1", &["CVE-2020-11652"])])
        .await
        .unwrap();
    ship_salt_3000_1(&ana).await;
    opens_without_cra(&ana, "PYSEC-2020-103", "a KEV record without a CVE id").await;
    app.finish().await;
}

/// A record naming two CVEs (as DRUPAL-CORE-2020-013 names CVE-2020-28948 and CVE-2020-28949) is listed in the
/// view of either, without joining the other CVE to it. That CVE's KEV entry is not the exploitation of the record
/// the case is opened from: no CRA reporting from it.
pub async fn kev_entry_of_another_cve_in_the_alias_group_starts_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let ana = app.bearer(&analyst).await;
    // PYSEC-2020-103 is CVE-2020-11652.
    crate::intel::import(&app, &["PYSEC-2020-103"]).await;
    let mut drupal = kev_like("osv", "DRUPAL-X-1", &["CVE-2020-11652", "CVE-2099-0002"]);
    (drupal.exploited, drupal.normalized) = (false, "{}".into());
    app.store
        .upsert_intel_records(&[drupal, kev_like("kev", "CVE-2099-0002", &[])])
        .await
        .unwrap();
    ship_salt_3000_1(&ana).await;
    let (_, view) = ana.get("/api/v1/vulnerabilities/PYSEC-2020-103").await;
    assert_eq!(
        view["vulnerability"]["ids"],
        json!(["CVE-2020-11652", "DRUPAL-X-1", "PYSEC-2020-103"]),
        "the two-CVE record does not bring in the other CVE: {view}"
    );
    assert_eq!(
        view["vulnerability"]["records"][0]["record_id"], "DRUPAL-X-1",
        "{view}"
    );
    assert_eq!(view["vulnerability"]["exploited"], false, "{view}");
    opens_without_cra(&ana, "PYSEC-2020-103", "another CVE's KEV entry").await;
    app.finish().await;
}

/// A record stored as the KEV import stores an entry (exploited, added 2021-11-03), under any source and id.
fn kev_like(source: &str, id: &str, aliases: &[&str]) -> psirt_store::NewIntelRecord {
    psirt_store::NewIntelRecord {
        source: source.into(),
        record_id: id.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        modified: None,
        published: None,
        withdrawn: None,
        summary: None,
        cvss_score: None,
        cvss_vector: None,
        exploited: true,
        normalized: json!({"exploited": {"date_added": "2021-11-03"}}).to_string(),
        match_input: None,
        raw: "{}".into(),
        content_sha256: "0".repeat(64),
    }
}

/// Opens the upstream case of `record_id` and asserts it has no CRA reporting (`why`: from what it must not start).
async fn opens_without_cra(ana: &Client, record_id: &str, why: &str) {
    let (s, case) = ana
        .post(
            &format!("/api/v1/upstream-queue/{record_id}/case"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(
        ana.get(&format!("/api/v1/cases/{}/cra", case["id"]))
            .await
            .0,
        StatusCode::NOT_FOUND,
        "no CRA reporting from {why}"
    );
}

/// Product Acme Ops 1 ships `pkg:pypi/salt@3000.1` (an SBOM upload): the upstream queue then
/// holds the salt advisories imported before.
async fn ship_salt_3000_1(ana: &Client) {
    let (_, p) = ana
        .post("/api/v1/products", json!({"vendor": "Acme", "name": "Ops"}))
        .await;
    let (_, pv) = ana
        .post(
            &format!("/api/v1/products/{}/versions", p["id"]),
            json!({"version": "1"}),
        )
        .await;
    let sbom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "library", "name": "salt", "version": "3000.1", "purl": "pkg:pypi/salt@3000.1"}]});
    let resp = ana
        .request(
            Method::POST,
            &format!("/api/v1/product-versions/{}/sbom", pv["id"]),
        )
        .header("content-type", "application/json")
        .body(sbom.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}
