//! EU CRA Art. 14 reporting per case: marking a case actively exploited (by an analyst, or by a
//! KEV entry naming a CVE the case is linked to) starts the early-warning and notification
//! clocks; a corrective measure starts the final-report clock; each report's draft is filled from
//! the case's inputs and its sending is recorded. Regulatory clocks never pause.

use psirt_domain::deadline::cra::{
    AwarenessSource, CraReportInputs, CraReporting, CraStage, CraTrack,
};
use psirt_domain::deadline::{ClockError, ClockPhase};
use psirt_domain::DomainError;
use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::{from_json, to_json, Actor, Result, Store, StoreError};

/// A case's CRA reporting with the three drafts as of now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseCra {
    pub case_id: i64,
    pub reporting: CraReporting,
    pub inputs: CraReportInputs,
    /// Each started clock: stage, phase now, due time.
    pub clocks: Vec<CraClockView>,
    pub drafts: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CraClockView {
    pub stage: CraStage,
    pub phase: ClockPhase,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

/// An open regulatory deadline for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CraDue {
    pub case_id: i64,
    pub case_title: String,
    pub stage: CraStage,
    pub phase: ClockPhase,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
}

const STAGES: [CraStage; 3] = [
    CraStage::EarlyWarning,
    CraStage::Notification,
    CraStage::FinalReport,
];

pub(crate) fn clock_err(e: ClockError) -> StoreError {
    DomainError::from(e).into()
}

pub(crate) fn next_due(r: &CraReporting) -> Option<OffsetDateTime> {
    r.clocks()
        .iter()
        .filter(|c| c.completed_at().is_none())
        .map(|c| c.due_at())
        .min()
}

fn view(
    case_id: i64,
    reporting: CraReporting,
    inputs: CraReportInputs,
    now: OffsetDateTime,
) -> CaseCra {
    let clocks = STAGES
        .iter()
        .filter_map(|&stage| {
            let c = reporting.clock(stage)?;
            Some(CraClockView {
                stage,
                phase: c.status(now).phase,
                due_at: c.due_at(),
                sent_at: c.completed_at(),
            })
        })
        .collect();
    let drafts = json!({
        "early_warning": reporting.draft_early_warning(&inputs),
        "notification": reporting.draft_notification(&inputs),
        "final_report": reporting.draft_final_report(&inputs).ok(),
    });
    CaseCra {
        case_id,
        reporting,
        inputs,
        clocks,
        drafts,
    }
}

impl Store {
    /// Starts CRA reporting for a case (once).
    pub async fn start_cra(
        &self,
        actor: &Actor,
        case_id: i64,
        track: CraTrack,
        aware_at: OffsetDateTime,
        source: AwarenessSource,
    ) -> Result<CaseCra> {
        let reporting = CraReporting::start(track, aware_at, source).map_err(clock_err)?;
        with_tx!(self, tx => {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1").bind(case_id).fetch_optional(&mut *tx).await?;
            found.ok_or(StoreError::NotFound("case"))?;
            insert_cra!(tx, self, actor, case_id, &reporting);
        });
        self.case_cra(case_id)
            .await?
            .ok_or(StoreError::NotFound("CRA reporting"))
    }

    pub async fn case_cra(&self, case_id: i64) -> Result<Option<CaseCra>> {
        let row: Option<(String, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT reporting, inputs FROM case_cra WHERE case_id = $1").bind(case_id).fetch_optional(p).await?
        });
        let Some((reporting, inputs)) = row else {
            return Ok(None);
        };
        let reporting: CraReporting = from_json("CRA reporting", &reporting)?;
        let inputs: CraReportInputs = from_json("CRA inputs", &inputs)?;
        Ok(Some(view(case_id, reporting, inputs, self.now())))
    }

    /// Changes a case's reporting in one transaction with its audit event.
    async fn change_cra(
        &self,
        actor: &Actor,
        case_id: i64,
        action: &'static str,
        after: Value,
        change: impl FnOnce(
            &mut CraReporting,
            &mut CraReportInputs,
        ) -> std::result::Result<(), ClockError>,
    ) -> Result<CaseCra> {
        let now = self.now();
        with_tx!(self, tx => {
            let row: Option<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT reporting, inputs FROM case_cra WHERE case_id = $1{}", self.for_update())))
                .bind(case_id).fetch_optional(&mut *tx).await?;
            let (reporting, inputs) = row.ok_or(StoreError::NotFound("CRA reporting"))?;
            let mut reporting: CraReporting = from_json("CRA reporting", &reporting)?;
            let mut inputs: CraReportInputs = from_json("CRA inputs", &inputs)?;
            change(&mut reporting, &mut inputs).map_err(clock_err)?;
            sqlx::query("UPDATE case_cra SET reporting = $1, inputs = $2, next_due_at = $3, updated_at = $4 WHERE case_id = $5")
                .bind(to_json(&reporting)?).bind(to_json(&inputs)?).bind(next_due(&reporting)).bind(now).bind(case_id)
                .execute(&mut *tx).await?;
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, action).after(after));
        });
        self.case_cra(case_id)
            .await?
            .ok_or(StoreError::NotFound("CRA reporting"))
    }

    pub async fn set_cra_inputs(
        &self,
        actor: &Actor,
        case_id: i64,
        new: CraReportInputs,
    ) -> Result<CaseCra> {
        let after = json!(new);
        self.change_cra(actor, case_id, "case.cra_inputs", after, |_, inputs| {
            *inputs = new;
            Ok(())
        })
        .await
    }

    pub async fn cra_corrective_measure(
        &self,
        actor: &Actor,
        case_id: i64,
        at: OffsetDateTime,
    ) -> Result<CaseCra> {
        self.change_cra(
            actor,
            case_id,
            "case.cra_corrective_measure",
            json!({"at": crate::audit::at_text(at)}),
            |r, _| r.corrective_measure_available(at),
        )
        .await
    }

    pub async fn cra_record_sent(
        &self,
        actor: &Actor,
        case_id: i64,
        stage: CraStage,
        sent_at: OffsetDateTime,
    ) -> Result<CaseCra> {
        self.change_cra(
            actor,
            case_id,
            "case.cra_report_sent",
            json!({"stage": stage, "sent_at": crate::audit::at_text(sent_at)}),
            |r, _| r.record_sent(stage, sent_at),
        )
        .await
    }

    /// Open regulatory deadlines the viewer may see, soonest first.
    pub async fn cra_due(&self, viewer: &psirt_domain::Viewer, limit: i64) -> Result<Vec<CraDue>> {
        let rows: Vec<(i64, String, String)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT x.case_id, c.title, x.reporting FROM case_cra x JOIN cases c ON c.id = x.case_id \
                 WHERE x.next_due_at IS NOT NULL \
                 AND ($1 OR c.embargoed = FALSE OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = $2)) \
                 ORDER BY x.next_due_at LIMIT $3",
            )
            .bind(viewer.role.is_psirt()).bind(viewer.user_id).bind(limit)
            .fetch_all(p).await?
        });
        let now = self.now();
        let mut out = Vec::new();
        for (case_id, case_title, json) in rows {
            let r: CraReporting = from_json("CRA reporting", &json)?;
            for stage in STAGES {
                if let Some(c) = r.clock(stage).filter(|c| c.completed_at().is_none()) {
                    out.push(CraDue {
                        case_id,
                        case_title: case_title.clone(),
                        stage,
                        phase: c.status(now).phase,
                        due_at: c.due_at(),
                    });
                }
            }
        }
        out.sort_by_key(|d| d.due_at);
        Ok(out)
    }

    /// Every id naming the cases that have no CRA reporting yet and are neither closed nor rejected: the id of each
    /// linked intel record and that record's aliases, as (case, id), in one query. What a KEV import matches its
    /// catalog against.
    pub async fn uncovered_case_ids(&self) -> Result<Vec<(i64, String)>> {
        const OPEN_WITHOUT_CRA: &str = "c.state NOT IN ('closed', 'rejected') \
             AND NOT EXISTS (SELECT 1 FROM case_cra x WHERE x.case_id = l.case_id)";
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT l.case_id, l.record_id FROM case_intel_links l JOIN cases c ON c.id = l.case_id WHERE {OPEN_WITHOUT_CRA} \
                 UNION SELECT l.case_id, a.alias FROM case_intel_links l JOIN cases c ON c.id = l.case_id \
                 JOIN intel_records r ON r.record_id = l.record_id JOIN intel_aliases a ON a.record_pk = r.id \
                 WHERE {OPEN_WITHOUT_CRA} ORDER BY 1, 2"
            )))
            .fetch_all(p)
            .await?
        }))
    }
}
