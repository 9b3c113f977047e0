//! SLA clocks on pages: the case page's clock table with exception forms, and the dashboard.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_domain::deadline::ClockPhase;
use psirt_domain::CaseAction;
use psirt_store::clocks::CaseClock;
use serde::Deserialize;
use time::Duration;

use super::triage::ReportRow;
use super::{html, notice_text, see_other, when, CsrfForm, Layout, NoticeQuery, UiResult, UiStaff};
use crate::api::load_case;
use crate::error::{Path, Query};
use crate::AppState;

pub struct ClockView {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    /// CSS class and label: on_track, due_soon, breached, paused, met, missed, cancelled.
    pub phase: &'static str,
    pub phase_label: String,
    pub due: String,
    /// "2 d 3 h left", "overdue by 5 h", or empty once closed in time.
    pub left: String,
    pub open: bool,
    pub paused: bool,
    pub pause_reason: String,
}

fn phase_name(p: ClockPhase) -> &'static str {
    match p {
        ClockPhase::OnTrack => "on_track",
        ClockPhase::DueSoon => "due_soon",
        ClockPhase::Breached => "breached",
        ClockPhase::Paused => "paused",
        ClockPhase::Met => "met",
        ClockPhase::Missed => "missed",
        ClockPhase::Cancelled => "cancelled",
    }
}

/// Durations as a triager reads them: days and hours, or hours and minutes when short.
pub fn span(d: Duration) -> String {
    let (days, hours, minutes) = (d.whole_days(), d.whole_hours() % 24, d.whole_minutes() % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} min")
    } else {
        format!("{minutes} min")
    }
}

pub fn clock_view(c: &CaseClock) -> ClockView {
    let phase = phase_name(c.status.phase);
    let left = match (c.status.remaining, c.status.overdue_by) {
        (_, Some(late)) => format!("overdue by {}", span(late)),
        (Some(r), None) if c.clock.state().is_open() => format!("{} left", span(r)),
        _ => String::new(),
    };
    let pause_reason = match c.clock.pauses().last() {
        Some(p) if p.until.is_none() => match &p.reason {
            psirt_domain::deadline::PauseReason::SlaException {
                reason,
                approved_by,
            } => format!("{reason} (approved by {approved_by})"),
            psirt_domain::deadline::PauseReason::AwaitingReporter => {
                "waiting for the reporter".into()
            }
        },
        _ => String::new(),
    };
    ClockView {
        id: c.id,
        case_id: c.case_id,
        kind: c.clock.kind().as_str().replace('_', " "),
        phase,
        phase_label: phase.replace('_', " "),
        due: when(&c.status.due_at),
        left,
        open: c.clock.state().is_open(),
        paused: c.status.phase == ClockPhase::Paused,
        pause_reason,
    }
}

#[derive(Deserialize)]
pub struct PauseForm {
    #[serde(default)]
    reason: String,
}

pub async fn pause(
    State(st): State<AppState>,
    Path((id, clock_id)): Path<(i64, i64)>,
    f: CsrfForm<PauseForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    st.store
        .pause_clock(&f.staff.actor(), id, clock_id, &f.form.reason)
        .await?;
    see_other(&format!("/cases/{id}?notice=clock_paused#clocks"))
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn resume(
    State(st): State<AppState>,
    Path((id, clock_id)): Path<(i64, i64)>,
    f: CsrfForm<EmptyForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    st.store
        .resume_clock(&f.staff.actor(), id, clock_id)
        .await?;
    see_other(&format!("/cases/{id}?notice=clock_resumed#clocks"))
}

pub struct DueView {
    pub clock: ClockView,
    pub case_title: String,
    pub severity: &'static str,
}

pub struct UrgentView {
    pub id: i64,
    pub title: String,
    pub state: &'static str,
    pub severity: &'static str,
    pub priority: &'static str,
    pub updated: String,
}

#[derive(Deserialize)]
pub struct DisclosureForm {
    #[serde(default)]
    note: String,
}

pub async fn unintended_disclosure(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DisclosureForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    st.store
        .record_unintended_disclosure(&f.staff.actor(), id, &f.form.note)
        .await?;
    see_other(&format!("/cases/{id}?notice=disclosed_early#clocks"))
}

/// An open CRA Art. 14 deadline on the dashboard.
pub struct RegulatoryView {
    case_id: i64,
    case_title: String,
    stage: &'static str,
    phase: String,
    due: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    disclosed_early: Vec<UrgentView>,
    regulatory: Vec<RegulatoryView>,
    due: Vec<DueView>,
    urgent: Vec<UrgentView>,
    queue: Vec<ReportRow>,
    can_triage: bool,
    /// Planned disclosures in the next 30 days; `updated` holds the planned public date.
    upcoming: Vec<UrgentView>,
}

pub async fn dashboard(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<NoticeQuery>,
) -> UiResult {
    let d = st
        .store
        .dashboard(&staff.viewer(), crate::api_clocks::DASHBOARD_LIMIT)
        .await?;
    let urgent_view = |c: &psirt_store::Case| UrgentView {
        id: c.id,
        title: c.title.clone(),
        state: c.state.as_str(),
        severity: c.severity.map(|s| s.as_str()).unwrap_or("—"),
        priority: c.priority.map(|p| p.as_str()).unwrap_or("—"),
        updated: c
            .disclosed_early_at
            .as_ref()
            .map(when)
            .unwrap_or_else(|| when(&c.updated_at)),
    };
    let view = DashboardPage {
        regulatory: d
            .regulatory
            .iter()
            .map(|r| RegulatoryView {
                case_id: r.case_id,
                case_title: r.case_title.clone(),
                stage: r.stage.as_str(),
                phase: crate::api_metrics::erased::Named::name(&r.phase),
                due: when(&r.due_at),
            })
            .collect(),
        disclosed_early: d.disclosed_early.iter().map(urgent_view).collect(),
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        due: d
            .clocks
            .iter()
            .map(|c| DueView {
                clock: clock_view(&c.clock),
                case_title: c.case_title.clone(),
                severity: c.case_severity.map(|s| s.as_str()).unwrap_or("—"),
            })
            .collect(),
        urgent: d.urgent_cases.iter().map(urgent_view).collect(),
        queue: d.triage_queue.iter().map(ReportRow::from).collect(),
        can_triage: staff.viewer().can_triage(),
        upcoming: d
            .upcoming_disclosures
            .iter()
            .map(|c| UrgentView {
                updated: c.public_date.as_ref().map(when).unwrap_or_default(),
                ..urgent_view(c)
            })
            .collect(),
    };
    html(StatusCode::OK, &view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_days_hours_minutes() {
        assert_eq!(span(Duration::hours(50)), "2 d 2 h");
        assert_eq!(span(Duration::minutes(125)), "2 h 5 min");
        assert_eq!(span(Duration::seconds(59)), "0 min");
    }
}
