//! Who is looking at a page, and the CSRF check on every form.
//!
//! Staff forms carry the session's CSRF token in a hidden `csrf` field. Forms shown before a
//! session exists (login, the public report form) use a double-submit token: a random value
//! in a SameSite=Strict cookie that the form must repeat.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

use super::UiError;
use crate::auth::{check_same_site, constant_time_eq, cookie_value, session_staff};
use crate::error::ApiError;
use crate::{AppState, Staff};

/// Paths a user who must change their password may still open.
const PASSWORD_CHANGE_PATHS: &[&str] = &["/account/password", "/logout"];

/// A logged-in staff member looking at a page; anyone else is sent to the login page.
#[derive(Debug, Clone)]
pub struct UiStaff(pub Staff);

impl FromRequestParts<AppState> for UiStaff {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let Some(staff) = session_staff(&parts.headers, state).await? else {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into());
            return Err(UiError::LoginRequired { next });
        };
        if staff.user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(UiError::PasswordChangeRequired);
        }
        Ok(UiStaff(staff))
    }
}

/// A staff form post whose `csrf` field matched the session's token.
pub struct CsrfForm<T> {
    pub staff: Staff,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, UiError> {
        let (mut parts, body) = req.into_parts();
        let UiStaff(staff) = UiStaff::from_request_parts(&mut parts, state).await?;
        check_same_site(&parts.headers)?;
        let bytes = read_body(Request::from_parts(parts, body), state).await?;
        if !staff.csrf_matches(field(&bytes, "csrf").as_deref()) {
            return Err(ApiError::Forbidden(
                "the form's security token is missing or stale; reload the page and try again",
            )
            .into());
        }
        Ok(CsrfForm {
            staff,
            form: parse_form(&bytes)?,
        })
    }
}

/// A form posted before login (login, public report form), checked against the
/// double-submit cookie.
pub struct PublicForm<T> {
    pub form: T,
    pub headers: HeaderMap,
}

pub const FORM_COOKIE: &str = "psirt_form";

impl<T: DeserializeOwned> FromRequest<AppState> for PublicForm<T> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, UiError> {
        check_same_site(req.headers())?;
        let headers = req.headers().clone();
        let bytes = read_body(req, state).await?;
        let cookie = cookie_value(&headers, FORM_COOKIE).unwrap_or_default();
        let sent = field(&bytes, "csrf").unwrap_or_default();
        if cookie.is_empty() || !constant_time_eq(cookie.as_bytes(), sent.as_bytes()) {
            return Err(ApiError::Forbidden(
                "the form's security token is missing or stale (are cookies enabled?); reload the page and try again",
            )
            .into());
        }
        Ok(PublicForm {
            form: parse_form(&bytes)?,
            headers,
        })
    }
}

/// The token for a public form: the one the browser already holds, or a new one to set.
pub fn public_form_token(headers: &HeaderMap) -> Result<(String, Option<HeaderValue>), UiError> {
    if let Some(existing) = cookie_value(headers, FORM_COOKIE).filter(|v| v.len() >= 32) {
        return Ok((existing.to_owned(), None));
    }
    let token = psirt_store::secrets::random_token()?;
    let cookie = format!("{FORM_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    let value = HeaderValue::from_str(&cookie)
        .map_err(|_| ApiError::BadRequest(StatusCode::INTERNAL_SERVER_ERROR, "cookie".into()))?;
    Ok((token, Some(value)))
}

async fn read_body(req: Request, state: &AppState) -> Result<Bytes, UiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|r| ApiError::BadRequest(r.status(), r.body_text()).into())
}

fn field(bytes: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, UiError> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| {
        ApiError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, format!("bad form: {e}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_field_of_a_form() {
        assert_eq!(
            field(b"a=1&csrf=abc%2Bd&b=2", "csrf").as_deref(),
            Some("abc+d")
        );
        assert_eq!(field(b"a=1", "csrf"), None);
    }
}
