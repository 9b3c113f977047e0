//! Security patch release plans in the API (the PSIRT's: release notes name the cases).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;

use crate::api::require_psirt_member as require_psirt;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/product-versions/{id}/release-plans",
            get(list).post(create),
        )
        .route("/api/v1/release-plans/{id}", get(one))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PlanBody {
    /// YYYY-MM-DD.
    pub planned_date: String,
    /// The cases the release fixes.
    #[serde(default)]
    pub case_ids: Vec<i64>,
}

/// Plans a security patch release of this version line; the answer carries SLA warnings (the
/// plan is later than a case's remediation clock), the latest on-time date, the backport
/// targets and draft release notes.
#[utoipa::path(post, path = "/api/v1/product-versions/{id}/release-plans", tag = "releases", params(("id" = i64, Path)), request_body = PlanBody,
    responses((status = 201, description = "{id, plan, warnings, latest_on_time_date, backport_targets, release_notes}"), (status = "4XX", description = "problem+json error")))]
async fn create(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<PlanBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require_psirt(&staff)?;
    let date = Date::parse(
        b.planned_date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        ApiError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            "planned_date must be YYYY-MM-DD".into(),
        )
    })?;
    let plan = st
        .store
        .create_release_plan(&staff.actor(), id, date, &b.case_ids)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(plan))))
}

#[utoipa::path(get, path = "/api/v1/product-versions/{id}/release-plans", tag = "releases", params(("id" = i64, Path)),
    responses((status = 200, description = "{items: [plan]}"), (status = "4XX", description = "problem+json error")))]
async fn list(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    Ok(Json(json!({ "items": st.store.release_plans(id).await? })))
}

#[utoipa::path(get, path = "/api/v1/release-plans/{id}", tag = "releases", params(("id" = i64, Path)),
    responses((status = 200, description = "the plan"), (status = "4XX", description = "problem+json error")))]
async fn one(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    Ok(Json(json!(st.store.release_plan(id).await?)))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, one), components(schemas(PlanBody)))]
pub struct ReleasesApiDoc;
