//! Security patch release planning: which version lines get a backport, whether a planned
//! date misses the SLA of the cases it fixes, and the release notes drafted from those cases.
//!
//! Seed PSIRT (STANDARDS.md §2): fixes are backported to the current and the previous two
//! minor versions; "remediated" means a fix is released, so a release planned after a case's
//! remediation due date breaches that SLA.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, OffsetDateTime};

use crate::{DomainError, FieldError, Severity};

/// A maintained version line, `major.minor`. JSON: `"16.9"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionLine {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for VersionLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for VersionLine {
    type Err = DomainError;

    /// `16.9`, `v16.9` or `16.9.3` (the patch is dropped: a line is `major.minor`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DomainError::UnknownValue {
            kind: "version line",
            value: s.to_owned(),
        };
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let num = |p: Option<&str>| -> Result<u32, DomainError> {
            p.filter(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|x| x.parse().ok())
                .ok_or_else(bad)
        };
        let major = num(parts.next())?;
        let minor = num(parts.next())?;
        match parts.next() {
            None => {}
            Some(patch) => {
                num(Some(patch))?;
            }
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self { major, minor })
    }
}

impl Serialize for VersionLine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VersionLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(|e: DomainError| serde::de::Error::custom(e.to_string()))
    }
}

/// Admin setting: how many minors before the current one receive backports (seed: 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BackportPolicy {
    pub previous_minors: u8,
}

impl Default for BackportPolicy {
    fn default() -> Self {
        Self { previous_minors: 2 }
    }
}

/// The lines that get the fix, newest first: the newest maintained line and the
/// `previous_minors` maintained lines below it. Counting in the maintained list (not by
/// arithmetic on `minor`) carries across a major boundary: after 17.0 come 16.11 and 16.10.
pub fn backport_targets(maintained: &[VersionLine], policy: &BackportPolicy) -> Vec<VersionLine> {
    let mut lines = maintained.to_vec();
    lines.sort_unstable_by(|a, b| b.cmp(a));
    lines.dedup();
    lines.truncate(usize::from(policy.previous_minors) + 1);
    lines
}

/// [`backport_targets`] restricted to the lines a case affects (`None`: unknown, all targets).
pub fn backport_targets_for(
    maintained: &[VersionLine],
    policy: &BackportPolicy,
    affected: Option<&[VersionLine]>,
) -> Vec<VersionLine> {
    backport_targets(maintained, policy)
        .into_iter()
        .filter(|l| affected.is_none_or(|a| a.contains(l)))
        .collect()
}

/// The seed's planned patch releases around one monthly release: the Wednesdays of the weeks
/// before and after the (Monday-based) week of `monthly_release`.
pub fn planned_patch_dates(monthly_release: Date) -> [Date; 2] {
    let monday = monthly_release
        - time::Duration::days(i64::from(
            monthly_release.weekday().number_days_from_monday(),
        ));
    [
        monday - time::Duration::days(5),
        monday + time::Duration::days(9),
    ]
}

/// A case a release fixes, with what the notes and the SLA check need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PlannedFix {
    pub case_id: String,
    pub title: String,
    #[serde(default)]
    pub cve_ids: Vec<String>,
    pub severity: Option<Severity>,
    /// The remediation clock's due time, if one runs.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sla_due: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReleasePlan {
    pub product: String,
    pub version_line: VersionLine,
    #[serde(with = "crate::iso_date")]
    pub planned_date: Date,
    pub fixes: Vec<PlannedFix>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlanWarning {
    /// The plan ships after the case's remediation due date (UTC days).
    LateForSla {
        case_id: String,
        #[serde(with = "crate::iso_date")]
        due: Date,
        days_late: i64,
    },
    /// A case is in the plan twice.
    DuplicateCase { case_id: String },
}

fn severity_label(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::S1) => "Critical",
        Some(Severity::S2) => "High",
        Some(Severity::S3) => "Medium",
        Some(Severity::S4) => "Low",
        None => "Unrated",
    }
}

/// Cells of a Markdown table must not break it: pipes escaped, lines joined.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

impl ReleasePlan {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        if self.product.trim().is_empty() {
            errors.push(FieldError::new("product", "is required"));
        }
        for (i, f) in self.fixes.iter().enumerate() {
            if f.case_id.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("fixes[{i}].case_id"),
                    "is required",
                ));
            }
            if f.title.trim().is_empty() {
                errors.push(FieldError::new(format!("fixes[{i}].title"), "is required"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    /// Problems with the plan, in fix order. Due dates compare in UTC days: a release on the
    /// due day is on time.
    pub fn warnings(&self) -> Vec<PlanWarning> {
        let mut out = Vec::new();
        for (i, f) in self.fixes.iter().enumerate() {
            if self.fixes[..i].iter().any(|g| g.case_id == f.case_id) {
                out.push(PlanWarning::DuplicateCase {
                    case_id: f.case_id.clone(),
                });
                continue;
            }
            if let Some(due) = f.sla_due {
                let due = due.to_offset(time::UtcOffset::UTC).date();
                if self.planned_date > due {
                    out.push(PlanWarning::LateForSla {
                        case_id: f.case_id.clone(),
                        due,
                        days_late: (self.planned_date - due).whole_days(),
                    });
                }
            }
        }
        out
    }

    /// The latest date that meets every fix's SLA (the earliest due date), if any has one.
    pub fn latest_on_time_date(&self) -> Option<Date> {
        self.fixes
            .iter()
            .filter_map(|f| f.sla_due)
            .map(|d| d.to_offset(time::UtcOffset::UTC).date())
            .min()
    }

    /// Draft release notes, Markdown. Fixes by severity (critical first, unrated last), then
    /// case id; CVE ids sorted. Deterministic so a re-draft diffs cleanly.
    pub fn release_notes(&self) -> String {
        let mut fixes: Vec<&PlannedFix> = self.fixes.iter().collect();
        fixes.sort_by(|a, b| {
            let rank = |f: &PlannedFix| f.severity.map_or(u8::MAX, |s| s as u8);
            rank(a)
                .cmp(&rank(b))
                .then_with(|| a.case_id.cmp(&b.case_id))
        });
        fixes.dedup_by(|a, b| a.case_id == b.case_id);
        let mut s = format!(
            "# Security release: {} {}\n\nRelease date: {}\n\n",
            cell(&self.product),
            self.version_line,
            self.planned_date
        );
        if fixes.is_empty() {
            s.push_str("No security fixes.\n");
            return s;
        }
        s.push_str("| Title | CVE | Severity |\n|---|---|---|\n");
        for f in fixes {
            let mut cves: Vec<&str> = f.cve_ids.iter().map(|c| c.trim()).collect();
            cves.sort_unstable();
            cves.dedup();
            let cves = if cves.is_empty() {
                "–".to_owned()
            } else {
                cell(&cves.join(", "))
            };
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&f.title),
                cves,
                severity_label(f.severity)
            ));
        }
        s
    }
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;
