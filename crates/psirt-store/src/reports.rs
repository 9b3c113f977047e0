//! Intake: reports as received, the reporter's tracking thread, and triage decisions.

use psirt_domain::report::validate_message;
use psirt_domain::{CaseState, NewReport, ReportChannel, ReportStatus};
use serde::Deserialize;
use serde_json::json;

use crate::audit::AuditDraft;
use crate::secrets::{random_token, sha256_hex};
use crate::{Actor, Message, Page, PageRequest, Report, Result, Store, StoreError};

pub(crate) const REPORT_COLUMNS: &str = "id, channel, title, description, product, steps_to_reproduce, impact, reporter_name, reporter_email, credit_preference, received_at, status, case_id, triaged_by, triaged_at";

/// What an analyst decides about a new report.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TriageDecision {
    /// Open a new case from the report (its title defaults to the report's).
    NewCase { title: Option<String> },
    /// The report describes a vulnerability an existing case already tracks.
    Duplicate { case_id: i64 },
    /// Close the report without a case.
    Reject { resolution: RejectReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    Invalid,
    OutOfScope,
    Informative,
}

impl RejectReason {
    fn status(self) -> ReportStatus {
        match self {
            RejectReason::Invalid => ReportStatus::Invalid,
            RejectReason::OutOfScope => ReportStatus::OutOfScope,
            RejectReason::Informative => ReportStatus::Informative,
        }
    }
}

/// The result of a submission: the stored report and its tracking secret (returned once).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub report: Report,
    pub tracking_token: String,
}

impl Store {
    /// Stores a report as received. The whole report is validated first; nothing is written
    /// if any field is bad.
    pub async fn submit_report(&self, new: NewReport, channel: ReportChannel) -> Result<Submitted> {
        let new = new.validate()?;
        let token = random_token()?;
        let now = self.now();
        let report = with_tx!(self, tx => {
            let reporter_id: Option<i64> = if new.reporter_email.is_empty() {
                None
            } else {
                Some(sqlx::query_scalar(
                    "INSERT INTO reporters (name, email, credit_preference, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (email) DO UPDATE SET name = excluded.name, credit_preference = excluded.credit_preference RETURNING id",
                )
                .bind(&new.reporter_name)
                .bind(new.reporter_email.to_lowercase())
                .bind(new.credit_preference.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?)
            };
            let report: Report = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "INSERT INTO reports (channel, title, description, product, steps_to_reproduce, impact, reporter_id, reporter_name, \
                 reporter_email, credit_preference, received_at, tracking_token_hash, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new') RETURNING {REPORT_COLUMNS}"
            )))
            .bind(channel.as_str())
            .bind(&new.title)
            .bind(&new.description)
            .bind(&new.product)
            .bind(&new.steps_to_reproduce)
            .bind(&new.impact)
            .bind(reporter_id)
            .bind(&new.reporter_name)
            .bind(&new.reporter_email)
            .bind(new.credit_preference.as_str())
            .bind(now)
            .bind(sha256_hex(&token))
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, self, AuditDraft::new(&Actor::Reporter { report_id: report.id }, "report", report.id, "report.receive")
                .after(json!({"channel": report.channel, "title": report.title, "product": report.product, "reporter_email": report.reporter_email})));
            report
        });
        Ok(Submitted {
            report,
            tracking_token: token,
        })
    }

    pub async fn report(&self, id: i64) -> Result<Report> {
        let r: Option<Report> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        r.ok_or(StoreError::NotFound("report"))
    }

    /// The report a tracking token opens; `None` for any unknown token.
    pub async fn report_by_tracking_token(&self, token: &str) -> Result<Option<Report>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {REPORT_COLUMNS} FROM reports WHERE tracking_token_hash = $1")))
                .bind(sha256_hex(token))
                .fetch_optional(p)
                .await?
        }))
    }

    /// The intake queue, newest first, optionally one status only.
    pub async fn reports(
        &self,
        status: Option<ReportStatus>,
        page: &PageRequest,
    ) -> Result<Page<Report>> {
        let before = page.before_id()?;
        let rows: Vec<Report> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {REPORT_COLUMNS} FROM reports WHERE id < $1 AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3"
            )))
            .bind(before)
            .bind(status.map(|s| s.as_str()))
            .bind(page.limit() + 1)
            .fetch_all(p)
            .await?
        });
        Ok(page.page(rows, |r| r.id))
    }

    pub async fn case_reports(&self, case_id: i64) -> Result<Vec<Report>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {REPORT_COLUMNS} FROM reports WHERE case_id = $1 ORDER BY id")))
                .bind(case_id)
                .fetch_all(p)
                .await?
        }))
    }

    /// Applies a triage decision to a `new` report; returns the case it now belongs to, if any.
    pub async fn triage_report(
        &self,
        actor: &Actor,
        report_id: i64,
        decision: TriageDecision,
    ) -> Result<Report> {
        let report = self.report(report_id).await?;
        if report.status != ReportStatus::New {
            return Err(StoreError::Conflict(format!(
                "report {report_id} was already triaged ({})",
                report.status
            )));
        }
        let now = self.now();
        let user_id = actor.user_id();
        Ok(with_tx!(self, tx => {
            let (status, case_id) = match &decision {
                TriageDecision::NewCase { title } => {
                    let title = title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&report.title);
                    let mut errors = Vec::new();
                    psirt_domain::report::check_text(&mut errors, "title", title, psirt_domain::report::limits::TITLE, true);
                    if !errors.is_empty() {
                        return Err(psirt_domain::DomainError::Invalid(errors).into());
                    }
                    let description = format!(
                        "Reported via {} on {}.\n\nProduct: {}\n\n{}\n\nSteps to reproduce:\n{}\n\nImpact:\n{}",
                        report.channel, crate::audit::at_text(report.received_at), report.product,
                        report.description, report.steps_to_reproduce, report.impact
                    );
                    let case_id: i64 = sqlx::query_scalar(
                        "INSERT INTO cases (title, description, state, embargoed, created_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, TRUE, $4, $5, $5) RETURNING id",
                    )
                    .bind(title)
                    .bind(&description)
                    .bind(CaseState::New.as_str())
                    .bind(user_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.create")
                        .after(json!({"title": title, "state": "new", "embargoed": true, "from_report": report_id})));
                    (ReportStatus::Linked, Some(case_id))
                }
                TriageDecision::Duplicate { case_id } => {
                    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1")
                        .bind(case_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound("case"));
                    }
                    audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.link_report")
                        .after(json!({"report": report_id, "as": "duplicate"})));
                    (ReportStatus::Duplicate, Some(*case_id))
                }
                TriageDecision::Reject { resolution } => (resolution.status(), None),
            };
            let updated: Report = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE reports SET status = $1, case_id = $2, triaged_by = $3, triaged_at = $4 WHERE id = $5 AND status = 'new' RETURNING {REPORT_COLUMNS}"
            )))
            .bind(status.as_str())
            .bind(case_id)
            .bind(user_id)
            .bind(now)
            .bind(report_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("report {report_id} was triaged concurrently")))?;
            audit!(tx, self, AuditDraft::new(actor, "report", report_id, "report.triage")
                .before(json!({"status": "new"}))
                .after(json!({"status": status, "case_id": case_id})));
            if let Some(case_id) = case_id {
                sync_clocks!(tx, self, actor, case_id);
            }
            updated
        }))
    }

    /// A message from the reporter (through the tracking link).
    pub async fn reporter_message(&self, report: &Report, body: &str) -> Result<Message> {
        let body = validate_message("body", body)?;
        let m = self
            .insert_message(
                &Actor::Reporter {
                    report_id: report.id,
                },
                report,
                true,
                &body,
            )
            .await?;
        self.reporter_answered(report.id).await?;
        Ok(m)
    }

    /// A message from the PSIRT to the reporter of `report`.
    pub async fn staff_message(
        &self,
        actor: &Actor,
        report: &Report,
        body: &str,
    ) -> Result<Message> {
        let body = validate_message("body", body)?;
        self.insert_message(actor, report, false, &body).await
    }

    async fn insert_message(
        &self,
        actor: &Actor,
        report: &Report,
        from_reporter: bool,
        body: &str,
    ) -> Result<Message> {
        let now = self.now();
        Ok(with_tx!(self, tx => {
            let m: Message = sqlx::query_as(
                "INSERT INTO messages (report_id, from_reporter, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id, report_id, from_reporter, author_id, body, created_at",
            )
            .bind(report.id)
            .bind(from_reporter)
            .bind(actor.user_id())
            .bind(body)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let action = if from_reporter { "message.from_reporter" } else { "message.to_reporter" };
            audit!(tx, self, AuditDraft::new(actor, "report", report.id, action).after(json!({"message": m.id, "body": body})));
            // Read the link inside the transaction: the caller's copy may predate triage.
            let case_id: Option<i64> = sqlx::query_scalar("SELECT case_id FROM reports WHERE id = $1")
                .bind(report.id)
                .fetch_one(&mut *tx)
                .await?;
            if let Some(case_id) = case_id {
                audit!(tx, self, AuditDraft::new(actor, "case", case_id, action).after(json!({"message": m.id, "report": report.id, "body": body})));
                if !from_reporter {
                    sync_clocks!(tx, self, actor, case_id);
                }
            }
            m
        }))
    }

    pub async fn messages(&self, report_id: i64) -> Result<Vec<Message>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT id, report_id, from_reporter, author_id, body, created_at FROM messages WHERE report_id = $1 ORDER BY id")
                .bind(report_id)
                .fetch_all(p)
                .await?
        }))
    }
}
