//! Reporter profiles: how a reporter's past reports turned out, for triage (a reporter whose
//! reports are mostly valid goes up the queue; a flood of invalid ones does not) and for the
//! bounty page. Pure aggregation over facts the store extracts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::report::ReportStatus;
use crate::Severity;

/// One past report of a reporter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReporterReportFacts {
    /// Handle or e-mail; compared trimmed and case-insensitively.
    pub reporter: String,
    pub status: ReportStatus,
    /// The case severity, for linked reports.
    pub severity: Option<Severity>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// Bounty paid for this report (amount + bonus).
    #[serde(default)]
    pub awarded_usd: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ReporterProfile {
    /// The normalised key (trimmed, lowercase).
    pub reporter: String,
    pub total: u64,
    /// Linked to a case: a real finding.
    pub valid: u64,
    pub invalid: u64,
    pub duplicate: u64,
    pub out_of_scope: u64,
    pub informative: u64,
    /// Not decided yet.
    pub pending: u64,
    /// Valid reports by severity, S1 first.
    pub valid_by_severity: Vec<(Severity, u64)>,
    pub awarded_usd: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_report_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_report_at: Option<OffsetDateTime>,
    /// Valid share of decided reports in percent (one decimal); `None` before any decision.
    pub valid_percent: Option<f64>,
}

pub fn reporter_key(reporter: &str) -> String {
    reporter.trim().to_lowercase()
}

fn add(p: &mut ReporterProfile, f: &ReporterReportFacts, by_sev: &mut BTreeMap<Severity, u64>) {
    p.total += 1;
    match f.status {
        ReportStatus::New => p.pending += 1,
        ReportStatus::Linked => {
            p.valid += 1;
            if let Some(s) = f.severity {
                *by_sev.entry(s).or_insert(0) += 1;
            }
        }
        ReportStatus::Invalid => p.invalid += 1,
        ReportStatus::Duplicate => p.duplicate += 1,
        ReportStatus::OutOfScope => p.out_of_scope += 1,
        ReportStatus::Informative => p.informative += 1,
    }
    p.awarded_usd += f.awarded_usd;
    p.first_report_at = Some(
        p.first_report_at
            .map_or(f.received_at, |t| t.min(f.received_at)),
    );
    p.last_report_at = Some(
        p.last_report_at
            .map_or(f.received_at, |t| t.max(f.received_at)),
    );
}

fn finish(mut p: ReporterProfile, by_sev: BTreeMap<Severity, u64>) -> ReporterProfile {
    let decided = p.total - p.pending;
    // Integer tenths, rounded half up: the same figure on every platform.
    p.valid_percent =
        (decided > 0).then(|| ((p.valid * 2000 + decided) / (2 * decided)) as f64 / 10.0);
    p.valid_by_severity = by_sev.into_iter().collect();
    p
}

/// Profiles of every reporter in `facts`, ordered by key.
pub fn reporter_profiles(facts: &[ReporterReportFacts]) -> Vec<ReporterProfile> {
    let mut m: BTreeMap<String, (ReporterProfile, BTreeMap<Severity, u64>)> = BTreeMap::new();
    for f in facts {
        let key = reporter_key(&f.reporter);
        if key.is_empty() {
            continue;
        }
        let (p, by_sev) = m.entry(key.clone()).or_insert_with(|| {
            (
                ReporterProfile {
                    reporter: key,
                    ..ReporterProfile::default()
                },
                BTreeMap::new(),
            )
        });
        add(p, f, by_sev);
    }
    m.into_values().map(|(p, s)| finish(p, s)).collect()
}

/// One reporter's profile; an empty profile when they have no reports.
pub fn reporter_profile(facts: &[ReporterReportFacts], reporter: &str) -> ReporterProfile {
    let key = reporter_key(reporter);
    let mut p = ReporterProfile {
        reporter: key.clone(),
        ..ReporterProfile::default()
    };
    let mut by_sev = BTreeMap::new();
    for f in facts.iter().filter(|f| reporter_key(&f.reporter) == key) {
        add(&mut p, f, &mut by_sev);
    }
    finish(p, by_sev)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn f(reporter: &str, status: ReportStatus, day: u8, usd: u64) -> ReporterReportFacts {
        ReporterReportFacts {
            reporter: reporter.into(),
            status,
            severity: (status == ReportStatus::Linked).then_some(if usd > 5_000 {
                Severity::S1
            } else {
                Severity::S3
            }),
            received_at: datetime!(2026-03-01 00:00 UTC) + time::Duration::days(i64::from(day)),
            awarded_usd: usd,
        }
    }

    fn facts() -> Vec<ReporterReportFacts> {
        use ReportStatus::*;
        vec![
            f("Alice@example.org", Linked, 3, 20_000),
            f("alice@example.org ", Linked, 1, 1_680),
            f("alice@example.org", Duplicate, 5, 0),
            f("alice@example.org", New, 9, 0),
            f("bot", Invalid, 2, 0),
            f("bot", Invalid, 2, 0),
            f("bot", OutOfScope, 2, 0),
            f("bot", Informative, 2, 0),
            f("bot", Linked, 4, 100),
            f("  ", Invalid, 1, 0),
        ]
    }

    #[test]
    fn profile_counts_outcomes_and_money() {
        let p = reporter_profile(&facts(), "ALICE@example.org");
        assert_eq!(p.reporter, "alice@example.org");
        assert_eq!((p.total, p.valid, p.duplicate, p.pending), (4, 2, 1, 1));
        assert_eq!(p.awarded_usd, 21_680);
        // 2 valid of 3 decided = 66.67 → 66.7
        assert_eq!(p.valid_percent, Some(66.7));
        assert_eq!(p.valid_by_severity, [(Severity::S1, 1), (Severity::S3, 1)]);
        assert_eq!(p.first_report_at, Some(datetime!(2026-03-02 00:00 UTC)));
        assert_eq!(p.last_report_at, Some(datetime!(2026-03-10 00:00 UTC)));
    }

    #[test]
    fn all_profiles_by_key_and_empty_reporter() {
        let all = reporter_profiles(&facts());
        let keys: Vec<_> = all.iter().map(|p| p.reporter.as_str()).collect();
        assert_eq!(keys, ["alice@example.org", "bot"]);
        let bot = &all[1];
        assert_eq!(
            (bot.invalid, bot.out_of_scope, bot.informative, bot.valid),
            (2, 1, 1, 1)
        );
        // 1 of 5 = 20.0
        assert_eq!(bot.valid_percent, Some(20.0));
        assert_eq!(all[0], reporter_profile(&facts(), "alice@example.org"));
        let nobody = reporter_profile(&facts(), "carol");
        assert_eq!((nobody.total, nobody.valid_percent), (0, None));
        let json = serde_json::to_value(bot).unwrap();
        assert_eq!(json["out_of_scope"], 1);
    }
}
