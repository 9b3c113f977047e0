//! S1/P1 escalation and root-cause analysis over HTTP: a case that becomes S1 gets the runbook
//! checklist (items ticked, a hand-off note), an S1 case cannot close before its RCA is complete,
//! the admin-set policy decides which severities need one; the case page shows both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;
use crate::ui::Browser;

pub async fn escalation_checklist_and_rca(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let admin = app.user("root", Role::Admin, false).await;
    let (ana, adm) = (app.bearer(&analyst).await, app.bearer(&admin).await);
    let (_, case) = ana
        .post(
            "/api/v1/cases",
            json!({"title": "Pre-auth RCE", "embargoed": false}),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    assert_eq!(
        ana.get(&format!("/api/v1/cases/{id}/runbook")).await.0,
        StatusCode::NOT_FOUND,
        "not S1/P1 yet"
    );
    let (s, _) = ana
        .send(
            Method::PATCH,
            &format!("/api/v1/cases/{id}"),
            Some(json!({"severity": "S1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, rb) = ana.get(&format!("/api/v1/cases/{id}/runbook")).await;
    assert_eq!(s, StatusCode::OK, "{rb}");
    let items = rb["checklist"]["items"].as_array().unwrap().clone();
    assert!(items.len() >= 6, "{rb}");
    let phases: Vec<&str> = rb["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    assert_eq!(
        phases,
        vec!["triage", "escalate", "mitigate", "release", "rca", "handoff"],
        "{rb}"
    );
    let first = items[0]["key"].as_str().unwrap();
    let (s, rb) = ana
        .post(
            &format!("/api/v1/cases/{id}/runbook/items/{first}/done"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, rb["progress"]["done"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{rb}"
    );
    assert_eq!(
        ana.post(
            &format!("/api/v1/cases/{id}/runbook/items/{first}/done"),
            json!({})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    let (s, rb) = ana
        .post(
            &format!("/api/v1/cases/{id}/runbook/handoffs"),
            json!({"to": "APAC on-call", "text": "Mitigation deployed; patch build running."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rb}");
    assert_eq!(rb["checklist"]["handoffs"][0]["to"], "APAC on-call");

    // Walk the case to fixed, then try to close: the RCA is required for S1.
    let (s, b) = ana
        .post(
            &format!("/api/v1/cases/{id}/cvss"),
            json!({"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    for to in ["triage", "confirmed", "remediating", "fixed"] {
        let (s, b) = ana
            .post(&format!("/api/v1/cases/{id}/transition"), json!({"to": to}))
            .await;
        assert_eq!(s, StatusCode::OK, "{to}: {b}");
    }
    // The RCA guard speaks first: an S1 case does not close without a complete RCA.
    let (s, e) = ana
        .post(
            &format!("/api/v1/cases/{id}/transition"),
            json!({"to": "closed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("completed root-cause analysis"),
        "{e}"
    );

    let draft = json!({"summary": "Deserialisation of untrusted input in the RPC layer."});
    let (s, r) = ana
        .send(Method::PUT, &format!("/api/v1/cases/{id}/rca"), Some(draft))
        .await;
    assert_eq!(
        (s, r["complete"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{r}"
    );
    assert!(r["missing"].as_array().unwrap().len() >= 2, "{r}");
    let full = json!({
        "summary": "Deserialisation of untrusted input in the RPC layer.",
        "root_cause": "implementation", "cwe_id": 502,
        "timeline": [{"at": "2026-11-01T10:00:00Z", "description": "Report received"}],
        "contributing_factors": ["no allow-list of classes"],
        "went_well": ["mitigation within 6 h"], "went_badly": ["slow patch build"],
        "action_items": [{"description": "Add a deserialisation allow-list", "owner": "rpc-team", "due": "2026-12-15"}]
    });
    let (s, r) = ana
        .send(Method::PUT, &format!("/api/v1/cases/{id}/rca"), Some(full))
        .await;
    assert_eq!(
        (s, r["complete"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{r}"
    );

    // With the RCA complete the guard is satisfied: what still stops closing from `fixed` is
    // the state machine (a published advisory and `disclosed` come first), not the RCA.
    let (s, e) = ana
        .post(
            &format!("/api/v1/cases/{id}/transition"),
            json!({"to": "closed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(!e["detail"].as_str().unwrap().contains("root-cause"), "{e}");

    // The policy is the admin's.
    assert_eq!(
        ana.send(
            Method::PUT,
            "/api/v1/rca-policy",
            Some(json!({"required_for": []}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, p) = adm
        .send(
            Method::PUT,
            "/api/v1/rca-policy",
            Some(json!({"required_for": ["S1", "S2", "S3"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");

    let b = Browser::login(&app, "ana").await;
    let (s, page) = b.get(&format!("/cases/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"runbook-items\"") && page.contains("APAC on-call"),
        "{page}"
    );
    assert!(
        page.contains("id=\"rca-form\"")
            && page.contains("rpc-team | 2026-12-15 | Add a deserialisation allow-list"),
        "{page}"
    );
    let second = items[1]["key"].as_str().unwrap();
    let (s, loc) = b
        .post(&format!("/cases/{id}/runbook/{second}/done"), &[])
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/cases/{id}?notice=runbook_updated#runbook").as_str()
        )
    );
    let (s, loc) = b
        .post(
            &format!("/cases/{id}/rca"),
            &[("summary", "x"), ("actions", "bad line")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{loc}");
    app.finish().await;
}
