//! `POST /api/v1/intel/csaf`: one CSAF 2.0 document from another vendor, stored as an intel
//! record through the feed pipeline (`intel::import_feed` with `FeedKind::Csaf`) and re-matched
//! against the inventory. An invalid document is refused whole (422, one error per schema
//! violation with its JSON Pointer) before anything is written.

use axum::body::Body;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use psirt_domain::{DomainError, FieldError};
use psirt_formats::intel::{parse_csaf, IntelError};
use psirt_formats::ParseOptions;
use serde_json::{json, Value};

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json};
use crate::AppState;

/// Largest CSAF document accepted (big vendor advisories run to a few MiB).
const MAX_CSAF: usize = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/intel/csaf",
        // Not the API's body limit: the handler reads the body itself, up to `MAX_CSAF`, once the caller may import.
        post(import_csaf),
    )
}

/// Why a document is refused, as field errors (`field` = the JSON Pointer of the violation).
fn refusal(e: IntelError) -> ApiError {
    let errors = match e {
        IntelError::SchemaViolations(v) => v
            .into_iter()
            .map(|v| FieldError::new(v.pointer, v.message))
            .collect(),
        IntelError::Schema { pointer, message } | IntelError::Model { pointer, message } => {
            vec![FieldError::new(pointer, message)]
        }
        other => vec![FieldError::new("", other.to_string())],
    };
    ApiError::Domain(DomainError::Invalid(errors))
}

/// Imports one CSAF document (the request body); the PSIRT only.
#[utoipa::path(post, path = "/api/v1/intel/csaf", tag = "intel", request_body(content = Object, description = "a CSAF 2.0 document"),
    responses((status = 200, description = "{record_id, inserted, updated, unchanged}"), (status = 422, description = "invalid document: errors[].field is the JSON Pointer of each schema violation"), (status = "4XX", description = "problem+json error")))]
async fn import_csaf(
    State(st): State<AppState>,
    staff: Staff,
    headers: axum::http::HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let checked = match staff.viewer().can_triage() {
        true => Ok(()),
        false => Err(ApiError::Forbidden("only the PSIRT imports advisories")),
    };
    let body = crate::error::body_if_allowed(checked, &headers, body, MAX_CSAF, None).await?;
    // Checked here first so that a bad document is answered with every violation and nothing
    // reaches the pipeline. Schema validation of a large document is CPU work: off the async workers.
    let checked = body.clone();
    let record =
        tokio::task::spawn_blocking(move || parse_csaf(&checked, &ParseOptions::default()))
            .await
            .map_err(|e| ApiError::Internal(format!("CSAF parser task: {e}")))?
            .map_err(refusal)?;
    let dir = tempfile::tempdir().map_err(|e| ApiError::Internal(e.to_string()))?;
    std::fs::write(dir.path().join("document.json"), &body)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let before = st.store.match_generation().await?;
    let imported = crate::intel::import_feed(
        &st.store,
        &staff.actor(),
        psirt_formats::intel::FeedKind::Csaf,
        dir.path().to_path_buf(),
        format!("api:{}", staff.user.username),
        Box::new(|_| {}),
    )
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some((at, message)) = imported.log.error_report.first() {
        return Err(ApiError::Domain(DomainError::Invalid(vec![
            FieldError::new(at.clone(), message.clone()),
        ])));
    }
    // Stored: a failure to re-match from here on is logged, not answered as an error (the engine, behind the stored
    // generation, catches up at its next use).
    let rematched: Result<_, crate::engine::EngineError> = async {
        let window = crate::engine::ImportWindow {
            before,
            after: st.store.match_generation().await?,
            own: imported.match_writes,
        };
        st.engine
            .records_changed(&st.store, &imported.changed, window)
            .await
    }
    .await;
    if let Err(e) = rematched {
        tracing::warn!("re-matching after a CSAF import: {e}");
    }
    Ok(Json(json!({
        "record_id": record.id,
        "import_id": imported.import_id,
        "inserted": imported.log.inserted,
        "updated": imported.log.updated,
        "unchanged": imported.log.unchanged,
    })))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(import_csaf))]
pub struct CsafImportApiDoc;
