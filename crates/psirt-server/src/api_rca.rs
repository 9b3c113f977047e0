//! Root-cause analysis and the S1/P1 escalation checklist in the API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use psirt_domain::rca::{RcaPolicy, RcaRecord};
use psirt_domain::runbook::{RunbookChecklist, RunbookTemplate};
use psirt_domain::CaseAction;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::load_case;
use crate::api::require_admin as admin;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/rca", get(get_rca).put(put_rca))
        .route("/api/v1/rca-policy", get(get_policy).put(put_policy))
        .route("/api/v1/cases/{id}/runbook", get(get_runbook))
        .route(
            "/api/v1/cases/{id}/runbook/items/{key}/{action}",
            post(item),
        )
        .route("/api/v1/cases/{id}/runbook/handoffs", post(handoff))
        .route(
            "/api/v1/runbook-template",
            get(get_template).put(put_template),
        )
}

fn body<T: DeserializeOwned>(v: Value, what: &str) -> ApiResult<T> {
    serde_json::from_value(v).map_err(|e| {
        ApiError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not a {what}: {e}"),
        )
    })
}

/// A case's RCA with what it still misses to be complete.
pub fn rca_json(r: &RcaRecord) -> Value {
    json!({ "record": r, "complete": r.is_complete(), "missing": r.missing() })
}

/// A checklist with its progress and a draft hand-off note.
pub fn runbook_json(c: &RunbookChecklist) -> Value {
    json!({
        "checklist": c, "progress": c.progress(), "phases": c.phase_progress(),
        "current_phase": c.current_phase(), "draft_handoff": c.draft_handoff(),
    })
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/rca", tag = "rca", params(("id" = i64, Path)),
    responses((status = 200, description = "{record, complete, missing}"), (status = "4XX", description = "problem+json error")))]
async fn get_rca(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    let r = st
        .store
        .case_rca(id)
        .await?
        .ok_or(ApiError::NotFound("root-cause analysis"))?;
    Ok(Json(rca_json(&r)))
}

/// Saves the case's RCA (timeline, root cause category, CWE, contributing factors, what went
/// well and badly, action items with owner and due date).
#[utoipa::path(put, path = "/api/v1/cases/{id}/rca", tag = "rca", params(("id" = i64, Path)),
    responses((status = 200, description = "{record, complete, missing}"), (status = "4XX", description = "problem+json error")))]
async fn put_rca(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<Value>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let r = st
        .store
        .set_case_rca(&staff.actor(), id, body(b, "root-cause analysis")?)
        .await?;
    Ok(Json(rca_json(&r)))
}

#[utoipa::path(get, path = "/api/v1/rca-policy", tag = "rca",
    responses((status = 200, description = "{required_for: [severity]}"), (status = "4XX", description = "problem+json error")))]
async fn get_policy(State(st): State<AppState>, _staff: Staff) -> ApiResult<Json<Value>> {
    Ok(Json(json!(st.store.rca_policy().await?)))
}

/// Which severities need a completed RCA before a case closes (admins).
#[utoipa::path(put, path = "/api/v1/rca-policy", tag = "rca",
    responses((status = 200, description = "the policy"), (status = "4XX", description = "problem+json error")))]
async fn put_policy(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<Value>,
) -> ApiResult<Json<Value>> {
    admin(&staff)?;
    let policy: RcaPolicy = body(b, "RCA policy")?;
    st.store.set_rca_policy(&staff.actor(), &policy).await?;
    Ok(Json(json!(policy)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/runbook", tag = "rca", params(("id" = i64, Path)),
    responses((status = 200, description = "{checklist, progress, phases, current_phase, draft_handoff}"), (status = 404, description = "not an S1/P1 case"), (status = "4XX", description = "problem+json error")))]
async fn get_runbook(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    let c = st
        .store
        .case_runbook(id)
        .await?
        .ok_or(ApiError::NotFound("runbook checklist"))?;
    Ok(Json(runbook_json(&c)))
}

/// Ticks (`done`) or reopens (`reopen`) a checklist item.
#[utoipa::path(post, path = "/api/v1/cases/{id}/runbook/items/{key}/{action}", tag = "rca",
    params(("id" = i64, Path), ("key" = String, Path), ("action" = String, Path)),
    responses((status = 200, description = "the checklist"), (status = "4XX", description = "problem+json error")))]
async fn item(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, key, action)): Path<(i64, String, String)>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let by = staff.actor().label();
    let now = st.store.now();
    let c = match action.as_str() {
        "done" => {
            st.store
                .change_runbook(&staff.actor(), id, "case.runbook_item_done", |c| {
                    c.mark_done(&key, &by, now)?;
                    Ok(json!({"item": key}))
                })
                .await?
        }
        "reopen" => {
            st.store
                .change_runbook(&staff.actor(), id, "case.runbook_item_reopened", |c| {
                    c.reopen(&key)?;
                    Ok(json!({"item": key}))
                })
                .await?
        }
        _ => return Err(ApiError::NotFound("checklist action")),
    };
    Ok(Json(runbook_json(&c)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HandoffBody {
    /// Who takes over (next time zone), if known.
    pub to: Option<String>,
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/runbook/handoffs", tag = "rca", params(("id" = i64, Path)), request_body = HandoffBody,
    responses((status = 200, description = "the checklist"), (status = "4XX", description = "problem+json error")))]
async fn handoff(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<HandoffBody>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let by = staff.actor().label();
    let now = st.store.now();
    let c = st
        .store
        .change_runbook(&staff.actor(), id, "case.handoff", |c| {
            c.add_handoff(&by, b.to.as_deref(), now, &b.text)?;
            Ok(json!({"to": b.to, "text": b.text}))
        })
        .await?;
    Ok(Json(runbook_json(&c)))
}

#[utoipa::path(get, path = "/api/v1/runbook-template", tag = "rca",
    responses((status = 200, description = "the S1/P1 runbook template"), (status = "4XX", description = "problem+json error")))]
async fn get_template(State(st): State<AppState>, _staff: Staff) -> ApiResult<Json<Value>> {
    Ok(Json(json!(st.store.runbook_template().await?)))
}

/// Replaces the runbook template (admins); new S1/P1 cases get it.
#[utoipa::path(put, path = "/api/v1/runbook-template", tag = "rca",
    responses((status = 200, description = "the template"), (status = "4XX", description = "problem+json error")))]
async fn put_template(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<Value>,
) -> ApiResult<Json<Value>> {
    admin(&staff)?;
    let t: RunbookTemplate = body(b, "runbook template")?;
    st.store.set_runbook_template(&staff.actor(), &t).await?;
    Ok(Json(json!(t)))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        get_rca,
        put_rca,
        get_policy,
        put_policy,
        get_runbook,
        item,
        handoff,
        get_template,
        put_template
    ),
    components(schemas(HandoffBody))
)]
pub struct RcaApiDoc;
