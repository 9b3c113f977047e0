//! Bug bounty: the admin-editable program table, the suggested amount for a CVSS 3.1 score, and
//! the award of one report (proposed → approved → paid).
//!
//! Seed PSIRT (GitLab, STANDARDS.md §2): the "new" ranges Critical 9.0–10 $20k–35k, High 7.0–8.9
//! $5k–15k, Medium 4.0–6.9 $1k–2.5k, Low 0.1–3.9 $100–750, and the calculator's `getBounty`:
//! `min$ + (score − minScore)/(maxScore − minScore)·(max$ − min$)`, rounded **up** to $10.
//!
//! Arithmetic is exact: scores are integer tenths ([`Score`]) and amounts whole dollars, so the
//! formula is one integer ceiling division and edge scores land exactly on the range ends. (A
//! float `getBounty` pays $32,010 at 9.8: 0.8000000000000007 × 15,000 rounds up.)

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::case::named_enum;
use crate::{DomainError, FieldError, Severity};

pub use crate::score::Score;

/// One row of the program table: what a severity pays across its score band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BountyRange {
    pub severity: Severity,
    pub min_usd: u64,
    pub max_usd: u64,
    pub min_score: Score,
    pub max_score: Score,
    /// Paid when the report is triaged, ahead of the award (seed: $1,000 for Critical and High,
    /// $500 for Medium, none for Low); part of the award, not on top of it.
    #[serde(default)]
    pub triage_usd: u64,
}

impl BountyRange {
    fn new(severity: Severity, usd: (u64, u64), min: u8, max: u8, triage_usd: u64) -> Self {
        Self {
            severity,
            min_usd: usd.0,
            max_usd: usd.1,
            min_score: Score::from_tenths(min).unwrap_or(Score::MAX),
            max_score: Score::from_tenths(max).unwrap_or(Score::MAX),
            triage_usd,
        }
    }

    pub fn contains(&self, score: Score) -> bool {
        self.min_score <= score && score <= self.max_score
    }

    /// The seed formula, exact: `ceil((min$·d + (s − minS)·(max$ − min$)) / (10·d)) · 10` with
    /// `d = maxS − minS`. A one-point range (`d = 0`) pays `max$`. Clamped to the range's score
    /// band so a caller passing an outside score still gets a figure within the range.
    /// Rounding up to $10 never pays more than the range's maximum (an admin may set a
    /// maximum that is not a multiple of $10).
    pub fn amount_for(&self, score: Score) -> u64 {
        let s = score.clamp(self.min_score, self.max_score);
        let d = u64::from(self.max_score.tenths() - self.min_score.tenths());
        if d == 0 {
            return self.max_usd;
        }
        let exact_num = self.min_usd * d
            + u64::from(s.tenths() - self.min_score.tenths())
                * self.max_usd.saturating_sub(self.min_usd);
        (exact_num.div_ceil(10 * d) * 10).min(self.max_usd)
    }
}

/// The admin-editable program table. Used only after [`BountyTable::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BountyTable {
    pub ranges: Vec<BountyRange>,
}

/// What the calculator suggests for a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BountySuggestion {
    pub severity: Severity,
    pub amount_usd: u64,
}

impl BountyTable {
    /// The seed PSIRT's current ("new") ranges.
    pub fn seed() -> Self {
        Self {
            ranges: vec![
                BountyRange::new(Severity::S1, (20_000, 35_000), 90, 100, 1_000),
                BountyRange::new(Severity::S2, (5_000, 15_000), 70, 89, 1_000),
                BountyRange::new(Severity::S3, (1_000, 2_500), 40, 69, 500),
                BountyRange::new(Severity::S4, (100, 750), 1, 39, 0),
            ],
        }
    }

    /// The seed PSIRT's former ("old") ranges, kept for re-computing historic awards.
    pub fn seed_old() -> Self {
        Self {
            ranges: vec![
                BountyRange::new(Severity::S1, (10_000, 20_000), 90, 100, 1_000),
                BountyRange::new(Severity::S2, (3_000, 10_000), 70, 89, 1_000),
                BountyRange::new(Severity::S3, (500, 1_500), 40, 69, 500),
                BountyRange::new(Severity::S4, (50, 500), 1, 39, 0),
            ],
        }
    }

    /// Rules: at least one range; one range per severity; `triage$ ≤ min$ ≤ max$`;
    /// `minScore ≤ maxScore`;
    /// score bands do not overlap (a score must map to one amount). Gaps are allowed: a score in
    /// no band (e.g. 0.0) earns no suggestion.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        if self.ranges.is_empty() {
            errors.push(FieldError::new("ranges", "at least one range is required"));
        }
        for (i, r) in self.ranges.iter().enumerate() {
            let f = |name: &str| format!("ranges[{i}].{name}");
            if r.min_usd > r.max_usd {
                errors.push(FieldError::new(f("min_usd"), "must not exceed max_usd"));
            }
            if r.triage_usd > r.min_usd {
                errors.push(FieldError::new(f("triage_usd"), "must not exceed min_usd"));
            }
            if r.min_score > r.max_score {
                errors.push(FieldError::new(f("min_score"), "must not exceed max_score"));
            }
            for (j, other) in self.ranges.iter().enumerate().take(i) {
                if other.severity == r.severity {
                    errors.push(FieldError::new(
                        f("severity"),
                        format!("{} already has a range (ranges[{j}])", r.severity),
                    ));
                }
                if r.min_score <= other.max_score && other.min_score <= r.max_score {
                    errors.push(FieldError::new(
                        f("min_score"),
                        format!(
                            "{}–{} overlaps ranges[{j}] ({}–{})",
                            r.min_score, r.max_score, other.min_score, other.max_score
                        ),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    pub fn range_for(&self, score: Score) -> Option<&BountyRange> {
        self.ranges.iter().find(|r| r.contains(score))
    }

    /// The suggested amount for a CVSS 3.1 base score; `None` when no band covers it.
    pub fn suggest(&self, score: Score) -> Option<BountySuggestion> {
        self.range_for(score).map(|r| BountySuggestion {
            severity: r.severity,
            amount_usd: r.amount_for(score),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwardStatus {
    Proposed,
    Approved,
    Paid,
    Cancelled,
}
named_enum!(AwardStatus, "award status" {
    Proposed => "proposed", Approved => "approved", Paid => "paid", Cancelled => "cancelled",
});

/// The bounty for one report. Four-eyes rule: the approver must differ from the proposer (the
/// seed PSIRT routes every award through its Bug Bounty Council; one person alone never both
/// proposes and approves money).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BountyAward {
    pub report_id: String,
    /// The calculator's figure at proposal time, kept to show deviations.
    pub suggested_usd: Option<u64>,
    pub amount_usd: u64,
    pub bonus_usd: u64,
    pub status: AwardStatus,
    pub proposed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub proposed_at: OffsetDateTime,
    pub approved_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
    pub note: String,
}

/// A requested change of an award.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwardAction {
    /// Change amount, bonus or note: only while proposed (an approval covers a figure).
    Amend {
        amount_usd: u64,
        bonus_usd: u64,
        note: String,
    },
    Approve {
        by: String,
        at: OffsetDateTime,
    },
    Pay {
        at: OffsetDateTime,
    },
    Cancel {
        note: String,
    },
}

impl BountyAward {
    /// A new proposal; the amount defaults to the suggestion for `score` when `amount_usd` is
    /// `None`. Fails when neither gives a figure.
    pub fn propose(
        report_id: impl Into<String>,
        table: &BountyTable,
        score: Option<Score>,
        amount_usd: Option<u64>,
        proposed_by: impl Into<String>,
        at: OffsetDateTime,
    ) -> Result<Self, DomainError> {
        let suggested_usd = score.and_then(|s| table.suggest(s)).map(|s| s.amount_usd);
        let amount_usd = amount_usd
            .or(suggested_usd)
            .ok_or(DomainError::NotAllowed {
                action: "propose a bounty",
                reason: "no amount given and no range covers the score",
            })?;
        let proposed_by = proposed_by.into();
        if proposed_by.trim().is_empty() {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "proposed_by",
                "is required",
            )]));
        }
        Ok(Self {
            report_id: report_id.into(),
            suggested_usd,
            amount_usd,
            bonus_usd: 0,
            status: AwardStatus::Proposed,
            proposed_by,
            proposed_at: at,
            approved_by: None,
            approved_at: None,
            paid_at: None,
            note: String::new(),
        })
    }

    pub fn total_usd(&self) -> u64 {
        self.amount_usd + self.bonus_usd
    }

    /// Pure transition: returns the award after `action`, or why not.
    pub fn apply(&self, action: AwardAction) -> Result<Self, DomainError> {
        let mut next = self.clone();
        let refuse = |action, reason| Err(DomainError::NotAllowed { action, reason });
        match (self.status, action) {
            (
                AwardStatus::Proposed,
                AwardAction::Amend {
                    amount_usd,
                    bonus_usd,
                    note,
                },
            ) => {
                next.amount_usd = amount_usd;
                next.bonus_usd = bonus_usd;
                next.note = note;
            }
            (_, AwardAction::Amend { .. }) => {
                return refuse("amend a bounty", "only a proposed award can change")
            }
            (AwardStatus::Proposed, AwardAction::Approve { by, at }) => {
                if by.trim().is_empty() {
                    return refuse("approve a bounty", "the approver is required");
                }
                if by == self.proposed_by {
                    return refuse(
                        "approve a bounty",
                        "the approver must differ from the proposer",
                    );
                }
                if at < self.proposed_at {
                    return refuse("approve a bounty", "approval precedes the proposal");
                }
                if self.total_usd() == 0 {
                    return refuse("approve a bounty", "the award is $0");
                }
                next.status = AwardStatus::Approved;
                next.approved_by = Some(by);
                next.approved_at = Some(at);
            }
            (_, AwardAction::Approve { .. }) => {
                return refuse("approve a bounty", "only a proposed award can be approved")
            }
            (AwardStatus::Approved, AwardAction::Pay { at }) => {
                if self.approved_at.is_some_and(|a| at < a) {
                    return refuse("pay a bounty", "payment precedes the approval");
                }
                next.status = AwardStatus::Paid;
                next.paid_at = Some(at);
            }
            (_, AwardAction::Pay { .. }) => {
                return refuse("pay a bounty", "only an approved award can be paid")
            }
            (AwardStatus::Proposed | AwardStatus::Approved, AwardAction::Cancel { note }) => {
                next.status = AwardStatus::Cancelled;
                next.note = note;
            }
            (_, AwardAction::Cancel { .. }) => {
                return refuse("cancel a bounty", "a paid or cancelled award is final")
            }
        }
        Ok(next)
    }
}

/// Money per award status (amount + bonus); cancelled awards count nowhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AwardTotals {
    pub proposed_usd: u64,
    pub approved_usd: u64,
    pub paid_usd: u64,
    pub paid_count: u64,
}

pub fn award_totals<'a>(awards: impl IntoIterator<Item = &'a BountyAward>) -> AwardTotals {
    let mut t = AwardTotals::default();
    for a in awards {
        match a.status {
            AwardStatus::Proposed => t.proposed_usd += a.total_usd(),
            AwardStatus::Approved => t.approved_usd += a.total_usd(),
            AwardStatus::Paid => {
                t.paid_usd += a.total_usd();
                t.paid_count += 1;
            }
            AwardStatus::Cancelled => {}
        }
    }
    t
}

#[cfg(test)]
#[path = "bounty_tests.rs"]
mod tests;
