//! The inventory in the API: products, product versions, their SBOMs and components.
//! Every staff role may read it (it holds no embargoed information); the PSIRT defines
//! products and versions; engineers may also upload SBOMs (release pipelines).

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use psirt_domain::inventory::support_status;
use psirt_domain::{ProductDraft, ProductVersionDraft};
use psirt_store::{PageRequest, ProductVersion};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::PageQuery;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/products", get(list_products).post(create_product))
        .route(
            "/api/v1/products/{id}",
            get(get_product).put(update_product),
        )
        .route(
            "/api/v1/products/{id}/versions",
            get(list_versions).post(create_version),
        )
        .route(
            "/api/v1/product-versions/{id}",
            get(get_version).put(update_version),
        )
        .route("/api/v1/product-versions/{id}/components", get(components))
        .route(
            "/api/v1/product-versions/{id}/dependencies",
            get(dependencies),
        )
        .route(
            "/api/v1/product-versions/{id}/timeline",
            get(version_timeline),
        )
        .route(
            "/api/v1/product-versions/{id}/sbom",
            // Not the API's body limit: the handler reads the body itself, up to `Config::sbom_max_bytes`, once the
            // caller may import.
            post(upload_sbom),
        )
}

fn require_product_manager(staff: &Staff) -> ApiResult<()> {
    if staff.viewer().can_manage_products() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the PSIRT defines products and versions",
        ))
    }
}

/// A version as the API shows it: with its support status today.
pub(crate) fn version_json(st: &AppState, v: &ProductVersion) -> Value {
    let mut out = json!(v);
    let today = st.store.now().date();
    out["support_status"] = json!(support_status(v.released_on, v.support_ends_on, today));
    out
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// Only those whose name (or vendor; for components: purl) contains this text.
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

impl ListQuery {
    fn page(&self) -> PageRequest {
        PageRequest {
            cursor: self.cursor.clone(),
            limit: self.limit,
        }
    }
}

/// Products, newest first.
#[utoipa::path(get, path = "/api/v1/products", tag = "inventory", params(ListQuery),
    responses((status = 200, description = "{items: [Product], next_cursor}"), (status = "4XX", description = "problem+json error")))]
async fn list_products(
    State(st): State<AppState>,
    _staff: Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        st.store.products(q.q.as_deref(), &q.page()).await?
    )))
}

#[utoipa::path(post, path = "/api/v1/products", tag = "inventory", request_body = ProductDraft,
    responses((status = 201, description = "the product"), (status = 409, description = "a product with this vendor and name exists"), (status = "4XX", description = "problem+json error")))]
async fn create_product(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<ProductDraft>,
) -> ApiResult<Response> {
    require_product_manager(&staff)?;
    let p = st.store.create_product(&staff.actor(), b).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// A product with its versions.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "inventory", params(("id" = i64, Path)),
    responses((status = 200, description = "{product: Product, versions: [ProductVersion]}"), (status = "4XX", description = "problem+json error")))]
async fn get_product(
    State(st): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let product = st.store.product(id).await?;
    let versions: Vec<Value> = st
        .store
        .product_versions(id)
        .await?
        .iter()
        .map(|v| version_json(&st, v))
        .collect();
    Ok(Json(json!({ "product": product, "versions": versions })))
}

/// Replaces a product's fields.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "inventory", params(("id" = i64, Path)), request_body = ProductDraft,
    responses((status = 200, description = "the product"), (status = "4XX", description = "problem+json error")))]
async fn update_product(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<ProductDraft>,
) -> ApiResult<Json<Value>> {
    require_product_manager(&staff)?;
    Ok(Json(json!(
        st.store.update_product(&staff.actor(), id, b).await?
    )))
}

#[utoipa::path(get, path = "/api/v1/products/{id}/versions", tag = "inventory", params(("id" = i64, Path)),
    responses((status = 200, description = "{items: [ProductVersion]}"), (status = "4XX", description = "problem+json error")))]
async fn list_versions(
    State(st): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = st
        .store
        .product_versions(id)
        .await?
        .iter()
        .map(|v| version_json(&st, v))
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/products/{id}/versions", tag = "inventory", params(("id" = i64, Path)), request_body = ProductVersionDraft,
    responses((status = 201, description = "the product version"), (status = 409, description = "the version exists"), (status = "4XX", description = "problem+json error")))]
async fn create_version(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<ProductVersionDraft>,
) -> ApiResult<Response> {
    require_product_manager(&staff)?;
    let v = st
        .store
        .create_product_version(&staff.actor(), id, b)
        .await?;
    Ok((StatusCode::CREATED, Json(version_json(&st, &v))).into_response())
}

#[utoipa::path(get, path = "/api/v1/product-versions/{id}", tag = "inventory", params(("id" = i64, Path)),
    responses((status = 200, description = "the product version with `support_status`"), (status = "4XX", description = "problem+json error")))]
async fn get_version(
    State(st): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = st.store.product_version(id).await?;
    Ok(Json(version_json(&st, &v)))
}

/// Replaces a product version's fields (not its SBOM).
#[utoipa::path(put, path = "/api/v1/product-versions/{id}", tag = "inventory", params(("id" = i64, Path)), request_body = ProductVersionDraft,
    responses((status = 200, description = "the product version"), (status = "4XX", description = "problem+json error")))]
async fn update_version(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<ProductVersionDraft>,
) -> ApiResult<Json<Value>> {
    require_product_manager(&staff)?;
    let v = st
        .store
        .update_product_version(&staff.actor(), id, b)
        .await?;
    Ok(Json(version_json(&st, &v)))
}

/// A product version's components ordered by key (the normalised purl), with cursor paging.
#[utoipa::path(get, path = "/api/v1/product-versions/{id}/components", tag = "inventory", params(("id" = i64, Path), ListQuery),
    responses((status = 200, description = "{items: [Component], next_cursor}"), (status = "4XX", description = "problem+json error")))]
async fn components(
    State(st): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    st.store.product_version(id).await?;
    let search = q.q.as_deref().map(component_search);
    Ok(Json(json!(
        st.store
            .components(id, search.as_deref(), &q.page())
            .await?
    )))
}

/// A component search as the keys are written: a purl query in its canonical form (qualifiers sorted, `@` in a
/// namespace as `%40`, as SBOM import keys components), so that a purl pasted in another spelling finds its
/// component; anything else (a name, part of a purl) as typed.
pub fn component_search(q: &str) -> String {
    let q = q.trim();
    if q.starts_with("pkg:") {
        if let Ok(purl) = psirt_versions::Purl::parse_lenient(q) {
            return purl.to_string();
        }
    }
    q.to_owned()
}

#[derive(Deserialize, utoipa::IntoParams)]
struct DependencyQuery {
    /// A component key: only the edges from it (what it depends on) or to it (what pulls it in).
    component: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// A product version's dependency edges from its SBOM (`from` depends on or contains `to`, by component key;
/// `from: null` is the product itself, so `to` is a direct dependency), ordered by (from, to), with cursor paging.
#[utoipa::path(get, path = "/api/v1/product-versions/{id}/dependencies", tag = "inventory", params(("id" = i64, Path), DependencyQuery),
    responses((status = 200, description = "{items: [Dependency], next_cursor}"), (status = "4XX", description = "problem+json error")))]
async fn dependencies(
    State(st): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DependencyQuery>,
) -> ApiResult<Json<Value>> {
    st.store.product_version(id).await?;
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(json!(
        st.store
            .dependencies(id, q.component.as_deref().filter(|c| !c.is_empty()), &page)
            .await?
    )))
}

/// The audit events of a product version, oldest first, paged: its creation, edits and every SBOM
/// import with what it added, removed and changed. The PSIRT also sees the release plans made for it; other staff
/// only the version's own events (`product_version.*`), as a plan names its cases — embargoed ones too.
#[utoipa::path(get, path = "/api/v1/product-versions/{id}/timeline", tag = "inventory", params(("id" = i64, Path), PageQuery),
    responses((status = 200, description = "{items: [AuditEntry], next_cursor}"), (status = "4XX", description = "problem+json error")))]
async fn version_timeline(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    st.store.product_version(id).await?;
    let own_only = (!staff.viewer().can_triage()).then_some("product_version.");
    let page = st
        .store
        .audit_trail_page("product_version", &id.to_string(), own_only, &q.request())
        .await?;
    Ok(Json(json!(page)))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct UploadQuery {
    /// Import an SBOM that lists no components into a version that has some (refused otherwise: it would remove
    /// them all).
    #[serde(default)]
    allow_empty: bool,
}

/// Imports an SBOM (CycloneDX 1.4–1.6 JSON or SPDX 2.3 JSON, the request body as is): it
/// replaces the version's components in one transaction; the answer and the audit trail say
/// what was added, removed and changed. A document that fails its schema is rejected whole
/// (422, with the JSON path of the first error) and nothing is stored.
#[utoipa::path(post, path = "/api/v1/product-versions/{id}/sbom", tag = "inventory", params(("id" = i64, Path), UploadQuery),
    request_body(content = String, content_type = "application/json", description = "the SBOM document"),
    responses((status = 200, description = "{product_version, diff: {added, removed, changed, unchanged}, warnings, matches, matching_error}: the import is stored; `matches` is null and `matching_error` says why when re-matching failed (the next use of the engine catches up)"),
        (status = 422, description = "not a valid SBOM: `errors[0].field` is the JSON path (problem+json)"),
        (status = "4XX", description = "problem+json error")))]
async fn upload_sbom(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(upload): Query<UploadQuery>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let checked = async {
        if !staff.viewer().can_import_sbom() {
            return Err(ApiError::Forbidden("viewers cannot import SBOMs"));
        }
        st.store.product_version(id).await?;
        Ok(())
    }
    .await;
    // Only an upload that may import waits for its turn to read its body; it holds the turn until it is done.
    let _body_held = match &checked {
        Ok(()) => Some(
            st.sbom_bodies
                .acquire()
                .await
                .map_err(|e| ApiError::Internal(format!("SBOM upload queue: {e}")))?,
        ),
        Err(_) => None,
    };
    let body = crate::error::body_if_allowed(
        checked,
        &headers,
        body,
        st.config.sbom_max_bytes,
        Some(st.config.sbom_body_idle_timeout),
    )
    .await?;
    let _one_at_a_time = st
        .sbom_imports
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("SBOM import queue: {e}")))?;
    let mut parsed = tokio::task::spawn_blocking(move || crate::sbom::parse(&body))
        .await
        .map_err(|e| ApiError::Internal(format!("SBOM parser task: {e}")))??;
    parsed.import.allow_empty = upload.allow_empty;
    let warnings = parsed.warnings;
    let before = st.store.match_generation().await?;
    let done = st
        .store
        .import_sbom(&staff.actor(), id, parsed.import, &mut |_| {})
        .await?;
    // Stored: from here on a failure to re-match is reported in the answer, not as an error (which would tell the
    // client that nothing was imported). The engine, left behind the stored generation, reloads at its next use.
    let rematched: Result<_, crate::engine::EngineError> = async {
        let window = crate::engine::ImportWindow {
            before,
            after: st.store.match_generation().await?,
            own: 1,
        };
        st.engine
            .product_version_changed(&st.store, id, window)
            .await
    }
    .await;
    let (matches, matching_error) = match rematched {
        Ok(applied) => (json!(applied), Value::Null),
        Err(e) => {
            tracing::warn!(
                product_version = id,
                "re-matching after an SBOM import: {e}"
            );
            // The cause (a database error's text) stays in the log, as for any internal error.
            let told =
                "re-matching failed; the import is stored and is matched at the engine's next use";
            (Value::Null, json!(told))
        }
    };
    Ok(Json(json!({
        "product_version": version_json(&st, &done.product_version),
        "diff": done.diff,
        "warnings": warnings,
        "matches": matches,
        "matching_error": matching_error,
    })))
}

/// The OpenAPI paths of this module, merged into the API document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_products,
        create_product,
        get_product,
        update_product,
        list_versions,
        create_version,
        get_version,
        update_version,
        components,
        dependencies,
        version_timeline,
        upload_sbom
    ),
    components(schemas(
        ProductDraft,
        ProductVersionDraft,
        psirt_store::Product,
        psirt_store::ProductVersion,
        psirt_store::Component,
        psirt_store::ComponentHash,
        psirt_store::Dependency,
        psirt_store::SbomDiff,
        psirt_store::VersionChange
    ))
)]
pub struct InventoryApiDoc;

#[cfg(test)]
mod tests {
    use super::component_search;

    #[test]
    fn a_purl_query_is_searched_in_the_form_components_are_keyed_by() {
        assert_eq!(
            component_search("pkg:npm/@babel/core@7.0.0"),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            component_search(" pkg:deb/debian/curl@7.0?distro=debian-12&arch=amd64 "),
            "pkg:deb/debian/curl@7.0?arch=amd64&distro=debian-12"
        );
        assert_eq!(component_search("jinja"), "jinja");
        assert_eq!(component_search("pkg:pypi/jin"), "pkg:pypi/jin");
    }
}
