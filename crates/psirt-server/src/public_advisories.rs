//! Public advisory pages, no login: the list, each advisory's published HTML (the bytes stored
//! with its latest revision) and an Atom feed. TLP:CLEAR (CSAF's WHITE) only; anything else is
//! answered 404, as if it did not exist.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use psirt_domain::Tlp;
use psirt_formats::publish::{atom_feed, ProviderConfig, PublishedDocument};

use crate::csaf_provider::{csaf_base, published};
use crate::error::{ApiError, ApiResult, Path};
use crate::publish::publisher;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/security/advisories", get(list))
        .route("/security/advisories.atom", get(feed))
        .route("/security/advisories/{id}", get(page))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The TLP:CLEAR documents' distribution entries.
async fn clear_documents(st: &AppState) -> ApiResult<Vec<PublishedDocument>> {
    Ok(published(st)
        .await?
        .iter()
        .filter(|d| d.doc.tlp == Tlp::Clear)
        .map(|d| d.doc.clone())
        .collect())
}

async fn list(State(st): State<AppState>) -> ApiResult<Response> {
    let mut docs = clear_documents(&st).await?;
    docs.sort_by_key(|d| std::cmp::Reverse(d.current_release_date));
    let name = esc(&publisher(&st).name);
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} security advisories</title>\
         <link rel=\"alternate\" type=\"application/atom+xml\" href=\"/security/advisories.atom\"></head><body>\
         <h1>{name} security advisories</h1><p><a href=\"/security/advisories.atom\">Atom feed</a> · \
         <a href=\"/.well-known/csaf/provider-metadata.json\">CSAF</a></p><ul id=\"advisories\">\n"
    );
    for d in &docs {
        out.push_str(&format!(
            "<li><a href=\"/security/advisories/{id}\">{id}</a>: {title} ({date})</li>\n",
            id = esc(&d.id),
            title = esc(&d.title),
            date = d.current_release_date.date()
        ));
    }
    out.push_str("</ul></body></html>\n");
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], out).into_response())
}

async fn page(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = crate::api_advisories::parse_id(&id)?;
    // The TLP as published, not as possibly edited since; the page of that same revision (not of one published
    // since, whose TLP was not checked).
    let id_text = id.to_string();
    let seq = published(&st)
        .await?
        .iter()
        .find(|d| d.doc.id == id_text && d.doc.tlp == Tlp::Clear)
        .map(|d| d.seq)
        .ok_or(ApiError::NotFound("advisory"))?;
    let (info, html) = st.store.rendering(&id, seq, "html", "").await?;
    Ok(([(header::CONTENT_TYPE, info.media_type)], html).into_response())
}

async fn feed(State(st): State<AppState>) -> ApiResult<Response> {
    let docs = clear_documents(&st).await?;
    let config = ProviderConfig {
        base_url: csaf_base(&st),
        publisher: publisher(&st),
        role: "csaf_provider".into(),
        list_on_aggregators: true,
        mirror_on_aggregators: true,
        openpgp_keys: Vec::new(),
    };
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml")],
        atom_feed(&config, &docs),
    )
        .into_response())
}
