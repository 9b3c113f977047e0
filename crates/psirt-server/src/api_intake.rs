//! Intake quality in the API: a report's possible duplicates and its reporter's history, so
//! the triager links instead of re-triaging when low-quality or generated reports flood in.

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::auth::Staff;
use crate::error::{ApiResult, Json, Path};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/{id}/intake", get(intake))
        .route("/api/v1/reports/{id}/needs-info", post(needs_info))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct QuestionBody {
    /// What the PSIRT needs to know; the reporter reads it in the portal.
    pub question: String,
}

/// "Needs more info": asks the reporter through the portal; the case's response clocks pause
/// until the reporter answers.
#[utoipa::path(post, path = "/api/v1/reports/{id}/needs-info", tag = "reports", params(("id" = i64, Path)), request_body = QuestionBody,
    responses((status = 201, description = "{message, awaiting_reporter_since}"), (status = "4XX", description = "problem+json error")))]
async fn needs_info(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<QuestionBody>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    crate::api::require_psirt_member(&staff)?;
    let message = st
        .store
        .ask_reporter(&staff.actor(), id, &b.question)
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({
            "message": message,
            "awaiting_reporter_since": st.store.awaiting_reporter_since(id).await?.map(psirt_store::audit::at_text),
        })),
    ))
}

/// Possible duplicates (reports and cases, most likely first, with the reasons: similar
/// wording, copied text, same product, CWE or reporter) and the reporter's history.
#[utoipa::path(get, path = "/api/v1/reports/{id}/intake", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, description = "{duplicates: [{id, kind, score, reasons, title, path}], reporter: ReporterProfile|null}"), (status = "4XX", description = "problem+json error")))]
async fn intake(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    crate::api::require_psirt_member(&staff)?;
    Ok(Json(json!({
        "duplicates": st.store.possible_duplicates(id).await?,
        "reporter": st.store.reporter_history(id).await?,
    })))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(intake, needs_info), components(schemas(QuestionBody)))]
pub struct IntakeApiDoc;
