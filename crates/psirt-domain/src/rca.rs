//! Root-cause analysis of a case: what happened, why, and what changes so it does not happen
//! again. The seed PSIRT (STANDARDS.md §2) asks for an RCA after S1/P1 handling, unplanned
//! critical releases and insufficient fixes; here an admin policy says which severities need a
//! completed RCA before the case may close.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::case::named_enum;
use crate::{DomainError, FieldError, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RootCauseCategory {
    /// The design allowed it (missing authorization model, unsafe default).
    Design,
    /// The code does not do what the design says.
    Implementation,
    /// A deployment or product setting.
    Configuration,
    /// A third-party component.
    Dependency,
    /// Review, testing or release process let it through.
    Process,
    Other,
}
named_enum!(RootCauseCategory, "root cause category" {
    Design => "design", Implementation => "implementation", Configuration => "configuration",
    Dependency => "dependency", Process => "process", Other => "other",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct TimelineEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ActionItem {
    pub description: String,
    pub owner: String,
    #[serde(with = "crate::iso_date")]
    pub due: Date,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub done_by: Option<String>,
}

impl ActionItem {
    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }

    pub fn is_overdue(&self, today: Date) -> bool {
        !self.is_done() && self.due < today
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RcaRecord {
    pub summary: String,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    pub root_cause: Option<RootCauseCategory>,
    /// Optional: a process failure has no CWE.
    pub cwe_id: Option<u32>,
    #[serde(default)]
    pub contributing_factors: Vec<String>,
    #[serde(default)]
    pub went_well: Vec<String>,
    #[serde(default)]
    pub went_badly: Vec<String>,
    #[serde(default)]
    pub action_items: Vec<ActionItem>,
}

impl RcaRecord {
    /// Checks an edit: every present entry must be meaningful. Completeness is a separate,
    /// softer question ([`RcaRecord::missing`]): a draft may be incomplete but not malformed.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        for (i, e) in self.timeline.iter().enumerate() {
            if e.description.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("timeline[{i}].description"),
                    "is required",
                ));
            }
        }
        if self.timeline.windows(2).any(|w| w[1].at < w[0].at) {
            errors.push(FieldError::new("timeline", "entries must be in time order"));
        }
        if self.cwe_id == Some(0) {
            errors.push(FieldError::new("cwe_id", "is not a CWE id"));
        }
        for (name, list) in [
            ("contributing_factors", &self.contributing_factors),
            ("went_well", &self.went_well),
            ("went_badly", &self.went_badly),
        ] {
            for (i, s) in list.iter().enumerate() {
                if s.trim().is_empty() {
                    errors.push(FieldError::new(format!("{name}[{i}]"), "must not be empty"));
                }
            }
        }
        for (i, a) in self.action_items.iter().enumerate() {
            if a.description.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("action_items[{i}].description"),
                    "is required",
                ));
            }
            if a.owner.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("action_items[{i}].owner"),
                    "is required",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    /// What a complete RCA still lacks, by field name. Complete = a summary, a root cause
    /// category, a timeline, a lesson either way, and at least one action item. Action items
    /// need not be done: they outlive the case (tracked by [`RcaRecord::overdue_actions`]).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if self.summary.trim().is_empty() {
            m.push("summary");
        }
        if self.root_cause.is_none() {
            m.push("root_cause");
        }
        if self.timeline.is_empty() {
            m.push("timeline");
        }
        if self.went_well.is_empty() && self.went_badly.is_empty() {
            m.push("went_well_or_badly");
        }
        if self.action_items.is_empty() {
            m.push("action_items");
        }
        m
    }

    pub fn is_complete(&self) -> bool {
        self.missing().is_empty() && self.validate().is_ok()
    }

    /// Marks action item `index` done. Done once: a second call is refused so the first
    /// who/when stays.
    pub fn complete_action(
        &mut self,
        index: usize,
        by: &str,
        at: OffsetDateTime,
    ) -> Result<(), DomainError> {
        let item = self
            .action_items
            .get_mut(index)
            .ok_or(DomainError::NotAllowed {
                action: "complete an action item",
                reason: "no such action item",
            })?;
        if item.is_done() {
            return Err(DomainError::NotAllowed {
                action: "complete an action item",
                reason: "it is already done",
            });
        }
        if by.trim().is_empty() {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "by",
                "is required",
            )]));
        }
        item.done_at = Some(at);
        item.done_by = Some(by.to_owned());
        Ok(())
    }

    pub fn overdue_actions(&self, today: Date) -> Vec<&ActionItem> {
        self.action_items
            .iter()
            .filter(|a| a.is_overdue(today))
            .collect()
    }
}

/// Admin setting: which severities need a completed RCA before a case closes. Default S1 and
/// S2: the seed asks for one after every S1/P1, and an S2 shipped to customers is worth the
/// same look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RcaPolicy {
    pub required_for: BTreeSet<Severity>,
}

impl Default for RcaPolicy {
    fn default() -> Self {
        Self {
            required_for: [Severity::S1, Severity::S2].into_iter().collect(),
        }
    }
}

/// Whether closing a case of `severity` needs a completed RCA. An unset severity needs none
/// (a case closes without one only when it was never rated).
pub fn close_requires_rca(severity: Option<Severity>, policy: &RcaPolicy) -> bool {
    severity.is_some_and(|s| policy.required_for.contains(&s))
}

/// The close guard: `Ok` when no RCA is required or the given one is complete.
pub fn check_close(
    severity: Option<Severity>,
    policy: &RcaPolicy,
    rca: Option<&RcaRecord>,
) -> Result<(), DomainError> {
    if !close_requires_rca(severity, policy) || rca.is_some_and(RcaRecord::is_complete) {
        return Ok(());
    }
    Err(DomainError::GuardFailed {
        to: "closed".into(),
        reason: "the policy requires a completed root-cause analysis for this severity",
    })
}

#[cfg(test)]
#[path = "rca_tests.rs"]
mod tests;
