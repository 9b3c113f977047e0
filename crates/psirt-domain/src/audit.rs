//! The audit chain (DESIGN.md §2): each event's hash covers the previous hash and the event's
//! canonical bytes, so editing, deleting or reordering any stored event breaks the chain.

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The hash that stands before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit event as stored. `at` is kept as the exact RFC 3339 text that was hashed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEvent {
    /// Canonical bytes: JSON with keys in sorted order (serde_json's map is a BTreeMap), so the
    /// same event always hashes the same whatever database returned it.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let v = json!({
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "action": self.action,
            "before": self.before,
            "after": self.after,
        });
        v.to_string().into_bytes()
    }

    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical_bytes());
        hex::encode(h.finalize())
    }
}

/// An event with the links stored beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The first place where the stored chain disagrees with itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at event {seq}: {reason}")]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Walks the chain in order and verifies each link; incremental so a caller can stream rows.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_prev: String,
    expected_seq: i64,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_prev: GENESIS_HASH.to_owned(),
            expected_seq: 1,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, stored: &StoredEvent) -> Result<(), BrokenLink> {
        let seq = stored.event.seq;
        let broken = |reason: String| Err(BrokenLink { seq, reason });
        if seq != self.expected_seq {
            return broken(format!(
                "expected event {}, found {seq} (an event is missing)",
                self.expected_seq
            ));
        }
        if stored.prev_hash != self.expected_prev {
            return broken("its previous-hash does not match the event before it".into());
        }
        let recomputed = stored.event.chain_hash(&stored.prev_hash);
        if recomputed != stored.hash {
            return broken("its content does not match its hash (the event was altered)".into());
        }
        self.expected_prev = stored.hash.clone();
        self.expected_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// The hash the chain ends with, to compare with a head recorded elsewhere.
    pub fn head(&self) -> &str {
        &self.expected_prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let event = AuditEvent {
                    seq,
                    at: format!("2026-11-25T10:00:{seq:02}.000000Z"),
                    actor: "user:1".into(),
                    entity_type: "case".into(),
                    entity_id: seq.to_string(),
                    action: "update".into(),
                    before: Some(json!({"title": "a"})),
                    after: Some(json!({"title": "b", "n": seq})),
                };
                let hash = event.chain_hash(&prev);
                let stored = StoredEvent {
                    event,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                stored
            })
            .collect()
    }

    fn verify(events: &[StoredEvent]) -> Result<u64, BrokenLink> {
        let mut v = ChainVerifier::default();
        for e in events {
            v.push(e)?;
        }
        Ok(v.checked)
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn altered_content_is_found_at_its_event() {
        let mut c = chain(5);
        c[2].event.after = Some(json!({"title": "evil"}));
        assert_eq!(verify(&c).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn deleted_or_rehashed_events_are_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c).map_err(|b| b.seq), Err(3));
        // Rewriting an event together with its own hash breaks the next link.
        let mut c = chain(5);
        c[1].event.actor = "user:2".into();
        c[1].hash = c[1].event.chain_hash(&c[1].prev_hash);
        assert_eq!(verify(&c).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn canonical_bytes_do_not_depend_on_key_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":2,"b":1}"#).unwrap();
        let mut e = chain(1).remove(0).event;
        e.after = Some(a);
        let h1 = e.chain_hash(GENESIS_HASH);
        e.after = Some(b);
        assert_eq!(h1, e.chain_hash(GENESIS_HASH));
    }
}
