//! SLA clocks in the API: a case's clocks, approved exceptions (pause/resume), the SLA policy,
//! and the dashboard (what is due, what is critical, what waits for triage).

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use psirt_domain::deadline::SlaPolicy;
use psirt_domain::CaseAction;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{load_case, require_admin};
use crate::auth::Staff;
use crate::error::{ApiResult, Json, Path};
use crate::AppState;

/// How many entries each dashboard section shows at most.
pub const DASHBOARD_LIMIT: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/clocks", get(list_clocks))
        .route(
            "/api/v1/cases/{id}/clocks/{clock_id}/pause",
            post(pause_clock),
        )
        .route(
            "/api/v1/cases/{id}/clocks/{clock_id}/resume",
            post(resume_clock),
        )
        .route(
            "/api/v1/cases/{id}/unintended-disclosure",
            post(unintended_disclosure),
        )
        .route("/api/v1/sla-policy", get(get_policy).put(put_policy))
        .route("/api/v1/dashboard", get(dashboard))
}

/// A case's SLA clocks (acknowledge, triage, mitigate, remediate), oldest first, each with its
/// status now: phase (on_track, due_soon, breached, paused, met, missed, cancelled), due time,
/// seconds remaining or overdue.
#[utoipa::path(get, path = "/api/v1/cases/{id}/clocks", tag = "clocks", params(("id" = i64, Path)),
    responses((status = 200, description = "{items: [{id, case_id, severity, clock, status}]}"), (status = "4XX", description = "problem+json error")))]
async fn list_clocks(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    Ok(Json(json!({ "items": st.store.case_clocks(id).await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PauseBody {
    /// Why the SLA exception was granted; the caller is recorded as the approver.
    reason: String,
}

/// Pauses a clock for an approved SLA exception (PSIRT only). Regulatory clocks never pause.
#[utoipa::path(post, path = "/api/v1/cases/{id}/clocks/{clock_id}/pause", tag = "clocks",
    params(("id" = i64, Path), ("clock_id" = i64, Path)), request_body = PauseBody,
    responses((status = 200, description = "the clock"), (status = 422, description = "the clock cannot pause (problem+json)"), (status = "4XX", description = "problem+json error")))]
async fn pause_clock(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, clock_id)): Path<(i64, i64)>,
    Json(b): Json<PauseBody>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let clock = st
        .store
        .pause_clock(&staff.actor(), id, clock_id, &b.reason)
        .await?;
    Ok(Json(json!(clock)))
}

/// Ends an exception: the due time moves by the time paused.
#[utoipa::path(post, path = "/api/v1/cases/{id}/clocks/{clock_id}/resume", tag = "clocks",
    params(("id" = i64, Path), ("clock_id" = i64, Path)),
    responses((status = 200, description = "the clock"), (status = "4XX", description = "problem+json error")))]
async fn resume_clock(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, clock_id)): Path<(i64, i64)>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let clock = st.store.resume_clock(&staff.actor(), id, clock_id).await?;
    Ok(Json(json!(clock)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DisclosureBody {
    /// What happened: who published, where, when.
    note: String,
}

/// Records that the embargo was broken (PSIRT only, once per case): lifts the embargo, caps
/// every open remediation clock at the S1 target, and puts the case on top of the dashboard.
#[utoipa::path(post, path = "/api/v1/cases/{id}/unintended-disclosure", tag = "clocks",
    params(("id" = i64, Path)), request_body = DisclosureBody,
    responses((status = 200, description = "{case, clocks_shortened}"), (status = 409, description = "already recorded (problem+json)"), (status = "4XX", description = "problem+json error")))]
async fn unintended_disclosure(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<DisclosureBody>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let moved = st
        .store
        .record_unintended_disclosure(&staff.actor(), id, &b.note)
        .await?;
    Ok(Json(
        json!({ "case": st.store.case(id).await?, "clocks_shortened": moved }),
    ))
}

/// The SLA policy in force: targets per severity, acknowledge and triage targets, counting
/// (calendar or business days with a time zone and holidays), when remediation starts.
#[utoipa::path(get, path = "/api/v1/sla-policy", tag = "clocks",
    responses((status = 200, description = "the policy"), (status = "4XX", description = "problem+json error")))]
async fn get_policy(State(st): State<AppState>, _staff: Staff) -> ApiResult<Json<SlaPolicy>> {
    Ok(Json(st.store.sla_policy().await?))
}

/// Replaces the SLA policy (admins). Running clocks keep their targets until their case's
/// severity changes; new clocks use the new policy.
#[utoipa::path(put, path = "/api/v1/sla-policy", tag = "clocks",
    request_body(content = Value, description = "the policy, as GET returns it"),
    responses((status = 200, description = "the policy"), (status = 422, description = "invalid policy (problem+json)"), (status = "4XX", description = "problem+json error")))]
async fn put_policy(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<SlaPolicy>,
) -> ApiResult<Json<SlaPolicy>> {
    require_admin(&staff)?;
    Ok(Json(st.store.set_sla_policy(&staff.actor(), b).await?))
}

/// The work order: cases whose embargo was broken, then breached and due-soon clocks (most overdue first), then open S1/P1 cases,
/// then reports waiting for triage (oldest first; PSIRT only). Embargoed cases appear only
/// for those who may see them.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "clocks",
    responses((status = 200, description = "{disclosed_early, regulatory, clocks, urgent_cases, triage_queue}"), (status = "4XX", description = "problem+json error")))]
async fn dashboard(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        st.store.dashboard(&staff.viewer(), DASHBOARD_LIMIT).await?
    )))
}

/// The OpenAPI paths of this module, merged into the API document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_clocks,
        pause_clock,
        resume_clock,
        unintended_disclosure,
        get_policy,
        put_policy,
        dashboard
    ),
    components(schemas(PauseBody, DisclosureBody))
)]
pub struct ClocksApiDoc;
