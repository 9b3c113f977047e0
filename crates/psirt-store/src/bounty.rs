//! Bug bounty: the program table (admin-edited), awards per report (suggested from the case's
//! CVSS 3.1 score, proposed → approved → paid, four-eyes), reporter profiles and the public,
//! opt-in hall of fame.

use psirt_domain::bounty::{AwardAction, BountyAward, BountyTable};
use psirt_domain::reporter_history::{reporter_profiles, ReporterProfile, ReporterReportFacts};
use psirt_domain::score::Score;
use psirt_domain::{ReportStatus, Severity};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::{from_json, to_json, Actor, Result, Store, StoreError};

/// A stored award.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    pub id: i64,
    pub report_id: i64,
    #[serde(flatten)]
    pub award: BountyAward,
}

/// One hall-of-fame line: a reporter who asked to be credited by name, and their valid reports
/// on cases that are public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HallOfFameEntry {
    pub name: String,
    pub reports: i64,
}

fn parse_award(id: i64, report_id: i64, json: &str) -> Result<Award> {
    let award =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("award {id}: {e}")))?;
    Ok(Award {
        id,
        report_id,
        award,
    })
}

impl Store {
    pub async fn bounty_program(&self) -> Result<BountyTable> {
        let row: Option<String> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT program FROM bounty_program WHERE id = 1").fetch_optional(p).await?
        });
        match row {
            Some(json) => from_json("bounty program", &json),
            None => Ok(BountyTable::seed()),
        }
    }

    pub async fn set_bounty_program(
        &self,
        actor: &Actor,
        table: BountyTable,
    ) -> Result<BountyTable> {
        table.validate()?;
        let now = self.now();
        let json = to_json(&table)?;
        with_tx!(self, tx => {
            sqlx::query("INSERT INTO bounty_program (id, program, updated_at) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET program = $1, updated_at = $2")
                .bind(&json).bind(now).execute(&mut *tx).await?;
            audit!(tx, self, AuditDraft::new(actor, "bounty_program", 1, "bounty_program.update").after(json!(table)));
        });
        Ok(table)
    }

    /// The CVSS 3.1 base score of the report's case (the PSIRT's current assessment).
    async fn report_score(&self, report_id: i64) -> Result<Option<Score>> {
        let case: Option<Option<i64>> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT case_id FROM reports WHERE id = $1").bind(report_id).fetch_optional(p).await?
        });
        let case = case.ok_or(StoreError::NotFound("report"))?;
        let Some(case) = case else { return Ok(None) };
        Ok(self
            .cvss_assessments(case)
            .await?
            .iter()
            .find(|a| a.authoritative && a.is_current() && a.version == "3.1")
            .and_then(|a| Score::from_f64(a.score)))
    }

    /// Proposes the award of a report: `amount_usd`, or the program's figure for the case's
    /// CVSS 3.1 score.
    pub async fn propose_award(
        &self,
        actor: &Actor,
        report_id: i64,
        amount_usd: Option<u64>,
        note: &str,
    ) -> Result<Award> {
        let table = self.bounty_program().await?;
        let score = self.report_score(report_id).await?;
        let now = self.now();
        let mut award = BountyAward::propose(
            report_id.to_string(),
            &table,
            score,
            amount_usd,
            actor.label(),
            now,
        )?;
        award.note = note.trim().to_owned();
        let id = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO bounty_awards (report_id, status, total_usd, award, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(report_id).bind(award.status.as_str()).bind(i64::try_from(award.total_usd()).unwrap_or(i64::MAX)).bind(to_json(&award)?).bind(now)
            .fetch_one(&mut *tx).await
            .map_err(|e| StoreError::unique(e, "an open award for this report"))?;
            audit!(tx, self, AuditDraft::new(actor, "report", report_id, "bounty.propose").after(json!({"award": id, "amount_usd": award.amount_usd, "suggested_usd": award.suggested_usd, "score": score.map(Score::as_f64)})));
            id
        });
        Ok(Award {
            id,
            report_id,
            award,
        })
    }

    /// Applies `action` to an award (amend, approve, pay, cancel) with its audit event.
    pub async fn change_award(&self, actor: &Actor, id: i64, action: AwardAction) -> Result<Award> {
        let now = self.now();
        let name = match &action {
            AwardAction::Amend { .. } => "bounty.amend",
            AwardAction::Approve { .. } => "bounty.approve",
            AwardAction::Pay { .. } => "bounty.pay",
            AwardAction::Cancel { .. } => "bounty.cancel",
        };
        with_tx!(self, tx => {
            let row: Option<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT report_id, award FROM bounty_awards WHERE id = $1{}", self.for_update())))
                .bind(id).fetch_optional(&mut *tx).await?;
            let (report_id, json) = row.ok_or(StoreError::NotFound("award"))?;
            let current = parse_award(id, report_id, &json)?;
            let next = current.award.apply(action)?;
            sqlx::query("UPDATE bounty_awards SET status = $1, total_usd = $2, award = $3, updated_at = $4 WHERE id = $5")
                .bind(next.status.as_str()).bind(i64::try_from(next.total_usd()).unwrap_or(i64::MAX)).bind(to_json(&next)?).bind(now).bind(id)
                .execute(&mut *tx).await?;
            audit!(tx, self, AuditDraft::new(actor, "report", report_id, name).after(json!({"award": id, "status": next.status, "amount_usd": next.amount_usd, "bonus_usd": next.bonus_usd})));
            Ok(Award { id, report_id, award: next })
        })
    }

    pub async fn awards(&self, report_id: Option<i64>) -> Result<Vec<Award>> {
        let rows: Vec<(i64, i64, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, report_id, award FROM bounty_awards WHERE ($1 IS NULL OR report_id = $1) ORDER BY id DESC")
                .bind(report_id).fetch_all(p).await?
        });
        rows.iter()
            .map(|(id, r, j)| parse_award(*id, *r, j))
            .collect()
    }

    /// Every reporter's history (by e-mail, else name): valid/invalid/duplicate counts, paid.
    pub async fn reporter_profiles(&self) -> Result<Vec<ReporterProfile>> {
        let rows: Vec<(i64, String, String, String, Option<String>, OffsetDateTime)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT r.id, r.reporter_email, r.reporter_name, r.status, c.severity, r.received_at FROM reports r \
                 LEFT JOIN cases c ON c.id = r.case_id ORDER BY r.id",
            )
            .fetch_all(p).await?
        });
        let paid: Vec<(i64, i64)> = with_pool!(self, p => {
            sqlx::query_as("SELECT report_id, total_usd FROM bounty_awards WHERE status = 'paid'").fetch_all(p).await?
        });
        let facts: Vec<ReporterReportFacts> = rows
            .into_iter()
            .filter_map(|(id, email, name, status, severity, received_at)| {
                let reporter = if email.trim().is_empty() { name } else { email };
                if reporter.trim().is_empty() {
                    return None;
                }
                Some(ReporterReportFacts {
                    reporter,
                    status: status.parse::<ReportStatus>().ok()?,
                    severity: severity.and_then(|s| s.parse::<Severity>().ok()),
                    received_at,
                    awarded_usd: paid
                        .iter()
                        .filter(|(r, _)| *r == id)
                        .map(|(_, usd)| u64::try_from(*usd).unwrap_or(0))
                        .sum(),
                })
            })
            .collect();
        Ok(reporter_profiles(&facts))
    }

    /// Reporters credited by name with valid reports on cases no longer embargoed.
    pub async fn hall_of_fame(&self) -> Result<Vec<HallOfFameEntry>> {
        let rows: Vec<(String, i64)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT r.reporter_name, COUNT(*) FROM reports r JOIN cases c ON c.id = r.case_id \
                 WHERE r.credit_preference = 'named' AND TRIM(r.reporter_name) <> '' AND c.embargoed = FALSE \
                 AND c.state <> 'rejected' GROUP BY r.reporter_name ORDER BY COUNT(*) DESC, r.reporter_name",
            )
            .fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|(name, reports)| HallOfFameEntry { name, reports })
            .collect())
    }
}
