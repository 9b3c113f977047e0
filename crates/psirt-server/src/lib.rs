//! psirt's HTTP layer: the REST API under `/api/v1` (JSON, problem+json errors), auth and
//! per-client rate limits. The binary calls [`serve`].

pub mod api;
pub mod api_cvss;
pub mod auth;
pub mod error;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use psirt_store::Store;

pub use auth::{AuthMethod, Staff};
pub use error::{ApiError, ApiResult};

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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            session_ttl: time::Duration::hours(12),
            report_rate_per_minute: 10,
            login_rate_per_minute: 10,
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
}

/// The whole application.
pub fn router(store: Store, config: Config) -> Router {
    let state = AppState {
        store,
        report_limiter: auth::RateLimiter::new(config.report_rate_per_minute),
        login_limiter: auth::RateLimiter::new(config.login_rate_per_minute),
        config: Arc::new(config),
    };
    use axum::http::{header, HeaderValue};
    use tower_http::set_header::SetResponseHeaderLayer;
    api::routes()
        .with_state(state)
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

/// Serves until ctrl-c, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    config: Config,
) -> std::io::Result<()> {
    let app = router(store, config);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
