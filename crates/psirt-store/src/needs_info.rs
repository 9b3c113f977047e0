//! "Needs more info": the PSIRT asks the reporter a question through the portal; while the
//! report waits on the answer its case's response clocks pause (as bounty platforms do), and
//! the reporter's reply resumes them.

use psirt_domain::deadline::{ClockState, PauseReason};

use crate::{Actor, Message, Result, Store};

impl Store {
    /// Sends `question` to the reporter of report `report_id` and pauses the response clocks.
    pub async fn ask_reporter(
        &self,
        actor: &Actor,
        report_id: i64,
        question: &str,
    ) -> Result<Message> {
        let report = self.report(report_id).await?;
        let message = self.staff_message(actor, &report, question).await?;
        let now = self.now();
        with_pool!(self, p => {
            sqlx::query("UPDATE reports SET awaiting_reporter_since = $1 WHERE id = $2")
                .bind(now).bind(report_id).execute(p).await?;
        });
        if let Some(case_id) = report.case_id {
            for c in self.case_clocks(case_id).await? {
                if c.clock.kind().is_response() && c.clock.state() == ClockState::Running {
                    self.change_clock(
                        actor,
                        case_id,
                        c.id,
                        "case.clock_paused",
                        |clock, now, _| clock.pause(now, PauseReason::AwaitingReporter),
                    )
                    .await?;
                }
            }
        }
        Ok(message)
    }

    /// The reporter answered: the report no longer waits; paused response clocks resume.
    pub(crate) async fn reporter_answered(&self, report_id: i64) -> Result<()> {
        // Clearing the flag is the claim: of two replies at once only one resumes the clocks.
        let cleared: Option<Option<i64>> = with_pool!(self, p => {
            sqlx::query_scalar(
                "UPDATE reports SET awaiting_reporter_since = NULL WHERE id = $1 AND awaiting_reporter_since IS NOT NULL RETURNING case_id",
            )
            .bind(report_id).fetch_optional(p).await?
        });
        let Some(case_id) = cleared else {
            return Ok(());
        };
        let actor = Actor::Reporter { report_id };
        if let Some(case_id) = case_id {
            for c in self.case_clocks(case_id).await? {
                let awaiting = c.clock.pauses().last().is_some_and(|p| {
                    p.until.is_none() && p.reason == PauseReason::AwaitingReporter
                });
                if c.clock.state() == ClockState::Paused && awaiting {
                    self.change_clock(
                        &actor,
                        case_id,
                        c.id,
                        "case.clock_resumed",
                        |clock, now, policy| clock.resume(now, &policy.counting()?),
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Since when report `report_id` waits on its reporter.
    pub async fn awaiting_reporter_since(
        &self,
        report_id: i64,
    ) -> Result<Option<time::OffsetDateTime>> {
        Ok(with_pool!(self, p => {
            sqlx::query_scalar::<_, Option<time::OffsetDateTime>>("SELECT awaiting_reporter_since FROM reports WHERE id = $1")
                .bind(report_id).fetch_optional(p).await?
        })
        .flatten())
    }
}
