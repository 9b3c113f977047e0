//! psirt's HTTP layer: the REST API under `/api/v1` (JSON, problem+json errors), auth and
//! per-client rate limits. The binary calls [`serve`].

pub mod api;
pub mod api_advisories;
pub mod api_affects;
pub mod api_bounty;
pub mod api_clocks;
pub mod api_cra;
pub mod api_csaf_import;
pub mod api_cvss;
pub mod api_intake;
pub mod api_intel;
pub mod api_inventory;
pub mod api_metrics;
pub mod api_outbox;
pub mod api_rca;
pub mod api_releases;
pub mod auth;
pub mod csaf_provider;
pub mod engine;
pub mod error;
pub mod feed_http;
pub mod feed_sync;
pub mod intel;
pub mod keys;
pub mod outbox_worker;
pub mod public_advisories;
pub mod publish;
pub mod sbom;
pub mod ui;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use psirt_store::Store;

pub use auth::{AuthMethod, Staff};
pub use error::{ApiError, ApiResult};
pub use ipnet::IpNet;

/// How the server behaves; the binary fills it from its command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address reporters and staff reach psirt at, used in tracking links.
    pub public_url: String,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    pub session_ttl: time::Duration,
    /// Report submissions and reporter messages per client address and minute.
    pub report_rate_per_minute: u32,
    /// Login attempts per client address and minute.
    pub login_rate_per_minute: u32,
    /// Largest SBOM upload accepted, in bytes (other requests are limited to 1 MiB).
    pub sbom_max_bytes: usize,
    /// SBOM uploads whose body may be read or held at once (the one importing and those read ahead); the others
    /// wait before reading theirs. Memory for uploads is bounded by this times `sbom_max_bytes`.
    pub sbom_bodies_held: usize,
    /// An SBOM upload of which nothing arrives for this long ends with 408: it holds one of those turns.
    pub sbom_body_idle_timeout: std::time::Duration,
    /// How often the feed-sync worker looks for due feed sources (`None`: no worker).
    pub feed_sync_tick: Option<std::time::Duration>,
    /// How often the outbox worker looks for due notifications (`None`: no worker).
    pub outbox_tick: Option<std::time::Duration>,
    /// How long a worker holds a message it is delivering.
    pub outbox_lease: std::time::Duration,
    /// The most one delivery (webhook or e-mail) may take before it counts as failed.
    pub outbox_delivery_timeout: std::time::Duration,
    /// The first retry's wait; doubled at each further failure.
    pub outbox_backoff: std::time::Duration,
    /// E-mail delivery; without it e-mails wait in the outbox.
    pub smtp: Option<outbox_worker::SmtpConfig>,
    /// A bearer token that lets a Prometheus scraper read `/metrics` from anywhere.
    pub metrics_token: Option<String>,
    /// Whether loopback clients may read `/metrics` without the token.
    pub metrics_allow_loopback: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (rate limits, the `/metrics`
    /// loopback rule); empty: the TCP peer is the client and the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Who publishes advisories (id prefix, publisher, CNA identity).
    pub publisher: publish::PublisherConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            session_ttl: time::Duration::hours(12),
            report_rate_per_minute: 10,
            login_rate_per_minute: 10,
            sbom_max_bytes: 256 * 1024 * 1024,
            sbom_bodies_held: 3,
            sbom_body_idle_timeout: std::time::Duration::from_secs(60),
            feed_sync_tick: Some(std::time::Duration::from_secs(60)),
            outbox_tick: Some(std::time::Duration::from_secs(2)),
            outbox_lease: std::time::Duration::from_secs(120),
            outbox_delivery_timeout: std::time::Duration::from_secs(30),
            outbox_backoff: std::time::Duration::from_secs(30),
            smtp: None,
            metrics_token: None,
            metrics_allow_loopback: true,
            trusted_proxies: Vec::new(),
            publisher: publish::PublisherConfig::default(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub report_limiter: auth::RateLimiter,
    pub login_limiter: auth::RateLimiter,
    pub engine: engine::SharedEngine,
    pub requests: api_metrics::RequestCounters,
    pub signatures: csaf_provider::SignatureCache,
    pub published: csaf_provider::PublishedCache,
    /// One SBOM upload parsed and imported at a time: a parse holds the document's JSON tree (some 17 times the
    /// body while it is validated), and several large uploads at once would multiply that.
    pub sbom_imports: Arc<tokio::sync::Semaphore>,
    /// SBOM uploads whose body is read or held (`Config::sbom_bodies_held`): the others wait before reading theirs,
    /// so that parallel uploads queued behind the import do not each hold up to `sbom_max_bytes` meanwhile.
    pub sbom_bodies: Arc<tokio::sync::Semaphore>,
}

/// The whole application.
pub fn router(store: Store, config: Config) -> Router {
    router_with_engine(store, config, engine::SharedEngine::default())
}

/// The application sharing `engine` with the feed-sync worker.
pub fn router_with_engine(store: Store, config: Config, engine: engine::SharedEngine) -> Router {
    let state = AppState {
        store,
        report_limiter: auth::RateLimiter::new(config.report_rate_per_minute),
        login_limiter: auth::RateLimiter::new(config.login_rate_per_minute),
        engine,
        requests: api_metrics::RequestCounters::default(),
        signatures: csaf_provider::SignatureCache::default(),
        published: csaf_provider::PublishedCache::default(),
        sbom_imports: Arc::new(tokio::sync::Semaphore::new(1)),
        sbom_bodies: Arc::new(tokio::sync::Semaphore::new(config.sbom_bodies_held.max(1))),
        config: Arc::new(config),
    };
    use axum::http::{header, HeaderValue};
    use tower_http::set_header::SetResponseHeaderLayer;
    api::routes()
        .merge(api_inventory::routes())
        .merge(api_clocks::routes())
        .merge(api_cra::routes())
        .merge(api_bounty::routes())
        .merge(api_intake::routes())
        .merge(api_rca::routes())
        .merge(api_releases::routes())
        .merge(api_intel::routes())
        .merge(api_outbox::routes())
        .merge(api_metrics::routes())
        .merge(api_affects::routes())
        .merge(api_advisories::routes())
        .merge(api_csaf_import::routes())
        .merge(csaf_provider::routes())
        .merge(public_advisories::routes())
        .merge(ui::routes())
        .fallback(not_found)
        // After every route: it is set on each route registered so far.
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api_metrics::count_requests,
        ))
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(api::BODY_LIMIT))
        // Pages load nothing from elsewhere and run no inline script: an injected
        // <script> in a report could not run even if escaping failed somewhere.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Unknown paths: problem+json under the API, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        ApiError::NotFound("resource").into_response()
    } else {
        ui::UiError::Api(ApiError::NotFound("page")).into_response()
    }
}

/// A route asked with a method it does not have: the same problem+json (or error page) as every other error, with
/// axum's `Allow` header (set on a 405 from this fallback).
async fn method_not_allowed(
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let e = ApiError::BadRequest(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on this resource"),
    );
    if uri.path().starts_with("/api/") {
        e.into_response()
    } else {
        ui::UiError::Api(e).into_response()
    }
}

/// Serves until ctrl-c, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    config: Config,
) -> std::io::Result<()> {
    let engine = engine::SharedEngine::default();
    let feed_worker = {
        let (store, engine, tick) = (store.clone(), engine.clone(), config.feed_sync_tick);
        async move {
            match tick {
                Some(tick) => feed_sync::run_worker(store, engine, tick).await,
                None => std::future::pending().await,
            }
        }
    };
    let outbox_worker = {
        let store = store.clone();
        let tick = config.outbox_tick;
        let outbox = outbox_worker::OutboxConfig {
            tick: tick.unwrap_or_default(),
            lease: config.outbox_lease,
            timeout: config.outbox_delivery_timeout,
            backoff: config.outbox_backoff,
            smtp: config.smtp.clone(),
            public_url: config.public_url.clone(),
        };
        async move {
            match tick {
                Some(_) => outbox_worker::run_worker(store, outbox).await,
                None => std::future::pending().await,
            }
        }
    };
    let app = router_with_engine(store, config, engine);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    // One task: when it ends (or is aborted), the workers stop with the server; a message a
    // worker was delivering stays claimed only until its lease runs out.
    tokio::select! {
        served = server => served,
        () = feed_worker => Ok(()),
        () = outbox_worker => Ok(()),
    }
}
