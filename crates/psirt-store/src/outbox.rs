//! The outbox: notifications written in the transaction of the audit event that causes them
//! (the `audit!` macro calls [`enqueue`]), delivered later by the server's worker with retries.
//!
//! What an event sends:
//! - to every enabled webhook subscription whose filter names the action: the event as JSON;
//!   for an embargoed case, or a report, only ids and the action (receivers are outside the
//!   embargo);
//! - e-mail to staff: the new assignee of a case; every PSIRT member (admins and analysts with
//!   an address) when a case becomes S1 or P1;
//! - e-mail to reporters: a new message in their portal, a status change of their report's case.
//!   Reporter e-mails carry no case details, only that something happened and where to look.

use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{PgConnection, SqliteConnection};
use time::OffsetDateTime;

use psirt_domain::audit::AuditEvent;

use crate::{Actor, Result, Store, StoreError};

/// The open transaction's connection, whichever backend.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a mut SqliteConnection> for Conn<'a> {
    fn from(c: &'a mut SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'a> From<&'a mut PgConnection> for Conn<'a> {
    fn from(c: &'a mut PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
        }
    };
}

/// One message to write.
#[derive(Debug, Clone)]
struct Draft {
    channel: &'static str,
    subscription_id: Option<i64>,
    recipient: String,
    /// Distinguishes the messages one event produces.
    target: String,
    payload: Value,
}

fn email(to: &str, target: String, template: &str, vars: Value) -> Option<Draft> {
    let to = to.trim();
    (!to.is_empty() && to.contains('@')).then(|| Draft {
        channel: "email",
        subscription_id: None,
        recipient: to.to_owned(),
        target,
        payload: json!({"template": template, "vars": vars}),
    })
}

/// Whether a subscription's filter names `action` (exact, `prefix.*` or `*`).
pub fn filter_matches(filter: &[String], action: &str) -> bool {
    filter.iter().any(|f| {
        f == "*"
            || f == action
            || f.strip_suffix(".*")
                .is_some_and(|p| action.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
    })
}

fn becomes_urgent(after: &Value) -> bool {
    after["severity"] == "S1" || after["priority"] == "P1"
}

/// Writes the notifications `event` causes, inside the caller's transaction.
pub(crate) async fn enqueue(
    mut conn: Conn<'_>,
    event: &AuditEvent,
    now: OffsetDateTime,
) -> Result<()> {
    let case_id: Option<i64> = (event.entity_type == "case")
        .then(|| event.entity_id.parse().ok())
        .flatten();
    let subs: Vec<(i64, String, String)> = on_conn!(&mut conn, c => {
        sqlx::query_as("SELECT id, url, events FROM webhook_subscriptions WHERE enabled ORDER BY id")
            .fetch_all(&mut **c)
            .await?
    });
    let subs: Vec<(i64, String)> = subs
        .into_iter()
        .filter(|(_, _, events)| {
            let filter: Vec<String> = serde_json::from_str(events).unwrap_or_default();
            filter_matches(&filter, &event.action)
        })
        .map(|(id, url, _)| (id, url))
        .collect();
    let mut drafts = Vec::new();
    if !subs.is_empty() {
        // Only a subscribed event needs the embargo: receivers are outside it.
        let embargoed: bool = match case_id {
            Some(id) => on_conn!(&mut conn, c => sqlx::query_scalar::<_, bool>("SELECT embargoed FROM cases WHERE id = $1").bind(id).fetch_optional(&mut **c).await?).unwrap_or(true),
            None => true,
        };
        let data = if case_id.is_some() && !embargoed {
            json!({"before": event.before, "after": event.after})
        } else {
            json!({"redacted": true})
        };
        for (id, url) in subs {
            drafts.push(Draft {
                channel: "webhook",
                subscription_id: Some(id),
                recipient: url,
                target: format!("webhook:{id}"),
                payload: json!({
                    "event": event.action, "at": event.at, "entity_type": event.entity_type,
                    "entity_id": event.entity_id, "data": data,
                }),
            });
        }
    }
    let after = event.after.clone().unwrap_or(Value::Null);
    match (event.entity_type.as_str(), event.action.as_str()) {
        ("case", "case.update" | "case.create") => {
            if let (Some(case), Some(user)) = (case_id, after["assignee_id"].as_i64()) {
                let to: Option<String> = on_conn!(&mut conn, c => sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND NOT disabled").bind(user).fetch_optional(&mut **c).await?);
                drafts.extend(to.and_then(|to| {
                    email(
                        &to,
                        format!("assignee:{user}"),
                        "staff_assigned",
                        json!({"case_id": case}),
                    )
                }));
            }
            if let (Some(case), true) = (case_id, becomes_urgent(&after)) {
                let psirt: Vec<(i64, String)> = on_conn!(&mut conn, c => sqlx::query_as("SELECT id, email FROM users WHERE role IN ('admin', 'analyst') AND NOT disabled AND email <> '' ORDER BY id").fetch_all(&mut **c).await?);
                for (uid, to) in psirt {
                    drafts.extend(email(&to, format!("escalation:{uid}"), "staff_escalation", json!({
                        "case_id": case, "severity": after["severity"], "priority": after["priority"],
                    })));
                }
            }
        }
        ("case", "case.transition") => {
            if let Some(case) = case_id {
                let reporters: Vec<(i64, String)> = on_conn!(&mut conn, c => sqlx::query_as("SELECT id, reporter_email FROM reports WHERE case_id = $1 ORDER BY id").bind(case).fetch_all(&mut **c).await?);
                for (report, to) in reporters {
                    drafts.extend(email(&to, format!("reporter:{report}"), "reporter_status", json!({
                        "report_id": report, "state": after["to"].as_str().or(after["state"].as_str()),
                    })));
                }
            }
        }
        ("report", "message.to_reporter") => {
            if let Ok(report) = event.entity_id.parse::<i64>() {
                let to: Option<String> = on_conn!(&mut conn, c => sqlx::query_scalar("SELECT reporter_email FROM reports WHERE id = $1").bind(report).fetch_optional(&mut **c).await?);
                drafts.extend(to.and_then(|to| {
                    email(
                        &to,
                        format!("reporter:{report}"),
                        "reporter_message",
                        json!({"report_id": report}),
                    )
                }));
            }
        }
        _ => {}
    }
    for d in drafts {
        let key = format!("{}:{}:{}", event.action, event.seq, d.target);
        let payload = d.payload.to_string();
        on_conn!(&mut conn, c => {
            sqlx::query(
                "INSERT INTO outbox (channel, subscription_id, event, idempotency_key, recipient, payload, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(d.channel).bind(d.subscription_id).bind(&event.action).bind(&key).bind(&d.recipient).bind(&payload).bind(now)
            .execute(&mut **c)
            .await?;
        });
    }
    Ok(())
}

/// A message as the worker and the admin pages see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub subscription_id: Option<i64>,
    pub event: String,
    pub idempotency_key: String,
    pub recipient: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    /// Which claim this copy holds (see migration 0015): a worker's claim stands while the row still has this value.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub claim_seq: i64,
}
from_row!(OutboxMessage {
    id,
    channel,
    subscription_id,
    event,
    idempotency_key,
    recipient,
    payload,
    status,
    attempts,
    next_attempt_at,
    last_error,
    created_at,
    delivered_at,
    claim_seq
});

const MESSAGE_COLUMNS: &str = "id, channel, subscription_id, event, idempotency_key, recipient, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at, claim_seq";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSubscription {
    pub id: i64,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    /// JSON list of actions.
    pub events: String,
    pub enabled: bool,
}
from_row!(WebhookSubscription {
    id,
    url,
    secret,
    events,
    enabled
});

/// After this many failed attempts a message is dead (kept for an admin to redeliver).
pub const MAX_ATTEMPTS: i64 = 10;

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered(String),
    /// Failed; try again after the given back-off (dead after [`MAX_ATTEMPTS`]).
    Failed(String, time::Duration),
}

fn invalid(field: &str, message: &str) -> StoreError {
    psirt_domain::DomainError::Invalid(vec![psirt_domain::FieldError::new(field, message)]).into()
}

impl Store {
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        url: &str,
        secret: &str,
        events: &[String],
    ) -> Result<WebhookSubscription> {
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2_000 {
            return Err(invalid("url", "must be an http(s) URL"));
        }
        if secret.len() < 16 {
            return Err(invalid("secret", "must be at least 16 characters"));
        }
        if events.is_empty() || events.iter().any(|e| e.is_empty() || e.len() > 100) {
            return Err(invalid(
                "events",
                "must list audit actions, `prefix.*` or `*`",
            ));
        }
        let events_json = json!(events).to_string();
        let now = self.now();
        let id = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO webhook_subscriptions (url, secret, events, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(url).bind(secret).bind(&events_json).bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, self, crate::audit::AuditDraft::new(actor, "webhook", id, "webhook.create")
                .after(json!({"url": url, "events": events})));
            id
        });
        self.webhook(id).await
    }

    pub async fn webhook(&self, id: i64) -> Result<WebhookSubscription> {
        let row: Option<WebhookSubscription> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, url, secret, events, enabled FROM webhook_subscriptions WHERE id = $1")
                .bind(id).fetch_optional(p).await?
        });
        row.ok_or(StoreError::NotFound("webhook"))
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookSubscription>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT id, url, secret, events, enabled FROM webhook_subscriptions ORDER BY id")
                .fetch_all(p).await?
        }))
    }

    /// Takes up to `limit` due messages of `channels` for `lease` (a worker that dies lets go
    /// when the lease runs out) and counts the attempt.
    pub async fn claim_outbox(
        &self,
        channels: &[&str],
        limit: i64,
        lease: time::Duration,
    ) -> Result<Vec<OutboxMessage>> {
        let now = self.now();
        let mut out = Vec::new();
        with_tx!(self, tx => {
            let mut q = sqlx::QueryBuilder::new(format!(
                "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= "
            ));
            q.push_bind(now).push(" AND (locked_until IS NULL OR locked_until <= ").push_bind(now).push(") AND channel IN (");
            let mut list = q.separated(", ");
            for c in channels {
                list.push_bind(*c);
            }
            q.push(") ORDER BY id LIMIT ").push_bind(limit);
            if matches!(self.pool, crate::Pool::Postgres(_)) {
                q.push(" FOR UPDATE SKIP LOCKED");
            }
            let rows: Vec<OutboxMessage> = q.build_query_as().fetch_all(&mut *tx).await?;
            for mut m in rows {
                // The row is locked (FOR UPDATE / SQLite's write lock): these increments are exact.
                sqlx::query("UPDATE outbox SET locked_until = $1, attempts = attempts + 1, claim_seq = claim_seq + 1 WHERE id = $2")
                    .bind(now + lease).bind(m.id)
                    .execute(&mut *tx).await?;
                m.attempts += 1;
                m.claim_seq += 1;
                out.push(m);
            }
        });
        Ok(out)
    }

    /// Extends the claim on `m` to `hold` from now, right before delivering it — unless another worker has claimed it
    /// since (its lease ran out while `m` waited in this worker's batch): then `false`, and this worker must leave it.
    pub async fn renew_claim(&self, m: &OutboxMessage, hold: time::Duration) -> Result<bool> {
        let until = self.now() + hold;
        let renewed = with_pool!(self, p => {
            sqlx::query("UPDATE outbox SET locked_until = $1 WHERE id = $2 AND status = 'pending' AND claim_seq = $3")
                .bind(until).bind(m.id).bind(m.claim_seq)
                .execute(p).await?
                .rows_affected()
        });
        Ok(renewed == 1)
    }

    /// Records an attempt's outcome (always in the attempt log). Delivered: the message is done, whoever holds it.
    /// Failed: the message waits for its next attempt — only while this claim is still the message's (a worker that
    /// lost it to another must not undo that one's work), and dead after [`MAX_ATTEMPTS`] counted on the row (an
    /// admin's redelivery, which resets the count meanwhile, stands).
    pub async fn finish_delivery(&self, m: &OutboxMessage, outcome: &Delivery) -> Result<()> {
        let now = self.now();
        with_tx!(self, tx => {
            let (ok, detail) = match outcome {
                Delivery::Delivered(d) => (true, d.as_str()),
                Delivery::Failed(e, _) => (false, e.as_str()),
            };
            sqlx::query("INSERT INTO outbox_attempts (outbox_id, attempt, at, ok, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(m.id).bind(m.attempts).bind(now).bind(ok).bind(detail)
                .execute(&mut *tx).await?;
            match outcome {
                Delivery::Delivered(_) => {
                    sqlx::query("UPDATE outbox SET status = 'delivered', delivered_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2 AND status <> 'delivered'")
                        .bind(now).bind(m.id).execute(&mut *tx).await?;
                }
                Delivery::Failed(e, backoff) => {
                    // Redelivered meanwhile (the count no longer ours): due at once, as the admin asked.
                    sqlx::query(
                        "UPDATE outbox SET status = CASE WHEN attempts >= $1 THEN 'dead' ELSE 'pending' END, \
                         next_attempt_at = CASE WHEN attempts = $6 THEN $2 ELSE $7 END, locked_until = NULL, last_error = $3 \
                         WHERE id = $4 AND claim_seq = $5 AND status = 'pending'",
                    )
                    .bind(MAX_ATTEMPTS).bind(now + *backoff).bind(e).bind(m.id).bind(m.claim_seq).bind(m.attempts).bind(now)
                    .execute(&mut *tx).await?;
                }
            }
        });
        Ok(())
    }

    /// Messages by status (`pending`, `delivered`, `dead`), newest first.
    pub async fn outbox(&self, status: Option<&str>, limit: i64) -> Result<Vec<OutboxMessage>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2"
            )))
            .bind(status).bind(limit)
            .fetch_all(p).await?
        }))
    }

    /// A dead (or pending) message back to the front of the queue, attempts reset.
    pub async fn redeliver(&self, actor: &Actor, id: i64) -> Result<()> {
        let now = self.now();
        with_tx!(self, tx => {
            // A lease running (a worker delivering it now) is kept: the message is not sent twice at once.
            let done = sqlx::query(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1 WHERE id = $2 AND status <> 'delivered'",
            )
            .bind(now).bind(id)
            .execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("undelivered message"));
            }
            audit!(tx, self, crate::audit::AuditDraft::new(actor, "outbox", id, "outbox.redeliver"));
        });
        Ok(())
    }

    /// Pending messages and the age of the oldest due one (worker lag), for `/metrics`.
    pub async fn outbox_depth(&self) -> Result<(i64, Option<OffsetDateTime>)> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT COUNT(*), MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
                .fetch_one(p).await?
        }))
    }

    /// An admin-edited template, if any: (subject, body).
    pub async fn email_template(&self, key: &str) -> Result<Option<(String, String)>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT subject, body FROM email_templates WHERE template_key = $1")
                .bind(key).fetch_optional(p).await?
        }))
    }

    pub async fn set_email_template(
        &self,
        actor: &Actor,
        key: &str,
        subject: &str,
        body: &str,
    ) -> Result<()> {
        if subject.trim().is_empty() || subject.len() > 500 || subject.contains(['\r', '\n']) {
            return Err(invalid(
                "subject",
                "must be one line of at most 500 characters",
            ));
        }
        if body.len() > 20_000 {
            return Err(invalid("body", "must be at most 20,000 characters"));
        }
        let now = self.now();
        with_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO email_templates (template_key, subject, body, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (template_key) DO UPDATE SET subject = $2, body = $3, updated_at = $4",
            )
            .bind(key).bind(subject).bind(body).bind(now)
            .execute(&mut *tx).await?;
            audit!(tx, self, crate::audit::AuditDraft::new(actor, "email_template", key, "email_template.update")
                .after(json!({"subject": subject, "body": body})));
        });
        Ok(())
    }
}

/// One delivery attempt, for the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxAttempt {
    pub attempt: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub ok: bool,
    pub detail: String,
}
from_row!(OutboxAttempt {
    attempt,
    at,
    ok,
    detail
});

impl Store {
    pub async fn outbox_attempts(&self, outbox_id: i64) -> Result<Vec<OutboxAttempt>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as("SELECT attempt, at, ok, detail FROM outbox_attempts WHERE outbox_id = $1 ORDER BY id")
                .bind(outbox_id).fetch_all(p).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::filter_matches;

    #[test]
    fn filters() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(filter_matches(&f(&["*"]), "case.create"));
        assert!(filter_matches(&f(&["case.*"]), "case.transition"));
        assert!(!filter_matches(&f(&["case.*"]), "cases.x"));
        assert!(!filter_matches(&f(&["case.*"]), "case"));
        assert!(filter_matches(
            &f(&["report.receive", "case.create"]),
            "case.create"
        ));
        assert!(!filter_matches(&f(&["case.create"]), "case.created"));
    }
}
