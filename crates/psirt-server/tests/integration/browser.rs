//! End to end in a real headless Chromium (Debian's `chromium` + `chromium-driver`, which
//! `.ci/run` installs): a reporter submits a report, an analyst logs in, opens a case from
//! it, writes to the reporter, and the reporter reads the answer through the tracking link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;

use crate::webdriver::{Client, Element, Locator};
use psirt_domain::Role;
use psirt_store::testing::Backend;
use serde_json::json;

use crate::harness::{TestApp, PASSWORD};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process on a free port, killed when dropped.
struct Driver {
    child: std::process::Child,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> (Driver, Client) {
        Self::start_in(None).await
    }

    /// With Chromium in time zone `tz` (the `TZ` of the driver, which Chromium inherits).
    async fn start_in(tz: Option<&str>) -> (Driver, Client) {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists(),
            "{CHROMEDRIVER} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = std::process::Command::new(CHROMEDRIVER);
        if let Some(tz) = tz {
            command.env("TZ", tz);
        }
        let child = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().unwrap();
        // The flags keep Chromium off the network (this machine has none) and headless as root.
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let mut last_error = String::new();
        for _ in 0..100 {
            match Client::connect(&url, caps.clone()).await {
                Ok(client) => {
                    return (
                        Driver {
                            child,
                            _profile: profile,
                        },
                        client,
                    )
                }
                Err(e) => last_error = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver at {url} did not start a session: {last_error}");
    }
}

/// The element, waiting for it: a click that submits a form returns before the next page loads.
async fn element<'a>(b: &'a Client, locator: Locator<'_>) -> Element<'a> {
    b.wait_for(locator).await
}

async fn fill(b: &Client, css: &str, text: &str) {
    let e = element(b, Locator::Css(css)).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn click(b: &Client, css: &str) {
    element(b, Locator::Css(css)).await.click().await.unwrap();
}

async fn text_of(b: &Client, css: &str) -> String {
    element(b, Locator::Css(css)).await.text().await.unwrap()
}

/// Waits until the element's text is `want` (scores arrive from the server asynchronously).
async fn wait_for_text(b: &Client, css: &str, want: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = b.find(&Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if t.trim() == want {
                    return;
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {want:?}; last {last:?}");
}

pub async fn report_to_reporter_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("alice", Role::Analyst, false).await;
    let (driver, b) = Driver::start().await;

    // The reporter: the public form, one mistake first (no description), then a good report.
    b.goto(&format!("{}/", app.base)).await;
    click(&b, "#start-report").await;
    fill(&b, "#title", "Heap overflow in the image parser").await;
    fill(&b, "#product", "PixelKit 4.2").await;
    click(&b, "#submit-report").await;
    // The browser refuses an empty required field before sending; fill it with blanks to
    // reach the server's own validation.
    fill(&b, "#description", "   ").await;
    click(&b, "#submit-report").await;
    let errors = text_of(&b, "#form-errors").await;
    assert!(errors.contains("description"), "{errors}");
    assert_eq!(
        app.store
            .reports(None, &Default::default())
            .await
            .unwrap()
            .items
            .len(),
        0,
        "nothing is stored from an invalid report"
    );
    fill(
        &b,
        "#description",
        "A crafted PNG overflows a heap buffer in decode_chunk().",
    )
    .await;
    fill(&b, "#reporter_name", "Rita Researcher").await;
    click(&b, "#submit-report").await;
    let tracking = element(&b, Locator::Css("#tracking-link"))
        .await
        .attr("href")
        .await
        .unwrap()
        .expect("tracking link");
    assert!(tracking.starts_with(&format!("{}/track/", app.base)));
    b.goto(&tracking).await;
    assert_eq!(text_of(&b, "#report-status").await, "new");

    // The analyst: login, the queue, a new case from the report, a message to the reporter.
    b.delete_all_cookies().await;
    b.goto(&format!("{}/reports", app.base)).await;
    // Not logged in: the login page, which returns to the queue afterwards.
    fill(&b, "#username", "alice").await;
    fill(&b, "#password", PASSWORD).await;
    click(&b, "#login").await;
    assert_eq!(text_of(&b, "#current-user").await, "alice (analyst)");
    let link = element(&b, Locator::LinkText("Heap overflow in the image parser")).await;
    link.click().await.unwrap();
    click(&b, "#open-case").await;
    wait_for_text(&b, "p.notice", "Report triaged.").await;
    let title = text_of(&b, "#case-title").await;
    assert!(
        title.contains("Heap overflow in the image parser"),
        "{title}"
    );
    assert_eq!(text_of(&b, "#case-embargo").await, "embargoed");
    fill(
        &b,
        "#reporter-message",
        "Thanks Rita, we reproduced it; a fix is planned for 4.2.1.",
    )
    .await;
    click(&b, "#send-reporter-message").await;
    wait_for_text(&b, "p.notice", "Message sent to the reporter.").await;
    let thread = text_of(&b, "#message-list").await;
    assert!(thread.contains("we reproduced it"), "{thread}");
    let timeline = text_of(&b, "#timeline").await;
    assert!(timeline.contains("message"), "{timeline}");

    // The CVSS calculator on the case page: paste a vector, see it scored, change a metric
    // and see the score follow, then save it as the case's assessment.
    fill(
        &b,
        "input.cvss-paste",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    )
    .await;
    click(&b, "button.cvss-load").await;
    wait_for_text(&b, ".cvss-score", "9.8").await;
    assert_eq!(
        text_of(&b, ".cvss-severity").await.to_lowercase(),
        "critical"
    );
    click(&b, "input[type=radio][data-metric=AV][data-value=P]").await;
    wait_for_text(&b, ".cvss-score", "6.8").await;
    let vector = text_of(&b, ".cvss-vector").await;
    assert!(vector.contains("AV:P"), "{vector}");
    click(&b, "input[type=radio][data-metric=AV][data-value=N]").await;
    wait_for_text(&b, ".cvss-score", "9.8").await;
    click(&b, "button.cvss-save").await;
    // Saving reloads the page: the assessment is listed and suggests S1.
    wait_for_text(&b, "#case-severity", "S1").await;
    let note = text_of(&b, "#severity-note").await;
    assert!(note.contains("suggested by CVSS"), "{note}");
    let table = text_of(&b, "#assessments").await;
    assert!(table.contains("9.8 CRITICAL"), "{table}");
    let timeline = text_of(&b, "#timeline").await;
    assert!(timeline.contains("severity_suggested"), "{timeline}");
    // PSIRT_SCREENSHOTS=dir keeps a picture of the case page, for people changing the UI.
    if let Ok(dir) = std::env::var("PSIRT_SCREENSHOTS") {
        b.set_window_size(1280, 2400).await;
        let png = b.screenshot().await;
        std::fs::write(format!("{dir}/case-{}.png", app.store.backend()), png).unwrap();
    }

    // The reporter again, with no session: the tracking link shows the answer and the case.
    b.delete_all_cookies().await;
    b.goto(&tracking).await;
    let messages = text_of(&b, "#messages").await;
    assert!(messages.contains("we reproduced it"), "{messages}");
    assert!(messages.contains("PSIRT"), "{messages}");
    assert_eq!(text_of(&b, "#report-status").await, "linked");
    // And can answer.
    fill(&b, "#message-body", "Great, happy to test the fix.").await;
    click(&b, "#send-message").await;
    wait_for_text(&b, "p.notice", "Message sent. The PSIRT will answer here.").await;
    let messages = text_of(&b, "#messages").await;
    assert!(messages.contains("happy to test"), "{messages}");

    b.close().await;
    drop(driver);
    app.finish().await;
}

/// The dashboard and the metrics page with seeded data: the charts are drawn (SVG bars with a
/// size in the rendered page), the filter and the CSV link work.
pub async fn dashboard_and_metrics_charts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("alice", Role::Analyst, false).await;
    let api = app.bearer(&analyst).await;
    crate::metrics::seed(&app, &api).await;
    let (driver, b) = Driver::start_in(Some("Asia/Tokyo")).await;
    b.goto(&format!("{}/dashboard", app.base)).await;
    fill(&b, "#username", "alice").await;
    fill(&b, "#password", PASSWORD).await;
    click(&b, "#login").await;
    // The S1 case tops the urgent list.
    let urgent = text_of(&b, "#urgent-cases").await;
    assert!(urgent.contains("Secret finding 0"), "{urgent}");
    let queue = text_of(&b, "#due-clocks").await;
    assert!(!queue.is_empty());
    // Times are shown in the reader's zone (Tokyo here), the UTC time in the tooltip.
    let t = element(&b, Locator::Css("#due-clocks time.local-time")).await;
    let (shown, utc) = (
        t.text().await.unwrap(),
        t.attr("title").await.unwrap().unwrap(),
    );
    assert!(
        utc.ends_with(" UTC") && !shown.contains("UTC") && shown.contains("GMT+9"),
        "{shown} / {utc}"
    );

    b.goto(&format!("{}/metrics-page", app.base)).await;
    element(&b, Locator::Css("#chart-reports")).await;
    let drawn = b
        .execute(
            "return Array.from(document.querySelectorAll('svg.chart')).map(s => [s.id, \
             Array.from(s.querySelectorAll('rect.bar')).filter(r => r.getBoundingClientRect().width > 0 && r.getBoundingClientRect().height > 0).length]);",
        )
        .await;
    let drawn: Vec<(String, u64)> = serde_json::from_value(drawn).unwrap();
    let count = |id: &str| {
        drawn
            .iter()
            .find(|(i, _)| i == id)
            .map(|d| d.1)
            .unwrap_or(0)
    };
    assert_eq!(drawn.len(), 6, "{drawn:?}");
    // Two channels in one month; three open cases; two CWEs.
    assert_eq!(count("chart-reports"), 2, "{drawn:?}");
    assert_eq!(count("chart-open"), 3, "{drawn:?}");
    assert_eq!(count("chart-cwes"), 2, "{drawn:?}");
    // Acknowledged at once in this test: zero-length bars, but labelled.
    let mean = text_of(&b, "#chart-mean").await;
    assert!(
        mean.contains("S1 acknowledge") && mean.contains("S3 acknowledge"),
        "{mean}"
    );
    let cwe_text = text_of(&b, "#chart-cwes").await;
    assert!(cwe_text.contains("CWE-79"), "{cwe_text}");
    // A filter with no match empties the charts.
    fill(&b, "input[name=product]", "No such product").await;
    click(&b, "#metrics-filter button").await;
    let mut empty = false;
    for _ in 0..50 {
        let t = b.execute("return document.querySelector('#chart-reports') ? document.querySelector('#chart-reports').textContent : ''").await;
        if t.as_str().is_some_and(|t| t.contains("No data")) {
            empty = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(empty, "the filtered page shows no data");
    let csv = element(&b, Locator::Css("#metrics-csv"))
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        csv.contains("format=csv") && csv.contains("product=No+such+product"),
        "{csv}"
    );
    if let Ok(dir) = std::env::var("PSIRT_SCREENSHOTS") {
        b.goto(&format!("{}/metrics-page", app.base)).await;
        b.set_window_size(1280, 2000).await;
        std::fs::write(
            format!("{dir}/metrics-{}.png", app.store.backend()),
            b.screenshot().await,
        )
        .unwrap();
    }
    b.close().await;
    drop(driver);
    app.finish().await;
}
