//! The report queue and the triage decision (new case, duplicate, reject).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_domain::{CaseAction, ReportStatus};
use psirt_store::reports::{RejectReason, TriageDecision};
use psirt_store::{PageRequest, Report};
use serde::Deserialize;

use super::public::MessageView;
use super::{html, notice_text, see_other, when, CsrfForm, Layout, UiResult, UiStaff};
use crate::api::{load_case, require_psirt};
use crate::error::{ApiError, Path, Query};
use crate::AppState;

pub struct ReportRow {
    pub id: i64,
    pub title: String,
    pub product: String,
    pub reporter: String,
    pub received: String,
    pub status: &'static str,
    pub case_id: Option<i64>,
}

impl From<&Report> for ReportRow {
    fn from(r: &Report) -> Self {
        Self {
            id: r.id,
            title: r.title.clone(),
            product: r.product.clone(),
            reporter: if r.reporter_name.is_empty() {
                "anonymous".into()
            } else {
                r.reporter_name.clone()
            },
            received: when(&r.received_at),
            status: r.status.as_str(),
            case_id: r.case_id,
        }
    }
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    layout: Layout,
    status: String,
    statuses: Vec<&'static str>,
    reports: Vec<ReportRow>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    cursor: Option<String>,
}

pub async fn queue(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<QueueQuery>,
) -> UiResult {
    require_psirt(&staff)?;
    // New reports by default: that is the work; "all" shows every report.
    let status_text = q.status.unwrap_or_else(|| "new".into());
    let status = match status_text.as_str() {
        "all" => None,
        s => Some(s.parse::<ReportStatus>().map_err(ApiError::from)?),
    };
    let page = st
        .store
        .reports(
            status,
            &PageRequest {
                cursor: q.cursor,
                limit: Some(50),
            },
        )
        .await?;
    let view = QueuePage {
        layout: Layout::staff(&staff),
        status: status_text,
        statuses: std::iter::once("all")
            .chain(ReportStatus::ALL.iter().map(|s| s.as_str()))
            .collect(),
        reports: page.items.iter().map(ReportRow::from).collect(),
        next_cursor: page.next_cursor,
    };
    html(StatusCode::OK, &view)
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    r: Report,
    row: ReportRow,
    credit: &'static str,
    channel: &'static str,
    messages: Vec<MessageView>,
    duplicates: Vec<psirt_store::intake::Duplicate>,
    awaiting_since: Option<String>,
    reporter: Option<psirt_domain::reporter_history::ReporterProfile>,
}

pub async fn report_page(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    Query(q): Query<super::NoticeQuery>,
) -> UiResult {
    require_psirt(&staff)?;
    let r = st.store.report(id).await?;
    let messages = st
        .store
        .messages(id)
        .await?
        .into_iter()
        .map(|m| MessageView {
            from: if m.from_reporter { "Reporter" } else { "PSIRT" }.into(),
            body: m.body,
            at: when(&m.created_at),
            from_reporter: m.from_reporter,
        })
        .collect();
    let page = ReportPage {
        duplicates: st.store.possible_duplicates(id).await?,
        awaiting_since: st
            .store
            .awaiting_reporter_since(id)
            .await?
            .as_ref()
            .map(when),
        reporter: st.store.reporter_history(id).await?,
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        row: ReportRow::from(&r),
        credit: r.credit_preference.as_str(),
        channel: r.channel.as_str(),
        r,
        messages,
    };
    html(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct TriageForm {
    action: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    resolution: String,
}

fn decision(f: &TriageForm) -> Result<TriageDecision, ApiError> {
    let bad = |m: &str| ApiError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, m.into());
    Ok(match f.action.as_str() {
        "new_case" => TriageDecision::NewCase {
            title: Some(f.title.trim().to_owned()).filter(|t| !t.is_empty()),
        },
        "duplicate" => TriageDecision::Duplicate {
            case_id: f
                .case_id
                .trim()
                .trim_start_matches('#')
                .parse()
                .map_err(|_| bad("give the number of the case this report duplicates"))?,
        },
        "reject" => TriageDecision::Reject {
            resolution: match f.resolution.as_str() {
                "invalid" => RejectReason::Invalid,
                "out_of_scope" => RejectReason::OutOfScope,
                "informative" => RejectReason::Informative,
                _ => return Err(bad("choose why the report is rejected")),
            },
        },
        _ => return Err(bad("choose a triage decision")),
    })
}

pub async fn triage(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<TriageForm>,
) -> UiResult {
    require_psirt(&f.staff)?;
    let d = decision(&f.form)?;
    if let TriageDecision::Duplicate { case_id } = &d {
        load_case(&st, &f.staff, *case_id, CaseAction::Manage).await?;
    }
    let report = st.store.triage_report(&f.staff.actor(), id, d).await?;
    match report.case_id {
        Some(case_id) => see_other(&format!("/cases/{case_id}?notice=triaged")),
        None => see_other(&format!("/reports/{id}?notice=triaged")),
    }
}

/// A duplicate candidate's reason, for people.
pub fn reason_text(r: &psirt_domain::duplicates::DupReason) -> String {
    use psirt_domain::duplicates::DupReason;
    match r {
        DupReason::SimilarWording { similarity } => {
            format!("similar wording {:.0}%", similarity * 100.0)
        }
        DupReason::CopiedText { similarity } => format!("copied text {:.0}%", similarity * 100.0),
        DupReason::SameProduct => "same product".into(),
        DupReason::SameCwe { cwe_ids } => format!(
            "same CWE ({})",
            cwe_ids
                .iter()
                .map(|c| format!("CWE-{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DupReason::SameReporter => "same reporter".into(),
    }
}

#[derive(Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    question: String,
}

/// "Needs more info" from the report page.
pub async fn needs_info(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: super::CsrfForm<QuestionForm>,
) -> UiResult {
    require_psirt(&f.staff)?;
    st.store
        .ask_reporter(&f.staff.actor(), id, &f.form.question)
        .await?;
    super::see_other(&format!("/reports/{id}?notice=asked_reporter"))
}
