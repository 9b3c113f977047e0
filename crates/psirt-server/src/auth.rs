//! Who is asking: session cookies (with CSRF) and Bearer API tokens; per-IP rate limits.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use psirt_domain::Viewer;
use psirt_store::{Actor, User};

use crate::error::ApiError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "psirt_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Session { session_id: i64 },
    ApiToken,
}

/// An authenticated staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub method: AuthMethod,
    /// The session's CSRF token (cookie sessions only).
    pub csrf_token: Option<String>,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.user.id,
            username: self.user.username.clone(),
        }
    }
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.user.id,
            role: self.user.role,
        }
    }
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Paths a user who must change their password may still use.
const PASSWORD_CHANGE_PATHS: &[&str] =
    &["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<Staff>() {
            return Ok(cached.clone());
        }
        let staff = if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthorized(
                    "expected `Authorization: Bearer psirt_...`",
                ))?;
            let user = state.store.user_for_api_token(token.trim()).await?.ok_or(
                ApiError::Unauthorized("invalid, expired or revoked API token"),
            )?;
            Staff {
                user,
                method: AuthMethod::ApiToken,
                csrf_token: None,
            }
        } else {
            let staff = session_staff(&parts.headers, state)
                .await?
                .ok_or(ApiError::Unauthorized("login required"))?;
            let unsafe_method =
                !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if unsafe_method {
                check_same_site(&parts.headers)?;
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if !staff.csrf_matches(sent) {
                    return Err(ApiError::Forbidden("missing or wrong X-CSRF-Token header"));
                }
            }
            staff
        };
        if staff.user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(ApiError::Forbidden("password change required"));
        }
        parts.extensions.insert(staff.clone());
        Ok(staff)
    }
}

/// The staff member whose session cookie came with the request, without any CSRF check:
/// callers check the token where the request carries it (header for the API, form field for the UI).
pub(crate) async fn session_staff(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<Staff>, ApiError> {
    let Some(secret) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state.store.session(secret).await?.map(|session| Staff {
        user: session.user,
        method: AuthMethod::Session {
            session_id: session.id,
        },
        csrf_token: Some(session.csrf_token),
    }))
}

/// Browsers say where a request comes from; a cross-site state change is refused outright.
pub(crate) fn check_same_site(headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(ApiError::Forbidden("cross-site request refused"));
    }
    Ok(())
}

impl Staff {
    /// Whether `sent` is this session's CSRF token (never true for API tokens, which need none).
    pub fn csrf_matches(&self, sent: Option<&str>) -> bool {
        match (&self.csrf_token, sent) {
            (Some(expected), Some(sent)) => constant_time_eq(sent.as_bytes(), expected.as_bytes()),
            _ => false,
        }
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address (from the connection), 0.0.0.0 when unknown.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// A fixed-window counter per client address.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Arc<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Arc::default(),
        }
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if w.len() > 100_000 {
            w.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = w.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(ApiError::TooManyRequests);
        }
        entry.1 += 1;
        Ok(())
    }
}
