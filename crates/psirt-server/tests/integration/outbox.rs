//! Notifications through the outbox, with real local receivers: a webhook receiver that is down
//! then up, psirt killed mid-delivery, and an SMTP receiver that is down then up. Every message
//! arrives, and each idempotency key is processed exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode as S};
use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::harness::{Client, TestApp};

const SECRET: &str = "a webhook secret of some length";

#[derive(Clone, Default)]
struct Receiver {
    down: Arc<AtomicBool>,
    /// The first request hangs this long (psirt gets killed meanwhile).
    hang_first_ms: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    /// Processed payloads by idempotency key (a repeat is acknowledged, not processed again).
    processed: Arc<Mutex<HashMap<String, Value>>>,
    bad_signatures: Arc<AtomicUsize>,
}

async fn webhook_receiver(r: Receiver) -> String {
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(r): axum::extract::State<Receiver>,
                 h: HeaderMap,
                 body: String| async move {
                    let n = r.requests.fetch_add(1, Ordering::SeqCst);
                    if r.down.load(Ordering::SeqCst) {
                        return S::SERVICE_UNAVAILABLE;
                    }
                    let hang = r.hang_first_ms.load(Ordering::SeqCst);
                    if n == 0 && hang > 0 {
                        tokio::time::sleep(Duration::from_millis(hang as u64)).await;
                    }
                    let header = |k: &str| h.get(k).unwrap().to_str().unwrap().to_owned();
                    let ts: i64 = header("x-psirt-timestamp").parse().unwrap();
                    let fresh = (time::OffsetDateTime::now_utc().unix_timestamp() - ts).abs() < 300;
                    if !fresh
                        || header("x-psirt-signature")
                            != psirt_server::outbox_worker::signature(SECRET, ts, &body)
                    {
                        r.bad_signatures.fetch_add(1, Ordering::SeqCst);
                        return S::UNAUTHORIZED;
                    }
                    let key = header("x-psirt-delivery");
                    r.processed
                        .lock()
                        .unwrap()
                        .entry(key)
                        .or_insert_with(|| serde_json::from_str(&body).unwrap());
                    S::NO_CONTENT
                },
            ),
        )
        .with_state(r);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn fast() -> psirt_server::Config {
    psirt_server::Config {
        outbox_tick: Some(Duration::from_millis(50)),
        outbox_backoff: Duration::from_millis(100),
        outbox_lease: Duration::from_secs(1),
        // Within the lease: a killed worker's message is taken again a second later.
        outbox_delivery_timeout: Duration::from_millis(500),
        feed_sync_tick: None,
        ..Default::default()
    }
}

async fn wait_until<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    for _ in 0..300 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn outbox(adm: &Client, status: &str) -> Vec<Value> {
    let (s, b) = adm.get(&format!("/api/v1/outbox?status={status}")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["items"].as_array().unwrap().clone()
}

async fn setup(app: &TestApp, url: &str) -> (Client, Client) {
    let admin = app.user("root", Role::Admin, false).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let adm = app.bearer(&admin).await;
    let ana = app.bearer(&analyst).await;
    assert_eq!(
        ana.post(
            "/api/v1/webhooks",
            json!({"url": url, "secret": SECRET, "events": ["case.*"]})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, e) = adm
        .post(
            "/api/v1/webhooks",
            json!({"url": url, "secret": "short", "events": ["case.*"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, w) = adm
        .post(
            "/api/v1/webhooks",
            json!({"url": url, "secret": SECRET, "events": ["case.create", "case.transition"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    assert!(w.get("secret").is_none(), "the secret is never shown");
    (adm, ana)
}

pub async fn webhook_receiver_down_then_up(backend: Backend) {
    let r = Receiver::default();
    r.down.store(true, Ordering::SeqCst);
    let url = webhook_receiver(r.clone()).await;
    let app = TestApp::spawn_with(backend, fast()).await;
    let (adm, ana) = setup(&app, &url).await;
    let (_, secret_case) = ana
        .post("/api/v1/cases", json!({"title": "Embargoed RCE"}))
        .await;
    let (s, public_case) = ana
        .post(
            "/api/v1/cases",
            json!({"title": "Public typo", "embargoed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{public_case}");
    // A comment is not subscribed: no message for it.
    ana.post(
        &format!("/api/v1/cases/{}/comments", public_case["id"]),
        json!({"body": "x"}),
    )
    .await;
    let (s, _) = ana
        .post(
            &format!("/api/v1/cases/{}/transition", public_case["id"]),
            json!({"to": "triage"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Down: attempts fail and are retried.
    wait_until("failed attempts", || async {
        r.requests.load(Ordering::SeqCst) >= 6
    })
    .await;
    let pending = outbox(&adm, "pending").await;
    assert_eq!(pending.len(), 3, "{pending:?}");
    let id = pending[0]["id"].as_i64().unwrap();
    let (_, log) = adm.get(&format!("/api/v1/outbox/{id}/attempts")).await;
    assert_eq!(log["items"][0]["ok"], false);
    assert_eq!(log["items"][0]["detail"], "HTTP 503");

    r.down.store(false, Ordering::SeqCst);
    wait_until("delivery", || async {
        r.processed.lock().unwrap().len() == 3
    })
    .await;
    wait_until("all delivered", || async {
        outbox(&adm, "delivered").await.len() == 3
    })
    .await;
    assert!(outbox(&adm, "pending").await.is_empty());
    let processed = r.processed.lock().unwrap().clone();
    let keys: Vec<String> = outbox(&adm, "delivered")
        .await
        .iter()
        .map(|m| m["idempotency_key"].as_str().unwrap().to_owned())
        .collect();
    let mut got: Vec<&String> = processed.keys().collect();
    got.sort();
    let mut want: Vec<&String> = keys.iter().collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(r.bad_signatures.load(Ordering::SeqCst), 0);
    // Embargoed case events carry ids only; public ones the change.
    let secret_id = secret_case["id"].to_string();
    for p in processed.values() {
        if p["entity_id"].as_str() == Some(secret_id.as_str()) {
            assert_eq!(p["data"], json!({"redacted": true}), "{p}");
        } else if p["event"] == "case.create" {
            assert_eq!(p["data"]["after"]["title"], "Public typo", "{p}");
        }
    }
    app.finish().await;
}

pub async fn killed_mid_delivery_loses_nothing(backend: Backend) {
    let r = Receiver::default();
    r.hang_first_ms.store(5_000, Ordering::SeqCst);
    let url = webhook_receiver(r.clone()).await;
    let mut app = TestApp::spawn_with(backend, fast()).await;
    let (_, ana) = setup(&app, &url).await;
    for i in 0..3 {
        ana.post(
            "/api/v1/cases",
            json!({"title": format!("case {i}"), "embargoed": false}),
        )
        .await;
    }
    // The first delivery is in flight (the receiver holds it): kill psirt now.
    wait_until("first request", || async {
        r.requests.load(Ordering::SeqCst) >= 1
    })
    .await;
    app.kill_and_restart(fast()).await;
    let admin = app
        .bearer(&app.user("root2", Role::Admin, false).await)
        .await;
    wait_until("all delivered after restart", || async {
        outbox(&admin, "delivered").await.len() == 3
    })
    .await;
    wait_until("all processed", || async {
        r.processed.lock().unwrap().len() == 3
    })
    .await;
    let keys: Vec<String> = outbox(&admin, "delivered")
        .await
        .iter()
        .map(|m| m["idempotency_key"].as_str().unwrap().to_owned())
        .collect();
    let processed = r.processed.lock().unwrap().clone();
    for k in &keys {
        assert!(processed.contains_key(k), "{k} lost");
    }
    assert_eq!(
        processed.len(),
        keys.len(),
        "nothing processed twice or unknown"
    );
    app.finish().await;
}

/// A receiver that holds the first request longer than the delivery timeout: that attempt fails (the worker does not
/// wait on it past its lease) and the retry delivers.
pub async fn slow_receiver_is_cut_off_and_retried(backend: Backend) {
    let r = Receiver::default();
    r.hang_first_ms.store(4_000, Ordering::SeqCst);
    let url = webhook_receiver(r.clone()).await;
    let config = psirt_server::Config {
        outbox_delivery_timeout: Duration::from_secs(1),
        outbox_lease: Duration::from_secs(2),
        ..fast()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let (adm, ana) = setup(&app, &url).await;
    let (s, _) = ana
        .post(
            "/api/v1/cases",
            json!({"title": "Slow", "embargoed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    wait_until("delivered", || async {
        outbox(&adm, "delivered").await.len() == 1
    })
    .await;
    let id = outbox(&adm, "delivered").await[0]["id"].as_i64().unwrap();
    let (_, log) = adm.get(&format!("/api/v1/outbox/{id}/attempts")).await;
    let attempts = log["items"].as_array().unwrap();
    assert!(attempts.len() >= 2, "{log}");
    assert_eq!(attempts[0]["ok"], false);
    assert_eq!(attempts[0]["detail"], "no answer within 1s", "{log}");
    assert_eq!(attempts.last().unwrap()["ok"], true, "{log}");
    let delivered = attempts.iter().filter(|a| a["ok"] == true).count();
    assert_eq!(delivered, 1, "delivered once: {log}");
    // One request per logged attempt: nothing sent besides them.
    assert_eq!(r.requests.load(Ordering::SeqCst), attempts.len());
    app.finish().await;
}

/// A minimal SMTP server: records each message's Message-ID and text; deduplicates on the id.
async fn smtp_receiver(
    listener: tokio::net::TcpListener,
    mail: Arc<Mutex<HashMap<String, String>>>,
) {
    loop {
        let Ok((sock, _)) = listener.accept().await else {
            return;
        };
        let mail = mail.clone();
        tokio::spawn(async move {
            let (rd, mut wr) = sock.into_split();
            let mut lines = BufReader::new(rd).lines();
            wr.write_all(b"220 test ESMTP\r\n").await.unwrap();
            let mut data: Option<String> = None;
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(d) = data.as_mut() {
                    if line == "." {
                        let id = d
                            .lines()
                            .find_map(|l| l.strip_prefix("Message-ID: "))
                            .unwrap_or("")
                            .to_owned();
                        mail.lock().unwrap().entry(id).or_insert_with(|| d.clone());
                        data = None;
                        wr.write_all(b"250 queued\r\n").await.unwrap();
                    } else {
                        d.push_str(&line);
                        d.push('\n');
                    }
                    continue;
                }
                let verb = line.split(' ').next().unwrap_or("").to_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250 test\r\n",
                    "DATA" => {
                        data = Some(String::new());
                        b"354 go\r\n"
                    }
                    "QUIT" => {
                        wr.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    }
                    _ => b"250 ok\r\n",
                };
                wr.write_all(reply).await.unwrap();
            }
        });
    }
}

pub async fn email_receiver_down_then_up(backend: Backend) {
    // Reserve a port, leave it closed: the SMTP server is "down".
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = psirt_server::Config {
        smtp: Some(psirt_server::outbox_worker::SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: psirt_server::outbox_worker::SmtpSecurity::None,
            username: None,
            password: None,
            from: "psirt@example.org".into(),
        }),
        ..fast()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let admin = app.user("root", Role::Admin, false).await;
    app.user("ana", Role::Analyst, false).await;
    let adm = app.bearer(&admin).await;
    let anon = app.anonymous();
    let (_, sub) = anon
        .post("/api/v1/reports", json!({"title": "SQLi in search", "description": "' OR 1=1 --", "reporter_name": "Ada", "reporter_email": "ada@example.org"}))
        .await;
    let c = app.login("ana").await;
    let (_, report) = c
        .post(
            &format!("/api/v1/reports/{}/triage", sub["id"]),
            json!({"action": "new_case"}),
        )
        .await;
    let case_id = report["case_id"].as_i64().unwrap();
    let (s, _) = c
        .post(
            &format!("/api/v1/cases/{case_id}/messages"),
            json!({"body": "Secret details of the fix"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = c
        .post(
            &format!("/api/v1/cases/{case_id}/transition"),
            json!({"to": "triage"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    wait_until("a failed SMTP attempt", || async {
        outbox(&adm, "pending")
            .await
            .iter()
            .any(|m| m["attempts"].as_i64().unwrap() >= 1 && m["last_error"].is_string())
    })
    .await;
    let mail = Arc::new(Mutex::new(HashMap::new()));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(smtp_receiver(listener, mail.clone()));
    wait_until("both e-mails", || async { mail.lock().unwrap().len() == 2 }).await;
    wait_until("delivered", || async {
        outbox(&adm, "pending").await.is_empty()
    })
    .await;
    let mail = mail.lock().unwrap().clone();
    let texts: Vec<&String> = mail.values().collect();
    assert!(
        texts.iter().all(|t| t.contains("To: ada@example.org")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("New message about your vulnerability report")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("triage")), "{texts:?}");
    // The reporter's mail never carries the case's content.
    assert!(
        texts
            .iter()
            .all(|t| !t.contains("Secret details") && !t.contains("SQLi")),
        "{texts:?}"
    );
    app.finish().await;
}

pub async fn dead_letters_page(backend: Backend) {
    use psirt_store::outbox::{Delivery, MAX_ATTEMPTS};
    let config = psirt_server::Config {
        outbox_tick: None,
        ..fast()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let admin = app.user("root", Role::Admin, false).await;
    app.user("ana", Role::Analyst, false).await;
    let adm = app.bearer(&admin).await;
    let (s, hook) = adm
        .post(
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/hook", "secret": SECRET, "events": ["case.create"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hook}");
    let (s, case) = adm.post("/api/v1/cases", json!({"title": "x"})).await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    // Fail it to death (no worker runs in this app).
    for attempt in 0..MAX_ATTEMPTS {
        // Due at once (no backoff) by the wall clock, which a loaded virtual machine may step back by a little:
        // asked again for up to half a second before the message counts as lost.
        let mut claimed = Vec::new();
        for _ in 0..20 {
            claimed = app
                .store
                .claim_outbox(&["webhook"], 1, time::Duration::ZERO)
                .await
                .unwrap();
            if !claimed.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(
            claimed.len(),
            1,
            "attempt {attempt}: {:?}",
            app.store.outbox(None, 10).await
        );
        let m = claimed.remove(0);
        app.store
            .finish_delivery(
                &m,
                &Delivery::Failed("connection refused".into(), time::Duration::ZERO),
            )
            .await
            .unwrap();
    }
    let dead = outbox(&adm, "dead").await;
    assert_eq!(dead.len(), 1);
    let id = dead[0]["id"].as_i64().unwrap();
    let ana = crate::ui::Browser::login(&app, "ana").await;
    assert_eq!(ana.get("/admin/outbox").await.0, StatusCode::FORBIDDEN);
    let b = crate::ui::Browser::login(&app, "root").await;
    let (s, page) = b.get("/admin/outbox").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(&format!("id=\"dead-{id}\"")) && page.contains("connection refused"),
        "{page}"
    );
    let (s, loc) = b.post(&format!("/admin/outbox/{id}/redeliver"), &[]).await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, "/admin/outbox?notice=redelivered")
    );
    assert!(outbox(&adm, "dead").await.is_empty());
    assert_eq!(outbox(&adm, "pending").await.len(), 1);
    app.finish().await;
}
