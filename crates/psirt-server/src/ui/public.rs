//! The public portal: the report form and the reporter's tracking page. No login; the
//! tracking page is reached only through its secret link.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use psirt_domain::{CreditPreference, DomainError, FieldError, NewReport, ReportChannel};
use serde::Deserialize;

use super::session::{public_form_token, PublicForm};
use super::{html, notice_text, see_other, when, Layout, NoticeQuery, UiResult};
use crate::auth::{session_staff, ClientIp};
use crate::error::{ApiError, Path, Query};
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
}

pub async fn home(State(st): State<AppState>, headers: HeaderMap) -> UiResult {
    // Staff go straight to their work; everyone else sees the portal.
    if let Some(staff) = session_staff(&headers, &st).await? {
        return see_other(if staff.viewer().can_triage() {
            "/reports"
        } else {
            "/cases"
        });
    }
    html(
        StatusCode::OK,
        &HomePage {
            layout: Layout::public(),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportFields {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    steps_to_reproduce: String,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    reporter_name: String,
    #[serde(default)]
    reporter_email: String,
    #[serde(default)]
    credit_preference: String,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportForm {
    layout: Layout,
    csrf: String,
    f: ReportFields,
    errors: Vec<FieldError>,
}

impl ReportForm {
    /// The error for one field, shown beside it.
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub async fn report_form(headers: HeaderMap) -> UiResult {
    let (csrf, cookie) = public_form_token(&headers)?;
    let page = ReportForm {
        layout: Layout::public(),
        csrf,
        f: ReportFields {
            credit_preference: "named".into(),
            ..Default::default()
        },
        errors: vec![],
    };
    let mut resp = html(StatusCode::OK, &page)?;
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Template)]
#[template(path = "report_submitted.html")]
struct Submitted {
    layout: Layout,
    tracking_url: String,
}

pub async fn submit_report(
    State(st): State<AppState>,
    ip: ClientIp,
    PublicForm { form: f, headers }: PublicForm<ReportFields>,
) -> UiResult {
    st.report_limiter.check(ip.0)?;
    let credit = match f.credit_preference.parse::<CreditPreference>() {
        Ok(c) => Ok(c),
        Err(_) => Err(FieldError::new(
            "credit_preference",
            "choose named, anonymous or none",
        )),
    };
    let new = NewReport {
        title: f.title.clone(),
        description: f.description.clone(),
        product: f.product.clone(),
        steps_to_reproduce: f.steps_to_reproduce.clone(),
        impact: f.impact.clone(),
        reporter_name: f.reporter_name.clone(),
        reporter_email: f.reporter_email.clone(),
        credit_preference: *credit.as_ref().unwrap_or(&CreditPreference::Named),
    };
    // Validate everything first, so the reporter sees every problem at once.
    let mut errors = match new.clone().validate() {
        Ok(_) => vec![],
        Err(DomainError::Invalid(errors)) => errors,
        Err(e) => return Err(ApiError::from(e).into()),
    };
    if let Err(e) = credit {
        errors.push(e);
    }
    if !errors.is_empty() {
        let (csrf, _) = public_form_token(&headers)?;
        let page = ReportForm {
            layout: Layout::public(),
            csrf,
            f,
            errors,
        };
        return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let submitted = st.store.submit_report(new, ReportChannel::Web).await?;
    let tracking_url = format!(
        "{}/track/{}",
        st.config.public_url.trim_end_matches('/'),
        submitted.tracking_token
    );
    html(
        StatusCode::CREATED,
        &Submitted {
            layout: Layout::public(),
            tracking_url,
        },
    )
}

pub struct MessageView {
    pub from: String,
    pub body: String,
    pub at: String,
    pub from_reporter: bool,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    layout: Layout,
    csrf: String,
    token: String,
    title: String,
    status: String,
    case_state: Option<String>,
    received: String,
    messages: Vec<MessageView>,
}

pub async fn track(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> UiResult {
    let report = st
        .store
        .report_by_tracking_token(&token)
        .await?
        .ok_or(ApiError::NotFound("report"))?;
    let case_state = match report.case_id {
        Some(id) => Some(st.store.case(id).await?.state.as_str().replace('_', " ")),
        None => None,
    };
    let messages = st
        .store
        .messages(report.id)
        .await?
        .into_iter()
        .map(|m| MessageView {
            from: if m.from_reporter { "You" } else { "PSIRT" }.into(),
            body: m.body,
            at: when(&m.created_at),
            from_reporter: m.from_reporter,
        })
        .collect();
    let (csrf, cookie) = public_form_token(&headers)?;
    let page = TrackPage {
        layout: Layout::public().with_notice(notice_text(q.notice.as_deref())),
        csrf,
        title: report.title,
        status: report.status.as_str().replace('_', " "),
        case_state,
        received: when(&report.received_at),
        messages,
        token,
    };
    let mut resp = html(StatusCode::OK, &page)?;
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    // The link is the reporter's credential: keep it out of Referer headers.
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(resp.into_response())
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
}

/// The tracking token in the path is the reporter's credential; the form also carries the
/// double-submit token like every other form.
pub async fn track_message(
    State(st): State<AppState>,
    ip: ClientIp,
    Path(token): Path<String>,
    PublicForm { form: f, .. }: PublicForm<MessageForm>,
) -> UiResult {
    st.report_limiter.check(ip.0)?;
    let report = st
        .store
        .report_by_tracking_token(&token)
        .await?
        .ok_or(ApiError::NotFound("report"))?;
    st.store.reporter_message(&report, &f.body).await?;
    see_other(&format!("/track/{token}?notice=message_received"))
}

#[derive(Template)]
#[template(path = "hall_of_fame.html")]
struct HallOfFamePage {
    layout: Layout,
    entries: Vec<psirt_store::bounty::HallOfFameEntry>,
}

/// The public hall of fame: reporters who asked to be credited by name, for findings that are
/// public (embargoed cases are never counted).
pub async fn hall_of_fame(State(st): State<AppState>) -> UiResult {
    html(
        StatusCode::OK,
        &HallOfFamePage {
            layout: Layout::public(),
            entries: st.store.hall_of_fame().await?,
        },
    )
}
