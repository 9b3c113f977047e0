//! The case page's S1/P1 checklist (tick items, hand-off notes) and root-cause analysis form.

use axum::extract::State;
use psirt_domain::rca::{ActionItem, RcaRecord};
use psirt_domain::runbook::RunbookChecklist;
use psirt_domain::{CaseAction, DomainError, FieldError};
use serde::Deserialize;
use serde_json::json;
use time::Date;

use super::{see_other, when, CsrfForm, UiResult};
use crate::api::load_case;
use crate::api_metrics::erased::Named;
use crate::error::Path;
use crate::AppState;

pub struct ItemView {
    pub key: String,
    pub phase: String,
    pub text: String,
    pub done: String,
}

pub struct RunbookView {
    pub progress: String,
    pub items: Vec<ItemView>,
    pub handoffs: Vec<String>,
    pub draft: String,
}

pub fn runbook_view(c: &RunbookChecklist) -> RunbookView {
    let p = c.progress();
    RunbookView {
        progress: format!("{}/{} done ({}%)", p.done, p.total, p.percent),
        items: c
            .items
            .iter()
            .map(|i| ItemView {
                key: i.key.clone(),
                phase: i.phase.name(),
                text: i.text.clone(),
                done: match (&i.done_by, &i.done_at) {
                    (Some(by), Some(at)) => format!("{by}, {}", when(at)),
                    _ => String::new(),
                },
            })
            .collect(),
        handoffs: c
            .handoffs
            .iter()
            .map(|h| {
                format!(
                    "{} · {}{}: {}",
                    when(&h.at),
                    h.by,
                    h.to.as_ref().map(|t| format!(" → {t}")).unwrap_or_default(),
                    h.text
                )
            })
            .collect(),
        draft: c.draft_handoff(),
    }
}

/// The RCA form's fields, filled from the stored record.
#[derive(Default)]
pub struct RcaView {
    pub exists: bool,
    pub complete: bool,
    pub missing: String,
    pub summary: String,
    pub root_cause: String,
    pub cwe: String,
    pub factors: String,
    pub went_well: String,
    pub went_badly: String,
    pub actions: String,
}

pub fn rca_view(r: Option<&RcaRecord>) -> RcaView {
    let Some(r) = r else {
        return RcaView::default();
    };
    RcaView {
        exists: true,
        complete: r.is_complete(),
        missing: r.missing().join(", "),
        summary: r.summary.clone(),
        root_cause: r.root_cause.map(|c| c.name()).unwrap_or_default(),
        cwe: r.cwe_id.map(|c| c.to_string()).unwrap_or_default(),
        factors: r.contributing_factors.join("\n"),
        went_well: r.went_well.join("\n"),
        went_badly: r.went_badly.join("\n"),
        actions: r
            .action_items
            .iter()
            .map(|a| format!("{} | {} | {}", a.owner, a.due, a.description))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

pub async fn tick(
    State(st): State<AppState>,
    Path((id, key)): Path<(i64, String)>,
    f: CsrfForm<serde_json::Value>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let by = f.staff.actor().label();
    let now = st.store.now();
    st.store
        .change_runbook(&f.staff.actor(), id, "case.runbook_item_done", |c| {
            c.mark_done(&key, &by, now)?;
            Ok(json!({"item": key}))
        })
        .await?;
    see_other(&format!("/cases/{id}?notice=runbook_updated#runbook"))
}

#[derive(Deserialize)]
pub struct HandoffForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    text: String,
}

pub async fn handoff(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<HandoffForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let by = f.staff.actor().label();
    let now = st.store.now();
    let to = Some(f.form.to.trim()).filter(|t| !t.is_empty());
    st.store
        .change_runbook(&f.staff.actor(), id, "case.handoff", |c| {
            c.add_handoff(&by, to, now, &f.form.text)?;
            Ok(json!({"to": to, "text": f.form.text}))
        })
        .await?;
    see_other(&format!("/cases/{id}?notice=runbook_updated#runbook"))
}

#[derive(Deserialize)]
pub struct RcaForm {
    #[serde(default)]
    summary: String,
    #[serde(default)]
    root_cause: String,
    #[serde(default)]
    cwe: String,
    #[serde(default)]
    factors: String,
    #[serde(default)]
    went_well: String,
    #[serde(default)]
    went_badly: String,
    #[serde(default)]
    actions: String,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses the form; action items are `owner | YYYY-MM-DD | what`, one per line.
fn record(f: RcaForm, existing: Option<RcaRecord>) -> Result<RcaRecord, DomainError> {
    let mut errors = Vec::new();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let old = existing.unwrap_or_default();
    let mut actions = Vec::new();
    for (i, line) in lines(&f.actions).iter().enumerate() {
        let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
        match parts.as_slice() {
            [owner, due, what] => match Date::parse(due, &format) {
                Ok(due) => {
                    // Keep the done mark of an item that is still there.
                    let done = old
                        .action_items
                        .iter()
                        .find(|a| a.description == *what && a.owner == *owner);
                    actions.push(ActionItem {
                        description: (*what).to_owned(),
                        owner: (*owner).to_owned(),
                        due,
                        done_at: done.and_then(|d| d.done_at),
                        done_by: done.and_then(|d| d.done_by.clone()),
                    });
                }
                Err(_) => errors.push(FieldError::new(
                    format!("actions[{i}]"),
                    "the due date must be YYYY-MM-DD",
                )),
            },
            _ => errors.push(FieldError::new(
                format!("actions[{i}]"),
                "write owner | YYYY-MM-DD | what",
            )),
        }
    }
    let cwe = match f.cwe.trim().trim_start_matches("CWE-") {
        "" => None,
        n => match n.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new("cwe", "is not a CWE number"));
                None
            }
        },
    };
    let root_cause = match f.root_cause.trim() {
        "" => None,
        c => match c.parse() {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(FieldError::new("root_cause", format!("{e}")));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(RcaRecord {
        summary: f.summary.trim().to_owned(),
        timeline: old.timeline,
        root_cause,
        cwe_id: cwe,
        contributing_factors: lines(&f.factors),
        went_well: lines(&f.went_well),
        went_badly: lines(&f.went_badly),
        action_items: actions,
    })
}

pub async fn save_rca(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<RcaForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let existing = st.store.case_rca(id).await?;
    let r = record(f.form, existing).map_err(crate::ApiError::from)?;
    st.store.set_case_rca(&f.staff.actor(), id, r).await?;
    see_other(&format!("/cases/{id}?notice=rca_saved#rca"))
}
