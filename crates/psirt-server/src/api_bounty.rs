//! Bug bounty in the API: the program table (admins edit it), awards per report (PSIRT:
//! propose, amend, approve — by someone else —, pay, cancel), reporter profiles (PSIRT).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use psirt_domain::bounty::{AwardAction, BountyTable};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::require_psirt_member as require_psirt;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/bounty/program", get(program).put(set_program))
        .route(
            "/api/v1/reports/{id}/awards",
            get(list_awards).post(propose),
        )
        .route("/api/v1/awards/{id}/{action}", post(change))
        .route("/api/v1/reporters", get(reporters))
}

#[utoipa::path(get, path = "/api/v1/bounty/program", tag = "bounty",
    responses((status = 200, description = "{ranges: [{severity, min_usd, max_usd, min_score, max_score, triage_usd}]}"), (status = "4XX", description = "problem+json error")))]
async fn program(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    Ok(Json(json!(st.store.bounty_program().await?)))
}

/// Replaces the program table (admins); validated (one range per severity, no overlaps).
#[utoipa::path(put, path = "/api/v1/bounty/program", tag = "bounty",
    responses((status = 200, description = "the table"), (status = 422, description = "invalid table"), (status = "4XX", description = "problem+json error")))]
async fn set_program(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<Value>,
) -> ApiResult<Json<Value>> {
    crate::api::require_admin(&staff)?;
    let b: BountyTable = serde_json::from_value(b).map_err(|e| {
        ApiError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not a bounty program: {e}"),
        )
    })?;
    Ok(Json(json!(
        st.store.set_bounty_program(&staff.actor(), b).await?
    )))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/awards", tag = "bounty", params(("id" = i64, Path)),
    responses((status = 200, description = "{items: [Award]}"), (status = "4XX", description = "problem+json error")))]
async fn list_awards(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    Ok(Json(json!({ "items": st.store.awards(Some(id)).await? })))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ProposeBody {
    /// Default: the program's figure for the case's CVSS 3.1 score.
    pub amount_usd: Option<u64>,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/awards", tag = "bounty", params(("id" = i64, Path)), request_body = ProposeBody,
    responses((status = 201, description = "the award"), (status = 409, description = "an open award exists"), (status = "4XX", description = "problem+json error")))]
async fn propose(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<ProposeBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require_psirt(&staff)?;
    let award = st
        .store
        .propose_award(&staff.actor(), id, b.amount_usd, &b.note)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(award))))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ChangeBody {
    pub amount_usd: Option<u64>,
    pub bonus_usd: Option<u64>,
    #[serde(default)]
    pub note: String,
}

/// `amend` (amount, bonus, note), `approve` (not by the proposer), `pay`, `cancel`.
#[utoipa::path(post, path = "/api/v1/awards/{id}/{action}", tag = "bounty", params(("id" = i64, Path), ("action" = String, Path)), request_body = ChangeBody,
    responses((status = 200, description = "the award"), (status = 409, description = "not allowed now (e.g. approving one's own proposal)"), (status = "4XX", description = "problem+json error")))]
async fn change(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(i64, String)>,
    Json(b): Json<ChangeBody>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    let now = st.store.now();
    let action = match action.as_str() {
        "amend" => {
            let current = st
                .store
                .awards(None)
                .await?
                .into_iter()
                .find(|a| a.id == id)
                .ok_or(ApiError::NotFound("award"))?;
            AwardAction::Amend {
                amount_usd: b.amount_usd.unwrap_or(current.award.amount_usd),
                bonus_usd: b.bonus_usd.unwrap_or(current.award.bonus_usd),
                note: if b.note.is_empty() {
                    current.award.note
                } else {
                    b.note
                },
            }
        }
        "approve" => AwardAction::Approve {
            by: staff.actor().label(),
            at: now,
        },
        "pay" => AwardAction::Pay { at: now },
        "cancel" => AwardAction::Cancel { note: b.note },
        _ => return Err(ApiError::NotFound("award action")),
    };
    Ok(Json(json!(
        st.store.change_award(&staff.actor(), id, action).await?
    )))
}

/// Every reporter's history: valid, invalid, duplicate… counts and bounty paid.
#[utoipa::path(get, path = "/api/v1/reporters", tag = "bounty",
    responses((status = 200, description = "{items: [ReporterProfile]}"), (status = "4XX", description = "problem+json error")))]
async fn reporters(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    Ok(Json(
        json!({ "items": st.store.reporter_profiles().await? }),
    ))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(program, set_program, list_awards, propose, change, reporters),
    components(schemas(ProposeBody, ChangeBody))
)]
pub struct BountyApiDoc;
