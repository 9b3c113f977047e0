//! Intake quality over HTTP: a near-duplicate report lists the earlier report and its case,
//! an unrelated one does not; the reporter's history shows at triage.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;
use crate::ui::Browser;

pub async fn duplicates_and_reporter_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let viewer = app.user("vic", Role::Viewer, false).await;
    let ana = app.bearer(&analyst).await;
    let vic = app.bearer(&viewer).await;
    let anon = app.anonymous();
    let submit = |title: &str, body: &str, email: &str| json!({"title": title, "description": body, "reporter_name": "Mallory", "reporter_email": email, "product": "Shop"});
    let (_, first) = anon
        .post("/api/v1/reports", submit("SQL injection in product search",
            "The q parameter of /api/search is concatenated into the SQL query; ' OR 1=1 -- returns every product and UNION SELECT reads the users table.", "m@example.org"))
        .await;
    let (_, r) = ana
        .post(
            &format!("/api/v1/reports/{}/triage", first["id"]),
            json!({"action": "new_case"}),
        )
        .await;
    let case = r["case_id"].as_i64().unwrap();
    let (_, dup) = anon
        .post("/api/v1/reports", submit("SQLi in the product search API",
            "Injecting ' OR 1=1 -- into the q parameter of /api/search returns all products; with UNION SELECT the users table can be read.", "m@example.org"))
        .await;
    let (_, other) = anon
        .post(
            "/api/v1/reports",
            submit(
                "Open redirect after login",
                "The next parameter of /login accepts any absolute URL and redirects there.",
                "z@example.org",
            ),
        )
        .await;

    assert_eq!(
        vic.get(&format!("/api/v1/reports/{}/intake", dup["id"]))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (s, intake) = ana
        .get(&format!("/api/v1/reports/{}/intake", dup["id"]))
        .await;
    assert_eq!(s, StatusCode::OK, "{intake}");
    let ids: Vec<&str> = intake["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&format!("report:{}", first["id"]).as_str()),
        "{intake}"
    );
    assert!(ids.contains(&format!("case:{case}").as_str()), "{intake}");
    assert!(
        !ids.contains(&format!("report:{}", other["id"]).as_str()),
        "{intake}"
    );
    let top = &intake["duplicates"][0];
    assert!(
        top["reasons"].to_string().contains("same_reporter")
            || top["reasons"].to_string().contains("similar_wording"),
        "{top}"
    );
    assert_eq!(
        (
            intake["reporter"]["total"].as_u64(),
            intake["reporter"]["valid"].as_u64()
        ),
        (Some(2), Some(1)),
        "{intake}"
    );

    let (_, unrelated) = ana
        .get(&format!("/api/v1/reports/{}/intake", other["id"]))
        .await;
    assert_eq!(unrelated["duplicates"], json!([]), "{unrelated}");

    let b = Browser::login(&app, "ana").await;
    let (s, page) = b.get(&format!("/reports/{}", dup["id"])).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(&format!("/cases/{case}")) && page.contains("id=\"reporter-history\""),
        "{page}"
    );
    assert!(page.contains("2 reports: 1 valid"), "{page}");
    app.finish().await;
}

pub async fn needs_more_info_pauses_response_clocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let ana = app.bearer(&analyst).await;
    let anon = app.anonymous();
    let (_, sub) = anon
        .post("/api/v1/reports", json!({"title": "Crash", "description": "It crashes sometimes.", "reporter_name": "R", "reporter_email": "r@example.org"}))
        .await;
    let token = sub["tracking_token"].as_str().unwrap().to_owned();
    let (_, r) = ana
        .post(
            &format!("/api/v1/reports/{}/triage", sub["id"]),
            json!({"action": "new_case"}),
        )
        .await;
    let case = r["case_id"].as_i64().unwrap();
    let triage_clock = |clocks: &serde_json::Value| {
        clocks["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clock"]["kind"] == "triage")
            .cloned()
            .unwrap()
    };
    let (_, before) = ana.get(&format!("/api/v1/cases/{case}/clocks")).await;
    assert_eq!(
        triage_clock(&before)["status"]["phase"],
        "on_track",
        "{before}"
    );

    let (s, q) = ana
        .post(
            &format!("/api/v1/reports/{}/needs-info", sub["id"]),
            json!({"question": "Which version, and what input?"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    assert!(q["awaiting_reporter_since"].is_string());
    let (_, paused) = ana.get(&format!("/api/v1/cases/{case}/clocks")).await;
    assert_eq!(
        triage_clock(&paused)["status"]["phase"],
        "paused",
        "{paused}"
    );
    // The reporter sees the question and answers: the clock runs again.
    let (_, track) = anon.get(&format!("/api/v1/track/{token}")).await;
    assert!(track.to_string().contains("Which version"), "{track}");
    let (s, _) = anon
        .post(
            &format!("/api/v1/track/{token}/messages"),
            json!({"body": "2.3.1, a 0-byte PNG"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, resumed) = ana.get(&format!("/api/v1/cases/{case}/clocks")).await;
    let t = triage_clock(&resumed);
    assert_eq!(t["status"]["phase"], "on_track", "{resumed}");
    assert_eq!(
        t["clock"]["pauses"][0]["reason"]["type"], "awaiting_reporter",
        "{t}"
    );
    assert!(t["clock"]["pauses"][0]["until"].is_string(), "{t}");
    let (_, intake) = ana
        .get(&format!("/api/v1/reports/{}/intake", sub["id"]))
        .await;
    assert!(intake.is_object());
    app.finish().await;
}
