//! Bug bounty over HTTP: an award suggested from the case's CVSS 3.1 score by the program's
//! formula, four-eyes approval, payment, reporter profiles, the editable program, the public
//! opt-in hall of fame, and bounty spend in the metrics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;

pub async fn bounty_awards(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a1 = app.user("ana", Role::Analyst, false).await;
    let a2 = app.user("bob", Role::Analyst, false).await;
    let admin = app.user("root", Role::Admin, false).await;
    let eng = app.user("eve", Role::Engineer, false).await;
    let (ana, bob, adm, eve) = (
        app.bearer(&a1).await,
        app.bearer(&a2).await,
        app.bearer(&admin).await,
        app.bearer(&eng).await,
    );
    let anon = app.anonymous();
    let (_, sub) = anon
        .post("/api/v1/reports", json!({"title": "Auth bypass", "description": "details", "reporter_name": "Ada Lovelace", "reporter_email": "ada@example.org", "credit_preference": "named"}))
        .await;
    let report = sub["id"].as_i64().unwrap();
    let (_, r) = ana
        .post(
            &format!("/api/v1/reports/{report}/triage"),
            json!({"action": "new_case"}),
        )
        .await;
    let case = r["case_id"].as_i64().unwrap();
    let (s, b) = ana
        .post(
            &format!("/api/v1/cases/{case}/cvss"),
            json!({"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    assert_eq!(
        eve.post(&format!("/api/v1/reports/{report}/awards"), json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (s, award) = ana
        .post(
            &format!("/api/v1/reports/{report}/awards"),
            json!({"note": "great find"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{award}");
    // Seed S1 band: $20,000–$35,000 over 9.0–10.0; 9.8 → 20,000 + 0.8 × 15,000 = $32,000.
    assert_eq!(
        (
            award["suggested_usd"].as_u64(),
            award["amount_usd"].as_u64()
        ),
        (Some(32_000), Some(32_000)),
        "{award}"
    );
    let id = award["id"].as_i64().unwrap();
    assert_eq!(
        ana.post(&format!("/api/v1/reports/{report}/awards"), json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    // Four eyes: the proposer cannot approve.
    let (s, e) = ana
        .post(&format!("/api/v1/awards/{id}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, a) = ana
        .post(
            &format!("/api/v1/awards/{id}/amend"),
            json!({"bonus_usd": 500}),
        )
        .await;
    assert_eq!(
        (s, a["bonus_usd"].as_u64()),
        (StatusCode::OK, Some(500)),
        "{a}"
    );
    assert_eq!(
        bob.post(&format!("/api/v1/awards/{id}/pay"), json!({}))
            .await
            .0,
        StatusCode::CONFLICT,
        "not approved yet"
    );
    let (s, a) = bob
        .post(&format!("/api/v1/awards/{id}/approve"), json!({}))
        .await;
    assert_eq!(
        (s, a["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{a}"
    );
    assert_eq!(
        bob.post(
            &format!("/api/v1/awards/{id}/amend"),
            json!({"amount_usd": 1})
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "approved figures are fixed"
    );
    let (s, a) = ana
        .post(&format!("/api/v1/awards/{id}/pay"), json!({}))
        .await;
    assert_eq!(
        (s, a["status"].as_str()),
        (StatusCode::OK, Some("paid")),
        "{a}"
    );

    let (_, profiles) = ana.get("/api/v1/reporters").await;
    let ada = profiles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["reporter"] == "ada@example.org")
        .unwrap()
        .clone();
    assert_eq!(
        (ada["valid"].as_u64(), ada["awarded_usd"].as_u64()),
        (Some(1), Some(32_500)),
        "{ada}"
    );
    let (_, m) = ana.get("/api/v1/metrics").await;
    assert_eq!(m["bounty_spend"]["total_usd"], 32_500, "{m}");

    // The program: admins only, validated.
    let (_, mut program) = ana.get("/api/v1/bounty/program").await;
    assert_eq!(
        ana.send(Method::PUT, "/api/v1/bounty/program", Some(program.clone()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    program["ranges"][0]["min_usd"] = json!(50_000);
    let (s, e) = adm
        .send(Method::PUT, "/api/v1/bounty/program", Some(program.clone()))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "min above max: {e}");
    program["ranges"][0]["min_usd"] = json!(10_000);
    let (s, p) = adm
        .send(Method::PUT, "/api/v1/bounty/program", Some(program))
        .await;
    assert_eq!(
        (s, p["ranges"][0]["min_usd"].as_u64()),
        (StatusCode::OK, Some(10_000)),
        "{p}"
    );

    // Hall of fame: public, only once the case is no longer embargoed.
    let page = anon
        .request(Method::GET, "/hall-of-fame")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Ada Lovelace"), "embargoed: {page}");
    let (s, _) = ana
        .send(
            Method::PATCH,
            &format!("/api/v1/cases/{case}"),
            Some(json!({"embargoed": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = anon
        .request(Method::GET, "/hall-of-fame")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Ada Lovelace"), "{page}");
    app.finish().await;
}
