//! Metrics: `GET /api/v1/metrics` (JSON, or CSV with `format=csv`) for the PSIRT, and the
//! Prometheus endpoint `/metrics` for operations — answered only to loopback clients or with
//! the configured scrape token, and carrying counts and ages only (nothing about any case).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use psirt_domain::metrics::{metrics_page, MetricsFilter, MetricsPage, PeriodBucket};
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time};

use crate::auth::{self, Staff};
use crate::error::{ApiError, ApiResult, Json, Query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/metrics", get(metrics_json))
        .route("/metrics", get(prometheus))
}

/// Requests served, by status class (1xx..5xx).
#[derive(Clone, Default)]
pub struct RequestCounters(Arc<[AtomicU64; 5]>);

pub async fn count_requests(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let class = usize::from(resp.status().as_u16() / 100).clamp(1, 5) - 1;
    st.requests.0[class].fetch_add(1, Ordering::Relaxed);
    resp
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub struct MetricsQuery {
    /// Only cases of this product.
    pub product: Option<String>,
    /// Received on or after this day (YYYY-MM-DD, UTC).
    pub from: Option<String>,
    /// Received before this day.
    pub until: Option<String>,
    /// `month` (default) or `week`.
    pub bucket: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn day(field: &str, s: Option<&str>) -> ApiResult<Option<OffsetDateTime>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Date::parse(s, &format)
            .map(|d| Some(d.with_time(Time::MIDNIGHT).assume_utc()))
            .map_err(|_| {
                ApiError::BadRequest(
                    StatusCode::BAD_REQUEST,
                    format!("{field} must be a date (YYYY-MM-DD)"),
                )
            }),
    }
}

/// Requires the PSIRT: the figures cover embargoed cases too.
pub async fn compute(st: &AppState, staff: &Staff, q: &MetricsQuery) -> ApiResult<MetricsPage> {
    if !staff.viewer().can_triage() {
        return Err(ApiError::Forbidden("metrics are for the PSIRT"));
    }
    let filter = MetricsFilter {
        product: q.product.clone().filter(|p| !p.trim().is_empty()),
        from: day("from", q.from.as_deref())?,
        until: day("until", q.until.as_deref())?,
    };
    let bucket = match q.bucket.as_deref().unwrap_or("month") {
        "month" => PeriodBucket::Month,
        "week" => PeriodBucket::Week,
        _ => {
            return Err(ApiError::BadRequest(
                StatusCode::BAD_REQUEST,
                "bucket must be month or week".into(),
            ))
        }
    };
    let facts = st.store.metric_facts().await?;
    Ok(metrics_page(&facts, &filter, bucket, st.store.now(), 10))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One row per figure: `metric,key,value`.
pub fn to_csv(page: &MetricsPage) -> String {
    let mut rows = vec!["metric,key,value".to_owned()];
    let name = |v: &dyn erased::Named| v.name();
    for c in &page.reports_per_channel {
        rows.push(format!(
            "reports,{} {},{}",
            c.period,
            name(&c.channel),
            c.count
        ));
    }
    for o in &page.open_cases {
        let sev = o
            .severity
            .map_or("unrated".into(), |s| s.as_str().to_owned());
        rows.push(format!("open_cases,{sev} {},{}", name(&o.age), o.count));
    }
    for m in &page.mean_times {
        let sev = m
            .severity
            .map_or("unrated".into(), |s| s.as_str().to_owned());
        for (what, d) in [
            ("acknowledge", m.acknowledge),
            ("triage", m.triage),
            ("remediate", m.remediate),
        ] {
            if let Some(d) = d {
                rows.push(format!("mean_seconds_to_{what},{sev},{}", d.mean_seconds));
            }
        }
    }
    for s in &page.sla_compliance {
        if let Some(p) = s.percent {
            rows.push(format!("sla_compliance_percent,{},{p}", name(&s.kind)));
        }
    }
    for c in &page.top_cwes {
        rows.push(format!("cwe,CWE-{},{}", c.cwe_id, c.count));
    }
    rows.push(format!("bounty_usd,total,{}", page.bounty_spend.total_usd));
    rows.into_iter()
        .map(|r| {
            let mut parts = r.splitn(3, ',');
            let (a, b, c) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            format!("{},{},{}\n", csv_field(a), csv_field(b), csv_field(c))
        })
        .collect()
}

/// serde names of the domain enums, for CSV keys and chart labels.
pub mod erased {
    pub trait Named {
        fn name(&self) -> String;
    }
    impl<T: serde::Serialize> Named for T {
        fn name(&self) -> String {
            serde_json::to_value(self)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }
    }
}

#[utoipa::path(get, path = "/api/v1/metrics", tag = "metrics", params(MetricsQuery),
    responses((status = 200, description = "MetricsPage as JSON, or CSV (metric,key,value)"), (status = "4XX", description = "problem+json error")))]
async fn metrics_json(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<MetricsQuery>,
) -> ApiResult<Response> {
    let page = compute(&st, &staff, &q).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(page).into_response()),
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"psirt-metrics.csv\"",
                ),
            ],
            to_csv(&page),
        )
            .into_response()),
        _ => Err(ApiError::BadRequest(
            StatusCode::BAD_REQUEST,
            "format must be json or csv".into(),
        )),
    }
}

/// Whether the client is on this host. A request without `X-Forwarded-For` or `Forwarded`: its
/// TCP peer is loopback. One carrying `Forwarded` (not parsed): never local. One carrying
/// `X-Forwarded-For`: local only when the peer is a configured trusted proxy on this host and
/// every entry of every `X-Forwarded-For` value is a loopback address (an internet client
/// forwarded by a local proxy is not local, nor is a host in a trusted network that wrote
/// `127.0.0.1` itself, nor a header the server cannot read): an unconfigured proxy on this host
/// must not open `/metrics` to everyone.
fn loopback_client(st: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    let peer = peer.ip().to_canonical();
    if headers.contains_key(header::FORWARDED) {
        return false;
    }
    if !headers.contains_key(auth::X_FORWARDED_FOR) {
        return peer.is_loopback();
    }
    if !(peer.is_loopback() && auth::is_trusted(peer, &st.config.trusted_proxies)) {
        return false;
    }
    let entries = auth::forwarded_entries(auth::forwarded_for_values(headers));
    !entries.is_empty() && entries.iter().all(|e| e.is_some_and(|ip| ip.is_loopback()))
}

async fn prometheus(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token_ok = st.config.metrics_token.as_deref().is_some_and(|want| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|got| crate::auth::constant_time_eq(got.as_bytes(), want.as_bytes()))
    });
    if !(token_ok || (st.config.metrics_allow_loopback && loopback_client(&st, peer, &headers))) {
        return Err(ApiError::Unauthorized("a scrape token is required"));
    }
    let g = st.store.gauges().await?;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: Vec<(String, f64)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, v) in samples {
            out.push_str(&format!("{name}{labels} {v}\n"));
        }
    };
    let classes = ["1xx", "2xx", "3xx", "4xx", "5xx"];
    metric(
        "psirt_http_requests_total",
        "counter",
        "HTTP requests served, by status class.",
        classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    format!("{{class=\"{c}\"}}"),
                    st.requests.0[i].load(Ordering::Relaxed) as f64,
                )
            })
            .collect(),
    );
    metric(
        "psirt_published_set_reads_total",
        "counter",
        "Reads of every advisory's published CSAF document for the public pages and the CSAF provider directory \
         (one per publication seen; more means the cache is not holding).",
        vec![(
            String::new(),
            st.published.reads() as f64,
        )],
    );
    metric(
        "psirt_cases_open",
        "gauge",
        "Cases not closed or rejected.",
        vec![(String::new(), g.cases_open as f64)],
    );
    metric(
        "psirt_reports_new",
        "gauge",
        "Reports waiting for triage.",
        vec![(String::new(), g.reports_new as f64)],
    );
    metric(
        "psirt_outbox_pending",
        "gauge",
        "Notifications waiting for delivery.",
        vec![(String::new(), g.outbox_pending as f64)],
    );
    metric(
        "psirt_outbox_dead",
        "gauge",
        "Notifications that exhausted their retries.",
        vec![(String::new(), g.outbox_dead as f64)],
    );
    metric(
        "psirt_outbox_lag_seconds",
        "gauge",
        "How long the oldest due notification has waited.",
        vec![(String::new(), g.outbox_lag_seconds)],
    );
    metric(
        "psirt_feed_sync_age_seconds",
        "gauge",
        "Seconds since each feed source last synced (-1: never).",
        g.feed_sync_age_seconds
            .iter()
            .map(|(s, a)| {
                (
                    format!("{{source=\"{}\"}}", s.replace(['"', '\\', '\n'], "_")),
                    a.unwrap_or(-1.0),
                )
            })
            .collect(),
    );
    metric(
        "psirt_intel_records",
        "gauge",
        "Stored intel records.",
        vec![(String::new(), g.intel_records as f64)],
    );
    metric(
        "psirt_upstream_matches_new",
        "gauge",
        "Matches waiting in the upstream queue.",
        vec![(String::new(), g.matches_new as f64)],
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(metrics_json))]
pub struct MetricsApiDoc;
