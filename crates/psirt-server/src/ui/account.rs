//! Login, logout, the user's own password and API tokens.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use psirt_domain::{DomainError, FieldError};
use psirt_store::ApiToken;
use serde::Deserialize;

use super::session::{public_form_token, PublicForm};
use super::{html, notice_text, see_other, when, CsrfForm, Layout, NoticeQuery, UiResult, UiStaff};
use crate::api::session_cookie;
use crate::auth::{AuthMethod, ClientIp};
use crate::error::{ApiError, Path, Query};
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    next: String,
    username: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only local paths: `next` must not send a user who just logged in to another site. Browsers drop tabs and line
/// breaks from a URL before reading it (`/<TAB>/evil.example` is `//evil.example`, another host) and read `\` as
/// `/`: a path with any control character, white space or backslash is refused whole.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            n.into()
        }
        _ => "/".into(),
    }
}

pub async fn login_form(headers: HeaderMap, Query(q): Query<LoginQuery>) -> UiResult {
    let (csrf, cookie) = public_form_token(&headers)?;
    let page = LoginPage {
        layout: Layout::public(),
        csrf,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
    };
    let mut resp = html(StatusCode::OK, &page)?;
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(st): State<AppState>,
    ip: ClientIp,
    PublicForm { form, headers }: PublicForm<LoginForm>,
) -> UiResult {
    st.login_limiter.check(ip.0)?;
    let next = safe_next(form.next.as_deref());
    let user = st
        .store
        .authenticate(&form.username, &form.password)
        .await?
        .filter(|u| !u.disabled);
    let Some(user) = user else {
        let (csrf, _) = public_form_token(&headers)?;
        let page = LoginPage {
            layout: Layout::public(),
            csrf,
            next,
            username: form.username,
            error: Some("Wrong username or password."),
        };
        return html(StatusCode::UNAUTHORIZED, &page);
    };
    let session = st
        .store
        .create_session(&user, st.config.session_ttl)
        .await?;
    let target = if user.must_change_password {
        "/account/password".to_owned()
    } else {
        next
    };
    let mut resp = see_other(&target)?;
    resp.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&st, &session.secret, st.config.session_ttl.whole_seconds()),
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(State(st): State<AppState>, f: CsrfForm<Empty>) -> UiResult {
    if let AuthMethod::Session { session_id } = f.staff.method {
        st.store
            .revoke_session(&f.staff.actor(), session_id)
            .await?;
    }
    let mut resp = see_other("/login")?;
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&st, "", 0));
    Ok(resp)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    forced: bool,
    errors: Vec<FieldError>,
}

pub async fn password_form(UiStaff(staff): UiStaff, Query(q): Query<NoticeQuery>) -> UiResult {
    let page = PasswordPage {
        forced: staff.user.must_change_password,
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        errors: vec![],
    };
    html(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(State(st): State<AppState>, f: CsrfForm<PasswordForm>) -> UiResult {
    let staff = f.staff;
    let errors = if f.form.new_password != f.form.confirm_password {
        vec![FieldError::new(
            "confirm_password",
            "does not match the new password",
        )]
    } else {
        match st
            .store
            .set_password(
                &staff.actor(),
                staff.user.id,
                Some(&f.form.current_password),
                &f.form.new_password,
                false,
            )
            .await
        {
            Ok(()) => return see_other("/account/password?notice=password_changed"),
            Err(psirt_store::StoreError::Domain(DomainError::Invalid(errors))) => errors,
            Err(e) => return Err(ApiError::from(e).into()),
        }
    };
    let page = PasswordPage {
        forced: staff.user.must_change_password,
        layout: Layout::staff(&staff),
        errors,
    };
    html(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            prefix: t.token_prefix,
            created: when(&t.created_at),
            expires: t
                .expires_at
                .as_ref()
                .map(when)
                .unwrap_or_else(|| "never".into()),
            last_used: t
                .last_used_at
                .as_ref()
                .map(when)
                .unwrap_or_else(|| "never".into()),
            revoked: t.revoked_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<TokenView>,
    /// A token just created: its secret is shown this once.
    new_secret: Option<String>,
    errors: Vec<FieldError>,
}

async fn tokens_page(
    st: &AppState,
    staff: &crate::Staff,
    new_secret: Option<String>,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> UiResult {
    let tokens = st
        .store
        .api_tokens(staff.user.id)
        .await?
        .into_iter()
        .map(TokenView::from)
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = TokensPage {
        layout: Layout::staff(staff).with_notice(notice),
        tokens,
        new_secret,
        errors,
    };
    html(status, &page)
}

pub async fn tokens(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<NoticeQuery>,
) -> UiResult {
    tokens_page(&st, &staff, None, vec![], notice_text(q.notice.as_deref())).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    /// Days until the token expires; empty for never.
    #[serde(default)]
    expires_in_days: String,
}

pub async fn create_token(State(st): State<AppState>, f: CsrfForm<TokenForm>) -> UiResult {
    let days = f.form.expires_in_days.trim();
    let expires_at = if days.is_empty() {
        None
    } else {
        match days.parse::<i64>() {
            Ok(d) if (1..=3650).contains(&d) => Some(st.store.now() + time::Duration::days(d)),
            _ => {
                let e = FieldError::new("expires_in_days", "must be a number of days, 1 to 3650");
                return tokens_page(&st, &f.staff, None, vec![e], None).await;
            }
        }
    };
    match st
        .store
        .create_api_token(&f.staff.actor(), f.staff.user.id, &f.form.name, expires_at)
        .await
    {
        Ok(t) => tokens_page(&st, &f.staff, Some(t.secret), vec![], None).await,
        Err(psirt_store::StoreError::Domain(DomainError::Invalid(errors))) => {
            tokens_page(&st, &f.staff, None, errors, None).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

pub async fn revoke_token(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> UiResult {
    st.store
        .revoke_api_token(&f.staff.actor(), f.staff.user.id, id)
        .await?;
    see_other("/account/tokens?notice=token_revoked")
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/cases/3")), "/cases/3");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        for sneaky in [
            "/\t/evil.example/",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /x",
            "/\u{7f}/x",
        ] {
            assert_eq!(safe_next(Some(sneaky)), "/", "{sneaky:?}");
        }
        assert_eq!(safe_next(Some("/cases?q=a%20b")), "/cases?q=a%20b");
        assert_eq!(safe_next(None), "/");
    }
}
