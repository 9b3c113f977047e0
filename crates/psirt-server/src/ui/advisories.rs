//! Advisory pages: the list with a draft form, and the advisory page with its revisions, render
//! previews and the publish form. Visibility and roles are the API's (see `api_advisories`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_domain::{AdvisoryContent, AdvisoryStatus, Change, Tlp};
use psirt_store::{AdvisoryCase, AdvisoryInput, AdvisoryRecord};
use serde::Deserialize;

use super::{html, notice_text, see_other, when, CsrfForm, Layout, UiResult, UiStaff};
use crate::api_advisories::{load, may_view};
use crate::error::{ApiError, Path, Query};
use crate::AppState;

pub struct AdvisoryRow {
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub tlp: &'static str,
    pub updated: String,
}

fn row(a: &AdvisoryRecord) -> AdvisoryRow {
    AdvisoryRow {
        id: a.id.to_string(),
        title: a.content.title.clone(),
        status: a.status.as_str(),
        tlp: a.content.tlp.csaf_label(),
        updated: when(&a.updated_at),
    }
}

#[derive(Template)]
#[template(path = "advisories.html")]
struct ListPage {
    layout: Layout,
    advisories: Vec<AdvisoryRow>,
    can_write: bool,
    /// Pre-filled case ids (from a case page's link).
    case_ids: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    notice: Option<String>,
    case: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<ListQuery>,
) -> UiResult {
    let mut advisories = Vec::new();
    for a in st.store.advisories().await? {
        if may_view(&st, &staff, &a).await? {
            advisories.push(row(&a));
        }
    }
    let page = ListPage {
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        advisories,
        can_write: staff.viewer().can_triage(),
        case_ids: q.case.unwrap_or_default(),
    };
    html(StatusCode::OK, &page)
}

/// The draft/edit form: cases as `12: CVE-2026-1, CVE-2026-2; 13` (case id, then its CVEs).
#[derive(Deserialize)]
pub struct AdvisoryForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    cases: String,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Domain(psirt_domain::DomainError::Invalid(vec![
        psirt_domain::FieldError::new(field, message),
    ]))
}

fn parse_cases(text: &str) -> Result<Vec<AdvisoryCase>, ApiError> {
    text.split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|part| {
            let (id, cves) = part.split_once(':').unwrap_or((part, ""));
            let case_id = id.trim().trim_start_matches('#').parse().map_err(|_| {
                invalid(
                    "cases",
                    "write case ids, each optionally followed by `: CVE-…`",
                )
            })?;
            let cve_ids = cves
                .split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            Ok(AdvisoryCase { case_id, cve_ids })
        })
        .collect()
}

fn cases_text(cases: &[AdvisoryCase]) -> String {
    cases
        .iter()
        .map(|c| {
            if c.cve_ids.is_empty() {
                c.case_id.to_string()
            } else {
                format!("{}: {}", c.case_id, c.cve_ids.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl AdvisoryForm {
    fn input(self, keep: Option<&AdvisoryContent>) -> Result<AdvisoryInput, ApiError> {
        let tlp: Tlp = serde_json::from_value(serde_json::Value::String(self.tlp.clone()))
            .map_err(|_| invalid("tlp", "must be CLEAR, GREEN, AMBER or RED"))?;
        Ok(AdvisoryInput {
            content: AdvisoryContent {
                title: self.title,
                summary: self.summary,
                notes: self.notes,
                // The form does not edit references and acknowledgments (the API does): keep them.
                references: keep.map(|c| c.references.clone()).unwrap_or_default(),
                acknowledgments: keep.map(|c| c.acknowledgments.clone()).unwrap_or_default(),
                tlp,
            },
            cases: parse_cases(&self.cases)?,
        })
    }
}

pub async fn create(State(st): State<AppState>, f: CsrfForm<AdvisoryForm>) -> UiResult {
    if !f.staff.viewer().can_triage() {
        return Err(ApiError::Forbidden("only the PSIRT writes advisories").into());
    }
    let input = f.form.input(None)?;
    for c in &input.cases {
        crate::api::load_case(&st, &f.staff, c.case_id, psirt_domain::CaseAction::View).await?;
    }
    let a = st
        .store
        .create_advisory(&f.staff.actor(), &st.config.publisher.prefix, input)
        .await?;
    see_other(&format!("/advisories/{}?notice=advisory_created", a.id))
}

pub struct RevisionView {
    pub number: String,
    pub status: &'static str,
    pub date: String,
    pub summary: String,
    pub files: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct AdvisoryPage {
    layout: Layout,
    a: AdvisoryRecord,
    id: String,
    cases: String,
    tlp: &'static str,
    revisions: Vec<RevisionView>,
    can_write: bool,
    /// The CSAF document publishing now would produce, or why it cannot be rendered.
    preview: String,
    preview_error: String,
    statuses: Vec<&'static str>,
}

pub async fn page(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<String>,
    Query(q): Query<super::NoticeQuery>,
) -> UiResult {
    let a = load(&st, &staff, &id).await?;
    let can_write = staff.viewer().can_triage();
    let (mut preview, mut preview_error) = (String::new(), String::new());
    if can_write {
        match crate::api_advisories::preview_bytes(&st, &a, AdvisoryStatus::Interim).await {
            Ok(r) => preview = String::from_utf8_lossy(&r.csaf).into_owned(),
            Err(e) => preview_error = e.to_string(),
        }
    }
    let base = format!("/api/v1/advisories/{}", a.id);
    let revisions = a
        .revisions
        .iter()
        .rev()
        .map(|r| RevisionView {
            number: r.revision.number.to_string(),
            status: r.revision.status.as_str(),
            date: when(&r.revision.date),
            summary: r.revision.summary.clone(),
            files: r
                .renderings
                .iter()
                .map(|f| {
                    let path = if f.kind == "cve" {
                        format!("{base}/revisions/{}/cve/{}", r.seq, f.name)
                    } else {
                        format!("{base}/revisions/{}/{}", r.seq, f.kind)
                    };
                    let label = if f.name.is_empty() {
                        f.kind.clone()
                    } else {
                        f.name.clone()
                    };
                    (label, path)
                })
                .collect(),
        })
        .collect();
    let page = AdvisoryPage {
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        id: a.id.to_string(),
        cases: cases_text(&a.cases),
        tlp: a.content.tlp.csaf_label(),
        revisions,
        can_write,
        preview,
        preview_error,
        statuses: vec!["interim", "final"],
        a,
    };
    html(StatusCode::OK, &page)
}

pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<AdvisoryForm>,
) -> UiResult {
    let a = load(&st, &f.staff, &id).await?;
    if !f.staff.viewer().can_triage() {
        return Err(ApiError::Forbidden("only the PSIRT writes advisories").into());
    }
    let input = f.form.input(Some(&a.content))?;
    for c in &input.cases {
        crate::api::load_case(&st, &f.staff, c.case_id, psirt_domain::CaseAction::View).await?;
    }
    st.store
        .update_advisory(&f.staff.actor(), &a.id, input)
        .await?;
    see_other(&format!("/advisories/{}?notice=advisory_updated", a.id))
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    summary: String,
}

pub async fn publish(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<PublishForm>,
) -> UiResult {
    let a = load(&st, &f.staff, &id).await?;
    if !f.staff.viewer().can_triage() {
        return Err(ApiError::Forbidden("only the PSIRT publishes advisories").into());
    }
    let status = match f.form.status.as_str() {
        "final" => AdvisoryStatus::Final,
        "interim" => AdvisoryStatus::Interim,
        _ => return Err(invalid("status", "must be interim or final").into()),
    };
    let change = match f.form.change.as_str() {
        "major" => Change::Major,
        "minor" => Change::Minor,
        _ => Change::Patch,
    };
    crate::publish::publish(&st, &f.staff.actor(), &a, status, change, &f.form.summary).await?;
    see_other(&format!("/advisories/{}?notice=advisory_published", a.id))
}
