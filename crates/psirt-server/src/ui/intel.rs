//! Intel pages: a vulnerability (every source, KEV, EPSS, affected product versions), purl
//! search, and the upstream queue where the PSIRT opens upstream cases or dismisses matches.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_store::{Finding, QueueItem, Vulnerability};
use serde::Deserialize;

use super::{html, notice_text, see_other, CsrfForm, Layout, UiResult, UiStaff};
use crate::api_intel::{self, OpenCaseBody};
use crate::error::{ApiError, Path, Query};
use crate::AppState;

/// An optional number however a template hands it over (owned or borrowed).
pub trait MaybeNumber {
    fn number(&self) -> Option<f64>;
}
impl MaybeNumber for Option<f64> {
    fn number(&self) -> Option<f64> {
        *self
    }
}
impl MaybeNumber for &Option<f64> {
    fn number(&self) -> Option<f64> {
        **self
    }
}
impl MaybeNumber for Option<&f64> {
    fn number(&self) -> Option<f64> {
        self.copied()
    }
}

/// A score for a table cell.
pub fn score(s: impl MaybeNumber) -> String {
    s.number()
        .map_or_else(|| "–".to_owned(), |s| format!("{s:.1}"))
}

/// An EPSS probability for a table cell, as a percentage. Most scores are below 0.1 %, so small ones keep more
/// decimals (0.043 %): at one decimal they would all read 0.0 % and a page sorted by EPSS would look arbitrary.
pub fn epss(s: impl MaybeNumber) -> String {
    s.number().map_or_else(
        || "–".to_owned(),
        |s| {
            let percent = s * 100.0;
            if percent >= 10.0 {
                format!("{percent:.1}%")
            } else if percent >= 1.0 {
                format!("{percent:.2}%")
            } else {
                format!("{percent:.3}%")
            }
        },
    )
}

/// Fixed versions for a table cell.
pub fn fixed_in(versions: &[String]) -> String {
    if versions.is_empty() {
        "–".to_owned()
    } else {
        versions.join(", ")
    }
}

#[derive(Template)]
#[template(path = "vulnerability.html")]
struct VulnerabilityPage {
    layout: Layout,
    v: Vulnerability,
    findings: Vec<Finding>,
}

pub async fn vulnerability(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<String>,
) -> UiResult {
    let (v, findings) = api_intel::vulnerability_view(&st, &staff, &id).await?;
    html(
        StatusCode::OK,
        &VulnerabilityPage {
            layout: Layout::staff(&staff),
            v,
            findings,
        },
    )
}

#[derive(Deserialize)]
pub struct PurlForm {
    purl: Option<String>,
}

pub struct PurlHit {
    id: String,
    summary: String,
    cvss: String,
    exploited: bool,
    epss: String,
    fixed_in: String,
}

#[derive(Template)]
#[template(path = "purl_search.html")]
struct PurlPage {
    layout: Layout,
    purl: String,
    searched: bool,
    error: Option<String>,
    notes: Vec<String>,
    hits: Vec<PurlHit>,
}

pub async fn purl_search(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<PurlForm>,
) -> UiResult {
    let purl = q.purl.unwrap_or_default().trim().to_owned();
    let (mut hits, mut error) = (Vec::new(), None);
    if !purl.is_empty() {
        match api_intel::purl_advisories(&st, &purl).await {
            Ok(found) => {
                hits = found
                    .iter()
                    .map(|a| PurlHit {
                        id: a["id"].as_str().unwrap_or_default().to_owned(),
                        summary: a["summary"].as_str().unwrap_or_default().to_owned(),
                        cvss: score(a["cvss_score"].as_f64()),
                        exploited: a["exploited"].as_bool().unwrap_or(false),
                        epss: epss(a["epss"].as_f64()),
                        fixed_in: fixed_in(
                            &a["fixed_versions"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect::<Vec<_>>(),
                        ),
                    })
                    .collect()
            }
            Err(crate::ApiError::BadRequest(_, message)) => error = Some(message),
            Err(e) => return Err(e.into()),
        }
    }
    html(
        StatusCode::OK,
        &PurlPage {
            layout: Layout::staff(&staff),
            searched: !purl.is_empty(),
            notes: api_intel::purl_notes(&purl),
            purl,
            error,
            hits,
        },
    )
}

#[derive(Template)]
#[template(path = "upstream.html")]
struct UpstreamPage {
    layout: Layout,
    items: Vec<QueueItem>,
    /// Items in the whole queue.
    total: usize,
    next_cursor: Option<String>,
    justifications: &'static [&'static str],
}

#[derive(Deserialize)]
pub struct UpstreamQuery {
    notice: Option<String>,
    cursor: Option<String>,
}

pub async fn upstream(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<UpstreamQuery>,
) -> UiResult {
    api_intel::require_psirt(&staff)?;
    st.engine
        .ensure(&st.store)
        .await
        .map_err(crate::ApiError::from)?;
    let page = psirt_store::PageRequest {
        cursor: q.cursor,
        limit: None,
    };
    let page = st.store.upstream_queue_page(&page).await?;
    html(
        StatusCode::OK,
        &UpstreamPage {
            layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
            items: page.items,
            total: page.total,
            next_cursor: page.next_cursor,
            justifications: &psirt_store::matches::VEX_JUSTIFICATIONS,
        },
    )
}

#[derive(Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    product_version_id: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    note: String,
    /// The queue item's revision as shown: required, so that a change since is never dismissed unseen.
    #[serde(default)]
    revision: String,
}

pub async fn dismiss(
    State(st): State<AppState>,
    Path(record_id): Path<String>,
    f: CsrfForm<DismissForm>,
) -> UiResult {
    api_intel::require_psirt(&f.staff)?;
    // Empty: every product version. Anything else must name one: a garbled field must not widen the dismissal.
    let pv = match f.form.product_version_id.trim() {
        "" => None,
        id => Some(id.parse::<i64>().map_err(|_| {
            ApiError::BadRequest(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("product_version_id `{id}` is not a product version id"),
            )
        })?),
    };
    if f.form.revision.trim().is_empty() {
        return Err(ApiError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the form carries no revision: reload the upstream queue".into(),
        )
        .into());
    }
    let n = match st
        .store
        .dismiss_matches(
            &f.staff.actor(),
            &record_id,
            pv,
            &f.form.justification,
            &f.form.note,
            Some(f.form.revision.trim()),
        )
        .await
    {
        // Back to the queue as it is now, saying why nothing happened.
        Err(psirt_store::StoreError::Conflict(_)) => {
            return see_other("/upstream?notice=match_changed");
        }
        other => other?,
    };
    if n == 0 {
        // As the API answers: nothing undecided was there (another analyst decided it first).
        return Err(ApiError::NotFound("undecided match").into());
    }
    see_other("/upstream?notice=match_dismissed")
}

#[derive(Deserialize)]
pub struct OpenCaseForm {
    #[serde(default)]
    title: String,
}

pub async fn open_case(
    State(st): State<AppState>,
    Path(record_id): Path<String>,
    f: CsrfForm<OpenCaseForm>,
) -> UiResult {
    let body = OpenCaseBody {
        title: Some(f.form.title),
        ..OpenCaseBody::default()
    };
    let case = api_intel::open_upstream_case(&st, &f.staff, &record_id, body).await?;
    see_other(&format!("/cases/{}?notice=upstream_case_opened", case.id))
}

#[derive(Deserialize)]
pub struct AddToCaseForm {
    case_id: i64,
}

pub async fn add_to_case(
    State(st): State<AppState>,
    Path(record_id): Path<String>,
    f: CsrfForm<AddToCaseForm>,
) -> UiResult {
    let case = api_intel::add_upstream_to_case(&st, &f.staff, &record_id, f.form.case_id).await?;
    see_other(&format!("/cases/{}?notice=upstream_added", case.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_epss_scores_stay_apart() {
        assert_eq!(epss(Some(0.00043)), "0.043%");
        assert_eq!(epss(Some(0.0)), "0.000%");
        assert_eq!(epss(Some(0.0123)), "1.23%");
        assert_eq!(epss(Some(0.97565)), "97.6%");
        assert_eq!(epss(None::<f64>), "–");
    }
}
