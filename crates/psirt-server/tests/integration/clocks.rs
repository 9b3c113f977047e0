//! SLA clocks over HTTP and in the pages: clocks follow triage and severity, exceptions pause
//! them, the SLA policy is the admins', and the dashboard lists the work in the seed PSIRT's
//! order without leaking embargoed cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::ui::Browser;

fn report(title: &str) -> Value {
    json!({"title": title, "description": "details", "reporter_name": "Ada", "reporter_email": "ada@example.org"})
}

fn kinds(clocks: &Value) -> Vec<(String, String)> {
    clocks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["clock"]["kind"].as_str().unwrap().to_owned(),
                c["status"]["phase"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub async fn clocks_api_and_dashboard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    let viewer = app.user("vic", Role::Viewer, false).await;
    let ana = app.login("ana").await;
    let vic = app.bearer(&viewer).await;
    let anon = app.anonymous();

    assert_eq!(
        anon.post("/api/v1/reports", report("old report")).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        anon.post("/api/v1/reports", report("overflow")).await.0,
        StatusCode::CREATED
    );
    let (_, queue) = ana.get("/api/v1/reports?status=new").await;
    let newest = queue["items"][0]["id"].as_i64().unwrap();
    let (s, r) = ana
        .post(
            &format!("/api/v1/reports/{newest}/triage"),
            json!({"action": "new_case"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let case_id = r["case_id"].as_i64().unwrap();
    let (s, clocks) = ana.get(&format!("/api/v1/cases/{case_id}/clocks")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        kinds(&clocks),
        [
            ("acknowledge".into(), "due_soon".into()),
            ("triage".into(), "on_track".into())
        ]
    );
    // Embargoed: its clocks are as hidden as the case.
    assert_eq!(
        vic.get(&format!("/api/v1/cases/{case_id}/clocks")).await.0,
        StatusCode::NOT_FOUND
    );

    let (s, _) = ana
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/cases/{case_id}"),
            Some(json!({"severity": "S1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, clocks) = ana.get(&format!("/api/v1/cases/{case_id}/clocks")).await;
    let items = clocks["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let remediate = items
        .iter()
        .find(|c| c["clock"]["kind"] == "remediate")
        .unwrap();
    assert!(remediate["status"]["remaining"].as_i64().unwrap() > 29 * 86_400);
    let rid = remediate["id"].as_i64().unwrap();

    let (s, b) = ana
        .post(
            &format!("/api/v1/cases/{case_id}/clocks/{rid}/pause"),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = ana
        .post(
            &format!("/api/v1/cases/{case_id}/clocks/{rid}/pause"),
            json!({"reason": "vendor patch due next week"}),
        )
        .await;
    assert_eq!(
        (s, &b["status"]["phase"]),
        (StatusCode::OK, &json!("paused")),
        "{b}"
    );
    assert!(b["clock"]["pauses"][0]["reason"]["approved_by"]
        .as_str()
        .unwrap()
        .contains("ana"));
    let (s, b) = ana
        .post(
            &format!("/api/v1/cases/{case_id}/clocks/{rid}/pause"),
            json!({"reason": "again"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = ana
        .post(
            &format!("/api/v1/cases/{case_id}/clocks/{rid}/resume"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, &b["status"]["phase"]),
        (StatusCode::OK, &json!("on_track")),
        "{b}"
    );

    // The dashboard: the S1's mitigation due within a day, the S1 case, the old report.
    let (s, d) = ana.get("/api/v1/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    let due: Vec<&str> = d["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clock"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        due.contains(&"mitigate") && due.contains(&"acknowledge"),
        "{d}"
    );
    assert!(!due.contains(&"remediate"), "30 days out is not due soon");
    assert_eq!(d["urgent_cases"][0]["id"].as_i64(), Some(case_id));
    assert_eq!(d["triage_queue"][0]["title"], "old report");
    let (_, d) = vic.get("/api/v1/dashboard").await;
    assert_eq!(
        d,
        json!({"disclosed_early": [], "regulatory": [], "clocks": [], "urgent_cases": [], "triage_queue": [], "upcoming_disclosures": []})
    );

    // The embargo breaks: only the PSIRT records it; the case is then public and on top.
    let path = format!("/api/v1/cases/{case_id}/unintended-disclosure");
    assert_eq!(
        vic.post(&path, json!({"note": "x"})).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, b) = ana
        .post(&path, json!({"note": "the reporter blogged about it"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["case"]["embargoed"], false);
    // S1 remediation is already at the S1 target: nothing to shorten.
    assert_eq!(b["clocks_shortened"], 0);
    assert_eq!(
        ana.post(&path, json!({"note": "again"})).await.0,
        StatusCode::CONFLICT
    );
    let (_, d) = vic.get("/api/v1/dashboard").await;
    assert_eq!(d["disclosed_early"][0]["id"].as_i64(), Some(case_id));
    assert_eq!(
        vic.post(&path, json!({"note": "x"})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        anon.get("/api/v1/dashboard").await.0,
        StatusCode::UNAUTHORIZED
    );

    // The SLA policy: everyone on the staff reads it, admins change it.
    let (s, policy) = vic.get("/api/v1/sla-policy").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(policy["s1"]["remediate"], json!({"days": 30}));
    assert_eq!(policy["s1"]["mitigate"], json!({"hours": 24}));
    let mut changed = policy.clone();
    changed["s2"]["remediate"] = json!({"days": 21});
    assert_eq!(
        ana.send(
            reqwest::Method::PUT,
            "/api/v1/sla-policy",
            Some(changed.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    app.user("adm", Role::Admin, false).await;
    let admin = app.login("adm").await;
    let (s, b) = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/sla-policy",
            Some(changed.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(admin.get("/api/v1/sla-policy").await.1, changed);
    let mut bad = changed.clone();
    bad["s3"]["remediat"] = json!({"days": 1});
    assert_eq!(
        admin
            .send(reqwest::Method::PUT, "/api/v1/sla-policy", Some(bad))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.finish().await;
}

pub async fn clocks_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    app.user("vic", Role::Viewer, false).await;
    let sub = app
        .store
        .submit_report(
            psirt_domain::NewReport {
                title: "heap overflow".into(),
                description: "details".into(),
                reporter_name: "Ada".into(),
                reporter_email: "ada@example.org".into(),
                ..Default::default()
            },
            psirt_domain::ReportChannel::Web,
        )
        .await
        .unwrap();
    let b = Browser::login(&app, "ana").await;
    let (s, page) = b.get("/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"triage-queue\"") && page.contains("heap overflow"),
        "{page}"
    );
    let (s, to) = b
        .post(
            &format!("/reports/{}/triage", sub.report.id),
            &[("action", "new_case")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let case_path = to.split('?').next().unwrap().to_owned();
    let (_, page) = b.get(&case_path).await;
    assert!(
        page.contains("id=\"clocks\"") && page.contains("acknowledge"),
        "{page}"
    );
    let clock_id: i64 = page
        .split("action=\"/cases/")
        .filter_map(|s| s.split("/clocks/").nth(1))
        .filter_map(|s| s.split('/').next())
        .find_map(|s| s.parse().ok())
        .unwrap();
    let (s, to) = b
        .post(
            &format!("{case_path}/clocks/{clock_id}/pause"),
            &[("reason", "reporter on leave")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let (_, page) = b.get(&case_path).await;
    assert!(
        page.contains("reporter on leave (approved by user:"),
        "{page}"
    );
    assert!(page.contains(">Resume</button>"));
    let (s, _) = b
        .post(&format!("{case_path}/clocks/{clock_id}/resume"), &[])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = b.get(&case_path).await;
    assert!(page.contains("id=\"unintended-disclosure\""));

    // A viewer sees the dashboard, but neither the embargoed case nor the queue.
    let v = Browser::login(&app, "vic").await;
    let (s, page) = v.get("/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !page.contains("heap overflow") && !page.contains("id=\"triage-queue\""),
        "{page}"
    );
    let (s, _) = v
        .post(
            &format!("{case_path}/clocks/{clock_id}/pause"),
            &[("reason", "x")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.finish().await;
}
