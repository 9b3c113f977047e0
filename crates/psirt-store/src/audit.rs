//! The audit trail: drafts written by every change, the case timeline, and chain verification.

use psirt_domain::audit::{AuditEvent, BrokenLink, ChainVerifier, StoredEvent};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{Actor, AuditEntry, Page, PageRequest, Result, Store, StoreError};

/// What a change records; the sequence number and time are filled in at append.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub actor: String,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditDraft {
    pub fn new(
        actor: &Actor,
        entity_type: &'static str,
        entity_id: impl ToString,
        action: impl Into<String>,
    ) -> Self {
        Self {
            actor: actor.label(),
            entity_type,
            entity_id: entity_id.to_string(),
            action: action.into(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(v);
        self
    }

    pub(crate) fn into_event(self, seq: i64, at: String) -> AuditEvent {
        AuditEvent {
            seq,
            at,
            actor: self.actor,
            entity_type: self.entity_type.to_owned(),
            entity_id: self.entity_id,
            action: self.action,
            before: self.before,
            after: self.after,
        }
    }
}

/// The exact text hashed for an event's time (RFC 3339, UTC, microseconds).
pub fn at_text(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

struct EventRow {
    seq: i64,
    at: String,
    actor: String,
    entity_type: String,
    entity_id: String,
    action: String,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}
from_row!(EventRow {
    seq,
    at,
    actor,
    entity_type,
    entity_id,
    action,
    before_json,
    after_json,
    prev_hash,
    hash
});

impl EventRow {
    fn json(text: Option<String>, seq: i64) -> Result<Option<Value>> {
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError::Corrupt(format!("audit event {seq}: {e}")))
        })
        .transpose()
    }

    fn into_entry(self) -> Result<AuditEntry> {
        let s = self.into_stored()?;
        Ok(AuditEntry {
            seq: s.event.seq,
            at: s.event.at,
            actor: s.event.actor,
            entity_type: s.event.entity_type,
            entity_id: s.event.entity_id,
            action: s.event.action,
            before: s.event.before,
            after: s.event.after,
        })
    }

    fn into_stored(self) -> Result<StoredEvent> {
        let seq = self.seq;
        Ok(StoredEvent {
            event: AuditEvent {
                seq,
                at: self.at,
                actor: self.actor,
                entity_type: self.entity_type,
                entity_id: self.entity_id,
                action: self.action,
                before: Self::json(self.before_json, seq)?,
                after: Self::json(self.after_json, seq)?,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// The verdict of `verify_audit_chain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact { events: u64, head: String },
    Broken(BrokenLink),
}

const SELECT_EVENTS: &str = "SELECT seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash FROM audit_events";

impl Store {
    /// The events about one entity, oldest first: the case timeline.
    pub async fn audit_trail(&self, entity_type: &str, entity_id: &str) -> Result<Vec<AuditEntry>> {
        let rows: Vec<EventRow> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash \
                 FROM audit_events WHERE entity_type = $1 AND entity_id = $2 ORDER BY seq",
            )
            .bind(entity_type)
            .bind(entity_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(EventRow::into_entry).collect()
    }

    /// A page of the events about one entity, oldest first (cursor: the last event's `seq`); with `action_prefix`
    /// only the actions that start with it (`product_version.`: a version's own events without the release plans
    /// made for it). Every SBOM import's event carries its whole diff: a nightly import makes the trail long.
    pub async fn audit_trail_page(
        &self,
        entity_type: &str,
        entity_id: &str,
        action_prefix: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        let after = page.after_id()?;
        let prefix = action_prefix.unwrap_or_default();
        let rows: Vec<EventRow> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT_EVENTS} WHERE entity_type = $1 AND entity_id = $2 AND seq > $3 \
                 AND substr(action, 1, $4) = $5 ORDER BY seq LIMIT $6"
            )))
            .bind(entity_type)
            .bind(entity_id)
            .bind(after)
            .bind(i32::try_from(prefix.len()).unwrap_or(i32::MAX))
            .bind(prefix)
            .bind(page.limit() + 1)
            .fetch_all(p)
            .await?
        });
        let entries = rows
            .into_iter()
            .map(EventRow::into_entry)
            .collect::<Result<Vec<_>>>()?;
        Ok(page.page(entries, |e| e.seq))
    }

    /// The newest `limit` events of one `action` about one entity, newest first: a page's list of, say, SBOM imports
    /// without reading every event (each import's event carries its whole diff).
    pub async fn latest_audit(
        &self,
        entity_type: &str,
        entity_id: &str,
        action: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows: Vec<EventRow> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash \
                 FROM audit_events WHERE entity_type = $1 AND entity_id = $2 AND action = $3 ORDER BY seq DESC LIMIT $4",
            )
            .bind(entity_type)
            .bind(entity_id)
            .bind(action)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(EventRow::into_entry).collect()
    }

    /// Walks the whole chain in pages and reports the first broken link, if any; also checks
    /// that the chain ends at the recorded head (so truncating the newest events is caught).
    pub async fn verify_audit_chain(&self, mut progress: impl FnMut(u64)) -> Result<ChainReport> {
        const BATCH: i64 = 1000;
        let mut verifier = ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let rows: Vec<EventRow> = with_pool!(self, p => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_EVENTS} WHERE seq > $1 ORDER BY seq LIMIT $2")))
                    .bind(after)
                    .bind(BATCH)
                    .fetch_all(p)
                    .await?
            });
            let n = rows.len() as i64;
            for row in rows {
                let seq = row.seq;
                let stored = match row.into_stored() {
                    Ok(s) => s,
                    Err(e) => {
                        return Ok(ChainReport::Broken(BrokenLink {
                            seq,
                            reason: e.to_string(),
                        }))
                    }
                };
                if let Err(broken) = verifier.push(&stored) {
                    return Ok(ChainReport::Broken(broken));
                }
                after = seq;
            }
            progress(verifier.checked);
            if n < BATCH {
                break;
            }
        }
        let (head_seq, head_hash): (i64, String) = with_pool!(self, p => {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await?
        });
        if head_seq != after || head_hash != verifier.head() {
            return Ok(ChainReport::Broken(BrokenLink {
                seq: after + 1,
                reason: format!("the chain ends at event {after} but its head records event {head_seq}: events were removed"),
            }));
        }
        Ok(ChainReport::Intact {
            events: verifier.checked,
            head: head_hash,
        })
    }
}
