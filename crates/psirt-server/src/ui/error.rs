//! Errors of the HTML pages: the API's errors shown as a page, plus the redirects a browser
//! needs (to the login page, to the password change).

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use psirt_domain::FieldError;

use super::Layout;
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Not logged in: go to the login page, then back to `next`.
    #[error("login required")]
    LoginRequired { next: String },
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("rendering a page: {0}")]
    Render(askama::Error),
}

impl From<psirt_store::StoreError> for UiError {
    fn from(e: psirt_store::StoreError) -> Self {
        UiError::Api(e.into())
    }
}

impl From<psirt_domain::DomainError> for UiError {
    fn from(e: psirt_domain::DomainError) -> Self {
        UiError::Api(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    title: &'a str,
    detail: &'a str,
    errors: &'a [FieldError],
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            UiError::LoginRequired { next } => {
                let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                Redirect::to(&format!("/login?{q}")).into_response()
            }
            UiError::PasswordChangeRequired => Redirect::to("/account/password").into_response(),
            UiError::Render(e) => {
                tracing::error!(error = %e, "template rendering failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
            UiError::Api(e) => {
                let (status, detail, errors) = e.parts();
                // A session that expired between pages: back to the login page.
                if status == StatusCode::UNAUTHORIZED {
                    return Redirect::to("/login").into_response();
                }
                let page = ErrorPage {
                    layout: Layout::public(),
                    status: status.as_u16(),
                    title: status.canonical_reason().unwrap_or("Error"),
                    detail: &detail,
                    errors: errors.unwrap_or_default(),
                };
                match page.render() {
                    Ok(body) => (
                        status,
                        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        body,
                    )
                        .into_response(),
                    Err(_) => (status, detail).into_response(),
                }
            }
        }
    }
}
