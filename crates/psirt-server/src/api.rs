//! The REST API under `/api/v1`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use psirt_domain::{CaseAction, CaseState, NewReport, ReportChannel, ReportStatus, Resolution};
use psirt_store::cases::{CaseFilter, CasePatch, NewCase};
use psirt_store::reports::TriageDecision;
use psirt_store::users::{NewUser, UserPatch};
use psirt_store::{Case, PageRequest, User};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::auth::{AuthMethod, ClientIp, Staff, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::AppState;

/// Bodies larger than this are refused (413) before parsing.
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/password", post(change_password))
        .route("/api/v1/me/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/me/tokens/{id}", delete(revoke_token))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}", axum::routing::patch(update_user))
        .route("/api/v1/users/{id}/password", post(reset_password))
        .route("/api/v1/reports", post(submit_report).get(list_reports))
        .route("/api/v1/reports/{id}", get(get_report))
        .route("/api/v1/reports/{id}/triage", post(triage_report))
        .route("/api/v1/track/{token}", get(track))
        .route("/api/v1/track/{token}/messages", post(track_message))
        .route("/api/v1/cases", get(list_cases).post(create_case))
        .route("/api/v1/cases/{id}", get(get_case).patch(patch_case))
        .route("/api/v1/cases/{id}/transition", post(transition_case))
        .route(
            "/api/v1/cases/{id}/comments",
            get(list_comments).post(add_comment),
        )
        .route(
            "/api/v1/cases/{id}/messages",
            get(case_messages).post(case_message),
        )
        .route("/api/v1/cases/{id}/timeline", get(timeline))
        .route(
            "/api/v1/cases/{id}/members/{user_id}",
            put(add_member).delete(remove_member),
        )
        .merge(crate::api_cvss::routes())
}

// ---------------------------------------------------------------- auth and accounts

#[derive(Deserialize, utoipa::ToSchema)]
struct LoginBody {
    username: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct SessionInfo {
    user: User,
    csrf_token: Option<String>,
}

pub(crate) fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn login(
    State(st): State<AppState>,
    ip: ClientIp,
    Json(body): Json<LoginBody>,
) -> ApiResult<Response> {
    st.login_limiter.check(ip.0)?;
    let user = st
        .store
        .authenticate(&body.username, &body.password)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(ApiError::Unauthorized("wrong username or password"))?;
    let session = st
        .store
        .create_session(&user, st.config.session_ttl)
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        session_cookie(&st, &session.secret, st.config.session_ttl.whole_seconds()),
    );
    Ok((
        headers,
        Json(SessionInfo {
            user,
            csrf_token: Some(session.record.csrf_token),
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn logout(State(st): State<AppState>, staff: Staff) -> ApiResult<Response> {
    if let AuthMethod::Session { session_id } = staff.method {
        st.store.revoke_session(&staff.actor(), session_id).await?;
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&st, "", 0));
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn me(staff: Staff) -> Json<SessionInfo> {
    Json(SessionInfo {
        user: staff.user,
        csrf_token: staff.csrf_token,
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", responses((status = 204, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn change_password(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    st.store
        .set_password(
            &staff.actor(),
            staff.user.id,
            Some(&b.current_password),
            &b.new_password,
            false,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me", responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn list_tokens(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": st.store.api_tokens(staff.user.id).await? }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewToken {
    name: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
}

#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "me", responses((status = 201, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn create_token(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<NewToken>,
) -> ApiResult<Response> {
    let t = st
        .store
        .create_api_token(&staff.actor(), staff.user.id, &b.name, b.expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": t.record, "secret": t.secret })),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "me", params(("id" = i64, Path)), responses((status = 204, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn revoke_token(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.store
        .revoke_api_token(&staff.actor(), staff.user.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of a cursor-paged list, as the query string asks for it.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct PageQuery {
    /// The page before's `next_cursor`.
    cursor: Option<String>,
    /// Items per page (default 50, at most 200).
    limit: Option<u32>,
}

impl PageQuery {
    pub(crate) fn request(self) -> PageRequest {
        PageRequest {
            cursor: self.cursor,
            limit: self.limit,
        }
    }
}

pub(crate) fn require_admin(staff: &Staff) -> ApiResult<()> {
    if staff.viewer().can_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("administrators only"))
    }
}

/// PSIRT work outside a case (intel, bounties, advisories, releases): 403 for other staff.
/// (Triage answers 404 instead, see [`require_psirt`].)
pub(crate) fn require_psirt_member(staff: &Staff) -> ApiResult<()> {
    if staff.viewer().can_triage() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("PSIRT members only"))
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn list_users(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    require_admin(&staff)?;
    Ok(Json(json!({ "items": st.store.users().await? })))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", responses((status = 201, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn create_user(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<NewUser>,
) -> ApiResult<Response> {
    require_admin(&staff)?;
    let u = st.store.create_user(&staff.actor(), b).await?;
    Ok((StatusCode::CREATED, Json(u)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn update_user(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<UserPatch>,
) -> ApiResult<Json<User>> {
    require_admin(&staff)?;
    Ok(Json(st.store.update_user(&staff.actor(), id, b).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasswordReset {
    new_password: String,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)), responses((status = 204, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn reset_password(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<PasswordReset>,
) -> ApiResult<StatusCode> {
    require_admin(&staff)?;
    st.store
        .set_password(&staff.actor(), id, None, &b.new_password, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- intake and tracking

#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", responses((status = 201, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn submit_report(
    State(st): State<AppState>,
    ip: ClientIp,
    Json(b): Json<NewReport>,
) -> ApiResult<Response> {
    st.report_limiter.check(ip.0)?;
    let s = st.store.submit_report(b, ReportChannel::Api).await?;
    let url = format!(
        "{}/track/{}",
        st.config.public_url.trim_end_matches('/'),
        s.tracking_token
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": s.report.id, "tracking_token": s.tracking_token, "tracking_url": url })),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/track/{token}", tag = "track", params(("token" = String, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn track(State(st): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<Value>> {
    let report = st
        .store
        .report_by_tracking_token(&token)
        .await?
        .ok_or(ApiError::NotFound("report"))?;
    let case_state = match report.case_id {
        Some(id) => Some(st.store.case(id).await?.state),
        None => None,
    };
    let messages: Vec<Value> = st
        .store
        .messages(report.id)
        .await?
        .into_iter()
        .map(|m| {
            json!({
                "from": if m.from_reporter { "you" } else { "PSIRT" },
                "body": m.body,
                "created_at": psirt_store::audit::at_text(m.created_at),
            })
        })
        .collect();
    Ok(Json(json!({
        "title": report.title,
        "status": report.status,
        "received_at": psirt_store::audit::at_text(report.received_at),
        "case_state": case_state,
        "messages": messages,
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MessageBody {
    body: String,
    #[serde(default)]
    report_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/track/{token}/messages", tag = "track", params(("token" = String, Path)), responses((status = 201, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn track_message(
    State(st): State<AppState>,
    ip: ClientIp,
    Path(token): Path<String>,
    Json(b): Json<MessageBody>,
) -> ApiResult<Response> {
    st.report_limiter.check(ip.0)?;
    let report = st
        .store
        .report_by_tracking_token(&token)
        .await?
        .ok_or(ApiError::NotFound("report"))?;
    st.store.reporter_message(&report, &b.body).await?;
    Ok(StatusCode::CREATED.into_response())
}

// ---------------------------------------------------------------- triage

pub(crate) fn require_psirt(staff: &Staff) -> ApiResult<()> {
    if staff.viewer().can_triage() {
        Ok(())
    } else {
        // The queue's existence is no secret, but its contents are: answer as if absent.
        Err(ApiError::NotFound("resource"))
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ReportQuery {
    status: Option<ReportStatus>,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn list_reports(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    let page = st
        .store
        .reports(
            q.status,
            &PageRequest {
                cursor: q.cursor,
                limit: q.limit,
            },
        )
        .await?;
    Ok(Json(json!(page)))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn get_report(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    let report = st.store.report(id).await?;
    let messages = st.store.messages(id).await?;
    Ok(Json(json!({ "report": report, "messages": messages })))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/triage", tag = "reports", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn triage_report(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(d): Json<TriageDecision>,
) -> ApiResult<Json<psirt_store::Report>> {
    require_psirt(&staff)?;
    if let TriageDecision::Duplicate { case_id } = &d {
        load_case(&st, &staff, *case_id, CaseAction::Manage).await?;
    }
    Ok(Json(st.store.triage_report(&staff.actor(), id, d).await?))
}

// ---------------------------------------------------------------- cases

/// The case if `staff` may do `action` to it: 404 when they may not even see it, 403 otherwise.
pub(crate) async fn load_case(
    st: &AppState,
    staff: &Staff,
    id: i64,
    action: CaseAction,
) -> ApiResult<Case> {
    let case = st.store.case(id).await?;
    let viewer = staff.viewer();
    let access = case.access_for(staff.user.id);
    if !viewer.can_view(access) {
        return Err(ApiError::NotFound("case"));
    }
    if !viewer.may(access, action) {
        return Err(ApiError::Forbidden("you may not do this to this case"));
    }
    Ok(case)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CaseQuery {
    q: Option<String>,
    state: Option<CaseState>,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn list_cases(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Json<Value>> {
    let filter = CaseFilter {
        q: q.q,
        state: q.state,
    };
    let page = st
        .store
        .cases(
            &staff.viewer(),
            &filter,
            &PageRequest {
                cursor: q.cursor,
                limit: q.limit,
            },
        )
        .await?;
    Ok(Json(json!(page)))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", responses((status = 201, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn create_case(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<NewCase>,
) -> ApiResult<Response> {
    if !staff.viewer().role.is_psirt() {
        return Err(ApiError::Forbidden("only the PSIRT opens cases"));
    }
    let case = st.store.create_case(&staff.actor(), b).await?;
    Ok((StatusCode::CREATED, Json(case)).into_response())
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn get_case(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let case = load_case(&st, &staff, id, CaseAction::View).await?;
    let reports: Vec<Value> = st
        .store
        .case_reports(id)
        .await?
        .into_iter()
        .map(|r| json!({ "id": r.id, "title": r.title, "status": r.status }))
        .collect();
    let mut v = json!(case);
    v["reports"] = json!(reports);
    v["transitions"] = json!(psirt_domain::Transition::targets(case.state));
    Ok(Json(v))
}

#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn patch_case(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(p): Json<CasePatch>,
) -> ApiResult<Json<Case>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    Ok(Json(st.store.update_case(&staff.actor(), id, p).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TransitionBody {
    to: CaseState,
    #[serde(default)]
    resolution: Option<Resolution>,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/transition", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn transition_case(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<TransitionBody>,
) -> ApiResult<Json<Case>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    Ok(Json(
        st.store
            .transition_case(&staff.actor(), id, b.to, b.resolution)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/comments", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn list_comments(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    Ok(Json(json!({ "items": st.store.comments(id).await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CommentBody {
    body: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/comments", tag = "cases", params(("id" = i64, Path)), responses((status = 201, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn add_comment(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<CommentBody>,
) -> ApiResult<Response> {
    load_case(&st, &staff, id, CaseAction::Comment).await?;
    let c = st.store.add_comment(&staff.actor(), id, &b.body).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/messages", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn case_messages(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    let mut items = Vec::new();
    for r in st.store.case_reports(id).await? {
        items.extend(st.store.messages(r.id).await?);
    }
    items.sort_by_key(|m| m.id);
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/messages", tag = "cases", params(("id" = i64, Path)), responses((status = 201, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn case_message(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<MessageBody>,
) -> ApiResult<Response> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let reports = st.store.case_reports(id).await?;
    let report = match b.report_id {
        Some(rid) => reports
            .into_iter()
            .find(|r| r.id == rid)
            .ok_or(ApiError::NotFound("report of this case"))?,
        None => {
            let mut it = reports.into_iter();
            match (it.next(), it.next()) {
                (Some(r), None) => r,
                (None, _) => return Err(invalid("report_id", "this case has no linked report")),
                _ => {
                    return Err(invalid(
                        "report_id",
                        "is required: this case has several linked reports",
                    ))
                }
            }
        }
    };
    let m = st
        .store
        .staff_message(&staff.actor(), &report, &b.body)
        .await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Domain(psirt_domain::DomainError::Invalid(vec![
        psirt_domain::FieldError::new(field, message),
    ]))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", tag = "cases", params(("id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn timeline(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    Ok(Json(
        json!({ "items": st.store.audit_trail("case", &id.to_string()).await? }),
    ))
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/members/{user_id}", tag = "cases", params(("id" = i64, Path), ("user_id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn add_member(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<Json<Case>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    Ok(Json(
        st.store
            .add_case_member(&staff.actor(), id, user_id)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/cases/{id}/members/{user_id}", tag = "cases", params(("id" = i64, Path), ("user_id" = i64, Path)), responses((status = 200, description = "success"), (status = "4XX", description = "problem+json error")))]
async fn remove_member(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<Json<Case>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    Ok(Json(
        st.store
            .remove_case_member(&staff.actor(), id, user_id)
            .await?,
    ))
}

/// The OpenAPI 3.1 description of this API, generated from the handlers.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "psirt",
        description = "psirt REST API: errors are RFC 9457 problem+json; lists use cursor pagination."
    ),
    paths(
        remove_member,
        add_member,
        case_message,
        case_messages,
        add_comment,
        list_comments,
        login,
        logout,
        me,
        change_password,
        list_tokens,
        create_token,
        revoke_token,
        list_users,
        create_user,
        update_user,
        reset_password,
        submit_report,
        list_reports,
        get_report,
        triage_report,
        track,
        track_message,
        list_cases,
        create_case,
        get_case,
        patch_case,
        transition_case,
        timeline
    ),
    components(schemas(
        User,
        Case,
        psirt_store::Report,
        psirt_store::Comment,
        psirt_store::Message,
        psirt_store::ApiToken,
        psirt_store::AuditEntry,
        NewReport,
        NewCase,
        CasePatch,
        NewUser,
        UserPatch,
        TriageDecision,
        psirt_domain::FieldError
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    doc.merge(<crate::api_cvss::CvssApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_inventory::InventoryApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_intel::IntelApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_outbox::OutboxApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_metrics::MetricsApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_cra::CraApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_bounty::BountyApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_intake::IntakeApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_rca::RcaApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_releases::ReleasesApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_clocks::ClocksApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_affects::AffectsApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_advisories::AdvisoriesApiDoc as utoipa::OpenApi>::openapi());
    doc.merge(<crate::api_csaf_import::CsafImportApiDoc as utoipa::OpenApi>::openapi());
    Json(doc)
}
