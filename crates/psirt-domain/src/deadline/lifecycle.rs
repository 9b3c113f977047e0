//! One clock's life: start → (pause ⇄ resume)* → complete | cancel, and its status at a `now`.
//!
//! Transitions (anything else is [`ClockError::NotAllowed`]):
//!
//! | from \ action | pause | resume | complete | cancel | retarget |
//! |---|---|---|---|---|---|
//! | running   | ✓ | – | ✓ | ✓ | ✓ |
//! | paused    | – | ✓ | ✓ | ✓ | ✓ |
//! | completed | – | – | – | – | – |
//! | cancelled | – | – | – | – | – |
//!
//! Regulatory clocks never pause; "awaiting reporter" pauses only response clocks. Times of
//! transitions never go backwards, so the pause history stays a timeline.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::calendar::Counting;
use super::policy::SlaDuration;
use super::{utc, ClockAction, ClockError, ClockKind, ClockState};
use crate::FieldError;

/// How close to its due time a running clock starts warning.
pub const DUE_SOON: Duration = Duration::hours(24);

/// Why a clock is paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PauseReason {
    /// An approved SLA exception ("deviation request"): GitLab's SLA exceptions stop the clock.
    SlaException { reason: String, approved_by: String },
    /// The report waits on the reporter ("needs more info").
    AwaitingReporter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PausePeriod {
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// `None` while the pause lasts.
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    pub reason: PauseReason,
}

/// A deadline. Fields are private so every change goes through a validated transition; serde
/// lets the store keep and restore it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineClock {
    kind: ClockKind,
    state: ClockState,
    #[serde(with = "time::serde::rfc3339")]
    started_at: OffsetDateTime,
    /// `None` for deadlines fixed by law rather than by the policy.
    target: Option<SlaDuration>,
    /// A ceiling on the target (unintended disclosure): retargeting never goes past it.
    cap: Option<SlaDuration>,
    #[serde(with = "time::serde::rfc3339")]
    due_at: OffsetDateTime,
    pauses: Vec<PausePeriod>,
    #[serde(with = "time::serde::rfc3339::option")]
    completed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    cancelled_at: Option<OffsetDateTime>,
    cancel_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    last_change_at: OffsetDateTime,
}

/// Where a clock stands at a given `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockPhase {
    OnTrack,
    /// Running and due within [`DUE_SOON`].
    DueSoon,
    /// Running past its due time.
    Breached,
    Paused,
    /// Completed by the due time.
    Met,
    /// Completed after the due time.
    Missed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    pub phase: ClockPhase,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// Time left before the due time (frozen at the pause while paused); `None` once past it.
    /// JSON: whole seconds.
    #[serde(serialize_with = "whole_seconds")]
    pub remaining: Option<Duration>,
    /// How late: now (or the completion, or the pause) minus the due time. JSON: whole seconds.
    #[serde(serialize_with = "whole_seconds")]
    pub overdue_by: Option<Duration>,
}

/// Durations as whole seconds for API clients (`time`'s own form is a `[secs, nanos]` pair).
fn whole_seconds<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    d.map(|d| d.whole_seconds()).serialize(s)
}

impl DeadlineClock {
    /// A running clock due `target` after `started_at`, counted per `counting`.
    pub fn start(
        kind: ClockKind,
        started_at: OffsetDateTime,
        target: SlaDuration,
        counting: &Counting,
    ) -> Result<Self, ClockError> {
        if target.nominal_hours() <= 0 {
            return Err(ClockError::Invalid(vec![FieldError::new(
                "target",
                "must be longer than zero",
            )]));
        }
        let due_at = counting.due(started_at, target)?;
        let mut clock = Self::start_with_due(kind, started_at, due_at)?;
        clock.target = Some(target);
        Ok(clock)
    }

    /// A running clock with a due time fixed by the caller (regulatory deadlines).
    pub fn start_with_due(
        kind: ClockKind,
        started_at: OffsetDateTime,
        due_at: OffsetDateTime,
    ) -> Result<Self, ClockError> {
        let (started_at, due_at) = (utc(started_at), utc(due_at));
        if due_at < started_at {
            return Err(ClockError::Invalid(vec![FieldError::new(
                "due_at",
                "must not be before the start",
            )]));
        }
        Ok(Self {
            kind,
            state: ClockState::Running,
            started_at,
            target: None,
            cap: None,
            due_at,
            pauses: Vec::new(),
            completed_at: None,
            cancelled_at: None,
            cancel_reason: None,
            last_change_at: started_at,
        })
    }

    pub fn kind(&self) -> ClockKind {
        self.kind
    }
    pub fn state(&self) -> ClockState {
        self.state
    }
    pub fn started_at(&self) -> OffsetDateTime {
        self.started_at
    }
    pub fn target(&self) -> Option<SlaDuration> {
        self.target
    }
    pub fn cap(&self) -> Option<SlaDuration> {
        self.cap
    }
    pub fn due_at(&self) -> OffsetDateTime {
        self.due_at
    }
    pub fn pauses(&self) -> &[PausePeriod] {
        &self.pauses
    }
    pub fn completed_at(&self) -> Option<OffsetDateTime> {
        self.completed_at
    }
    pub fn cancelled_at(&self) -> Option<OffsetDateTime> {
        self.cancelled_at
    }
    pub fn cancel_reason(&self) -> Option<&str> {
        self.cancel_reason.as_deref()
    }

    /// Stops the clock. The due time moves on [`resume`](Self::resume).
    pub fn pause(&mut self, at: OffsetDateTime, reason: PauseReason) -> Result<(), ClockError> {
        let at = utc(at);
        self.allow(ClockAction::Pause, &[ClockState::Running], at)?;
        if self.kind.is_regulatory() {
            return Err(ClockError::CannotPause {
                kind: self.kind,
                reason: "regulatory deadlines are set by law and never stop",
            });
        }
        match &reason {
            PauseReason::AwaitingReporter if !self.kind.is_response() => {
                return Err(ClockError::CannotPause {
                    kind: self.kind,
                    reason: "only acknowledge and triage clocks wait on the reporter",
                });
            }
            PauseReason::SlaException {
                reason: why,
                approved_by,
            } => {
                let mut errors = Vec::new();
                if why.trim().is_empty() {
                    errors.push(FieldError::new("reason", "an SLA exception needs a reason"));
                }
                if approved_by.trim().is_empty() {
                    errors.push(FieldError::new(
                        "approved_by",
                        "an SLA exception needs an approver",
                    ));
                }
                if !errors.is_empty() {
                    return Err(ClockError::Invalid(errors));
                }
            }
            PauseReason::AwaitingReporter => {}
        }
        self.pauses.push(PausePeriod {
            from: at,
            until: None,
            reason,
        });
        self.state = ClockState::Paused;
        self.last_change_at = at;
        Ok(())
    }

    /// Restarts the clock; the due time moves by the paused time that counts under `counting`
    /// (in business-day mode a pause over a weekend moves it by nothing for the weekend).
    pub fn resume(&mut self, at: OffsetDateTime, counting: &Counting) -> Result<(), ClockError> {
        let at = utc(at);
        self.allow(ClockAction::Resume, &[ClockState::Paused], at)?;
        let from = self.open_pause_from()?;
        let paused = counting.counted_between(from, at)?;
        self.due_at = counting.add_counted(self.due_at, paused)?;
        self.close_pause(at);
        self.state = ClockState::Running;
        self.last_change_at = at;
        Ok(())
    }

    /// The obligation is met (on time or late: see [`status`](Self::status)).
    pub fn complete(&mut self, at: OffsetDateTime) -> Result<(), ClockError> {
        let at = utc(at);
        self.allow(
            ClockAction::Complete,
            &[ClockState::Running, ClockState::Paused],
            at,
        )?;
        self.close_pause(at);
        self.completed_at = Some(at);
        self.state = ClockState::Completed;
        self.last_change_at = at;
        Ok(())
    }

    /// The obligation went away (case rejected, severity without this target).
    pub fn cancel(&mut self, at: OffsetDateTime, reason: &str) -> Result<(), ClockError> {
        let at = utc(at);
        self.allow(
            ClockAction::Cancel,
            &[ClockState::Running, ClockState::Paused],
            at,
        )?;
        if reason.trim().is_empty() {
            return Err(ClockError::Invalid(vec![FieldError::new(
                "reason",
                "cancelling a clock needs a reason",
            )]));
        }
        self.close_pause(at);
        self.cancelled_at = Some(at);
        self.cancel_reason = Some(reason.to_owned());
        self.state = ClockState::Cancelled;
        self.last_change_at = at;
        Ok(())
    }

    /// New target from the same start, keeping the time already paused (severity change). The
    /// cap, if any, still applies. Regulatory clocks have no target to change.
    pub fn retarget(&mut self, target: SlaDuration, counting: &Counting) -> Result<(), ClockError> {
        self.allow(
            ClockAction::Retarget,
            &[ClockState::Running, ClockState::Paused],
            self.last_change_at,
        )?;
        if self.kind.is_regulatory() {
            return Err(ClockError::NotAllowed {
                kind: self.kind,
                state: self.state,
                action: ClockAction::Retarget,
            });
        }
        self.target = Some(target);
        self.due_at = self.recompute(counting)?;
        Ok(())
    }

    /// Caps the target (never lengthens): the due time becomes the earlier of the current one
    /// and the cap's. Returns whether the due time moved.
    pub fn cap_target(
        &mut self,
        cap: SlaDuration,
        counting: &Counting,
    ) -> Result<bool, ClockError> {
        self.allow(
            ClockAction::Retarget,
            &[ClockState::Running, ClockState::Paused],
            self.last_change_at,
        )?;
        let tighter = match self.cap {
            Some(old) if old.nominal_hours() <= cap.nominal_hours() => old,
            _ => cap,
        };
        self.cap = Some(tighter);
        let before = self.due_at;
        self.due_at = self.recompute(counting)?.min(before);
        Ok(self.due_at < before)
    }

    /// Where the clock stands at `now`.
    pub fn status(&self, now: OffsetDateTime) -> ClockStatus {
        let due = self.due_at;
        let late = |t: OffsetDateTime| (t > due).then(|| t - due);
        let left = |t: OffsetDateTime| (t <= due).then(|| due - t);
        let (phase, remaining, overdue_by) = match self.state {
            ClockState::Running if now > due => (ClockPhase::Breached, None, late(now)),
            ClockState::Running if due - now <= DUE_SOON => (ClockPhase::DueSoon, left(now), None),
            ClockState::Running => (ClockPhase::OnTrack, left(now), None),
            ClockState::Paused => {
                let at = self.pauses.last().map_or(now, |p| p.from);
                (ClockPhase::Paused, left(at), late(at))
            }
            ClockState::Completed => {
                let at = self.completed_at.unwrap_or(now);
                if at <= due {
                    (ClockPhase::Met, None, None)
                } else {
                    (ClockPhase::Missed, None, late(at))
                }
            }
            ClockState::Cancelled => (ClockPhase::Cancelled, None, None),
        };
        ClockStatus {
            phase,
            due_at: due,
            remaining,
            overdue_by,
        }
    }

    /// Running past the due time at `now`.
    pub fn is_breached(&self, now: OffsetDateTime) -> bool {
        self.status(now).phase == ClockPhase::Breached
    }

    /// Start + (capped) target + all closed pauses, counted per `counting`.
    fn recompute(&self, counting: &Counting) -> Result<OffsetDateTime, ClockError> {
        let Some(target) = self.target else {
            return Ok(self.due_at);
        };
        let mut base = counting.due(self.started_at, target)?;
        if let Some(cap) = self.cap {
            base = base.min(counting.due(self.started_at, cap)?);
        }
        let mut paused = Duration::ZERO;
        for p in &self.pauses {
            if let Some(until) = p.until {
                paused += counting.counted_between(p.from, until)?;
            }
        }
        counting.add_counted(base, paused)
    }

    fn allow(
        &self,
        action: ClockAction,
        from: &[ClockState],
        at: OffsetDateTime,
    ) -> Result<(), ClockError> {
        if !from.contains(&self.state) {
            return Err(ClockError::NotAllowed {
                kind: self.kind,
                state: self.state,
                action,
            });
        }
        if at < self.last_change_at {
            return Err(ClockError::BeforeLastChange {
                action,
                at,
                last_change: self.last_change_at,
            });
        }
        Ok(())
    }

    fn open_pause_from(&self) -> Result<OffsetDateTime, ClockError> {
        match self.pauses.last() {
            Some(p) if p.until.is_none() => Ok(p.from),
            // Only reachable with a hand-edited stored clock: paused without an open period.
            _ => Err(ClockError::NotAllowed {
                kind: self.kind,
                state: self.state,
                action: ClockAction::Resume,
            }),
        }
    }

    fn close_pause(&mut self, at: OffsetDateTime) {
        if let Some(p) = self.pauses.last_mut() {
            if p.until.is_none() {
                p.until = Some(at);
            }
        }
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
