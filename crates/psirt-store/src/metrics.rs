//! Facts for the metrics page (pure aggregation is `psirt_domain::metrics`) and the
//! operational gauges of `/metrics`. Only counts and times leave here: no titles, no text.

use std::collections::HashMap;

use psirt_domain::deadline::DeadlineClock;
use psirt_domain::metrics::{CaseMetricFacts, ClockOutcome};
use psirt_domain::{ClockKind, ReportChannel, Severity};
use time::OffsetDateTime;

use crate::{Result, Store, StoreError};

/// Operational gauges for Prometheus.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    pub cases_open: i64,
    pub reports_new: i64,
    pub outbox_pending: i64,
    pub outbox_dead: i64,
    /// Seconds the oldest due message has waited (worker lag).
    pub outbox_lag_seconds: f64,
    /// Seconds since each feed source last synced successfully (`None`: never).
    pub feed_sync_age_seconds: Vec<(String, Option<f64>)>,
    pub intel_records: i64,
    pub matches_new: i64,
}

impl Store {
    /// One fact per case, plus one per report that never became a case.
    pub async fn metric_facts(&self) -> Result<Vec<CaseMetricFacts>> {
        type CaseRow = (i64, Option<String>, String, OffsetDateTime, OffsetDateTime);
        let cases: Vec<CaseRow> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, severity, state, created_at, updated_at FROM cases ORDER BY id")
                .fetch_all(p).await?
        });
        let reports: Vec<(Option<i64>, String, OffsetDateTime, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT case_id, channel, received_at, status FROM reports ORDER BY id")
                .fetch_all(p).await?
        });
        let products: Vec<(i64, String)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT a.case_id, MIN(pr.name) FROM affects a JOIN product_versions pv ON pv.id = a.product_version_id \
                 JOIN products pr ON pr.id = pv.product_id GROUP BY a.case_id",
            )
            .fetch_all(p).await?
        });
        let cwes: Vec<(i64, i64)> = with_pool!(self, p => {
            sqlx::query_as("SELECT case_id, cwe_id FROM case_cwes ORDER BY case_id, cwe_id").fetch_all(p).await?
        });
        let clocks: Vec<(i64, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT case_id, clock FROM case_clocks ORDER BY id").fetch_all(p).await?
        });
        let paid: Vec<(i64, i64)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT r.case_id, CAST(SUM(a.total_usd) AS BIGINT) FROM bounty_awards a JOIN reports r ON r.id = a.report_id \
                 WHERE a.status = 'paid' AND r.case_id IS NOT NULL GROUP BY r.case_id",
            )
            .fetch_all(p).await?
        });
        let paid: HashMap<i64, u64> = paid
            .into_iter()
            .map(|(c, usd)| (c, u64::try_from(usd).unwrap_or(0)))
            .collect();
        let products: HashMap<i64, String> = products.into_iter().collect();
        let mut cwe_map: HashMap<i64, Vec<u32>> = HashMap::new();
        for (case, cwe) in cwes {
            cwe_map
                .entry(case)
                .or_default()
                .extend(u32::try_from(cwe).ok());
        }
        let mut clock_map: HashMap<i64, Vec<DeadlineClock>> = HashMap::new();
        for (case, json) in clocks {
            let c: DeadlineClock = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("clock of case {case}: {e}")))?;
            clock_map.entry(case).or_default().push(c);
        }
        let mut first_report: HashMap<i64, (ReportChannel, OffsetDateTime)> = HashMap::new();
        let mut facts = Vec::new();
        for (case_id, channel, received_at, status) in reports {
            let channel: ReportChannel = channel.parse().unwrap_or(ReportChannel::Web);
            match case_id {
                Some(c) => {
                    let e = first_report.entry(c).or_insert((channel, received_at));
                    if received_at < e.1 {
                        *e = (channel, received_at);
                    }
                }
                None => facts.push(CaseMetricFacts {
                    product: None,
                    channel,
                    severity: None,
                    received_at,
                    acknowledged_at: None,
                    triaged_at: None,
                    remediated_at: None,
                    closed_at: (status != "new").then_some(received_at),
                    cwe_ids: Vec::new(),
                    bounty_paid_usd: 0,
                    clock_outcomes: Vec::new(),
                }),
            }
        }
        for (id, severity, state, created_at, updated_at) in cases {
            let clocks = clock_map.remove(&id).unwrap_or_default();
            let completed = |k: ClockKind| {
                clocks
                    .iter()
                    .find(|c| c.kind() == k)
                    .and_then(DeadlineClock::completed_at)
            };
            let (channel, received_at) = first_report
                .get(&id)
                .copied()
                .unwrap_or((ReportChannel::Internal, created_at));
            facts.push(CaseMetricFacts {
                product: products.get(&id).cloned(),
                channel,
                severity: severity.and_then(|s| s.parse::<Severity>().ok()),
                received_at,
                acknowledged_at: completed(ClockKind::Acknowledge),
                triaged_at: completed(ClockKind::Triage),
                remediated_at: completed(ClockKind::Remediate),
                closed_at: matches!(state.as_str(), "closed" | "rejected").then_some(updated_at),
                cwe_ids: cwe_map.remove(&id).unwrap_or_default(),
                bounty_paid_usd: paid.get(&id).copied().unwrap_or(0),
                clock_outcomes: clocks
                    .iter()
                    .filter_map(|c| {
                        let done = c.completed_at()?;
                        Some(ClockOutcome {
                            kind: c.kind(),
                            met: done <= c.due_at(),
                        })
                    })
                    .chain(
                        clocks
                            .iter()
                            .filter(|c| {
                                c.completed_at().is_none()
                                    && c.cancelled_at().is_none()
                                    && c.due_at() < self.now()
                            })
                            .map(|c| ClockOutcome {
                                kind: c.kind(),
                                met: false,
                            }),
                    )
                    .collect(),
            });
        }
        Ok(facts)
    }

    pub async fn gauges(&self) -> Result<Gauges> {
        let now = self.now();
        let (outbox_pending, oldest) = self.outbox_depth().await?;
        let count = |sql: &'static str| async move {
            Ok::<i64, StoreError>(
                with_pool!(self, p => sqlx::query_scalar(sql).fetch_one(p).await?),
            )
        };
        let feeds = self.feed_sources().await?;
        Ok(Gauges {
            cases_open: count(
                "SELECT COUNT(*) FROM cases WHERE state NOT IN ('closed', 'rejected')",
            )
            .await?,
            reports_new: count("SELECT COUNT(*) FROM reports WHERE status = 'new'").await?,
            outbox_pending,
            outbox_dead: count("SELECT COUNT(*) FROM outbox WHERE status = 'dead'").await?,
            outbox_lag_seconds: oldest.map_or(0.0, |t| (now - t).as_seconds_f64().max(0.0)),
            feed_sync_age_seconds: feeds
                .iter()
                .map(|f| {
                    (
                        format!("{}:{}", f.kind, f.id),
                        f.last_success_at.map(|t| (now - t).as_seconds_f64()),
                    )
                })
                .collect(),
            intel_records: count("SELECT COUNT(*) FROM intel_records").await?,
            matches_new: count("SELECT COUNT(*) FROM matches WHERE active AND status = 'new'")
                .await?,
        })
    }
}
