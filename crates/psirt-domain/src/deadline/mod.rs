//! Deadlines: SLA clocks per severity and EU CRA Art. 14 regulatory clocks (DESIGN.md §2 Clock).
//!
//! * [`policy`] — the admin-editable [`SlaPolicy`] (targets per severity, counting mode) and the
//!   seed PSIRT's defaults (STANDARDS.md §2);
//! * [`calendar`] — [`Counting`]: calendar time or business days in an IANA time zone, with a
//!   holiday list, and showing a UTC time in a user's zone;
//! * [`lifecycle`] — one [`DeadlineClock`]: start, pause, resume, complete, cancel, and its
//!   status against a given `now` (breach is evaluated, not stored);
//! * [`sla`] — case-level rules: severity changes and unintended disclosure;
//! * [`cra`] — CRA Art. 14 clocks and the draft reports each stage asks for (STANDARDS.md §9).
//!
//! Pure: every time is a parameter. Any offset is accepted; what a clock stores is converted to
//! UTC (the same instant).

pub mod calendar;
pub mod case_clocks;
pub mod cra;
pub mod lifecycle;
pub mod policy;
pub mod sla;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::case::named_enum;
use crate::{DomainError, FieldError};

pub use calendar::{format_in_zone, in_zone, BusinessCalendar, Counting, CountingMode, DayOfWeek};
pub use cra::{
    AwarenessSource, CraReportInputs, CraReporting, CraStage, CraTrack, EarlyWarningDraft,
    FinalReportDraft, NotificationDraft, Sensitivity,
};
pub use lifecycle::{ClockPhase, ClockStatus, DeadlineClock, PausePeriod, PauseReason, DUE_SOON};
pub use policy::{RemediationStart, SeverityTargets, SlaDuration, SlaPolicy};
pub use sla::{apply_unintended_disclosure, change_severity};

/// What a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// First response to the reporter.
    Acknowledge,
    /// Report validated and triaged into a case (or closed).
    Triage,
    /// A mitigation in place (S1 only in the seed policy).
    Mitigate,
    /// A fix available on every deployment method (time to remediate).
    Remediate,
    /// CRA Art. 14: early warning to the coordinating CSIRT and ENISA.
    CraEarlyWarning,
    /// CRA Art. 14: vulnerability (or incident) notification.
    CraNotification,
    /// CRA Art. 14: final report.
    CraFinalReport,
}
named_enum!(ClockKind, "clock kind" {
    Acknowledge => "acknowledge", Triage => "triage", Mitigate => "mitigate",
    Remediate => "remediate", CraEarlyWarning => "cra_early_warning",
    CraNotification => "cra_notification", CraFinalReport => "cra_final_report",
});

impl ClockKind {
    /// Regulatory deadlines are set by law: no internal exception or reporter delay stops them.
    pub fn is_regulatory(self) -> bool {
        matches!(
            self,
            ClockKind::CraEarlyWarning | ClockKind::CraNotification | ClockKind::CraFinalReport
        )
    }

    /// Response clocks wait while a report waits on the reporter ("needs more info").
    pub fn is_response(self) -> bool {
        matches!(self, ClockKind::Acknowledge | ClockKind::Triage)
    }
}

/// The stored state of a clock. "Breached" is not a state: it is what a running clock past its
/// due time evaluates to (see [`ClockPhase`]), so no job has to flip it at the right moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    Paused,
    Completed,
    Cancelled,
}
named_enum!(ClockState, "clock state" {
    Running => "running", Paused => "paused", Completed => "completed", Cancelled => "cancelled",
});

impl ClockState {
    /// Running or paused: the clock still owes something.
    pub fn is_open(self) -> bool {
        matches!(self, ClockState::Running | ClockState::Paused)
    }
}

/// A change asked of a clock, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockAction {
    Pause,
    Resume,
    Complete,
    Cancel,
    Retarget,
}
named_enum!(ClockAction, "clock action" {
    Pause => "pause", Resume => "resume", Complete => "complete", Cancel => "cancel",
    Retarget => "retarget",
});

/// Why a clock operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClockError {
    #[error("a {state} {kind} clock cannot {action}")]
    NotAllowed {
        kind: ClockKind,
        state: ClockState,
        action: ClockAction,
    },
    #[error("a {kind} clock cannot pause: {reason}")]
    CannotPause {
        kind: ClockKind,
        reason: &'static str,
    },
    #[error("cannot {action} at {at}: before the clock's last change at {last_change}")]
    BeforeLastChange {
        action: ClockAction,
        at: time::OffsetDateTime,
        last_change: time::OffsetDateTime,
    },
    #[error("unknown time zone `{0}`")]
    UnknownTimeZone(String),
    #[error("time out of range: {0}")]
    OutOfRange(&'static str),
    #[error("{0}")]
    Cra(&'static str),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
}

/// Stored times are UTC whatever offset the caller used (same instant).
pub(crate) fn utc(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.to_offset(time::UtcOffset::UTC)
}

impl From<ClockError> for DomainError {
    /// Input errors keep their fields; the rest become one field-less message, so a handler that
    /// speaks `DomainError` can still show why.
    fn from(e: ClockError) -> Self {
        match e {
            ClockError::Invalid(fields) => DomainError::Invalid(fields),
            other => DomainError::Invalid(vec![FieldError::new("clock", other.to_string())]),
        }
    }
}
