//! Intake quality in the API: a report's possible duplicates and its reporter's history, so
//! the triager links instead of re-triaging when low-quality or generated reports flood in.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/reports/{id}/intake", get(intake))
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
    if !staff.viewer().can_triage() {
        return Err(ApiError::Forbidden("triage is the PSIRT's"));
    }
    Ok(Json(json!({
        "duplicates": st.store.possible_duplicates(id).await?,
        "reporter": st.store.reporter_history(id).await?,
    })))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(intake))]
pub struct IntakeApiDoc;
