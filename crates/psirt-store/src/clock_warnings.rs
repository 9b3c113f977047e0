//! Clock warnings: staff are e-mailed (through the outbox) when a running SLA clock is due
//! within 24 hours or breached. Time, not a change, causes these, so the worker writes them
//! periodically; the idempotency key makes each warning once.

use serde_json::json;
use time::OffsetDateTime;

use crate::{Result, Store};

impl Store {
    /// Writes a warning e-mail for every running clock due within 24 hours or breached, to the
    /// case's assignee (else every PSIRT member with an address), once per clock, phase and due
    /// time (the idempotency key; a retargeted clock warns again). Returns how many were new.
    pub async fn enqueue_clock_warnings(&self) -> Result<usize> {
        let now = self.now();
        let soon = now + time::Duration::hours(24);
        let due: Vec<(i64, i64, String, OffsetDateTime, Option<i64>)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT cc.id, cc.case_id, cc.kind, cc.due_at, c.assignee_id FROM case_clocks cc JOIN cases c ON c.id = cc.case_id \
                 WHERE cc.state = 'running' AND cc.due_at <= $1 ORDER BY cc.due_at",
            )
            .bind(soon).fetch_all(p).await?
        });
        if due.is_empty() {
            return Ok(0);
        }
        let psirt: Vec<(i64, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, email FROM users WHERE role IN ('admin', 'analyst') AND NOT disabled AND email <> '' ORDER BY id")
                .fetch_all(p).await?
        });
        let mut written = 0;
        for (clock_id, case_id, kind, due_at, assignee) in due {
            let phase = if due_at < now { "breached" } else { "due_soon" };
            let assignee: Option<(i64, String)> = match assignee {
                Some(uid) => with_pool!(self, p => {
                    sqlx::query_as("SELECT id, email FROM users WHERE id = $1 AND NOT disabled AND email <> ''")
                        .bind(uid).fetch_optional(p).await?
                }),
                None => None,
            };
            let recipients = match assignee {
                Some(a) => vec![a],
                None => psirt.clone(),
            };
            let due_text = crate::audit::at_text(due_at);
            for (uid, to) in recipients {
                let key = format!("clock:{clock_id}:{phase}:{due_text}:{uid}");
                let payload = json!({"template": "staff_clock_warning", "vars": {
                    "case_id": case_id, "kind": kind, "phase": phase, "due_at": due_text,
                }})
                .to_string();
                let done: u64 = with_pool!(self, p => {
                    sqlx::query(
                        "INSERT INTO outbox (channel, event, idempotency_key, recipient, payload, next_attempt_at, created_at) \
                         VALUES ('email', 'clock.warning', $1, $2, $3, $4, $4) ON CONFLICT (idempotency_key) DO NOTHING",
                    )
                    .bind(&key).bind(&to).bind(&payload).bind(now)
                    .execute(p).await?.rows_affected()
                });
                written += usize::try_from(done).unwrap_or(0);
            }
        }
        Ok(written)
    }
}
