//! Validation against the vendored official schemas: OSV (ossf/osv-schema, draft 2020-12), CVE Record Format 5.1.1
//! (bundled, draft-07) and the CISA KEV catalog (draft-07). Each validator is compiled once per process, on first
//! use. Format keywords (`date-time`, `uri`, `date`) are asserted for all three, so that a record whose timestamps
//! do not parse is rejected with the pointer of the value rather than later by the model.

use jsonschema::Validator;
use serde_json::Value;

use super::error::IntelError;
use crate::vendored::{self, parse, Validators};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntelSchema {
    Osv,
    /// The CVE schema's `oneOf` branch for published records. The two branches are validated separately (chosen by
    /// `cveMetadata.state`) so that errors point into the record instead of at a root-level `oneOf`.
    Cve5Published,
    /// The `oneOf` branch for rejected records.
    Cve5Rejected,
    /// The KEV catalog without its entries (`vulnerabilities` only has to be an array).
    KevEnvelope,
    /// One entry of `vulnerabilities` (`$defs/vulnerability`).
    KevEntry,
}

impl IntelSchema {
    const ALL: [IntelSchema; 5] = [
        IntelSchema::Osv,
        IntelSchema::Cve5Published,
        IntelSchema::Cve5Rejected,
        IntelSchema::KevEnvelope,
        IntelSchema::KevEntry,
    ];

    fn file(self) -> &'static str {
        match self {
            IntelSchema::Osv => "osv-schema.json",
            IntelSchema::Cve5Published | IntelSchema::Cve5Rejected => "CVE_JSON_bundled_5.1.1.json",
            IntelSchema::KevEnvelope | IntelSchema::KevEntry => "kev-schema.json",
        }
    }

    fn text(self) -> &'static str {
        match self {
            IntelSchema::Osv => include_str!("../../schemas/osv-schema.json"),
            IntelSchema::Cve5Published | IntelSchema::Cve5Rejected => {
                include_str!("../../schemas/CVE_JSON_bundled_5.1.1.json")
            }
            IntelSchema::KevEnvelope | IntelSchema::KevEntry => {
                include_str!("../../schemas/kev-schema.json")
            }
        }
    }
}

static VALIDATORS: Validators<5> = Validators::new();

/// Checks `doc`; the first violation (in the validator's order) is reported with its JSON Pointer.
pub(crate) fn validate(id: IntelSchema, doc: &Value) -> Result<(), IntelError> {
    let validator = VALIDATORS
        .get(id as usize, || compile(id))
        .map_err(|message| IntelError::SchemaSetup {
            schema: id.file(),
            message,
        })?;
    validator.validate(doc).map_err(|e| {
        let (pointer, message) = vendored::describe(&e);
        IntelError::Schema { pointer, message }
    })
}

fn compile(id: IntelSchema) -> Result<Validator, String> {
    let mut schema: Value = parse(id.text())?;
    match id {
        IntelSchema::KevEnvelope => {
            // Entries are checked one by one (KevEntry) so that one bad entry rejects that entry, not the catalog.
            let items = schema
                .pointer_mut("/properties/vulnerabilities/items")
                .ok_or("kev schema: no /properties/vulnerabilities/items")?;
            *items = serde_json::json!({});
        }
        IntelSchema::KevEntry => {
            let defs = schema.get("$defs").cloned().ok_or("kev schema: no $defs")?;
            schema = serde_json::json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "$ref": "#/$defs/vulnerability",
                "$defs": defs,
            });
        }
        IntelSchema::Cve5Published | IntelSchema::Cve5Rejected => {
            let title = if id == IntelSchema::Cve5Published {
                "Published"
            } else {
                "Rejected"
            };
            let branch = schema
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|b| {
                    b.iter()
                        .find(|b| b.get("title").and_then(Value::as_str) == Some(title))
                })
                .cloned()
                .ok_or_else(|| format!("cve schema: no oneOf branch {title:?}"))?;
            let mut root = branch;
            for key in ["$schema", "$id", "definitions"] {
                if let (Some(v), Some(obj)) = (schema.get(key), root.as_object_mut()) {
                    obj.insert(key.to_string(), v.clone());
                }
            }
            schema = root;
        }
        IntelSchema::Osv => {}
    }
    let mut options = jsonschema::options()
        .offline()
        .should_validate_formats(true);
    if matches!(id, IntelSchema::Cve5Published | IntelSchema::Cve5Rejected) {
        // GitLab's CNA writes `affected[].repo` as `git://git@gitlab.com:gitlab-org/gitlab.git` (scp syntax in a
        // URL: not RFC 3986) on its records, and CVE Services publishes them: the official pipeline does not assert
        // strict URIs. A URI here only needs a scheme and no white space (5 of the 1151 sample records need this).
        options = options.with_format("uri", lenient_uri);
    }
    options.build(&schema).map_err(|e| e.to_string())
}

/// `scheme:rest` with an RFC 3986 scheme and no white space or control characters.
fn lenient_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Compiles every intel validator now (e.g. before a long import) instead of on first use.
pub fn warm_up_intel() -> Result<(), IntelError> {
    for id in IntelSchema::ALL {
        validate(id, &Value::Null).or_else(|e| match e {
            IntelError::Schema { .. } => Ok(()),
            other => Err(other),
        })?;
    }
    Ok(())
}
