//! The case page's EU CRA Art. 14 section: mark the case actively exploited, record a
//! corrective measure, fill the report facts, copy the drafts, record each report as sent.

use axum::extract::State;
use psirt_domain::deadline::cra::{AwarenessSource, CraReportInputs, CraStage, CraTrack};
use psirt_domain::CaseAction;
use psirt_store::cra::CaseCra;
use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::{see_other, when, CsrfForm, UiResult};
use crate::api::load_case;
use crate::api_metrics::erased::Named;
use crate::error::{ApiError, Path};
use crate::AppState;

pub struct CraStageView {
    pub stage: &'static str,
    pub phase: String,
    pub due: String,
    pub sent: String,
}

/// What the case page shows of a case's CRA reporting.
pub struct CraView {
    pub track: &'static str,
    pub aware: String,
    pub source: String,
    pub stages: Vec<CraStageView>,
    pub corrective_measure: String,
    pub drafts: String,
    pub product: String,
    pub nature_of_vulnerability: String,
    pub user_measures: String,
}

pub fn view(c: &CaseCra) -> CraView {
    let source = match c.reporting.source() {
        AwarenessSource::Manual { marked_by } => format!("marked by {marked_by}"),
        AwarenessSource::Kev { cve_id, date_added } => {
            format!("CISA KEV entry {cve_id} (added {date_added})")
        }
    };
    CraView {
        track: c.reporting.track().as_str(),
        aware: when(&c.reporting.aware_at()),
        source,
        stages: c
            .clocks
            .iter()
            .map(|k| CraStageView {
                stage: k.stage.as_str(),
                phase: k.phase.name(),
                due: when(&k.due_at),
                sent: k.sent_at.as_ref().map(when).unwrap_or_default(),
            })
            .collect(),
        corrective_measure: c
            .reporting
            .corrective_measure_at()
            .as_ref()
            .map(when)
            .unwrap_or_default(),
        drafts: serde_json::to_string_pretty(&c.drafts).unwrap_or_default(),
        product: c.inputs.product.clone().unwrap_or_default(),
        nature_of_vulnerability: c.inputs.nature_of_vulnerability.clone().unwrap_or_default(),
        user_measures: c.inputs.user_measures.clone().unwrap_or_default(),
    }
}

/// `<input type="datetime-local">` text (UTC) or now.
fn at(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(now);
    }
    let long = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let short = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(text, &long)
        .or_else(|_| PrimitiveDateTime::parse(text, &short))
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| {
            ApiError::BadRequest(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "the time must be YYYY-MM-DDTHH:MM (UTC)".into(),
            )
        })
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    track: String,
    #[serde(default)]
    aware_at: String,
}

pub async fn start(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<StartForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let track: CraTrack = f.form.track.parse().map_err(ApiError::from)?;
    let aware_at = at(&f.form.aware_at, st.store.now())?;
    let marked_by = f.staff.actor().label();
    st.store
        .start_cra(
            &f.staff.actor(),
            id,
            track,
            aware_at,
            AwarenessSource::Manual { marked_by },
        )
        .await?;
    see_other(&format!("/cases/{id}?notice=cra_started#cra"))
}

#[derive(Deserialize)]
pub struct InputsForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    nature_of_vulnerability: String,
    #[serde(default)]
    user_measures: String,
}

pub async fn inputs(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<InputsForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let current = st
        .store
        .case_cra(id)
        .await?
        .ok_or(ApiError::NotFound("CRA reporting"))?;
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let inputs = CraReportInputs {
        product: text(&f.form.product),
        nature_of_vulnerability: text(&f.form.nature_of_vulnerability),
        user_measures: text(&f.form.user_measures),
        ..current.inputs
    };
    st.store
        .set_cra_inputs(&f.staff.actor(), id, inputs)
        .await?;
    see_other(&format!("/cases/{id}?notice=cra_updated#cra"))
}

#[derive(Deserialize)]
pub struct AtForm {
    #[serde(default)]
    at: String,
}

pub async fn corrective_measure(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<AtForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let when = at(&f.form.at, st.store.now())?;
    st.store
        .cra_corrective_measure(&f.staff.actor(), id, when)
        .await?;
    see_other(&format!("/cases/{id}?notice=cra_updated#cra"))
}

pub async fn sent(
    State(st): State<AppState>,
    Path((id, stage)): Path<(i64, String)>,
    f: CsrfForm<AtForm>,
) -> UiResult {
    load_case(&st, &f.staff, id, CaseAction::Manage).await?;
    let stage: CraStage = stage.parse().map_err(ApiError::from)?;
    let when = at(&f.form.at, st.store.now())?;
    st.store
        .cra_record_sent(&f.staff.actor(), id, stage, when)
        .await?;
    see_other(&format!("/cases/{id}?notice=cra_updated#cra"))
}
