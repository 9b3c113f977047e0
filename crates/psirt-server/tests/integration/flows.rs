//! Intake, tracking, login, CSRF, tokens and the report → case → reporter message flow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_server::Config;
use psirt_store::testing::Backend;
use psirt_store::PageRequest;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{TestApp, PASSWORD};

fn good_report() -> serde_json::Value {
    json!({"title": "XSS in login", "description": "Reflected XSS", "reporter_name": "Ada", "reporter_email": "ada@example.org"})
}

pub async fn report_intake(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anon = app.anonymous();

    let resp = anon
        .request(Method::POST, "/api/v1/reports")
        .json(&json!({"title": " ", "description": "x", "reporter_email": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "reporter_email", "reporter_name"]);
    let (status, body) = anon.send(Method::POST, "/api/v1/reports", None).await;
    assert!(status.is_client_error(), "{status} {body}");
    let resp = anon
        .request(Method::POST, "/api/v1/reports")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    // A method the resource does not have: problem+json too, saying which methods it has.
    let resp = anon
        .request(Method::DELETE, "/api/v1/reports")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let allow = resp.headers()["allow"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(allow.contains("POST"), "{allow}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], 405, "{body}");
    let stored = app
        .store
        .reports(None, &PageRequest::default())
        .await
        .unwrap();
    assert!(
        stored.items.is_empty(),
        "nothing is stored from a bad report"
    );

    let (status, body) = anon.post("/api/v1/reports", good_report()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["tracking_token"].as_str().unwrap();
    assert!(token.len() >= 22);
    assert_eq!(body["tracking_url"], format!("{}/track/{token}", app.base));

    let (status, track) = anon.get(&format!("/api/v1/track/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(track["status"], "new");
    assert_eq!(track["title"], "XSS in login");
    assert!(track["case_state"].is_null());
    let (status, _) = anon
        .post(
            &format!("/api/v1/track/{token}/messages"),
            json!({"body": "any news?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, track) = anon.get(&format!("/api/v1/track/{token}")).await;
    assert_eq!(track["messages"][0]["from"], "you");
    let (status, body) = anon.get("/api/v1/track/not-a-token").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["status"], 404);
    // The queue is staff-only.
    assert_eq!(
        anon.get("/api/v1/reports").await.0,
        StatusCode::UNAUTHORIZED
    );
    app.finish().await;
}

/// Two reports and two logins per client and minute: limits a test reaches quickly.
fn two_per_minute() -> Config {
    Config {
        report_rate_per_minute: 2,
        login_rate_per_minute: 2,
        ..Config::default()
    }
}

pub async fn report_rate_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, two_per_minute()).await;
    let anon = app.anonymous();
    for _ in 0..2 {
        assert_eq!(
            anon.post("/api/v1/reports", good_report()).await.0,
            StatusCode::CREATED
        );
    }
    let (status, body) = anon.post("/api/v1/reports", good_report()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    for _ in 0..2 {
        let s = anon
            .post(
                "/api/v1/auth/login",
                json!({"username": "x", "password": "y"}),
            )
            .await
            .0;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let s = anon
        .post(
            "/api/v1/auth/login",
            json!({"username": "x", "password": "y"}),
        )
        .await
        .0;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    app.finish().await;
}

/// A report and a failed login sent as `client` (its `X-Forwarded-For`, none: no header).
async fn report_and_login(
    anon: &crate::harness::Client,
    forwarded_for: Option<&str>,
) -> (StatusCode, StatusCode) {
    let with_header = |req: reqwest::RequestBuilder| match forwarded_for {
        Some(xff) => req.header("x-forwarded-for", xff),
        None => req,
    };
    let report = with_header(anon.request(Method::POST, "/api/v1/reports"))
        .json(&good_report())
        .send()
        .await
        .unwrap()
        .status();
    let login = with_header(anon.request(Method::POST, "/api/v1/auth/login"))
        .json(&json!({"username": "x", "password": "y"}))
        .send()
        .await
        .unwrap()
        .status();
    (report, login)
}

/// Behind a trusted proxy each forwarded client has its own report and login budget.
pub async fn rate_limit_per_forwarded_client(backend: Backend) {
    let config = Config {
        trusted_proxies: vec![psirt_server::auth::parse_trusted_proxy("127.0.0.1/32").unwrap()],
        ..two_per_minute()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let anon = app.anonymous();
    let ok = (StatusCode::CREATED, StatusCode::UNAUTHORIZED);
    let limited = (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..2 {
        assert_eq!(report_and_login(&anon, Some("203.0.113.1")).await, ok);
    }
    assert_eq!(report_and_login(&anon, Some("203.0.113.1")).await, limited);
    // A prefix the client wrote itself does not change who it is: the proxy appended the peer.
    assert_eq!(
        report_and_login(&anon, Some("203.0.113.2, 203.0.113.1")).await,
        limited
    );
    // Another client, and the proxy itself, are not blocked by the first one.
    assert_eq!(report_and_login(&anon, Some("203.0.113.2")).await, ok);
    assert_eq!(report_and_login(&anon, Some("2001:db8::2")).await, ok);
    assert_eq!(report_and_login(&anon, None).await, ok);
    // Garbage falls back to the peer (the proxy's budget: one request left).
    assert_eq!(report_and_login(&anon, Some("unknown")).await, ok);
    assert_eq!(report_and_login(&anon, Some("unknown")).await, limited);
    app.finish().await;
}

/// Without trusted proxies `X-Forwarded-For` is ignored: a spoofed header still counts against
/// the peer's budget.
pub async fn rate_limit_ignores_untrusted_forwarded_for(backend: Backend) {
    let app = TestApp::spawn_with(backend, two_per_minute()).await;
    let anon = app.anonymous();
    let ok = (StatusCode::CREATED, StatusCode::UNAUTHORIZED);
    let limited = (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(report_and_login(&anon, Some("203.0.113.1")).await, ok);
    assert_eq!(report_and_login(&anon, Some("203.0.113.2")).await, ok);
    assert_eq!(report_and_login(&anon, Some("203.0.113.3")).await, limited);
    assert_eq!(report_and_login(&anon, None).await, limited);
    app.finish().await;
}

pub async fn login_logout_csrf(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    let anon = app.anonymous();
    let (status, body) = anon
        .post(
            "/api/v1/auth/login",
            json!({"username": "ana", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["status"], 401);

    let resp = anon
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"username": "ana", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("psirt_session="));
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"));

    let c = app.login("ana").await;
    let (status, me) = c.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "ana");

    let mut no_csrf = c.clone();
    no_csrf.csrf = None;
    let (status, body) = no_csrf
        .post("/api/v1/me/tokens", json!({"name": "t"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let mut wrong = c.clone();
    wrong.csrf = Some("wrong".into());
    assert_eq!(
        wrong
            .post("/api/v1/me/tokens", json!({"name": "t"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let s = c
        .request(Method::POST, "/api/v1/me/tokens")
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({"name": "t"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        c.post("/api/v1/me/tokens", json!({"name": "t"})).await.0,
        StatusCode::CREATED
    );

    assert_eq!(
        c.post("/api/v1/auth/logout", json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(c.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

pub async fn password_change_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("admin", Role::Admin, false).await;
    let new = app.user("newbie", Role::Analyst, true).await;
    let c = app.login("newbie").await;
    let (status, body) = c.get("/api/v1/cases").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["detail"], "password change required");
    assert_eq!(c.get("/api/v1/me").await.0, StatusCode::OK);
    let (status, body) = c
        .post(
            "/api/v1/me/password",
            json!({"current_password": "nope", "new_password": "another long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "current_password");
    let (status, body) = c
        .post(
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "another long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(c.get("/api/v1/cases").await.0, StatusCode::OK);

    // An admin reset forces another change and ends the user's sessions.
    let admin = app.login("admin").await;
    let analyst_list = c.get("/api/v1/users").await.0;
    assert_eq!(analyst_list, StatusCode::FORBIDDEN);
    let (status, users) = admin.get("/api/v1/users").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users["items"].as_array().unwrap().len(), 2);
    let (status, _) = admin
        .post(
            &format!("/api/v1/users/{}/password", new.id),
            json!({"new_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (status, created) = admin
        .post(
            "/api/v1/users",
            json!({"username": "eve", "role": "viewer", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, patched) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", created["id"]),
            Some(json!({"role": "engineer"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["role"], "engineer");
    app.finish().await;
}

pub async fn token_revocation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    let c = app.login("ana").await;
    let (status, body) = c.post("/api/v1/me/tokens", json!({"name": "ci"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("psirt_"));
    let id = body["token"]["id"].as_i64().unwrap();
    let mut b = app.anonymous();
    b.bearer = Some(secret);
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::OK);
    // Bearer requests need no CSRF token.
    assert_eq!(
        b.post("/api/v1/cases", json!({"title": "by token"}))
            .await
            .0,
        StatusCode::CREATED
    );
    let (_, list) = c.get("/api/v1/me/tokens").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("secret").is_none());
    let (status, _) = c
        .send(Method::DELETE, &format!("/api/v1/me/tokens/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let mut junk = app.anonymous();
    junk.bearer = Some("psirt_junk".into());
    assert_eq!(junk.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

pub async fn triage_to_reporter_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    let anon = app.anonymous();
    let (_, sub) = anon.post("/api/v1/reports", good_report()).await;
    let token = sub["tracking_token"].as_str().unwrap().to_owned();
    let c = app.login("ana").await;
    let (status, queue) = c.get("/api/v1/reports?status=new").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    let (status, report) = c
        .post(
            &format!("/api/v1/reports/{}/triage", sub["id"]),
            json!({"action": "new_case"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let case_id = report["case_id"].as_i64().unwrap();
    let (status, case) = c.get(&format!("/api/v1/cases/{case_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(case["embargoed"], true);
    assert_eq!(case["title"], "XSS in login");
    let (status, _) = c
        .post(
            &format!("/api/v1/cases/{case_id}/transition"),
            json!({"to": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = c
        .post(
            &format!("/api/v1/cases/{case_id}/transition"),
            json!({"to": "triage"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, m) = c
        .post(
            &format!("/api/v1/cases/{case_id}/messages"),
            json!({"body": "Thanks, we are on it."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (_, track) = anon.get(&format!("/api/v1/track/{token}")).await;
    assert_eq!(track["status"], "linked");
    assert_eq!(track["case_state"], "triage");
    assert_eq!(track["messages"][0]["from"], "PSIRT");
    assert_eq!(track["messages"][0]["body"], "Thanks, we are on it.");
    let (_, tl) = c.get(&format!("/api/v1/cases/{case_id}/timeline")).await;
    let actions: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"case.create") && actions.contains(&"message.to_reporter"),
        "{actions:?}"
    );
    // Pagination.
    for i in 0..3 {
        c.post("/api/v1/cases", json!({"title": format!("c{i}")}))
            .await;
    }
    let (_, p1) = c.get("/api/v1/cases?limit=2").await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = c
        .get(&format!("/api/v1/cases?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 2);
    assert!(p2["next_cursor"].is_null());
    app.finish().await;
}

pub async fn openapi_document(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, doc) = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/v1/reports",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/members/{user_id}",
        "/api/v1/track/{token}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("NewReport").is_some());
    app.finish().await;
}

pub async fn body_limit_and_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anon = app.anonymous();
    // Just over the limit: the server answers from Content-Length and may close before reading
    // the body, so a much larger body could still be in flight and reset the connection.
    let huge = json!({"title": "t", "description": "x".repeat(psirt_server::api::BODY_LIMIT), "credit_preference": "none"});
    let resp = anon
        .request(Method::POST, "/api/v1/reports")
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let resp = anon
        .request(Method::GET, "/api/v1/track/x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(app
        .store
        .reports(None, &PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());
    app.finish().await;
}
