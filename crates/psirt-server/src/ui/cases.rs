//! The case list (with search) and the case page with everything done to a case.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_domain::{CaseAction, CaseState, Priority, Resolution, Severity, Transition};
use psirt_store::cases::{CaseFilter, CasePatch, NewCase};
use psirt_store::{Case, PageRequest, User};
use serde::Deserialize;

use super::public::MessageView;
use super::triage::ReportRow;
use super::{html, notice_text, see_other, when, CsrfForm, Layout, NoticeQuery, UiResult, UiStaff};
use crate::api::load_case;
use crate::error::{ApiError, Path, Query};
use crate::{AppState, Staff};

pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub state: &'static str,
    pub severity: &'static str,
    pub priority: &'static str,
    pub embargoed: bool,
    pub assignee: String,
    pub updated: String,
}

fn user_names(users: &[User]) -> HashMap<i64, String> {
    users.iter().map(|u| (u.id, u.username.clone())).collect()
}

fn name_of(names: &HashMap<i64, String>, id: Option<i64>) -> String {
    id.map(|id| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    })
    .unwrap_or_default()
}

impl CaseRow {
    fn new(c: &Case, names: &HashMap<i64, String>) -> Self {
        Self {
            id: c.id,
            title: c.title.clone(),
            state: c.state.as_str(),
            severity: c.severity.map(|s| s.as_str()).unwrap_or("—"),
            priority: c.priority.map(|p| p.as_str()).unwrap_or("—"),
            embargoed: c.embargoed,
            assignee: name_of(names, c.assignee_id),
            updated: when(&c.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    layout: Layout,
    q: String,
    state: String,
    states: Vec<&'static str>,
    cases: Vec<CaseRow>,
    next_cursor: Option<String>,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct CasesQuery {
    q: Option<String>,
    state: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<CasesQuery>,
) -> UiResult {
    let state_text = q.state.unwrap_or_default();
    let state = match state_text.as_str() {
        "" => None,
        s => Some(s.parse::<CaseState>().map_err(ApiError::from)?),
    };
    let search = q.q.unwrap_or_default();
    let filter = CaseFilter {
        q: Some(search.clone()).filter(|s| !s.trim().is_empty()),
        state,
    };
    // The store applies embargo visibility in SQL: hidden cases never reach this page.
    let page = st
        .store
        .cases(
            &staff.viewer(),
            &filter,
            &PageRequest {
                cursor: q.cursor,
                limit: Some(50),
            },
        )
        .await?;
    let names = user_names(&st.store.users().await?);
    let view = CasesPage {
        layout: Layout::staff(&staff),
        q: search,
        state: state_text,
        states: CaseState::ALL.iter().map(|s| s.as_str()).collect(),
        cases: page.items.iter().map(|c| CaseRow::new(c, &names)).collect(),
        next_cursor: page.next_cursor,
        can_create: staff.viewer().can_triage(),
    };
    html(StatusCode::OK, &view)
}

#[derive(Deserialize)]
pub struct NewCaseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

pub async fn create(State(st): State<AppState>, f: CsrfForm<NewCaseForm>) -> UiResult {
    if !f.staff.viewer().can_triage() {
        return Err(ApiError::Forbidden("only the PSIRT opens cases").into());
    }
    let case = st
        .store
        .create_case(
            &f.staff.actor(),
            NewCase {
                title: f.form.title,
                description: f.form.description,
                severity: None,
                priority: None,
                embargoed: true,
            },
        )
        .await?;
    see_other(&format!("/cases/{}?notice=case_created", case.id))
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    current: Option<T>,
    text: impl Fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: text(*v).into(),
            label: text(*v).into(),
            selected: Some(*v) == current,
        })
        .collect()
}

pub struct EntryView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

pub struct CommentView {
    pub author: String,
    pub at: String,
    pub body: String,
}

pub struct AssessmentView {
    pub version: String,
    pub vector: String,
    pub score: String,
    pub rating: &'static str,
    pub source: &'static str,
    pub note: String,
    pub at: String,
    pub current: bool,
}

pub struct MemberView {
    pub id: i64,
    pub username: String,
    pub role: &'static str,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    c: Case,
    row: CaseRow,
    resolution: &'static str,
    public_date: String,
    cwes: String,
    /// "S2 (suggested by CVSS)" or "S1 (set by an analyst; CVSS suggests S2)".
    severity_note: String,
    assessments: Vec<AssessmentView>,
    /// The current authoritative vector, which the calculator starts from.
    calculator_vector: String,
    can_manage: bool,
    can_comment: bool,
    transitions: Vec<&'static str>,
    resolutions: Vec<&'static str>,
    severities: Vec<Choice>,
    priorities: Vec<Choice>,
    assignees: Vec<Choice>,
    members: Vec<MemberView>,
    candidates: Vec<MemberView>,
    reports: Vec<ReportRow>,
    messages: Vec<MessageView>,
    comments: Vec<CommentView>,
    clocks: Vec<super::clocks::ClockView>,
    cra: Option<super::cra::CraView>,
    runbook: Option<super::rca::RunbookView>,
    rca: super::rca::RcaView,
    timeline: Vec<EntryView>,
    disclosure: super::disclosure::CaseDisclosure,
}

/// A short human line for an audit entry's change.
fn describe(after: Option<&serde_json::Value>) -> String {
    match after {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .filter(|(k, _)| k.as_str() != "body")
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

async fn case_page(st: &AppState, staff: &Staff, id: i64, notice: Option<String>) -> UiResult {
    let c = load_case(st, staff, id, CaseAction::View).await?;
    let viewer = staff.viewer();
    let access = c.access_for(staff.user.id);
    let users = st.store.users().await?;
    let names = user_names(&users);
    let member_view = |u: &User| MemberView {
        id: u.id,
        username: u.username.clone(),
        role: u.role.as_str(),
    };
    let members: Vec<MemberView> = users
        .iter()
        .filter(|u| c.members.contains(&u.id))
        .map(member_view)
        .collect();
    let candidates = users
        .iter()
        .filter(|u| !u.disabled && !c.members.contains(&u.id))
        .map(member_view)
        .collect();
    // Who can be assigned: the PSIRT and the case's members (the store enforces the same).
    let mut assignees = vec![Choice {
        value: String::new(),
        label: "— nobody —".into(),
        selected: c.assignee_id.is_none(),
    }];
    assignees.extend(
        users
            .iter()
            .filter(|u| !u.disabled && (u.role.is_psirt() || c.members.contains(&u.id)))
            .map(|u| Choice {
                value: u.id.to_string(),
                label: u.username.clone(),
                selected: c.assignee_id == Some(u.id),
            }),
    );
    let reports = st.store.case_reports(id).await?;
    let mut messages = Vec::new();
    for r in &reports {
        for m in st.store.messages(r.id).await? {
            messages.push((m.id, r.id, m));
        }
    }
    messages.sort_by_key(|(id, _, _)| *id);
    let several_reports = reports.len() > 1;
    let messages = messages
        .into_iter()
        .map(|(_, rid, m)| MessageView {
            from: match (m.from_reporter, several_reports) {
                (true, true) => format!("Reporter (report #{rid})"),
                (true, false) => "Reporter".into(),
                (false, _) => format!("PSIRT ({})", name_of(&names, m.author_id)),
            },
            body: m.body,
            at: when(&m.created_at),
            from_reporter: m.from_reporter,
        })
        .collect();
    let comments = st
        .store
        .comments(id)
        .await?
        .into_iter()
        .map(|cm| CommentView {
            author: cm.author,
            at: when(&cm.created_at),
            body: cm.body,
        })
        .collect();
    let assessments: Vec<AssessmentView> = st
        .store
        .cvss_assessments(id)
        .await?
        .into_iter()
        .rev()
        .map(|a| AssessmentView {
            score: format!("{:.1}", a.score),
            rating: a.severity.as_str(),
            source: a.source.as_str(),
            at: when(&a.created_at),
            current: a.superseded_at.is_none(),
            version: a.version,
            vector: a.vector,
            note: a.note,
        })
        .collect();
    let calculator_vector = assessments
        .iter()
        .find(|a| a.current && a.source == "psirt")
        .map(|a| a.vector.clone())
        .unwrap_or_default();
    let severity_note = match (c.severity, c.severity_source, c.suggested_severity) {
        (None, _, Some(s)) => format!("CVSS suggests {}", s.as_str()),
        (Some(_), Some(psirt_domain::SeveritySource::Suggestion), _) => "suggested by CVSS".into(),
        (Some(v), _, Some(s)) if v != s => {
            format!("set by an analyst; CVSS suggests {}", s.as_str())
        }
        (Some(_), _, _) => "set by an analyst".into(),
        (None, _, None) => String::new(),
    };
    let timeline = st
        .store
        .audit_trail("case", &id.to_string())
        .await?
        .into_iter()
        .map(|e| EntryView {
            at: e.at.chars().take(19).collect::<String>().replace('T', " ") + " UTC",
            detail: describe(e.after.as_ref()),
            actor: e.actor,
            action: e.action,
        })
        .collect();
    let clocks = st
        .store
        .case_clocks(id)
        .await?
        .iter()
        .map(super::clocks::clock_view)
        .collect();
    let disclosure = super::disclosure::case_disclosure(st, staff, &c).await?;
    let cra = st.store.case_cra(id).await?.as_ref().map(super::cra::view);
    let runbook = st
        .store
        .case_runbook(id)
        .await?
        .as_ref()
        .map(super::rca::runbook_view);
    let rca = super::rca::rca_view(st.store.case_rca(id).await?.as_ref());
    let page = CasePage {
        disclosure,
        runbook,
        rca,
        cra,
        clocks,
        layout: Layout::staff(staff).with_notice(notice),
        row: CaseRow::new(&c, &names),
        resolution: c.resolution.map(|r| r.as_str()).unwrap_or(""),
        public_date: c
            .public_date
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        cwes: c
            .cwe_ids
            .iter()
            .map(|n| format!("CWE-{n}"))
            .collect::<Vec<_>>()
            .join(", "),
        severity_note,
        assessments,
        calculator_vector,
        can_manage: viewer.may(access, CaseAction::Manage),
        can_comment: viewer.may(access, CaseAction::Comment),
        transitions: Transition::targets(c.state)
            .into_iter()
            .map(|s| s.as_str())
            .collect(),
        resolutions: Resolution::ALL.iter().map(|r| r.as_str()).collect(),
        severities: choices(Severity::ALL, c.severity, |s| s.as_str()),
        priorities: choices(Priority::ALL, c.priority, |p| p.as_str()),
        assignees,
        members,
        candidates,
        reports: reports.iter().map(ReportRow::from).collect(),
        messages,
        comments,
        timeline,
        c,
    };
    html(StatusCode::OK, &page)
}

pub async fn page(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> UiResult {
    case_page(&st, &staff, id, notice_text(q.notice.as_deref())).await
}

#[derive(Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    assignee_id: String,
    /// A checkbox: present when ticked.
    embargoed: Option<String>,
    /// `YYYY-MM-DD` (an `<input type=date>`), empty for none.
    #[serde(default)]
    public_date: String,
    #[serde(default)]
    cwe_ids: String,
    #[serde(default)]
    coordination_notes: String,
}

fn optional<T: std::str::FromStr<Err = psirt_domain::DomainError>>(
    s: &str,
) -> Result<Option<T>, ApiError> {
    match s.trim() {
        "" => Ok(None),
        v => Ok(Some(v.parse().map_err(ApiError::from)?)),
    }
}

fn unprocessable(field: &str, message: &str) -> ApiError {
    ApiError::Domain(psirt_domain::DomainError::Invalid(vec![
        psirt_domain::FieldError::new(field, message),
    ]))
}

fn patch_from(f: CaseForm) -> Result<CasePatch, ApiError> {
    let public_date = match f.public_date.trim() {
        "" => None,
        d => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(d, &format)
                .map_err(|_| unprocessable("public_date", "must be a date, YYYY-MM-DD"))?;
            Some(date.midnight().assume_utc())
        }
    };
    let assignee = match f.assignee_id.trim() {
        "" => None,
        a => Some(
            a.parse::<i64>()
                .map_err(|_| unprocessable("assignee_id", "is not a user"))?,
        ),
    };
    Ok(CasePatch {
        title: Some(f.title),
        description: Some(f.description),
        severity: Some(optional::<Severity>(&f.severity)?),
        priority: Some(optional::<Priority>(&f.priority)?),
        embargoed: Some(f.embargoed.is_some()),
        public_date: Some(public_date),
        assignee_id: Some(assignee),
        cwe_ids: Some(
            f.cwe_ids
                .split([',', ' ', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        coordination_notes: Some(f.coordination_notes),
    })
}

pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<CaseForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let patch = patch_from(f.form)?;
    st.store.update_case(&f.staff.actor(), id, patch).await?;
    see_other(&format!("/cases/{id}?notice=case_updated"))
}

#[derive(Deserialize)]
pub struct TransitionForm {
    to: String,
    #[serde(default)]
    resolution: String,
}

pub async fn transition(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<TransitionForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let to: CaseState = f.form.to.parse().map_err(ApiError::from)?;
    let resolution = optional::<Resolution>(&f.form.resolution)?;
    st.store
        .transition_case(&f.staff.actor(), id, to, resolution)
        .await?;
    see_other(&format!("/cases/{id}?notice=transitioned"))
}

#[derive(Deserialize)]
pub struct BodyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    report_id: String,
}

pub async fn comment(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<BodyForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Comment).await?;
    st.store
        .add_comment(&f.staff.actor(), id, &f.form.body)
        .await?;
    see_other(&format!("/cases/{id}?notice=comment_added#comments"))
}

pub async fn message(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<BodyForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let reports = st.store.case_reports(id).await?;
    let report = match f.form.report_id.trim() {
        // One linked report: the message goes to its reporter.
        "" if reports.len() == 1 => reports.into_iter().next(),
        "" => None,
        rid => {
            let rid: i64 = rid
                .parse()
                .map_err(|_| unprocessable("report_id", "is not a report"))?;
            reports.into_iter().find(|r| r.id == rid)
        }
    }
    .ok_or_else(|| unprocessable("report_id", "choose the report whose reporter you write to"))?;
    st.store
        .staff_message(&f.staff.actor(), &report, &f.form.body)
        .await?;
    see_other(&format!("/cases/{id}?notice=message_sent#messages"))
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user_id: String,
}

pub async fn add_member(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<MemberForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let user_id: i64 = f
        .form
        .user_id
        .trim()
        .parse()
        .map_err(|_| unprocessable("user_id", "choose a user"))?;
    st.store
        .add_case_member(&f.staff.actor(), id, user_id)
        .await?;
    see_other(&format!("/cases/{id}?notice=member_added#members"))
}

pub async fn remove_member(
    State(st): State<AppState>,
    Path((id, user_id)): Path<(i64, i64)>,
    f: CsrfForm<super::account::Empty>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    st.store
        .remove_case_member(&f.staff.actor(), id, user_id)
        .await?;
    see_other(&format!("/cases/{id}?notice=member_removed#members"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CaseForm {
        CaseForm {
            title: "t".into(),
            description: String::new(),
            severity: "S2".into(),
            priority: String::new(),
            assignee_id: String::new(),
            embargoed: None,
            public_date: "2027-01-31".into(),
            cwe_ids: "CWE-79, CWE-89".into(),
            coordination_notes: "CERT/CC coordinates.".into(),
        }
    }

    #[test]
    fn a_case_form_becomes_a_full_patch() {
        let p = patch_from(form()).unwrap();
        assert_eq!(p.severity, Some(Some(Severity::S2)));
        assert_eq!(p.priority, Some(None));
        assert_eq!(
            p.embargoed,
            Some(false),
            "an unticked box lifts the embargo"
        );
        assert_eq!(p.cwe_ids.unwrap(), vec!["CWE-79", "CWE-89"]);
        assert_eq!(
            p.public_date.unwrap().unwrap().date().to_string(),
            "2027-01-31"
        );
    }

    #[test]
    fn bad_fields_are_refused_not_guessed() {
        let mut f = form();
        f.severity = "S9".into();
        assert!(patch_from(f).is_err());
        let mut f = form();
        f.public_date = "31/01/2027".into();
        assert!(patch_from(f).is_err());
    }
}
