//! Advisory publishing: pure renderings of an [`AdvisoryView`] to CSAF 2.0 (security advisory and
//! VEX), CVE JSON 5.1 (one record per CVE) and OSV, each checked against its vendored official
//! schema ([`validate`]); and a CSAF provider's distribution files ([`provider`]).
//!
//! Determinism: every rendering is a function of the view only (no clock, no randomness; dates are
//! the revisions' dates) and [`to_bytes`] writes objects with sorted keys, so publishing the same
//! revision twice gives identical bytes, whatever serde_json's map order is.

pub mod csaf;
mod csaf_vuln;
pub mod cve5;
mod cvss;
pub mod cwe;
pub mod model;
pub mod osv;
pub mod provider;
pub mod schema;

use serde_json::Value;

pub use csaf::{csaf_file_name, csaf_path, render_csaf, CsafProfile};
pub use cve5::{render_cve5_container, render_cve5_records};
pub use model::{
    AdvisoryView, AffectView, CaseView, Cna, CvssView, CweView, ProductVersionView, Publisher,
};
pub use osv::render_osv;
pub use provider::{
    atom_feed, changes_csv, index_txt, provider_metadata, rolie_feed, ProviderConfig,
    PublishedDocument,
};
pub use schema::{validate, PublishSchema, SchemaViolation};

/// Why an advisory could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// Rendering needs a published revision.
    #[error("advisory {0} has no published revision")]
    Unpublished(String),
    /// The view contradicts itself (see [`AdvisoryView::check`]).
    #[error("inconsistent advisory: {}", .0.join("; "))]
    Inconsistent(Vec<String>),
    /// A rendering violates its schema: a bug (or input the model let through), never published.
    #[error("{schema} rendering is invalid: {}", .violations.iter().map(|v| format!("{}: {}", v.pointer, v.message)).collect::<Vec<_>>().join("; "))]
    Invalid {
        schema: &'static str,
        violations: Vec<SchemaViolation>,
    },
    /// A vendored schema failed to compile: a bug in this crate.
    #[error("internal error: schema {schema} does not compile: {message}")]
    SchemaSetup {
        schema: &'static str,
        message: String,
    },
}

/// Pretty-printed JSON (two-space indent) with object keys in byte order and a final newline: the
/// published bytes.
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value, 0);
    out.push(b'\n');
    out
}

fn write_value(out: &mut Vec<u8>, value: &Value, depth: usize) {
    let indent = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                indent(out, depth + 1);
                write_scalar(out, &Value::String(k.clone()));
                out.extend_from_slice(b": ");
                write_value(out, v, depth + 1);
            }
            indent(out, depth);
            out.push(b'}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                indent(out, depth + 1);
                write_value(out, v, depth + 1);
            }
            indent(out, depth);
            out.push(b']');
        }
        scalar => write_scalar(out, scalar),
    }
}

fn write_scalar(out: &mut Vec<u8>, value: &Value) {
    // Scalars (and empty containers) cannot fail to serialise into a Vec.
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// RFC 3339 in UTC to the second (`2026-03-01T10:00:00Z`), the form all three formats accept.
pub(crate) fn date_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
