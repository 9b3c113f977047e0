//! CVSS in the API: scoring any vector (no login: pure computation), the metric definitions a
//! calculator offers, a case's assessments, and the calculator widget itself
//! (`/assets/cvss-calculator.js`, mounted by pages on `[data-cvss-calculator]`).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use psirt_cvss::CvssVersion;
use psirt_domain::{CaseAction, CvssRating};
use psirt_store::cvss::NewAssessment;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::load_case;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::AppState;

/// The calculator widget: plain JavaScript, no dependencies, CSP `script-src 'self'` safe.
pub const CALCULATOR_JS: &str = include_str!("../assets/cvss-calculator.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cvss", get(score))
        .route("/api/v1/cvss/metrics", get(metrics))
        .route(
            "/api/v1/cases/{id}/cvss",
            get(list_assessments).post(set_assessment),
        )
        .route("/assets/cvss-calculator.js", get(calculator_js))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct VectorQuery {
    /// A CVSS v2, v3.0, v3.1 or v4.0 vector.
    vector: Option<String>,
}

/// The breakdown of a vector with the case severity it would suggest.
fn scored(cvss: &psirt_cvss::Cvss) -> Value {
    let mut v = json!(cvss.breakdown());
    let suggested = cvss
        .severity()
        .as_str()
        .parse::<CvssRating>()
        .ok()
        .and_then(CvssRating::suggested_severity);
    v["suggested_severity"] = json!(suggested);
    v
}

/// Scores a vector: version, canonical vector, score, base score, severity, each metric and
/// the sub-scores, plus the case severity it suggests (S1–S4, null for 0.0).
#[utoipa::path(get, path = "/api/v1/cvss", tag = "cvss", params(VectorQuery),
    responses((status = 200, description = "the score and its breakdown"),
        (status = 400, description = "no vector given (problem+json)"),
        (status = 422, description = "the vector is invalid; `detail` is the parser's message (problem+json)")))]
async fn score(Query(q): Query<VectorQuery>) -> ApiResult<Json<Value>> {
    let vector = q.vector.ok_or_else(|| {
        ApiError::BadRequest(
            StatusCode::BAD_REQUEST,
            "the query parameter `vector` is required, e.g. ?vector=CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
        )
    })?;
    let cvss = psirt_cvss::parse(&vector)
        .map_err(|e| ApiError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(Json(scored(&cvss)))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct VersionQuery {
    /// `3.1` (default), `4.0`, `3.0` or `2.0`.
    version: Option<String>,
}

/// The metrics of a CVSS version with their values, in vector order, for a calculator.
#[utoipa::path(get, path = "/api/v1/cvss/metrics", tag = "cvss", params(VersionQuery),
    responses((status = 200, description = "{version, prefix, metrics: [{metric, name, group, mandatory, values: [{value, name}]}]}"),
        (status = 422, description = "unknown version (problem+json)")))]
async fn metrics(Query(q): Query<VersionQuery>) -> ApiResult<Json<Value>> {
    let version = match q.version.as_deref().unwrap_or("3.1") {
        "2.0" => CvssVersion::V2_0,
        "3.0" => CvssVersion::V3_0,
        "3.1" => CvssVersion::V3_1,
        "4.0" => CvssVersion::V4_0,
        other => {
            return Err(ApiError::BadRequest(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "unknown CVSS version `{}`: use 3.1, 4.0, 3.0 or 2.0",
                    other.chars().take(16).collect::<String>()
                ),
            ))
        }
    };
    let prefix = match version {
        CvssVersion::V2_0 => String::new(),
        v => format!("CVSS:{v}/"),
    };
    Ok(Json(json!({
        "version": version,
        "prefix": prefix,
        "metrics": psirt_cvss::metric_definitions(version),
    })))
}

/// A case's CVSS assessments, current and superseded, oldest first, with the case's severity,
/// the suggestion and who set the severity.
#[utoipa::path(get, path = "/api/v1/cases/{id}/cvss", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "{items: [CvssAssessment], severity, suggested_severity, severity_source}"),
        (status = "4XX", description = "problem+json error")))]
async fn list_assessments(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let case = load_case(&st, &staff, id, CaseAction::View).await?;
    Ok(Json(json!({
        "items": st.store.cvss_assessments(id).await?,
        "severity": case.severity,
        "suggested_severity": case.suggested_severity,
        "severity_source": case.severity_source,
    })))
}

/// Records an assessment; psirt scores the vector itself. A `psirt` (authoritative) assessment
/// must be CVSS 3.1 or 4.0, supersedes the current one of its version and suggests the case
/// severity, which the case takes unless an analyst chose another one.
#[utoipa::path(post, path = "/api/v1/cases/{id}/cvss", tag = "cases", params(("id" = i64, Path)),
    request_body = NewAssessment,
    responses((status = 201, description = "{assessment: CvssAssessment, superseded: CvssAssessment|null, case: Case}"),
        (status = 422, description = "invalid vector: errors[0].message is the parser's message (problem+json)"),
        (status = "4XX", description = "problem+json error")))]
async fn set_assessment(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<NewAssessment>,
) -> ApiResult<Response> {
    load_case(&st, &staff, id, CaseAction::Manage).await?;
    let set = st.store.set_cvss_assessment(&staff.actor(), id, b).await?;
    let case = st.store.case(id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "assessment": set.assessment, "superseded": set.superseded, "case": case })),
    )
        .into_response())
}

async fn calculator_js() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CALCULATOR_JS,
    )
        .into_response()
}

/// The OpenAPI paths of this module, merged into the API document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(score, metrics, list_assessments, set_assessment),
    components(schemas(
        NewAssessment,
        psirt_store::CvssAssessment,
        psirt_domain::AssessmentSource,
        psirt_domain::CvssRating,
        psirt_domain::SeveritySource
    ))
)]
pub struct CvssApiDoc;
