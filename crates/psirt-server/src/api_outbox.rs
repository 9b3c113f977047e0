//! Notifications in the API (admins): webhook subscriptions, the outbox with its delivery log
//! and dead letters (manual redelivery), and e-mail templates.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::require_admin;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/v1/outbox", get(list_outbox))
        .route("/api/v1/outbox/{id}/attempts", get(attempts))
        .route("/api/v1/outbox/{id}/redeliver", post(redeliver))
        .route("/api/v1/email-templates/{key}", put(set_template))
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "notifications",
    responses((status = 200, description = "{items: [WebhookSubscription]} (secrets never shown)"), (status = "4XX", description = "problem+json error")))]
async fn list_webhooks(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    require_admin(&staff)?;
    Ok(Json(json!({ "items": st.store.webhooks().await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WebhookBody {
    pub url: String,
    /// The HMAC-SHA256 key (at least 16 characters) receivers verify `X-Psirt-Signature` with.
    pub secret: String,
    /// Audit actions (`case.transition`), prefixes (`case.*`) or `*`.
    pub events: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "notifications", request_body = WebhookBody,
    responses((status = 201, description = "the subscription"), (status = "4XX", description = "problem+json error")))]
async fn create_webhook(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<WebhookBody>,
) -> ApiResult<Response> {
    require_admin(&staff)?;
    let w = st
        .store
        .create_webhook(&staff.actor(), &b.url, &b.secret, &b.events)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(w))).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
struct OutboxQuery {
    /// pending, delivered or dead.
    status: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/outbox", tag = "notifications", params(OutboxQuery),
    responses((status = 200, description = "{items: [OutboxMessage]} newest first"), (status = "4XX", description = "problem+json error")))]
async fn list_outbox(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<Value>> {
    require_admin(&staff)?;
    if let Some(s) = q.status.as_deref() {
        if !["pending", "delivered", "dead"].contains(&s) {
            return Err(ApiError::BadRequest(
                StatusCode::BAD_REQUEST,
                "status must be pending, delivered or dead".into(),
            ));
        }
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    Ok(Json(json!({
        "items": st.store.outbox(q.status.as_deref(), limit).await?
    })))
}

#[utoipa::path(get, path = "/api/v1/outbox/{id}/attempts", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, description = "{items: [OutboxAttempt]}"), (status = "4XX", description = "problem+json error")))]
async fn attempts(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    require_admin(&staff)?;
    Ok(Json(
        json!({ "items": st.store.outbox_attempts(id).await? }),
    ))
}

#[utoipa::path(post, path = "/api/v1/outbox/{id}/redeliver", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 204, description = "queued again"), (status = "4XX", description = "problem+json error")))]
async fn redeliver(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require_admin(&staff)?;
    st.store.redeliver(&staff.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TemplateBody {
    /// One line; `{{name}}` placeholders are filled in.
    pub subject: String,
    pub body: String,
}

#[utoipa::path(put, path = "/api/v1/email-templates/{key}", tag = "notifications", params(("key" = String, Path)), request_body = TemplateBody,
    responses((status = 204, description = "saved"), (status = "4XX", description = "problem+json error")))]
async fn set_template(
    State(st): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Json(b): Json<TemplateBody>,
) -> ApiResult<StatusCode> {
    require_admin(&staff)?;
    if !crate::outbox_worker::TEMPLATE_KEYS.contains(&key.as_str()) {
        return Err(ApiError::NotFound("e-mail template"));
    }
    st.store
        .set_email_template(&staff.actor(), &key, &b.subject, &b.body)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_webhooks,
        create_webhook,
        list_outbox,
        attempts,
        redeliver,
        set_template
    ),
    components(schemas(
        WebhookBody,
        TemplateBody,
        psirt_store::outbox::WebhookSubscription,
        psirt_store::outbox::OutboxMessage,
        psirt_store::outbox::OutboxAttempt
    ))
)]
pub struct OutboxApiDoc;
