//! A case's affects in the API: which product versions it touches and how (VEX status).
//! Readers follow the case's access (embargo); only the PSIRT edits.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use psirt_domain::{AffectDraft, CaseAction};
use psirt_store::{CaseAffect, NewAffect};

use crate::api::load_case;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/cases/{id}/affects",
            get(list_affects).post(add_affect),
        )
        .route(
            "/api/v1/cases/{id}/affects/{affect_id}",
            get(get_affect).put(update_affect).delete(delete_affect),
        )
}

/// The case (404 if the caller may not see it), and 403 unless the caller is PSIRT.
async fn editable_case(st: &AppState, staff: &Staff, id: i64) -> ApiResult<()> {
    load_case(st, staff, id, CaseAction::View).await?;
    if staff.viewer().can_triage() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only the PSIRT edits affects"))
    }
}

/// The case's affects, by product and version.
#[utoipa::path(get, path = "/api/v1/cases/{id}/affects", tag = "affects", params(("id" = i64, Path)),
    responses((status = 200, description = "[CaseAffect]"), (status = "4XX", description = "problem+json error")))]
async fn list_affects(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<CaseAffect>>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    Ok(Json(st.store.case_affects(id).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/affects/{affect_id}", tag = "affects",
    params(("id" = i64, Path), ("affect_id" = i64, Path)),
    responses((status = 200, description = "the affect"), (status = "4XX", description = "problem+json error")))]
async fn get_affect(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, affect_id)): Path<(i64, i64)>,
) -> ApiResult<Json<CaseAffect>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    Ok(Json(st.store.affect(id, affect_id).await?))
}

/// Records how the case affects one product version: `{product_version_id, status,
/// justification?, fixed_in?, statement?, remediation?: {kind, details}, target_release?}`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/affects", tag = "affects", params(("id" = i64, Path)), request_body = NewAffect,
    responses((status = 201, description = "the affect"), (status = 409, description = "the version already has an affect in this case"), (status = "4XX", description = "problem+json error")))]
async fn add_affect(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<NewAffect>,
) -> ApiResult<Response> {
    editable_case(&st, &staff, id).await?;
    let a = st.store.add_affect(&staff.actor(), id, b).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// Replaces the affect's VEX fields.
#[utoipa::path(put, path = "/api/v1/cases/{id}/affects/{affect_id}", tag = "affects",
    params(("id" = i64, Path), ("affect_id" = i64, Path)), request_body = AffectDraft,
    responses((status = 200, description = "the affect"), (status = "4XX", description = "problem+json error")))]
async fn update_affect(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, affect_id)): Path<(i64, i64)>,
    Json(b): Json<AffectDraft>,
) -> ApiResult<Json<CaseAffect>> {
    editable_case(&st, &staff, id).await?;
    Ok(Json(
        st.store
            .update_affect(&staff.actor(), id, affect_id, b)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/cases/{id}/affects/{affect_id}", tag = "affects",
    params(("id" = i64, Path), ("affect_id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = "4XX", description = "problem+json error")))]
async fn delete_affect(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, affect_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    editable_case(&st, &staff, id).await?;
    st.store
        .delete_affect(&staff.actor(), id, affect_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_affects, get_affect, add_affect, update_affect, delete_affect),
    components(schemas(CaseAffect, NewAffect, AffectDraft))
)]
pub struct AffectsApiDoc;
