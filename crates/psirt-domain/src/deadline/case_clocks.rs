//! Which SLA clocks a case should have, derived from what is true of the case: the store calls
//! [`plan`] inside every transaction that changes a case and applies the changes it returns.
//! Deriving (rather than hooking each action) keeps the rules in one place:
//!
//! * a case opened from a report gets an **acknowledge** clock from the report's receipt,
//!   completed by the PSIRT's first message to the reporter;
//! * every case gets a **triage** clock from the report (or the case's opening), completed when
//!   the case leaves `new`/`triage`;
//! * a severity starts the **mitigate** (where the policy has a target) and **remediate** clocks
//!   from the report; a later severity change retargets them (`change_severity`);
//! * `fixed`, `disclosed` and `closed` complete the mitigate and remediate clocks; a rejected
//!   case cancels every open clock, and closing a case cancels an acknowledge clock still open.
//!
//! Regulatory (CRA) clocks are not derived: they start from explicit acts.

use time::OffsetDateTime;

use super::lifecycle::DeadlineClock;
use super::policy::SlaPolicy;
use super::sla::change_severity;
use super::{ClockError, ClockKind};
use crate::{CaseState, Severity};

/// What the planner needs to know about a case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub state: CaseState,
    pub severity: Option<Severity>,
    /// When the PSIRT learned of it: the earliest linked report's receipt, else the case's
    /// creation.
    pub opened_at: OffsetDateTime,
    /// Opened from a report (someone is waiting for an answer).
    pub from_report: bool,
    /// The PSIRT's first message to the reporter.
    pub first_response_at: Option<OffsetDateTime>,
    /// The planned public date, when the policy starts remediation at the embargo lift.
    pub embargo_lift_at: Option<OffsetDateTime>,
}

/// A clock as stored, with the severity its target was computed for.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClock {
    pub id: i64,
    pub clock: DeadlineClock,
    pub severity: Option<Severity>,
}

/// A change to apply: a new clock, or a new value for a stored one, with the event name for
/// the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub enum ClockChange {
    Start {
        clock: DeadlineClock,
        severity: Option<Severity>,
    },
    Update {
        id: i64,
        clock: DeadlineClock,
        severity: Option<Severity>,
        event: &'static str,
    },
}

fn has(existing: &[StoredClock], kind: ClockKind) -> bool {
    existing.iter().any(|c| c.clock.kind() == kind)
}

/// The changes that bring `existing` in line with `facts` at `now`. Idempotent: planning again
/// after applying the changes returns none.
pub fn plan(
    facts: &CaseFacts,
    existing: &[StoredClock],
    policy: &SlaPolicy,
    now: OffsetDateTime,
) -> Result<Vec<ClockChange>, ClockError> {
    let counting = policy.counting()?;
    let mut changes = Vec::new();
    let update = |c: &StoredClock, clock: DeadlineClock, event: &'static str| ClockChange::Update {
        id: c.id,
        clock,
        severity: c.severity,
        event,
    };

    // Response clocks.
    let triaged = !matches!(facts.state, CaseState::New | CaseState::Triage);
    if facts.from_report && !has(existing, ClockKind::Acknowledge) {
        let mut c = DeadlineClock::start(
            ClockKind::Acknowledge,
            facts.opened_at,
            policy.acknowledge,
            &counting,
        )?;
        if let Some(at) = facts.first_response_at {
            c.complete(at.max(facts.opened_at))?;
        }
        changes.push(ClockChange::Start {
            clock: c,
            severity: None,
        });
    }
    if !has(existing, ClockKind::Triage) {
        let mut c =
            DeadlineClock::start(ClockKind::Triage, facts.opened_at, policy.triage, &counting)?;
        if triaged {
            c.complete(now.max(facts.opened_at))?;
        }
        changes.push(ClockChange::Start {
            clock: c,
            severity: None,
        });
    }
    for c in existing.iter().filter(|c| c.clock.state().is_open()) {
        let mut clock = c.clock.clone();
        match clock.kind() {
            ClockKind::Acknowledge => {
                if let Some(at) = facts.first_response_at {
                    clock.complete(at.max(clock.started_at()))?;
                    changes.push(update(c, clock, "case.clock_completed"));
                } else if matches!(facts.state, CaseState::Rejected | CaseState::Closed) {
                    clock.cancel(now, &format!("case {}", facts.state))?;
                    changes.push(update(c, clock, "case.clock_cancelled"));
                }
            }
            ClockKind::Triage if triaged => {
                clock.complete(now)?;
                changes.push(update(c, clock, "case.clock_completed"));
            }
            _ => {}
        }
    }

    // Severity clocks.
    let severity_clocks: Vec<&StoredClock> = existing
        .iter()
        .filter(|c| matches!(c.clock.kind(), ClockKind::Mitigate | ClockKind::Remediate))
        .collect();
    if let Some(sev) = facts.severity {
        if !severity_clocks
            .iter()
            .any(|c| c.clock.kind() == ClockKind::Remediate)
        {
            let started =
                policy.start_severity_clocks(sev, facts.opened_at, facts.embargo_lift_at)?;
            for clock in started {
                if clock.kind() == ClockKind::Mitigate && has(existing, ClockKind::Mitigate) {
                    continue;
                }
                changes.push(ClockChange::Start {
                    clock,
                    severity: Some(sev),
                });
            }
        } else if severity_clocks
            .iter()
            .any(|c| c.clock.state().is_open() && c.severity != Some(sev))
        {
            let mut clocks: Vec<DeadlineClock> =
                severity_clocks.iter().map(|c| c.clock.clone()).collect();
            change_severity(&mut clocks, policy, sev, now)?;
            for (i, clock) in clocks.into_iter().enumerate() {
                match severity_clocks.get(i) {
                    Some(c) if c.clock != clock || c.severity != Some(sev) => {
                        changes.push(ClockChange::Update {
                            id: c.id,
                            clock,
                            severity: Some(sev),
                            event: "case.clock_retargeted",
                        })
                    }
                    Some(_) => {}
                    None => changes.push(ClockChange::Start {
                        clock,
                        severity: Some(sev),
                    }),
                }
            }
        }
    }

    // Terminal states close what is still open (on the clocks as they are after the above).
    let done = matches!(
        facts.state,
        CaseState::Fixed | CaseState::Disclosed | CaseState::Closed
    );
    if done || facts.state == CaseState::Rejected {
        let mut current: Vec<(Option<i64>, DeadlineClock, Option<Severity>)> = Vec::new();
        for c in &severity_clocks {
            current.push((Some(c.id), c.clock.clone(), c.severity));
        }
        // Fold in the changes planned so far, so a clock started now is closed now too.
        let mut rest = Vec::new();
        for ch in changes.drain(..) {
            match ch {
                ClockChange::Update {
                    id,
                    clock,
                    severity,
                    ..
                } if matches!(clock.kind(), ClockKind::Mitigate | ClockKind::Remediate) => {
                    if let Some(slot) = current.iter_mut().find(|s| s.0 == Some(id)) {
                        slot.1 = clock;
                        slot.2 = severity;
                    }
                }
                ClockChange::Start { clock, severity }
                    if matches!(clock.kind(), ClockKind::Mitigate | ClockKind::Remediate) =>
                {
                    current.push((None, clock, severity))
                }
                other => rest.push(other),
            }
        }
        changes = rest;
        for (id, mut clock, severity) in current {
            let before = clock.clone();
            if clock.state().is_open() {
                if done {
                    clock.complete(now.max(clock.started_at()))?;
                } else {
                    clock.cancel(now, "case rejected")?;
                }
            }
            match id {
                None => changes.push(ClockChange::Start { clock, severity }),
                Some(id) if clock != before => changes.push(ClockChange::Update {
                    id,
                    event: if done {
                        "case.clock_completed"
                    } else {
                        "case.clock_cancelled"
                    },
                    clock,
                    severity,
                }),
                Some(id) => {
                    // Retargeted earlier in this plan but already closed: keep the retarget.
                    if let Some(c) = severity_clocks.iter().find(|c| c.id == id) {
                        if c.clock != clock || c.severity != severity {
                            changes.push(ClockChange::Update {
                                id,
                                clock,
                                severity,
                                event: "case.clock_retargeted",
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(changes)
}

#[cfg(test)]
#[path = "case_clocks_tests.rs"]
mod tests;
