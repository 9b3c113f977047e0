//! User administration (admins only).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_domain::{DomainError, FieldError, Role};
use psirt_store::users::{NewUser, UserPatch};
use psirt_store::User;
use serde::Deserialize;

use super::{html, notice_text, see_other, when, CsrfForm, Layout, NoticeQuery, UiResult, UiStaff};
use crate::api::require_admin;
use crate::error::{ApiError, Path, Query};
use crate::{AppState, Staff};

pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: &'static str,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            created: when(&u.created_at),
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            role: u.role.as_str(),
            disabled: u.disabled,
            must_change_password: u.must_change_password,
        }
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserView>,
    roles: Vec<&'static str>,
    errors: Vec<FieldError>,
}

async fn users_page(
    st: &AppState,
    staff: &Staff,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> UiResult {
    let users = st
        .store
        .users()
        .await?
        .into_iter()
        .map(UserView::from)
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UsersPage {
        layout: Layout::staff(staff).with_notice(notice),
        users,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        errors,
    };
    html(status, &page)
}

pub async fn users(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<NoticeQuery>,
) -> UiResult {
    require_admin(&staff)?;
    users_page(&st, &staff, vec![], notice_text(q.notice.as_deref())).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
}

pub async fn create_user(State(st): State<AppState>, f: CsrfForm<NewUserForm>) -> UiResult {
    require_admin(&f.staff)?;
    let role: Role = match f.form.role.parse() {
        Ok(r) => r,
        Err(_) => {
            let e = FieldError::new("role", "choose a role");
            return users_page(&st, &f.staff, vec![e], None).await;
        }
    };
    let new = NewUser {
        username: f.form.username,
        role,
        password: f.form.password,
        display_name: f.form.display_name,
        email: f.form.email,
        must_change_password: true,
    };
    match st.store.create_user(&f.staff.actor(), new).await {
        Ok(_) => see_other("/admin/users?notice=user_created"),
        Err(psirt_store::StoreError::Domain(DomainError::Invalid(errors))) => {
            users_page(&st, &f.staff, errors, None).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

#[derive(Deserialize)]
pub struct UpdateUserForm {
    #[serde(default)]
    role: String,
    /// A checkbox: present when ticked.
    disabled: Option<String>,
}

pub async fn update_user(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<UpdateUserForm>,
) -> UiResult {
    require_admin(&f.staff)?;
    let role: Role = f.form.role.parse().map_err(ApiError::from)?;
    let patch = UserPatch {
        role: Some(role),
        disabled: Some(f.form.disabled.is_some()),
        display_name: None,
        email: None,
    };
    st.store.update_user(&f.staff.actor(), id, patch).await?;
    see_other("/admin/users?notice=user_updated")
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new_password: String,
}

pub async fn reset_password(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<ResetForm>,
) -> UiResult {
    require_admin(&f.staff)?;
    match st
        .store
        .set_password(&f.staff.actor(), id, None, &f.form.new_password, true)
        .await
    {
        Ok(()) => see_other("/admin/users?notice=password_reset"),
        Err(psirt_store::StoreError::Domain(DomainError::Invalid(errors))) => {
            users_page(&st, &f.staff, errors, None).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
