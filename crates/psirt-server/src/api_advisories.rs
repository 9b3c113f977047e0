//! Advisories in the API: drafts from cases, edits, publishing revisions, and the published bytes
//! of every revision. The PSIRT writes; staff read an advisory once it is published, and before
//! that only if they may see every case it covers (embargo).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use psirt_domain::{AdvisoryId, AdvisoryStatus, Change};
use psirt_store::{AdvisoryInput, AdvisoryRecord};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::require_psirt_member as require_psirt;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/advisories",
            get(list_advisories).post(create_advisory),
        )
        .route(
            "/api/v1/advisories/{id}",
            get(get_advisory).put(update_advisory),
        )
        .route("/api/v1/advisories/{id}/publish", post(publish_advisory))
        .route("/api/v1/advisories/{id}/preview/{format}", get(preview))
        .route(
            "/api/v1/advisories/{id}/revisions/{n}/{format}",
            get(rendering),
        )
        .route(
            "/api/v1/advisories/{id}/revisions/{n}/cve/{cve}",
            get(cve_rendering),
        )
}

pub(crate) fn parse_id(id: &str) -> ApiResult<AdvisoryId> {
    id.parse().map_err(|_| ApiError::NotFound("advisory"))
}

/// Whether `staff` may see `a`: the PSIRT always; others once a revision is published, or when
/// they may see every case it covers.
pub(crate) async fn may_view(st: &AppState, staff: &Staff, a: &AdvisoryRecord) -> ApiResult<bool> {
    let viewer = staff.viewer();
    if viewer.can_triage() || !a.revisions.is_empty() {
        return Ok(true);
    }
    for c in &a.cases {
        let case = st.store.case(c.case_id).await?;
        if !viewer.can_view(case.access_for(staff.user.id)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The advisory if `staff` may see it (404 otherwise, as if absent).
pub(crate) async fn load(st: &AppState, staff: &Staff, id: &str) -> ApiResult<AdvisoryRecord> {
    let a = st.store.advisory(&parse_id(id)?).await?;
    if may_view(st, staff, &a).await? {
        Ok(a)
    } else {
        Err(ApiError::NotFound("advisory"))
    }
}

/// The cases of a new or edited advisory must all be visible to the writer.
async fn check_cases(st: &AppState, staff: &Staff, input: &AdvisoryInput) -> ApiResult<()> {
    for c in &input.cases {
        crate::api::load_case(st, staff, c.case_id, psirt_domain::CaseAction::View).await?;
    }
    Ok(())
}

/// Advisories the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/advisories", tag = "advisories",
    responses((status = 200, description = "{items: [Advisory]}"), (status = "4XX", description = "problem+json error")))]
async fn list_advisories(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    let mut items = Vec::new();
    for a in st.store.advisories().await? {
        if may_view(&st, &staff, &a).await? {
            items.push(a);
        }
    }
    Ok(Json(json!({ "items": items })))
}

/// Creates a draft: `{title, summary, notes?, references?, acknowledgments?, tlp, cases:
/// [{case_id, cve_ids?}]}`. Without acknowledgments, they come from the cases' reports
/// (reporters who opted in to credit).
#[utoipa::path(post, path = "/api/v1/advisories", tag = "advisories", request_body(content = Object, description = "AdvisoryInput"),
    responses((status = 201, description = "the draft"), (status = "4XX", description = "problem+json error")))]
async fn create_advisory(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<AdvisoryInput>,
) -> ApiResult<Response> {
    require_psirt(&staff)?;
    check_cases(&st, &staff, &b).await?;
    let a = st
        .store
        .create_advisory(&staff.actor(), &st.config.publisher.prefix, b)
        .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[utoipa::path(get, path = "/api/v1/advisories/{id}", tag = "advisories", params(("id" = String, Path)),
    responses((status = 200, description = "the advisory with its revisions"), (status = "4XX", description = "problem+json error")))]
async fn get_advisory(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<AdvisoryRecord>> {
    Ok(Json(load(&st, &staff, &id).await?))
}

/// Replaces content and cases; published revisions keep their bytes, the next one shows the edit.
#[utoipa::path(put, path = "/api/v1/advisories/{id}", tag = "advisories", params(("id" = String, Path)), request_body(content = Object, description = "AdvisoryInput"),
    responses((status = 200, description = "the advisory"), (status = "4XX", description = "problem+json error")))]
async fn update_advisory(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(b): Json<AdvisoryInput>,
) -> ApiResult<Json<AdvisoryRecord>> {
    // Hidden advisories answer 404 before the role check says 403.
    let a = load(&st, &staff, &id).await?;
    require_psirt(&staff)?;
    check_cases(&st, &staff, &b).await?;
    Ok(Json(
        st.store.update_advisory(&staff.actor(), &a.id, b).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct PublishBody {
    /// `interim` or `final`.
    #[schema(value_type = String)]
    pub status: AdvisoryStatus,
    /// `major`, `minor` or `patch` (ignored for the first revision, which is 1.0.0).
    #[serde(default = "patch")]
    #[schema(value_type = String)]
    pub change: Change,
    pub summary: String,
}

fn patch() -> Change {
    Change::Patch
}

/// Publishes a new revision: renders CSAF advisory and VEX, OSV, CVE records and HTML, and
/// stores the bytes, which never change afterwards.
#[utoipa::path(post, path = "/api/v1/advisories/{id}/publish", tag = "advisories", params(("id" = String, Path)), request_body = PublishBody,
    responses((status = 200, description = "the advisory with the new revision"), (status = 409, description = "published meanwhile"), (status = 422, description = "not renderable"), (status = "4XX", description = "problem+json error")))]
async fn publish_advisory(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Json(b): Json<PublishBody>,
) -> ApiResult<Json<AdvisoryRecord>> {
    // Hidden advisories answer 404 before the role check says 403.
    let a = load(&st, &staff, &id).await?;
    require_psirt(&staff)?;
    if b.status == AdvisoryStatus::Draft {
        return Err(ApiError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            "publish as interim or final".into(),
        ));
    }
    let published =
        crate::publish::publish(&st, &staff.actor(), &a, b.status, b.change, &b.summary).await?;
    Ok(Json(published))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct PreviewQuery {
    /// The status of the previewed revision (default: interim).
    status: Option<AdvisoryStatus>,
}

/// What publishing now would produce (`csaf`, `vex`, `osv`, `html`), without storing anything.
#[utoipa::path(get, path = "/api/v1/advisories/{id}/preview/{format}", tag = "advisories",
    params(("id" = String, Path), ("format" = String, Path), PreviewQuery),
    responses((status = 200, description = "the rendering"), (status = 422, description = "not renderable"), (status = "4XX", description = "problem+json error")))]
async fn preview(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, format)): Path<(String, String)>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Response> {
    // Hidden advisories answer 404 before the role check says 403.
    let a = load(&st, &staff, &id).await?;
    require_psirt(&staff)?;
    let r = preview_bytes(&st, &a, q.status.unwrap_or(AdvisoryStatus::Interim)).await?;
    let (media, body) = match format.as_str() {
        "csaf" => ("application/json", r.csaf),
        "vex" => ("application/json", r.vex),
        "osv" => ("application/json", r.osv),
        "html" => ("text/html; charset=utf-8", r.html),
        _ => return Err(ApiError::NotFound("format")),
    };
    Ok(([(header::CONTENT_TYPE, media)], body).into_response())
}

/// The renderings of the revision that publishing `status` now would create.
pub(crate) async fn preview_bytes(
    st: &AppState,
    a: &AdvisoryRecord,
    status: AdvisoryStatus,
) -> ApiResult<crate::publish::Rendered> {
    let advisory = a.domain()?;
    let status = match advisory.status() {
        AdvisoryStatus::Final => AdvisoryStatus::Final,
        _ => status,
    };
    let revision =
        crate::publish::next_revision(&advisory, status, Change::Patch, "preview", st.store.now())?;
    let view = crate::publish::build_view(st, a, advisory.with_revision(revision)).await?;
    crate::publish::render_all(&view)
}

async fn stored(
    st: &AppState,
    staff: &Staff,
    id: &str,
    n: i64,
    kind: &str,
    name: &str,
) -> ApiResult<Response> {
    let a = load(st, staff, id).await?;
    let (info, body) = st.store.rendering(&a.id, n, kind, name).await?;
    Ok((
        [
            (header::CONTENT_TYPE, info.media_type),
            (header::ETAG, format!("\"{}\"", info.sha256)),
        ],
        body,
    )
        .into_response())
}

/// The bytes published with revision `n` (1, 2, ...): `csaf`, `vex`, `osv` or `html`.
#[utoipa::path(get, path = "/api/v1/advisories/{id}/revisions/{n}/{format}", tag = "advisories",
    params(("id" = String, Path), ("n" = i64, Path), ("format" = String, Path)),
    responses((status = 200, description = "the published bytes"), (status = "4XX", description = "problem+json error")))]
async fn rendering(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, n, format)): Path<(String, i64, String)>,
) -> ApiResult<Response> {
    if !matches!(format.as_str(), "csaf" | "vex" | "osv" | "html") {
        return Err(ApiError::NotFound("format"));
    }
    stored(&st, &staff, &id, n, &format, "").await
}

/// The CVE JSON 5 record of `cve` published with revision `n`.
#[utoipa::path(get, path = "/api/v1/advisories/{id}/revisions/{n}/cve/{cve}", tag = "advisories",
    params(("id" = String, Path), ("n" = i64, Path), ("cve" = String, Path)),
    responses((status = 200, description = "the CVE record"), (status = "4XX", description = "problem+json error")))]
async fn cve_rendering(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, n, cve)): Path<(String, i64, String)>,
) -> ApiResult<Response> {
    stored(&st, &staff, &id, n, "cve", &cve.to_uppercase()).await
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_advisories,
        create_advisory,
        get_advisory,
        update_advisory,
        publish_advisory,
        preview,
        rendering,
        cve_rendering
    ),
    components(schemas(PublishBody))
)]
pub struct AdvisoriesApiDoc;
