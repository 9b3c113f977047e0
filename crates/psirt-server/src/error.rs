//! One error type for every handler, rendered as RFC 9457 problem+json.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use psirt_domain::{DomainError, FieldError};
use psirt_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{1}")]
    BadRequest(StatusCode, String),
    #[error("too many requests")]
    TooManyRequests,
    /// A failure that is ours, not the client's: logged, answered with a generic 500.
    #[error("internal: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

fn problem(status: StatusCode, detail: String, errors: Option<&[FieldError]>) -> Response {
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response()
}

impl ApiError {
    /// The status, the human-readable detail and the field errors that answer this error,
    /// whatever the format (problem+json for the API, an HTML page for the UI).
    pub fn parts(&self) -> (StatusCode, String, Option<&[FieldError]>) {
        match self {
            ApiError::Domain(d) | ApiError::Store(StoreError::Domain(d)) => match d {
                DomainError::Invalid(errors) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the request has invalid fields".into(),
                    Some(errors),
                ),
                DomainError::TransitionNotAllowed { .. }
                | DomainError::GuardFailed { .. }
                | DomainError::NotAllowed { .. } => (StatusCode::CONFLICT, d.to_string(), None),
                DomainError::UnknownValue { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, d.to_string(), None)
                }
            },
            ApiError::Store(StoreError::NotFound(what)) | ApiError::NotFound(what) => {
                (StatusCode::NOT_FOUND, format!("{what} not found"), None)
            }
            ApiError::Store(StoreError::Conflict(msg)) => (StatusCode::CONFLICT, msg.clone(), None),
            ApiError::Store(StoreError::UnstorableText(msg)) => {
                (StatusCode::BAD_REQUEST, msg.clone(), None)
            }
            ApiError::Store(e) => {
                tracing::error!(error = %e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "an internal error occurred".into(),
                    None,
                )
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "an internal error occurred".into(),
                    None,
                )
            }
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, (*m).into(), None),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, (*m).into(), None),
            ApiError::BadRequest(s, m) => (*s, m.clone(), None),
            ApiError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests; try again later".into(),
                None,
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail, errors) = self.parts();
        let mut r = problem(status, detail, errors);
        if status == StatusCode::TOO_MANY_REQUESTS {
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        }
        r
    }
}

impl From<psirt_formats::publish::PublishError> for ApiError {
    /// An advisory that cannot be rendered is the client's to fix (add affects, drop a duplicate
    /// CVE...), except a schema that does not compile, which is ours.
    fn from(e: psirt_formats::publish::PublishError) -> Self {
        match e {
            psirt_formats::publish::PublishError::SchemaSetup { .. } => {
                ApiError::Internal(e.to_string())
            }
            other => ApiError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError::BadRequest(r.status(), r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(StatusCode::BAD_REQUEST, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest(StatusCode::NOT_FOUND, r.body_text())
    }
}

/// `axum::Json` whose rejections are problem+json.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` whose rejections are problem+json.
#[derive(Debug, Clone, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` whose rejections are problem+json.
#[derive(Debug, Clone, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<crate::engine::EngineError> for ApiError {
    fn from(e: crate::engine::EngineError) -> Self {
        match e {
            crate::engine::EngineError::Store(e) => ApiError::Store(e),
            // Only queries reach the engine with client input (a purl that does not parse).
            crate::engine::EngineError::Match(e) => {
                ApiError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            // Reads use the engine loaded meanwhile (`SharedEngine::current`): only a re-match says so.
            e @ crate::engine::EngineError::Behind => {
                ApiError::BadRequest(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
        }
    }
}

/// The body of a request that `checked` says may go on, read (at most `limit` bytes); for handlers that check the
/// caller and the target before reading a large body, which `Bytes` would keep whole (up to the route's limit)
/// before a refused caller is answered. A refused request's body is read and dropped as it comes (up to `limit`),
/// so that a client still sending it gets the refusal, not a broken connection. `idle`: as [`read_body`]'s.
pub async fn body_if_allowed(
    checked: ApiResult<()>,
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
    idle: Option<std::time::Duration>,
) -> ApiResult<axum::body::Bytes> {
    if let Err(e) = checked {
        // A client waiting for `100 Continue` has sent nothing yet: reading would ask it for the whole body.
        let waits = headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        if waits {
            return Err(e);
        }
        use http_body_util::BodyExt;
        let mut body = body;
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, |d| d.len());
            if seen > limit {
                break;
            }
        }
        return Err(e);
    }
    read_body(headers, body, limit, idle).await
}

/// Reads a request body of at most `limit` bytes: 413 above it, at once when its `Content-Length` says so. With
/// `idle`, a body of which nothing arrives for that long ends with 408: an upload that holds a turn while its body
/// arrives must not keep it from everyone queued behind it by stalling.
async fn read_body(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    limit: usize,
    idle: Option<std::time::Duration>,
) -> ApiResult<axum::body::Bytes> {
    use http_body_util::BodyExt;
    let too_large = || {
        ApiError::BadRequest(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than the {limit} bytes accepted here"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = body;
    let mut out = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    loop {
        let next = match idle {
            Some(idle) => tokio::time::timeout(idle, body.frame())
                .await
                .map_err(|_| {
                    ApiError::BadRequest(
                        StatusCode::REQUEST_TIMEOUT,
                        format!(
                            "nothing of the request body arrived for {} s",
                            idle.as_secs()
                        ),
                    )
                })?,
            None => body.frame().await,
        };
        let frame = match next {
            None => break,
            Some(frame) => frame.map_err(|e| {
                ApiError::BadRequest(
                    StatusCode::BAD_REQUEST,
                    format!("reading the request body: {e}"),
                )
            })?,
        };
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(too_large());
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out.into())
}
