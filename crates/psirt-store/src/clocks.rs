//! SLA clocks of cases. Which clocks a case has is planned by
//! `psirt_domain::deadline::case_clocks::plan` from the case's facts; `sync_clocks!` runs the
//! plan inside every transaction that changes those facts (case edits, transitions, triage,
//! the first message to the reporter, CVSS suggestions), so the clocks can never disagree with
//! the case. Pauses (approved SLA exceptions) are explicit acts, here.

use psirt_domain::deadline::case_clocks::{CaseFacts, ClockChange, StoredClock};
use psirt_domain::deadline::{ClockStatus, DeadlineClock, PauseReason, SlaPolicy};
use psirt_domain::{CaseState, Severity, Viewer};
use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::{to_json, Actor, Result, Store, StoreError};

/// A clock of a case as the API and pages show it: the clock and where it stands now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseClock {
    pub id: i64,
    pub case_id: i64,
    /// The severity the clock's target was computed for (mitigate/remediate clocks).
    pub severity: Option<Severity>,
    pub clock: DeadlineClock,
    pub status: ClockStatus,
}

/// An open clock with the case it belongs to, for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueClock {
    pub case_title: String,
    pub case_severity: Option<Severity>,
    pub case_priority: Option<psirt_domain::Priority>,
    #[serde(flatten)]
    pub clock: CaseClock,
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn policy_from(json: Option<String>) -> Result<SlaPolicy> {
    match json {
        None => Ok(SlaPolicy::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| corrupt("SLA policy", e)),
    }
}

pub(crate) fn stored(rows: Vec<(i64, String, Option<String>)>) -> Result<Vec<StoredClock>> {
    rows.into_iter()
        .map(|(id, clock, severity)| {
            Ok(StoredClock {
                id,
                clock: serde_json::from_str(&clock).map_err(|e| corrupt("clock", e))?,
                severity: severity.map(|s| s.parse()).transpose()?,
            })
        })
        .collect()
}

pub(crate) fn facts(
    state: &str,
    severity: Option<String>,
    created_at: OffsetDateTime,
    public_date: Option<OffsetDateTime>,
    first_report: Option<OffsetDateTime>,
    first_response_at: Option<OffsetDateTime>,
) -> Result<CaseFacts> {
    Ok(CaseFacts {
        state: state.parse::<CaseState>()?,
        severity: severity.map(|s| s.parse()).transpose()?,
        opened_at: first_report.unwrap_or(created_at),
        from_report: first_report.is_some(),
        first_response_at,
        embargo_lift_at: public_date,
    })
}

/// What the timeline says about a clock.
pub(crate) fn clock_event(clock: &DeadlineClock, severity: Option<Severity>) -> Value {
    json!({
        "kind": clock.kind(), "state": clock.state(), "severity": severity,
        "started_at": crate::audit::at_text(clock.started_at()),
        "due_at": crate::audit::at_text(clock.due_at()),
    })
}

pub(crate) fn change_parts(
    change: ClockChange,
) -> (Option<i64>, DeadlineClock, Option<Severity>, &'static str) {
    match change {
        ClockChange::Start { clock, severity } => (None, clock, severity, "case.clock_started"),
        ClockChange::Update {
            id,
            clock,
            severity,
            event,
        } => (Some(id), clock, severity, event),
    }
}

const CLOCK_SELECT: &str = "SELECT k.id, k.case_id, k.clock, k.severity FROM case_clocks k";

fn case_clock(row: (i64, i64, String, Option<String>), now: OffsetDateTime) -> Result<CaseClock> {
    let (id, case_id, clock, severity) = row;
    let clock: DeadlineClock = serde_json::from_str(&clock).map_err(|e| corrupt("clock", e))?;
    Ok(CaseClock {
        id,
        case_id,
        severity: severity.map(|s| s.parse()).transpose()?,
        status: clock.status(now),
        clock,
    })
}

impl Store {
    /// The SLA policy in force (the seed PSIRT's defaults until an admin changes it).
    pub async fn sla_policy(&self) -> Result<SlaPolicy> {
        let json: Option<String> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT policy FROM sla_policy WHERE id = 1").fetch_optional(p).await?
        });
        policy_from(json)
    }

    /// Replaces the SLA policy. Clocks already running keep their targets until the case's
    /// severity changes (a policy is not applied retroactively).
    pub async fn set_sla_policy(&self, actor: &Actor, policy: SlaPolicy) -> Result<SlaPolicy> {
        policy.validate().map_err(psirt_domain::DomainError::from)?;
        let json = to_json(&policy)?;
        let now = self.now();
        with_tx!(self, tx => {
            let before: Option<String> = sqlx::query_scalar("SELECT policy FROM sla_policy WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sla_policy (id, policy, updated_by, updated_at) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET policy = $1, updated_by = $2, updated_at = $3",
            )
            .bind(&json)
            .bind(actor.user_id())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let before = to_json(&policy_from(before)?)?;
            audit!(tx, self, AuditDraft::new(actor, "sla_policy", 1, "sla_policy.update")
                .before(serde_json::from_str(&before).unwrap_or(Value::Null))
                .after(serde_json::from_str(&json).unwrap_or(Value::Null)));
        });
        Ok(policy)
    }

    /// A case's clocks, oldest first, with their status now.
    pub async fn case_clocks(&self, case_id: i64) -> Result<Vec<CaseClock>> {
        let rows: Vec<(i64, i64, String, Option<String>)> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{CLOCK_SELECT} WHERE k.case_id = $1 ORDER BY k.id")))
                .bind(case_id)
                .fetch_all(p)
                .await?
        });
        let now = self.now();
        rows.into_iter().map(|r| case_clock(r, now)).collect()
    }

    /// Open clocks of the cases `viewer` may see, soonest due first (the dashboard's head).
    pub async fn open_clocks(&self, viewer: &Viewer, limit: i64) -> Result<Vec<DueClock>> {
        type Row = (
            i64,
            i64,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT k.id, k.case_id, k.clock, k.severity, c.title, c.severity, c.priority \
                 FROM case_clocks k JOIN cases c ON c.id = k.case_id \
                 WHERE k.state IN ('running', 'paused') \
                 AND ($1 OR c.embargoed = FALSE OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = $2)) \
                 ORDER BY k.due_at, k.id LIMIT $3",
            )
            .bind(viewer.role.is_psirt())
            .bind(viewer.user_id)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        let now = self.now();
        rows.into_iter()
            .map(|(id, case_id, clock, sev, title, case_sev, prio)| {
                Ok(DueClock {
                    case_title: title,
                    case_severity: case_sev.map(|s| s.parse()).transpose()?,
                    case_priority: prio.map(|s| s.parse()).transpose()?,
                    clock: case_clock((id, case_id, clock, sev), now)?,
                })
            })
            .collect()
    }

    /// Pauses a clock for an approved SLA exception; the actor is the approver.
    pub async fn pause_clock(
        &self,
        actor: &Actor,
        case_id: i64,
        clock_id: i64,
        reason: &str,
    ) -> Result<CaseClock> {
        let mut errors = Vec::new();
        psirt_domain::report::check_text(&mut errors, "reason", reason, 2000, true);
        if !errors.is_empty() {
            return Err(psirt_domain::DomainError::Invalid(errors).into());
        }
        let approver = actor.label();
        let reason = reason.trim().to_owned();
        self.change_clock(
            actor,
            case_id,
            clock_id,
            "case.clock_paused",
            |clock, now, _| {
                clock.pause(
                    now,
                    PauseReason::SlaException {
                        reason: reason.clone(),
                        approved_by: approver.clone(),
                    },
                )
            },
        )
        .await
    }

    /// Ends a pause: the due time moves by the time paused (in the policy's counting).
    pub async fn resume_clock(
        &self,
        actor: &Actor,
        case_id: i64,
        clock_id: i64,
    ) -> Result<CaseClock> {
        self.change_clock(
            actor,
            case_id,
            clock_id,
            "case.clock_resumed",
            |clock, now, policy| clock.resume(now, &policy.counting()?),
        )
        .await
    }

    pub(crate) async fn change_clock(
        &self,
        actor: &Actor,
        case_id: i64,
        clock_id: i64,
        event: &'static str,
        change: impl Fn(
            &mut DeadlineClock,
            OffsetDateTime,
            &SlaPolicy,
        ) -> std::result::Result<(), psirt_domain::deadline::ClockError>,
    ) -> Result<CaseClock> {
        let policy = self.sla_policy().await?;
        let now = self.now();
        with_tx!(self, tx => {
            let row: Option<(String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT clock, severity FROM case_clocks WHERE id = $1 AND case_id = $2{}",
                self.for_update()
            )))
            .bind(clock_id)
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (json, severity) = row.ok_or(StoreError::NotFound("clock"))?;
            let mut clock: DeadlineClock = serde_json::from_str(&json).map_err(|e| corrupt("clock", e))?;
            change(&mut clock, now, &policy).map_err(psirt_domain::DomainError::from)?;
            sqlx::query("UPDATE case_clocks SET clock = $1, state = $2, due_at = $3, updated_at = $4 WHERE id = $5")
                .bind(to_json(&clock)?)
                .bind(clock.state().as_str())
                .bind(clock.due_at())
                .bind(now)
                .bind(clock_id)
                .execute(&mut *tx)
                .await?;
            let severity: Option<Severity> = severity.map(|s| s.parse()).transpose()?;
            let mut after = clock_event(&clock, severity);
            if let Some(p) = clock.pauses().last() {
                after["pause"] = json!(p);
            }
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, event).after(after));
        });
        self.case_clocks(case_id)
            .await?
            .into_iter()
            .find(|c| c.id == clock_id)
            .ok_or(StoreError::NotFound("clock"))
    }
}

/// What the dashboard lists, in the seed PSIRT's work order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// Open cases whose embargo was broken: on top, whatever else is due.
    pub disclosed_early: Vec<crate::Case>,
    /// Breached and due within 24 hours, most overdue first.
    pub clocks: Vec<DueClock>,
    /// Open EU CRA Art. 14 reporting deadlines, soonest first (they never pause).
    pub regulatory: Vec<crate::cra::CraDue>,
    /// Open S1 or P1 cases, newest first.
    pub urgent_cases: Vec<crate::Case>,
    /// Reports waiting for triage, oldest first (empty for those who may not triage).
    pub triage_queue: Vec<crate::Report>,
    /// Cases the viewer may see whose planned public date falls in the next 30 days, soonest
    /// first: the disclosures to get ready for.
    pub upcoming_disclosures: Vec<crate::Case>,
}

impl Store {
    pub async fn dashboard(&self, viewer: &Viewer, limit: i64) -> Result<Dashboard> {
        let clocks = self
            .open_clocks(viewer, limit)
            .await?
            .into_iter()
            .filter(|c| {
                matches!(
                    c.clock.status.phase,
                    psirt_domain::deadline::ClockPhase::Breached
                        | psirt_domain::deadline::ClockPhase::DueSoon
                )
            })
            .collect();
        let ids: Vec<i64> = with_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT c.id FROM cases c WHERE (c.severity = 'S1' OR c.priority = 'P1') \
                 AND c.state NOT IN ('fixed', 'disclosed', 'closed', 'rejected') \
                 AND ($1 OR c.embargoed = FALSE OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = $2)) \
                 ORDER BY c.id DESC LIMIT $3",
            )
            .bind(viewer.role.is_psirt())
            .bind(viewer.user_id)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        let urgent_cases = self.cases_by_ids(&ids).await?;
        // Broken embargoes lift the embargo, so every staff member sees these.
        let early: Vec<i64> = with_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT id FROM cases WHERE disclosed_early_at IS NOT NULL AND state NOT IN ('closed', 'rejected') \
                 ORDER BY disclosed_early_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        let disclosed_early = self.cases_by_ids(&early).await?;
        let triage_queue = if viewer.can_triage() {
            with_pool!(self, p => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM reports WHERE status = 'new' ORDER BY received_at, id LIMIT $1",
                    crate::reports::REPORT_COLUMNS
                )))
                .bind(limit)
                .fetch_all(p)
                .await?
            })
        } else {
            Vec::new()
        };
        let upcoming_disclosures = self.upcoming_disclosures(viewer, 30, limit).await?;
        Ok(Dashboard {
            regulatory: self.cra_due(viewer, limit).await?,
            disclosed_early,
            clocks,
            urgent_cases,
            triage_queue,
            upcoming_disclosures,
        })
    }

    /// Open cases the viewer may see with a planned public date within `days` from now.
    pub async fn upcoming_disclosures(
        &self,
        viewer: &Viewer,
        days: i64,
        limit: i64,
    ) -> Result<Vec<crate::Case>> {
        let now = self.now();
        let until = now + time::Duration::days(days);
        let ids: Vec<i64> = with_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT c.id FROM cases c WHERE c.public_date IS NOT NULL AND c.public_date >= $1 AND c.public_date <= $2 \
                 AND c.state NOT IN ('closed', 'rejected') \
                 AND ($3 OR c.embargoed = FALSE OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = $4)) \
                 ORDER BY c.public_date, c.id LIMIT $5",
            )
            .bind(now)
            .bind(until)
            .bind(viewer.role.is_psirt())
            .bind(viewer.user_id)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        self.cases_by_ids(&ids).await
    }
}

impl Store {
    /// Records that a case's embargo was broken (the reporter or a third party published
    /// early): lifts the embargo, caps every open remediation clock at the S1 remediation
    /// target (never lengthening one), and puts the case on top of the dashboard. Returns the
    /// number of clocks shortened. One transaction; recorded once per case.
    pub async fn record_unintended_disclosure(
        &self,
        actor: &Actor,
        case_id: i64,
        note: &str,
    ) -> Result<usize> {
        let mut errors = Vec::new();
        psirt_domain::report::check_text(&mut errors, "note", note, 4000, true);
        if !errors.is_empty() {
            return Err(psirt_domain::DomainError::Invalid(errors).into());
        }
        let note = note.trim().to_owned();
        let policy = self.sla_policy().await?;
        let now = self.now();
        Ok(with_tx!(self, tx => {
            let row: Option<(bool, Option<OffsetDateTime>)> = sqlx::query_as(
                "UPDATE cases SET updated_at = $1 WHERE id = $2 RETURNING embargoed, disclosed_early_at",
            )
            .bind(now)
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (embargoed, already) = row.ok_or(StoreError::NotFound("case"))?;
            if let Some(at) = already {
                return Err(StoreError::Conflict(format!(
                    "an unintended disclosure was already recorded at {}",
                    crate::audit::at_text(at)
                )));
            }
            sqlx::query("UPDATE cases SET embargoed = FALSE, disclosed_early_at = $1, disclosed_early_note = $2 WHERE id = $3")
                .bind(now)
                .bind(&note)
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            let rows: Vec<(i64, String, Option<String>)> =
                sqlx::query_as("SELECT id, clock, severity FROM case_clocks WHERE case_id = $1 ORDER BY id")
                    .bind(case_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let stored = stored(rows)?;
            let mut clocks: Vec<DeadlineClock> = stored.iter().map(|c| c.clock.clone()).collect();
            let moved = psirt_domain::deadline::apply_unintended_disclosure(&mut clocks, &policy)
                .map_err(psirt_domain::DomainError::from)?;
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.unintended_disclosure")
                .before(json!({"embargoed": embargoed}))
                .after(json!({"embargoed": false, "note": note, "clocks_shortened": moved})));
            for (old, clock) in stored.iter().zip(clocks) {
                if old.clock == clock {
                    continue;
                }
                sqlx::query("UPDATE case_clocks SET due_at = $1, clock = $2, updated_at = $3 WHERE id = $4")
                    .bind(clock.due_at())
                    .bind(to_json(&clock)?)
                    .bind(now)
                    .bind(old.id)
                    .execute(&mut *tx)
                    .await?;
                let mut after = clock_event(&clock, old.severity);
                after["reason"] = json!("unintended disclosure");
                audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.clock_retargeted").after(after));
            }
            moved
        }))
    }
}
