//! psirt's domain: the vocabulary of a PSIRT and the rules that hold whatever stores or serves it.
//!
//! Pure code: no I/O, no async, no clock (times are passed in), no SQL, no HTTP.

pub mod access;
pub mod advisory;
mod advisory_id;
pub mod affect;
pub mod assessment;
pub mod audit;
pub mod bounty;
pub mod case;
pub mod clock;
pub mod cwe;
pub mod deadline;
pub mod dependency_path;
pub mod duplicates;
pub mod error;
pub mod inventory;
pub mod metrics;
pub mod rca;
pub mod release;
pub mod report;
pub mod reporter_history;
pub mod role;
pub mod runbook;
pub mod score;
pub mod upstream;

// `Date` as "YYYY-MM-DD" (what an admin writes), not `time`'s default tuple.
time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

pub use access::{CaseAccess, CaseAction, Viewer};
pub use advisory::{
    Acknowledgment, Advisory, AdvisoryContent, AdvisoryId, AdvisoryStatus, Change, Publish,
    Reference, Revision, RevisionNumber, Tlp,
};
pub use affect::{Affect, AffectDraft, AffectStatus, Justification, Remediation, RemediationKind};
pub use assessment::{AssessmentSource, CvssRating, SeveritySource, SeverityState};
pub use bounty::{AwardStatus, BountyAward, BountyTable};
pub use case::{CaseState, Priority, Resolution, Severity, Transition, TransitionContext};
pub use clock::Clock;
pub use deadline::{ClockError, ClockKind, ClockState, DeadlineClock, SlaPolicy};
pub use error::{DomainError, FieldError};
pub use inventory::{ProductDraft, ProductVersionDraft, SupportStatus};
pub use rca::{RcaPolicy, RcaRecord, RootCauseCategory};
pub use release::{BackportPolicy, ReleasePlan, VersionLine};
pub use report::{CreditPreference, NewReport, ReportChannel, ReportStatus};
pub use role::Role;
pub use runbook::{RunbookChecklist, RunbookPhase, RunbookTemplate};
pub use score::Score;
