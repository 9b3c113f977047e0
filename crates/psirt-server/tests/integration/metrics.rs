//! Metrics: the JSON/CSV API over seeded cases, the Prometheus endpoint's access rule, and (in
//! Chromium) the dashboard and the metrics page with their server-drawn charts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::{NewReport, ReportChannel, Role};
use psirt_store::testing::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Client, TestApp};

/// Three reports by two channels, triaged into cases with severities and CWEs.
pub async fn seed(app: &TestApp, ana: &Client) {
    for (i, (channel, severity, cwe)) in [
        (ReportChannel::Web, "S1", "CWE-79"),
        (ReportChannel::Email, "S2", "CWE-79"),
        (ReportChannel::Web, "S3", "CWE-89"),
    ]
    .into_iter()
    .enumerate()
    {
        let sub = app
            .store
            .submit_report(
                NewReport {
                    title: format!("Secret finding {i}"),
                    description: "details".into(),
                    reporter_email: "r@example.org".into(),
                    reporter_name: "Rae".into(),
                    ..Default::default()
                },
                channel,
            )
            .await
            .unwrap();
        let (s, r) = ana
            .post(
                &format!("/api/v1/reports/{}/triage", sub.report.id),
                json!({"action": "new_case"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let case = r["case_id"].as_i64().unwrap();
        let (s, c) = ana
            .send(
                reqwest::Method::PATCH,
                &format!("/api/v1/cases/{case}"),
                Some(json!({"severity": severity, "cwe_ids": [cwe]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        ana.post(
            &format!("/api/v1/cases/{case}/messages"),
            json!({"body": "Thanks"}),
        )
        .await;
    }
}

pub async fn metrics_api_and_prometheus(backend: Backend) {
    let config = psirt_server::Config {
        metrics_token: Some("scrape-token-123".into()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let viewer = app.user("vic", Role::Viewer, false).await;
    let ana = app.bearer(&analyst).await;
    let vic = app.bearer(&viewer).await;
    seed(&app, &ana).await;
    assert_eq!(vic.get("/api/v1/metrics").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        ana.get("/api/v1/metrics?from=yesterday").await.0,
        StatusCode::BAD_REQUEST
    );
    let (s, m) = ana.get("/api/v1/metrics").await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let total: u64 = m["reports_per_channel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 3);
    assert_eq!(m["top_cwes"][0], json!({"cwe_id": 79, "count": 2}));
    let open: u64 = m["open_cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(open, 3);
    // Every case was acknowledged (a message to the reporter): a mean exists per severity.
    assert_eq!(
        m["mean_times"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["acknowledge"].is_object())
            .count(),
        3,
        "{m}"
    );
    let (s, none) = ana.get("/api/v1/metrics?product=Nothing").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(none["reports_per_channel"], json!([]));
    let resp = ana
        .request(reqwest::Method::GET, "/api/v1/metrics?format=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.unwrap();
    assert!(
        csv.starts_with("metric,key,value\n") && csv.contains("cwe,CWE-79,2\n"),
        "{csv}"
    );

    // /metrics: loopback is allowed; text format; nothing about any case.
    let prom = app
        .anonymous()
        .request(reqwest::Method::GET, "/metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(prom.status(), StatusCode::OK);
    let text = prom.text().await.unwrap();
    assert!(
        text.contains("# TYPE psirt_cases_open gauge\npsirt_cases_open 3\n"),
        "{text}"
    );
    assert!(
        text.contains("psirt_http_requests_total{class=\"2xx\"}"),
        "{text}"
    );
    assert!(text.contains("psirt_outbox_pending "), "{text}");
    assert!(!text.contains("Secret finding"), "{text}");
    app.finish().await;

    // Without loopback trust only the token opens it.
    let config = psirt_server::Config {
        metrics_token: Some("scrape-token-123".into()),
        metrics_allow_loopback: false,
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let anon = app.anonymous();
    assert_eq!(
        anon.request(reqwest::Method::GET, "/metrics")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = anon
        .request(reqwest::Method::GET, "/metrics")
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ok = anon
        .request(reqwest::Method::GET, "/metrics")
        .bearer_auth("scrape-token-123")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    app.finish().await;
}

/// `/metrics` without the token, with these extra headers.
async fn scrape(app: &TestApp, headers: &[(&str, &str)], token: Option<&str>) -> StatusCode {
    let mut req = app.anonymous().request(reqwest::Method::GET, "/metrics");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap().status()
}

/// The loopback rule behind reverse proxies: a local proxy that is not configured as trusted
/// (it forwards, the peer is 127.0.0.1) does not open `/metrics`; a trusted one opens it only to
/// the local clients it names.
pub async fn prometheus_behind_proxies(backend: Backend) {
    let token = Some("scrape-token-123");
    let config = psirt_server::Config {
        metrics_token: token.map(Into::into),
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, config.clone()).await;
    assert_eq!(scrape(&app, &[], None).await, StatusCode::OK);
    let xff = ("x-forwarded-for", "203.0.113.9");
    let fwd = ("forwarded", "for=203.0.113.9;proto=https");
    assert_eq!(scrape(&app, &[xff], None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&app, &[fwd], None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, &[("x-forwarded-for", "127.0.0.1")], None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scrape(&app, &[xff], token).await, StatusCode::OK);
    assert_eq!(scrape(&app, &[fwd], token).await, StatusCode::OK);
    app.finish().await;

    let config = psirt_server::Config {
        trusted_proxies: vec![psirt_server::auth::parse_trusted_proxy("127.0.0.1/32").unwrap()],
        ..config
    };
    let app = TestApp::spawn_with(backend, config.clone()).await;
    assert_eq!(scrape(&app, &[], None).await, StatusCode::OK);
    // An internet client through the local proxy.
    assert_eq!(scrape(&app, &[xff], None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, &[("x-forwarded-for", "127.0.0.1, 203.0.113.9")], None).await,
        StatusCode::UNAUTHORIZED
    );
    // A header the server cannot read, or only `Forwarded` (not parsed): not local.
    assert_eq!(
        scrape(&app, &[("x-forwarded-for", "unknown")], None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scrape(&app, &[fwd], None).await, StatusCode::UNAUTHORIZED);
    // A local client through the local proxy.
    assert_eq!(
        scrape(&app, &[("x-forwarded-for", "127.0.0.1")], None).await,
        StatusCode::OK
    );
    assert_eq!(scrape(&app, &[xff], token).await, StatusCode::OK);
    app.finish().await;

    // A trusted network beside the local proxy: a host in it (not a proxy) that writes
    // `X-Forwarded-For: 127.0.0.1` itself is named by the proxy after it, and is not local.
    let config = psirt_server::Config {
        trusted_proxies: ["127.0.0.1/32", "10.0.0.0/8"]
            .iter()
            .map(|n| psirt_server::auth::parse_trusted_proxy(n).unwrap())
            .collect(),
        ..config
    };
    let app = TestApp::spawn_with(backend, config).await;
    let spoof = ("x-forwarded-for", "127.0.0.1, 10.5.5.5");
    assert_eq!(scrape(&app, &[spoof], None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, &[("x-forwarded-for", "10.5.5.5, 127.0.0.1")], None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scrape(&app, &[spoof], token).await, StatusCode::OK);
    assert_eq!(
        scrape(&app, &[("x-forwarded-for", "127.0.0.1, ::1")], None).await,
        StatusCode::OK
    );
    app.finish().await;
}
