//! CVSS over HTTP: the scorer and metric definitions, case assessments with the severity they
//! suggest, the analyst's override, and the calculator asset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestApp;

const CRITICAL_31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const HIGH_31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
const CRITICAL_40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

/// The timeline's actions other than clock events (tests/integration/clocks.rs has those).
fn actions(timeline: &Value) -> Vec<&str> {
    timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| !a.starts_with("case.clock_"))
        .collect()
}

pub async fn cvss_scoring_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anon = app.anonymous();

    // No login needed: it is pure computation.
    let (status, b) = anon
        .get(&format!("/api/v1/cvss?vector={CRITICAL_31}/E:P"))
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["version"], "3.1");
    assert_eq!(b["vector"], format!("{CRITICAL_31}/E:P"));
    assert_eq!((&b["score"], &b["base_score"]), (&json!(9.3), &json!(9.8)));
    assert_eq!(b["severity"], "CRITICAL");
    assert_eq!(b["suggested_severity"], "S1");
    assert_eq!(b["metrics"].as_array().unwrap().len(), 22);
    assert_eq!(b["metrics"][0]["metric"], "AV");
    assert_eq!(b["metrics"][0]["value_name"], "Network");
    assert_eq!(b["scores"]["temporal"], 9.3);

    // Query values are URL-decoded: a v4.0 vector sent encoded, in any metric order.
    let resp = anon
        .request(Method::GET, "/api/v1/cvss")
        .query(&[(
            "vector",
            "CVSS:4.0/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AV:N/AC:L/AT:N/PR:N/UI:N",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(
        (&b["vector"], &b["score"]),
        (&json!(CRITICAL_40), &json!(9.3))
    );
    assert_eq!(b["scores"]["nomenclature"], "CVSS-B");
    let (_, zero) = anon
        .get("/api/v1/cvss?vector=CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")
        .await;
    assert_eq!(
        (&zero["severity"], &zero["suggested_severity"]),
        (&json!("NONE"), &Value::Null)
    );

    // A bad vector: 422 with the parser's message; no vector: 400.
    let resp = anon
        .request(Method::GET, "/api/v1/cvss?vector=CVSS:3.1/AV:Q")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let b: Value = resp.json().await.unwrap();
    assert_eq!(
        b["detail"],
        "invalid value `Q` for metric AV in CVSS 3.1 vector (allowed: N, A, L, P)"
    );
    let (status, b) = anon.get("/api/v1/cvss?vector=").await;
    assert_eq!(
        (status, &b["detail"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!("empty CVSS vector")
        )
    );
    let (status, b) = anon.get("/api/v1/cvss").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(b["status"], 400);

    // Metric definitions for the calculator.
    let (status, m) = anon.get("/api/v1/cvss/metrics?version=4.0").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&m["version"], &m["prefix"]),
        (&json!("4.0"), &json!("CVSS:4.0/"))
    );
    let metrics = m["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 32);
    assert_eq!(metrics[0]["metric"], "AV");
    assert_eq!(metrics[0]["mandatory"], true);
    assert_eq!(
        metrics[0]["values"][0],
        json!({"value": "N", "name": "Network"})
    );
    let groups: Vec<&str> = metrics
        .iter()
        .map(|d| d["group"].as_str().unwrap())
        .collect();
    for g in ["base", "threat", "environmental", "supplemental"] {
        assert!(groups.contains(&g), "{g}");
    }
    let (_, m) = anon.get("/api/v1/cvss/metrics").await;
    assert_eq!(
        (&m["version"], m["metrics"].as_array().unwrap().len()),
        (&json!("3.1"), 22)
    );
    let (_, m) = anon.get("/api/v1/cvss/metrics?version=2.0").await;
    assert_eq!(m["prefix"], "");
    let (status, _) = anon.get("/api/v1/cvss/metrics?version=5.0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The calculator widget.
    let resp = anon
        .request(Method::GET, "/assets/cvss-calculator.js")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/javascript"), "{ct}");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let js = resp.text().await.unwrap();
    assert!(js.contains("[data-cvss-calculator]") && js.contains("/api/v1/cvss?vector="));
    assert!(!js.contains("eval(") && !js.contains("innerHTML") && !js.contains("http://"));

    let (_, doc) = anon.get("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/cvss",
        "/api/v1/cvss/metrics",
        "/api/v1/cases/{id}/cvss",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["paths"].get("/api/v1/cases/{id}").is_some());
    for schema in [
        "NewAssessment",
        "CvssAssessment",
        "AssessmentSource",
        "NewReport",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} missing"
        );
    }
    app.finish().await;
}

pub async fn case_assessments_suggest_and_override(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    let c = app.login("ana").await;
    let (_, case) = c
        .post("/api/v1/cases", json!({"title": "RCE in parser"}))
        .await;
    let id = case["id"].as_i64().unwrap();
    let base = format!("/api/v1/cases/{id}");
    assert!(case["severity"].is_null() && case["suggested_severity"].is_null());

    // v3.1, given out of order and with a score of the caller's own that psirt ignores.
    let (status, b) = c
        .post(
            &format!("{base}/cvss"),
            json!({"vector": "CVSS:3.1/C:H/I:N/A:N/AV:N/AC:L/PR:N/UI:N/S:U", "score": 1.0, "note": "our analysis"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["assessment"]["vector"], HIGH_31);
    assert_eq!(b["assessment"]["score"], 7.5);
    assert_eq!(b["assessment"]["severity"], "HIGH");
    assert_eq!(b["assessment"]["source"], "psirt");
    assert_eq!(b["assessment"]["authoritative"], true);
    assert_eq!(b["assessment"]["note"], "our analysis");
    assert!(b["superseded"].is_null());
    assert_eq!(
        (
            &b["case"]["severity"],
            &b["case"]["suggested_severity"],
            &b["case"]["severity_source"]
        ),
        (&json!("S2"), &json!("S2"), &json!("suggestion"))
    );

    // v4.0 beside it; the one just set drives the suggestion.
    let (status, b) = c
        .post(&format!("{base}/cvss"), json!({"vector": CRITICAL_40}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(
        (&b["assessment"]["version"], &b["assessment"]["score"]),
        (&json!("4.0"), &json!(9.3))
    );
    assert_eq!(b["case"]["severity"], "S1");

    // The analyst overrides; the case keeps the choice when a new suggestion arrives.
    let (status, b) = c
        .send(Method::PATCH, &base, Some(json!({"severity": "S3"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["severity"], &b["severity_source"]),
        (&json!("S3"), &json!("analyst"))
    );
    let (status, b) = c
        .post(&format!("{base}/cvss"), json!({"vector": CRITICAL_31}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["superseded"]["vector"], HIGH_31);
    assert_eq!(b["superseded"]["superseded_by"], b["assessment"]["id"]);
    assert_eq!(
        (&b["case"]["severity"], &b["case"]["suggested_severity"]),
        (&json!("S3"), &json!("S1"))
    );

    // Bad input is refused whole: nothing stored, nothing in the timeline.
    let (_, before) = c.get(&format!("{base}/timeline")).await;
    for body in [
        json!({"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"}),
        json!({"vector": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}),
        json!({"vector": "nonsense"}),
    ] {
        let (status, b) = c.post(&format!("{base}/cvss"), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        assert_eq!(b["errors"][0]["field"], "vector");
    }
    let (_, b) = c
        .post(
            &format!("{base}/cvss"),
            json!({"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"}),
        )
        .await;
    assert_eq!(
        b["errors"][0]["message"],
        "missing mandatory metric(s) A in CVSS 3.1 vector"
    );
    let (status, _) = c
        .post(
            &format!("{base}/cvss"),
            json!({"vector": CRITICAL_31, "source": "someone"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, after) = c.get(&format!("{base}/timeline")).await;
    assert_eq!(actions(&before), actions(&after));

    // Other sources are recorded, in legacy versions too, and suggest nothing.
    let (status, b) = c
        .post(
            &format!("{base}/cvss"),
            json!({"vector": "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", "source": "nvd"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["assessment"]["authoritative"], false);
    assert_eq!(b["case"]["suggested_severity"], "S1");

    let (status, list) = c.get(&format!("{base}/cvss")).await;
    assert_eq!(status, StatusCode::OK);
    let items = list["items"].as_array().unwrap();
    let current: Vec<(&str, &str)> = items
        .iter()
        .filter(|a| a["superseded_at"].is_null())
        .map(|a| {
            (
                a["version"].as_str().unwrap(),
                a["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(items.len(), 4);
    assert_eq!(
        current,
        [("4.0", "psirt"), ("3.1", "psirt"), ("3.0", "nvd")]
    );
    assert_eq!(
        (
            &list["severity"],
            &list["suggested_severity"],
            &list["severity_source"]
        ),
        (&json!("S3"), &json!("S1"), &json!("analyst"))
    );

    // The timeline tells the story: suggestions, the override with both values.
    let (_, tl) = c.get(&format!("{base}/timeline")).await;
    assert_eq!(
        actions(&tl),
        [
            "case.create",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            // Suggested S1: the escalation checklist starts.
            "case.runbook_start",
            "case.update",
            "case.severity_overridden",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            "case.cvss_assessment_set",
        ]
    );
    let items: Vec<&Value> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["action"].as_str().unwrap().starts_with("case.clock_"))
        .collect();
    assert_eq!(
        items[7]["after"],
        json!({"suggested": "S1", "chosen": "S3"})
    );
    assert_eq!(items[9]["after"]["applied"], false);
    assert_eq!(items[2]["after"]["from"]["vector"], HIGH_31);
    assert_eq!(items[2]["after"]["from"]["version"], "3.1");

    // With a severity and the PSIRT's assessment the case can be confirmed.
    for to in ["triage", "confirmed"] {
        let (status, b) = c
            .post(&format!("{base}/transition"), json!({"to": to}))
            .await;
        assert_eq!(status, StatusCode::OK, "{to}: {b}");
    }
    assert_eq!(
        c.post("/api/v1/cases/999999/cvss", json!({"vector": CRITICAL_31}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
