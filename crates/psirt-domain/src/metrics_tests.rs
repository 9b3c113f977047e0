use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-04-01 00:00 UTC);

fn out(kind: ClockKind, met: bool) -> ClockOutcome {
    ClockOutcome { kind, met }
}

fn base(channel: ReportChannel, received_at: OffsetDateTime) -> CaseMetricFacts {
    CaseMetricFacts {
        product: Some("GitLab".into()),
        channel,
        severity: None,
        received_at,
        acknowledged_at: None,
        triaged_at: None,
        remediated_at: None,
        closed_at: None,
        cwe_ids: vec![],
        bounty_paid_usd: 0,
        clock_outcomes: vec![],
    }
}

/// Five cases; the expected figures in the tests below are worked out by hand from these.
fn facts() -> Vec<CaseMetricFacts> {
    use ClockKind::*;
    let t1 = datetime!(2026-03-02 10:00 UTC); // Monday, 2026-W10
    let t2 = datetime!(2026-03-04 00:00 UTC); // 2026-W10
    let t3 = datetime!(2026-02-20 12:00 UTC); // 2026-W08
    let t4 = datetime!(2026-03-30 00:00 UTC); // 2026-W14
    let t5 = datetime!(2025-12-01 00:00 UTC); // 2025-W49
    vec![
        CaseMetricFacts {
            severity: Some(Severity::S1),
            acknowledged_at: Some(t1 + Duration::hours(2)),
            triaged_at: Some(t1 + Duration::hours(10)),
            remediated_at: Some(t1 + Duration::days(5)),
            closed_at: Some(datetime!(2026-03-10 00:00 UTC)),
            cwe_ids: vec![79],
            bounty_paid_usd: 20_000,
            clock_outcomes: vec![
                out(Acknowledge, true),
                out(Mitigate, true),
                out(Remediate, true),
            ],
            ..base(ReportChannel::Web, t1)
        },
        CaseMetricFacts {
            severity: Some(Severity::S1),
            acknowledged_at: Some(t2 + Duration::hours(4)),
            triaged_at: Some(t2 + Duration::days(1)),
            cwe_ids: vec![79, 352, 79],
            clock_outcomes: vec![out(Acknowledge, false), out(Mitigate, false)],
            ..base(ReportChannel::BountyPlatform, t2)
        },
        CaseMetricFacts {
            severity: Some(Severity::S2),
            acknowledged_at: Some(t3 + Duration::hours(1)),
            triaged_at: Some(t3 + Duration::days(2)),
            remediated_at: Some(t3 + Duration::days(20)),
            closed_at: Some(datetime!(2026-03-20 00:00 UTC)),
            cwe_ids: vec![89],
            bounty_paid_usd: 7_640,
            clock_outcomes: vec![
                out(Acknowledge, true),
                out(Triage, true),
                out(Remediate, true),
            ],
            ..base(ReportChannel::BountyPlatform, t3)
        },
        CaseMetricFacts {
            product: Some("Runner".into()),
            ..base(ReportChannel::Email, t4)
        },
        CaseMetricFacts {
            severity: Some(Severity::S3),
            acknowledged_at: Some(t5 + Duration::hours(24)),
            cwe_ids: vec![79],
            clock_outcomes: vec![out(Acknowledge, true), out(Remediate, false)],
            ..base(ReportChannel::Web, t5)
        },
    ]
}

fn cc(period: &str, channel: ReportChannel, count: u64) -> ChannelCount {
    ChannelCount {
        period: period.into(),
        channel,
        count,
    }
}

fn md(mean_seconds: i64, count: u64) -> Option<MeanDuration> {
    Some(MeanDuration {
        mean_seconds,
        count,
    })
}

#[test]
fn reports_per_channel_by_month_and_week() {
    use ReportChannel::*;
    let all = MetricsFilter::default();
    assert_eq!(
        reports_per_channel(&facts(), &all, PeriodBucket::Month),
        [
            cc("2025-12", Web, 1),
            cc("2026-02", BountyPlatform, 1),
            cc("2026-03", BountyPlatform, 1),
            cc("2026-03", Email, 1),
            cc("2026-03", Web, 1),
        ]
    );
    assert_eq!(
        reports_per_channel(&facts(), &all, PeriodBucket::Week),
        [
            cc("2025-W49", Web, 1),
            cc("2026-W08", BountyPlatform, 1),
            cc("2026-W10", BountyPlatform, 1),
            cc("2026-W10", Web, 1),
            cc("2026-W14", Email, 1),
        ]
    );
}

#[test]
fn open_cases_by_severity_then_age() {
    // f2 S1 28 days old; f5 S3 121 days; f4 unrated 2 days (unrated sorts last).
    assert_eq!(
        open_cases(&facts(), &MetricsFilter::default(), NOW),
        [
            OpenCount {
                severity: Some(Severity::S1),
                age: AgeBucket::Month,
                count: 1
            },
            OpenCount {
                severity: Some(Severity::S3),
                age: AgeBucket::Older,
                count: 1
            },
            OpenCount {
                severity: None,
                age: AgeBucket::Week,
                count: 1
            },
        ]
    );
    assert_eq!(AgeBucket::of(Duration::days(7)), AgeBucket::Month);
    assert_eq!(AgeBucket::of(Duration::days(90)), AgeBucket::Older);
}

#[test]
fn mean_times_per_severity() {
    let m = mean_times(&facts(), &MetricsFilter::default());
    // S1: ack (2 h + 4 h)/2 = 3 h; triage (10 h + 24 h)/2 = 17 h; remediate 5 d (one case).
    assert_eq!(
        m[0],
        MeanTimes {
            severity: Some(Severity::S1),
            acknowledge: md(10_800, 2),
            triage: md(61_200, 2),
            remediate: md(432_000, 1),
        }
    );
    assert_eq!(m[1].triage, md(172_800, 1));
    assert_eq!(m[1].remediate, md(1_728_000, 1));
    assert_eq!(m[2].acknowledge, md(86_400, 1));
    assert_eq!(m[2].remediate, None);
    assert_eq!(
        m[3],
        MeanTimes {
            severity: None,
            acknowledge: None,
            triage: None,
            remediate: None
        }
    );
    assert_eq!(m.len(), 4);
}

#[test]
fn sla_compliance_per_clock_kind() {
    let s = sla_compliance(&facts(), &MetricsFilter::default());
    let row = |kind, met, breached, percent| SlaCompliance {
        kind,
        met,
        breached,
        percent: Some(percent),
    };
    assert_eq!(
        s,
        [
            row(ClockKind::Acknowledge, 3, 1, 75.0),
            row(ClockKind::Triage, 1, 0, 100.0),
            row(ClockKind::Mitigate, 1, 1, 50.0),
            // 2/3 = 66.67 → 66.7
            row(ClockKind::Remediate, 2, 1, 66.7),
        ]
    );
}

#[test]
fn top_cwes_and_bounty_spend() {
    let all = MetricsFilter::default();
    // 79 in f1, f2 (twice, counted once), f5 = 3; 89 and 352 once each, tie by id.
    assert_eq!(
        top_cwes(&facts(), &all, 2),
        [
            CweCount {
                cwe_id: 79,
                count: 3
            },
            CweCount {
                cwe_id: 89,
                count: 1
            }
        ]
    );
    assert_eq!(
        bounty_spend(&facts(), &all),
        BountySpend {
            total_usd: 27_640,
            cases: 2,
            by_severity: vec![(Some(Severity::S1), 20_000), (Some(Severity::S2), 7_640)],
        }
    );
}

#[test]
fn filter_by_product_and_period() {
    let march_gitlab = MetricsFilter {
        product: Some("gitlab".into()),
        from: Some(datetime!(2026-03-01 00:00 UTC)),
        until: Some(datetime!(2026-04-01 00:00 UTC)),
    };
    let page = metrics_page(&facts(), &march_gitlab, PeriodBucket::Week, NOW, 5);
    assert_eq!(
        page.reports_per_channel,
        [
            cc("2026-W10", ReportChannel::BountyPlatform, 1),
            cc("2026-W10", ReportChannel::Web, 1),
        ]
    );
    assert_eq!(page.bounty_spend.total_usd, 20_000);
    assert_eq!(page.top_cwes.len(), 2);
    assert_eq!(page.open_cases.len(), 1);
    // `until` is exclusive.
    let upto = MetricsFilter {
        until: Some(datetime!(2026-03-02 10:00 UTC)),
        ..MetricsFilter::default()
    };
    assert_eq!(
        reports_per_channel(&facts(), &upto, PeriodBucket::Month).len(),
        2
    );
    let json = serde_json::to_value(&page).unwrap();
    assert_eq!(json["reports_per_channel"][0]["channel"], "bounty_platform");
    assert!(
        metrics_page(&[], &MetricsFilter::default(), PeriodBucket::Month, NOW, 5)
            .sla_compliance
            .is_empty()
    );
}
