//! Runbooks: an admin-editable template of ordered phases with checklist items, and the
//! checklist a case works through. The seed template is the seed PSIRT's "Handling S1/P1"
//! runbook (STANDARDS.md §2): triage → escalate → mitigate → release → RCA → time-zone hand-off.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::case::named_enum;
use crate::{DomainError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunbookPhase {
    Triage,
    Escalate,
    Mitigate,
    Release,
    Rca,
    Handoff,
}
named_enum!(RunbookPhase, "runbook phase" {
    Triage => "triage", Escalate => "escalate", Mitigate => "mitigate", Release => "release",
    Rca => "rca", Handoff => "handoff",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ItemTemplate {
    /// Stable id (`page-seoc`): progress survives a reworded text.
    pub key: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PhaseTemplate {
    pub phase: RunbookPhase,
    pub items: Vec<ItemTemplate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RunbookTemplate {
    pub name: String,
    pub phases: Vec<PhaseTemplate>,
}

fn item(key: &str, text: &str) -> ItemTemplate {
    ItemTemplate {
        key: key.into(),
        text: text.into(),
    }
}

fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && k.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl RunbookTemplate {
    /// The seed PSIRT's S1/P1 runbook.
    pub fn seed_s1() -> Self {
        use RunbookPhase::*;
        let phase = |phase, items| PhaseTemplate { phase, items };
        Self {
            name: "Handling S1/P1".into(),
            phases: vec![
                phase(
                    Triage,
                    vec![
                        item(
                            "confirm-severity",
                            "Confirm the finding and post the CVSS vector as an internal note",
                        ),
                        item(
                            "labels-due-date",
                            "Set severity::1 / priority::1 and the SLA due date",
                        ),
                    ],
                ),
                phase(
                    Escalate,
                    vec![
                        item("page-seoc", "Page the SEOC (`/security` in Slack)"),
                        item("notify-em-pm", "Notify the owning EM and PM"),
                        item("inform-leadership", "Inform security leadership"),
                    ],
                ),
                phase(
                    Mitigate,
                    vec![
                        item(
                            "mitigation",
                            "Mitigate: WAF rule, feature flag or hot-patch",
                        ),
                        item(
                            "verify-mitigation",
                            "Verify the mitigation blocks the reported exploit",
                        ),
                    ],
                ),
                phase(
                    Release,
                    vec![
                        item("critical-release", "Ship a critical security release"),
                        item(
                            "backports",
                            "Backport to the current and previous two minor versions",
                        ),
                    ],
                ),
                phase(Rca, vec![item("rca", "Write the root-cause analysis")]),
                phase(
                    Handoff,
                    vec![item(
                        "handoff-note",
                        "Hand off to the next time zone with a written status note",
                    )],
                ),
            ],
        }
    }

    /// Rules for an admin edit: a name; at least one phase; phases in runbook order, each at
    /// most once and with at least one item; item keys lowercase slugs, unique in the template
    /// (a checklist finds its items by key); item texts non-empty.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "is required"));
        }
        if self.phases.is_empty() {
            errors.push(FieldError::new("phases", "at least one phase is required"));
        }
        if self.phases.windows(2).any(|w| w[0].phase >= w[1].phase) {
            errors.push(FieldError::new(
                "phases",
                "phases must be in runbook order (triage … handoff), each at most once",
            ));
        }
        let mut keys = BTreeSet::new();
        for (p, phase) in self.phases.iter().enumerate() {
            if phase.items.is_empty() {
                errors.push(FieldError::new(
                    format!("phases[{p}].items"),
                    "at least one item is required",
                ));
            }
            for (i, it) in phase.items.iter().enumerate() {
                let f = |name: &str| format!("phases[{p}].items[{i}].{name}");
                if !is_key(&it.key) {
                    errors.push(FieldError::new(
                        f("key"),
                        "must be 1–64 characters of a-z, 0-9, - or _",
                    ));
                } else if !keys.insert(it.key.as_str()) {
                    errors.push(FieldError::new(
                        f("key"),
                        format!("`{}` is used twice", it.key),
                    ));
                }
                if it.text.trim().is_empty() {
                    errors.push(FieldError::new(f("text"), "is required"));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    /// A fresh checklist for a case. The template is copied, so later edits to it do not
    /// rewrite a case's history.
    pub fn instantiate(&self) -> Result<RunbookChecklist, DomainError> {
        self.validate()?;
        Ok(RunbookChecklist {
            template_name: self.name.clone(),
            items: self
                .phases
                .iter()
                .flat_map(|p| {
                    p.items.iter().map(|it| ChecklistItem {
                        phase: p.phase,
                        key: it.key.clone(),
                        text: it.text.clone(),
                        done_by: None,
                        done_at: None,
                    })
                })
                .collect(),
            handoffs: Vec::new(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ChecklistItem {
    pub phase: RunbookPhase,
    pub key: String,
    pub text: String,
    pub done_by: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

impl ChecklistItem {
    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }
}

/// A written hand-off between responders (time zones, shifts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HandoffNote {
    pub by: String,
    pub to: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    /// Whole percent, rounded down: 100 only when everything is done.
    pub percent: u8,
}

impl Progress {
    fn of<'a>(items: impl Iterator<Item = &'a ChecklistItem>) -> Self {
        let (mut done, mut total) = (0, 0);
        for i in items {
            total += 1;
            done += usize::from(i.is_done());
        }
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        Self {
            done,
            total,
            percent: u8::try_from(percent).unwrap_or(100),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RunbookChecklist {
    pub template_name: String,
    pub items: Vec<ChecklistItem>,
    #[serde(default)]
    pub handoffs: Vec<HandoffNote>,
}

impl RunbookChecklist {
    fn find(&mut self, key: &str, action: &'static str) -> Result<&mut ChecklistItem, DomainError> {
        self.items
            .iter_mut()
            .find(|i| i.key == key)
            .ok_or(DomainError::NotAllowed {
                action,
                reason: "no such checklist item",
            })
    }

    /// Ticks an item. Phases are not enforced in order: in an incident a mitigation may land
    /// before every escalation is done, and the checklist records, it does not block.
    pub fn mark_done(
        &mut self,
        key: &str,
        by: &str,
        at: OffsetDateTime,
    ) -> Result<(), DomainError> {
        if by.trim().is_empty() {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "by",
                "is required",
            )]));
        }
        let item = self.find(key, "tick a checklist item")?;
        if item.is_done() {
            return Err(DomainError::NotAllowed {
                action: "tick a checklist item",
                reason: "it is already done",
            });
        }
        item.done_by = Some(by.to_owned());
        item.done_at = Some(at);
        Ok(())
    }

    /// Unticks an item ticked by mistake.
    pub fn reopen(&mut self, key: &str) -> Result<(), DomainError> {
        let item = self.find(key, "reopen a checklist item")?;
        item.done_by = None;
        item.done_at = None;
        Ok(())
    }

    pub fn progress(&self) -> Progress {
        Progress::of(self.items.iter())
    }

    pub fn phase_progress(&self) -> Vec<(RunbookPhase, Progress)> {
        let phases: BTreeSet<RunbookPhase> = self.items.iter().map(|i| i.phase).collect();
        phases
            .into_iter()
            .map(|p| (p, Progress::of(self.items.iter().filter(|i| i.phase == p))))
            .collect()
    }

    /// The first phase with an open item; `None` when all is done.
    pub fn current_phase(&self) -> Option<RunbookPhase> {
        self.items.iter().find(|i| !i.is_done()).map(|i| i.phase)
    }

    pub fn add_handoff(
        &mut self,
        by: &str,
        to: Option<&str>,
        at: OffsetDateTime,
        text: &str,
    ) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        if by.trim().is_empty() {
            errors.push(FieldError::new("by", "is required"));
        }
        if text.trim().is_empty() {
            errors.push(FieldError::new("text", "is required"));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        self.handoffs.push(HandoffNote {
            by: by.to_owned(),
            to: to.map(str::to_owned),
            at,
            text: text.to_owned(),
        });
        Ok(())
    }

    /// A Markdown starting point for the hand-off note: progress, then the open items by phase.
    pub fn draft_handoff(&self) -> String {
        let p = self.progress();
        let mut s = format!(
            "## Hand-off: {}\n\nProgress: {}/{} items ({}%).\n",
            self.template_name, p.done, p.total, p.percent
        );
        let open: Vec<&ChecklistItem> = self.items.iter().filter(|i| !i.is_done()).collect();
        if open.is_empty() {
            s.push_str("\nAll items are done.\n");
            return s;
        }
        s.push_str("\nOpen items:\n");
        for i in open {
            s.push_str(&format!("- [ ] {}: {} (`{}`)\n", i.phase, i.text, i.key));
        }
        s
    }
}

#[cfg(test)]
#[path = "runbook_tests.rs"]
mod tests;
