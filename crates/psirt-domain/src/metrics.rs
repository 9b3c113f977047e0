//! Figures for the metrics page, aggregated from facts the store extracts per case (or per
//! report not yet a case). Pure: `now` is a parameter; every list comes back in a fixed order.
//!
//! Periods are UTC calendar months (`2026-03`) or ISO weeks (`2026-W09`). Means are integer
//! seconds (floor) so two runs render the same figure; percentages are rounded to 0.1.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::deadline::ClockKind;
use crate::report::ReportChannel;
use crate::Severity;

/// How a clock ended: met its due time or breached it. Running clocks are not outcomes yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ClockOutcome {
    pub kind: ClockKind,
    pub met: bool,
}

/// One case (or report) as the metrics see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CaseMetricFacts {
    pub product: Option<String>,
    pub channel: ReportChannel,
    pub severity: Option<Severity>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub triaged_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub remediated_at: Option<OffsetDateTime>,
    /// Closed or rejected; `None` while open.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub cwe_ids: Vec<u32>,
    /// Bounty paid for the case's reports.
    #[serde(default)]
    pub bounty_paid_usd: u64,
    #[serde(default)]
    pub clock_outcomes: Vec<ClockOutcome>,
}

/// Which facts count: a product (case-insensitive) and a `[from, until)` window on
/// `received_at`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MetricsFilter {
    pub product: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
}

impl MetricsFilter {
    pub fn matches(&self, f: &CaseMetricFacts) -> bool {
        let product_ok = self.product.as_deref().is_none_or(|p| {
            f.product
                .as_deref()
                .is_some_and(|fp| fp.trim().eq_ignore_ascii_case(p.trim()))
        });
        product_ok
            && self.from.is_none_or(|from| f.received_at >= from)
            && self.until.is_none_or(|until| f.received_at < until)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodBucket {
    Month,
    Week,
}

impl PeriodBucket {
    /// The UTC period `t` falls in.
    pub fn key(self, t: OffsetDateTime) -> String {
        let d = t.to_offset(time::UtcOffset::UTC).date();
        match self {
            PeriodBucket::Month => format!("{:04}-{:02}", d.year(), u8::from(d.month())),
            PeriodBucket::Week => {
                let (y, w, _) = d.to_iso_week_date();
                format!("{y:04}-W{w:02}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ChannelCount {
    pub period: String,
    pub channel: ReportChannel,
    pub count: u64,
}

/// Age of an open case since it was received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBucket {
    /// Under 7 days.
    Week,
    /// 7 to under 30 days.
    Month,
    /// 30 to under 90 days.
    Quarter,
    /// 90 days or more.
    Older,
}

impl AgeBucket {
    pub fn of(age: Duration) -> Self {
        match age.whole_days() {
            d if d < 7 => AgeBucket::Week,
            d if d < 30 => AgeBucket::Month,
            d if d < 90 => AgeBucket::Quarter,
            _ => AgeBucket::Older,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct OpenCount {
    /// `None`: not yet rated.
    pub severity: Option<Severity>,
    pub age: AgeBucket,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MeanDuration {
    pub mean_seconds: i64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MeanTimes {
    pub severity: Option<Severity>,
    pub acknowledge: Option<MeanDuration>,
    pub triage: Option<MeanDuration>,
    pub remediate: Option<MeanDuration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SlaCompliance {
    pub kind: ClockKind,
    pub met: u64,
    pub breached: u64,
    /// `met / (met + breached)` in percent, one decimal; `None` without outcomes.
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CweCount {
    pub cwe_id: u32,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BountySpend {
    pub total_usd: u64,
    /// Cases with any bounty paid.
    pub cases: u64,
    pub by_severity: Vec<(Option<Severity>, u64)>,
}

/// Everything the page shows, for one filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MetricsPage {
    pub reports_per_channel: Vec<ChannelCount>,
    pub open_cases: Vec<OpenCount>,
    pub mean_times: Vec<MeanTimes>,
    pub sla_compliance: Vec<SlaCompliance>,
    pub top_cwes: Vec<CweCount>,
    pub bounty_spend: BountySpend,
}

fn filtered<'a>(
    facts: &'a [CaseMetricFacts],
    filter: &'a MetricsFilter,
) -> impl Iterator<Item = &'a CaseMetricFacts> + 'a {
    facts.iter().filter(move |f| filter.matches(f))
}

pub fn reports_per_channel(
    facts: &[CaseMetricFacts],
    filter: &MetricsFilter,
    bucket: PeriodBucket,
) -> Vec<ChannelCount> {
    let mut m: BTreeMap<(String, &'static str), (ReportChannel, u64)> = BTreeMap::new();
    for f in filtered(facts, filter) {
        let e = m
            .entry((bucket.key(f.received_at), f.channel.as_str()))
            .or_insert((f.channel, 0));
        e.1 += 1;
    }
    m.into_iter()
        .map(|((period, _), (channel, count))| ChannelCount {
            period,
            channel,
            count,
        })
        .collect()
}

/// Open cases by severity (S1 first, unrated last) and age at `now`.
pub fn open_cases(
    facts: &[CaseMetricFacts],
    filter: &MetricsFilter,
    now: OffsetDateTime,
) -> Vec<OpenCount> {
    let mut m: BTreeMap<(SeverityKey, AgeBucket), u64> = BTreeMap::new();
    for f in filtered(facts, filter).filter(|f| f.closed_at.is_none()) {
        let age = AgeBucket::of(now - f.received_at);
        *m.entry((SeverityKey(f.severity), age)).or_insert(0) += 1;
    }
    m.into_iter()
        .map(|((s, age), count)| OpenCount {
            severity: s.0,
            age,
            count,
        })
        .collect()
}

/// Orders rated severities first (S1..S4), unrated last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SeverityKey(Option<Severity>);

impl SeverityKey {
    fn rank(self) -> u8 {
        self.0.map_or(u8::MAX, |s| s as u8)
    }
}

impl Ord for SeverityKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for SeverityKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn by_severity<'a>(
    facts: impl Iterator<Item = &'a CaseMetricFacts>,
) -> BTreeMap<SeverityKey, Vec<&'a CaseMetricFacts>> {
    let mut m: BTreeMap<SeverityKey, Vec<&CaseMetricFacts>> = BTreeMap::new();
    for f in facts {
        m.entry(SeverityKey(f.severity)).or_default().push(f);
    }
    m
}

fn mean(spans: impl Iterator<Item = Duration>) -> Option<MeanDuration> {
    let (mut sum, mut count) = (0i64, 0u64);
    for d in spans {
        sum = sum.saturating_add(d.whole_seconds());
        count += 1;
    }
    let n = i64::try_from(count).ok().filter(|n| *n > 0)?;
    Some(MeanDuration {
        mean_seconds: sum.div_euclid(n),
        count,
    })
}

/// Mean time from receipt to acknowledgement, triage and remediation, per severity.
pub fn mean_times(facts: &[CaseMetricFacts], filter: &MetricsFilter) -> Vec<MeanTimes> {
    by_severity(filtered(facts, filter))
        .into_iter()
        .map(|(k, group)| {
            let span = |pick: fn(&CaseMetricFacts) -> Option<OffsetDateTime>| {
                mean(
                    group
                        .iter()
                        .filter_map(|f| pick(f).map(|t| t - f.received_at)),
                )
            };
            MeanTimes {
                severity: k.0,
                acknowledge: span(|f| f.acknowledged_at),
                triage: span(|f| f.triaged_at),
                remediate: span(|f| f.remediated_at),
            }
        })
        .collect()
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    // Integer tenths of a percent, rounded half up, so 2/3 is 66.7 on every platform.
    (whole > 0).then(|| ((part * 2000 + whole) / (2 * whole)) as f64 / 10.0)
}

pub fn sla_compliance(facts: &[CaseMetricFacts], filter: &MetricsFilter) -> Vec<SlaCompliance> {
    let mut m: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    for o in filtered(facts, filter).flat_map(|f| &f.clock_outcomes) {
        let idx = ClockKind::ALL
            .iter()
            .position(|k| *k == o.kind)
            .unwrap_or(0);
        let e = m.entry(idx).or_insert((0, 0));
        if o.met {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    m.into_iter()
        .filter_map(|(idx, (met, breached))| {
            ClockKind::ALL.get(idx).map(|kind| SlaCompliance {
                kind: *kind,
                met,
                breached,
                percent: percent(met, met + breached),
            })
        })
        .collect()
}

/// The `n` most frequent CWEs (a case counts once per CWE), ties by CWE id.
pub fn top_cwes(facts: &[CaseMetricFacts], filter: &MetricsFilter, n: usize) -> Vec<CweCount> {
    let mut m: BTreeMap<u32, u64> = BTreeMap::new();
    for f in filtered(facts, filter) {
        let mut ids = f.cwe_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            *m.entry(id).or_insert(0) += 1;
        }
    }
    let mut v: Vec<CweCount> = m
        .into_iter()
        .map(|(cwe_id, count)| CweCount { cwe_id, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.cwe_id.cmp(&b.cwe_id)));
    v.truncate(n);
    v
}

pub fn bounty_spend(facts: &[CaseMetricFacts], filter: &MetricsFilter) -> BountySpend {
    let paid: Vec<&CaseMetricFacts> = filtered(facts, filter)
        .filter(|f| f.bounty_paid_usd > 0)
        .collect();
    BountySpend {
        total_usd: paid.iter().map(|f| f.bounty_paid_usd).sum(),
        cases: paid.len() as u64,
        by_severity: by_severity(paid.into_iter())
            .into_iter()
            .map(|(k, g)| (k.0, g.iter().map(|f| f.bounty_paid_usd).sum()))
            .collect(),
    }
}

pub fn metrics_page(
    facts: &[CaseMetricFacts],
    filter: &MetricsFilter,
    bucket: PeriodBucket,
    now: OffsetDateTime,
    top_n: usize,
) -> MetricsPage {
    MetricsPage {
        reports_per_channel: reports_per_channel(facts, filter, bucket),
        open_cases: open_cases(facts, filter, now),
        mean_times: mean_times(facts, filter),
        sla_compliance: sla_compliance(facts, filter),
        top_cwes: top_cwes(facts, filter, top_n),
        bounty_spend: bounty_spend(facts, filter),
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
