//! The metrics page: charts drawn on the server (SVG), filters by product and period, CSV.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_domain::metrics::MetricsPage;

use super::charts::{bars, stacked, Bar, Column};
use super::{html, Layout, UiResult, UiStaff};
use crate::api_metrics::erased::Named;
use crate::api_metrics::{compute, MetricsQuery};
use crate::error::Query;
use crate::AppState;

#[derive(Template)]
#[template(path = "metrics.html")]
struct MetricsView {
    layout: Layout,
    product: String,
    from: String,
    until: String,
    bucket: String,
    csv_query: String,
    charts: Vec<String>,
}

fn sev(s: Option<psirt_domain::Severity>) -> String {
    s.map_or_else(|| "unrated".to_owned(), |s| s.as_str().to_owned())
}

fn hours(seconds: i64) -> String {
    if seconds >= 2 * 86_400 {
        format!("{:.1} d", seconds as f64 / 86_400.0)
    } else {
        format!("{:.1} h", seconds as f64 / 3_600.0)
    }
}

/// Every chart of the page, as SVG.
pub fn charts(page: &MetricsPage) -> Vec<String> {
    let mut channels: Vec<String> = page
        .reports_per_channel
        .iter()
        .map(|c| c.channel.name())
        .collect();
    channels.sort();
    channels.dedup();
    let mut columns: Vec<Column> = Vec::new();
    for c in &page.reports_per_channel {
        let series = channels
            .iter()
            .position(|n| *n == c.channel.name())
            .unwrap_or(0);
        match columns.last_mut() {
            Some(col) if col.label == c.period => col.parts.push((series, c.count as f64)),
            _ => columns.push(Column {
                label: c.period.clone(),
                parts: vec![(series, c.count as f64)],
            }),
        }
    }
    let open: Vec<Bar> = page
        .open_cases
        .iter()
        .map(|o| Bar {
            label: format!("{} · {}", sev(o.severity), o.age.name()),
            value: o.count as f64,
            text: o.count.to_string(),
        })
        .collect();
    let mut mean = Vec::new();
    for m in &page.mean_times {
        for (what, d) in [
            ("acknowledge", m.acknowledge),
            ("triage", m.triage),
            ("remediate", m.remediate),
        ] {
            if let Some(d) = d {
                mean.push(Bar {
                    label: format!("{} {what}", sev(m.severity)),
                    value: d.mean_seconds as f64,
                    text: format!("{} (n={})", hours(d.mean_seconds), d.count),
                });
            }
        }
    }
    let sla: Vec<Bar> = page
        .sla_compliance
        .iter()
        .filter_map(|s| {
            s.percent.map(|p| Bar {
                label: s.kind.name(),
                value: p,
                text: format!("{p:.1}% ({}/{})", s.met, s.met + s.breached),
            })
        })
        .collect();
    let cwes: Vec<Bar> = page
        .top_cwes
        .iter()
        .map(|c| Bar {
            label: format!("CWE-{}", c.cwe_id),
            value: c.count as f64,
            text: c.count.to_string(),
        })
        .collect();
    let bounty: Vec<Bar> = page
        .bounty_spend
        .by_severity
        .iter()
        .map(|(s, usd)| Bar {
            label: sev(*s),
            value: *usd as f64,
            text: format!("${usd}"),
        })
        .collect();
    vec![
        stacked("chart-reports", "Reports by channel", &channels, &columns),
        bars("chart-open", "Open cases by severity and age", &open),
        bars(
            "chart-mean",
            "Mean time to acknowledge / triage / remediate",
            &mean,
        ),
        bars("chart-sla", "SLA compliance", &sla),
        bars("chart-cwes", "Top CWEs", &cwes),
        bars(
            "chart-bounty",
            &format!("Bounty spend (total ${})", page.bounty_spend.total_usd),
            &bounty,
        ),
    ]
}

pub async fn page(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<MetricsQuery>,
) -> UiResult {
    let page = compute(&st, &staff, &q).await?;
    let csv_query = serde_urlencoded::to_string([
        ("product", q.product.as_deref().unwrap_or("")),
        ("from", q.from.as_deref().unwrap_or("")),
        ("until", q.until.as_deref().unwrap_or("")),
        ("bucket", q.bucket.as_deref().unwrap_or("month")),
        ("format", "csv"),
    ])
    .unwrap_or_default();
    html(
        StatusCode::OK,
        &MetricsView {
            layout: Layout::staff(&staff),
            product: q.product.clone().unwrap_or_default(),
            from: q.from.clone().unwrap_or_default(),
            until: q.until.clone().unwrap_or_default(),
            bucket: q.bucket.clone().unwrap_or_else(|| "month".into()),
            csv_query,
            charts: charts(&page),
        },
    )
}
