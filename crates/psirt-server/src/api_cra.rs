//! EU CRA Art. 14 reporting of a case in the API: mark it actively exploited (or a severe
//! incident), record a corrective measure, fill the report inputs, read the three drafts (to
//! copy into the authority's platform) and record when each report was sent.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use psirt_domain::deadline::cra::{AwarenessSource, CraReportInputs, CraStage, CraTrack};
use psirt_domain::CaseAction;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::api::load_case;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/cra", get(get_cra).post(start))
        .route("/api/v1/cases/{id}/cra/inputs", put(inputs))
        .route(
            "/api/v1/cases/{id}/cra/corrective-measure",
            post(corrective_measure),
        )
        .route("/api/v1/cases/{id}/cra/{stage}/sent", post(sent))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/cra", tag = "cra", params(("id" = i64, Path)),
    responses((status = 200, description = "{reporting, inputs, clocks, drafts: {early_warning, notification, final_report}}"), (status = "4XX", description = "problem+json error")))]
async fn get_cra(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::View).await?;
    let cra = st
        .store
        .case_cra(id)
        .await?
        .ok_or(ApiError::NotFound("CRA reporting"))?;
    Ok(Json(json!(cra)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StartBody {
    /// `exploited_vulnerability` (default) or `severe_incident`.
    #[serde(default)]
    pub track: Option<String>,
    /// When the PSIRT became aware (RFC 3339; default now).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub aware_at: Option<OffsetDateTime>,
}

/// Marks the case actively exploited (or a severe incident) as of `aware_at`: the early-warning
/// (+24 h) and notification (+72 h) clocks start.
#[utoipa::path(post, path = "/api/v1/cases/{id}/cra", tag = "cra", params(("id" = i64, Path)), request_body = StartBody,
    responses((status = 201, description = "the reporting"), (status = 409, description = "already started"), (status = "4XX", description = "problem+json error")))]
async fn start(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<StartBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let track: CraTrack = b
        .track
        .as_deref()
        .unwrap_or("exploited_vulnerability")
        .parse()?;
    let aware_at = b.aware_at.unwrap_or_else(|| st.store.now());
    if aware_at > st.store.now() {
        return Err(ApiError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            "aware_at cannot be in the future".into(),
        ));
    }
    let marked_by = staff.actor().label();
    let cra = st
        .store
        .start_cra(
            &staff.actor(),
            id,
            track,
            aware_at,
            AwarenessSource::Manual { marked_by },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(cra))))
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/cra/inputs", tag = "cra", params(("id" = i64, Path)),
    responses((status = 200, description = "the reporting with refreshed drafts"), (status = "4XX", description = "problem+json error")))]
async fn inputs(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<CraReportInputs>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    Ok(Json(json!(
        st.store.set_cra_inputs(&staff.actor(), id, b).await?
    )))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct AtBody {
    /// RFC 3339; default now.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
}

/// A corrective or mitigating measure is available: the final-report clock (+14 days) starts.
#[utoipa::path(post, path = "/api/v1/cases/{id}/cra/corrective-measure", tag = "cra", params(("id" = i64, Path)), request_body = AtBody,
    responses((status = 200, description = "the reporting"), (status = "4XX", description = "problem+json error")))]
async fn corrective_measure(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<AtBody>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let at = b.at.unwrap_or_else(|| st.store.now());
    Ok(Json(json!(
        st.store
            .cra_corrective_measure(&staff.actor(), id, at)
            .await?
    )))
}

/// Records that a report (`early_warning`, `notification`, `final_report`) was sent.
#[utoipa::path(post, path = "/api/v1/cases/{id}/cra/{stage}/sent", tag = "cra", params(("id" = i64, Path), ("stage" = String, Path)), request_body = AtBody,
    responses((status = 200, description = "the reporting"), (status = "4XX", description = "problem+json error")))]
async fn sent(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, stage)): Path<(i64, String)>,
    Json(b): Json<AtBody>,
) -> ApiResult<Json<Value>> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let stage: CraStage = stage.parse()?;
    let at = b.at.unwrap_or_else(|| st.store.now());
    Ok(Json(json!(
        st.store
            .cra_record_sent(&staff.actor(), id, stage, at)
            .await?
    )))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_cra, start, inputs, corrective_measure, sent),
    components(schemas(StartBody, AtBody))
)]
pub struct CraApiDoc;
