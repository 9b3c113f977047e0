//! Validation against the vendored official schemas: OSV (ossf/osv-schema, draft 2020-12), CVE Record Format 5.1.1
//! (bundled, draft-07) and the CISA KEV catalog (draft-07). Each validator is compiled once per process, on first
//! use. Format keywords (`date-time`, `uri`, `date`) are asserted for all three, so that a record whose timestamps
//! do not parse is rejected with the pointer of the value rather than later by the model.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use super::error::IntelError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntelSchema {
    Osv,
    Cve5,
    /// The KEV catalog without its entries (`vulnerabilities` only has to be an array).
    KevEnvelope,
    /// One entry of `vulnerabilities` (`$defs/vulnerability`).
    KevEntry,
}

impl IntelSchema {
    const ALL: [IntelSchema; 4] = [
        IntelSchema::Osv,
        IntelSchema::Cve5,
        IntelSchema::KevEnvelope,
        IntelSchema::KevEntry,
    ];

    fn file(self) -> &'static str {
        match self {
            IntelSchema::Osv => "osv-schema.json",
            IntelSchema::Cve5 => "CVE_JSON_bundled_5.1.1.json",
            IntelSchema::KevEnvelope | IntelSchema::KevEntry => "kev-schema.json",
        }
    }

    fn text(self) -> &'static str {
        match self {
            IntelSchema::Osv => include_str!("../../schemas/osv-schema.json"),
            IntelSchema::Cve5 => include_str!("../../schemas/CVE_JSON_bundled_5.1.1.json"),
            IntelSchema::KevEnvelope | IntelSchema::KevEntry => {
                include_str!("../../schemas/kev-schema.json")
            }
        }
    }
}

type Compiled = Result<Validator, String>;

static VALIDATORS: [OnceLock<Compiled>; 4] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

/// Checks `doc`; the first violation (in the validator's order) is reported with its JSON Pointer.
pub(crate) fn validate(id: IntelSchema, doc: &Value) -> Result<(), IntelError> {
    let validator = VALIDATORS[id as usize]
        .get_or_init(|| compile(id))
        .as_ref()
        .map_err(|message| IntelError::SchemaSetup {
            schema: id.file(),
            message: message.clone(),
        })?;
    validator.validate(doc).map_err(|e| {
        let full = e.to_string();
        // anyOf/oneOf errors print the whole offending value (possibly a large object): mask it, the pointer says
        // where it is.
        let message = if full.len() > 300 {
            e.masked().to_string()
        } else {
            full
        };
        IntelError::Schema {
            pointer: e.instance_path().as_str().to_string(),
            message,
        }
    })
}

fn compile(id: IntelSchema) -> Compiled {
    let mut schema: Value = serde_json::from_str(id.text()).map_err(|e| e.to_string())?;
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
        IntelSchema::Osv | IntelSchema::Cve5 => {}
    }
    jsonschema::options()
        .offline()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())
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
