//! Security patch release plans over HTTP: a plan later than an S1 case's remediation clock is
//! flagged with the latest on-time date; backports go to the supported lines; release notes
//! name the fixed cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;

pub async fn release_plans(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let viewer = app.user("vic", Role::Viewer, false).await;
    let (ana, vic) = (app.bearer(&analyst).await, app.bearer(&viewer).await);
    let (_, p) = ana
        .post(
            "/api/v1/products",
            json!({"vendor": "Acme", "name": "Gateway"}),
        )
        .await;
    let mut lines = Vec::new();
    for (v, ends) in [
        ("2.2", "2020-01-01"),
        ("2.3", "2099-01-01"),
        ("2.4", "2099-01-01"),
        ("2.5", "2099-01-01"),
        ("main", "2099-01-01"),
    ] {
        let (s, pv) = ana
            .post(
                &format!("/api/v1/products/{}/versions", p["id"]),
                json!({"version": v, "support_ends_on": ends}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{pv}");
        lines.push(pv["id"].as_i64().unwrap());
    }
    let (_, case) = ana
        .post(
            "/api/v1/cases",
            json!({"title": "Header smuggling in the proxy"}),
        )
        .await;
    let case = case["id"].as_i64().unwrap();
    let (s, _) = ana
        .send(
            Method::PATCH,
            &format!("/api/v1/cases/{case}"),
            Some(json!({"severity": "S1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let late = (time::OffsetDateTime::now_utc() + time::Duration::days(45))
        .date()
        .to_string();
    let body = json!({"planned_date": late, "case_ids": [case]});
    assert_eq!(
        vic.post(
            &format!("/api/v1/product-versions/{}/release-plans", lines[3]),
            body.clone()
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ana.post(
            &format!("/api/v1/product-versions/{}/release-plans", lines[4]),
            body.clone()
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "`main` is no version line"
    );
    assert_eq!(
        ana.post(
            &format!("/api/v1/product-versions/{}/release-plans", lines[3]),
            json!({"planned_date": "soon"})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (s, plan) = ana
        .post(
            &format!("/api/v1/product-versions/{}/release-plans", lines[3]),
            body,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    // S1 remediation is 30 days: 45 days out is 15 days late.
    assert_eq!(plan["warnings"][0]["type"], "late_for_sla", "{plan}");
    assert_eq!(plan["warnings"][0]["days_late"], 15, "{plan}");
    let on_time = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .date()
        .to_string();
    assert_eq!(plan["latest_on_time_date"], on_time.as_str());
    assert_eq!(
        plan["backport_targets"],
        json!(["2.5", "2.4", "2.3"]),
        "2.2 is out of support"
    );
    assert!(
        plan["release_notes"]
            .as_str()
            .unwrap()
            .contains("Header smuggling in the proxy"),
        "{plan}"
    );
    let (_, list) = ana
        .get(&format!(
            "/api/v1/product-versions/{}/release-plans",
            lines[3]
        ))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // The version's timeline shows the plan (and so its cases) to the PSIRT only: a viewer may not learn that an
    // embargoed case exists.
    let timeline = format!("/api/v1/product-versions/{}/timeline", lines[3]);
    let actions = |t: &serde_json::Value| -> Vec<String> {
        t["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let (s, t) = ana.get(&timeline).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        actions(&t),
        ["product_version.create", "release_plan.create"],
        "{t}"
    );
    let (s, t) = vic.get(&timeline).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(actions(&t), ["product_version.create"], "{t}");
    app.finish().await;
}
