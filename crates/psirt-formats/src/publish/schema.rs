//! The schemas published documents are checked against before they leave: CSAF 2.0 (with FIRST's
//! CVSS schemas it `$ref`s, registered under their URLs so nothing is fetched), CSAF provider
//! metadata, CVE JSON 5.1.1 (record and CNA container) and OSV. Formats are asserted: we write
//! these documents, so a malformed date or URI is our bug. Each validator is compiled once per
//! process, on first use. Unlike import, every violation is reported, each with its JSON Pointer.

use jsonschema::{Registry, Validator};
use serde_json::{json, Value};

use super::PublishError;
use crate::vendored::{self, parse, Validators};

const CSAF: &str = include_str!("../../schemas/csaf_json_schema.json");
const CSAF_ID: &str = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";
const CVE: &str = include_str!("../../schemas/CVE_JSON_bundled_5.1.1.json");
const CVSS: [(&str, &str); 3] = [
    (
        "https://www.first.org/cvss/cvss-v2.0.json",
        include_str!("../../schemas/cvss-v2.0.json"),
    ),
    (
        "https://www.first.org/cvss/cvss-v3.0.json",
        include_str!("../../schemas/cvss-v3.0.json"),
    ),
    (
        "https://www.first.org/cvss/cvss-v3.1.json",
        include_str!("../../schemas/cvss-v3.1.json"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishSchema {
    /// A CSAF 2.0 document (any profile).
    Csaf,
    /// CSAF 2.0 `provider-metadata.json`.
    Provider,
    /// A published CVE record (the `Published` branch of the 5.1.1 bundle).
    CveRecord,
    /// A CNA container as CVE Services' `POST cve/{id}/cna` takes it.
    CveCnaContainer,
    Osv,
}

impl PublishSchema {
    pub fn name(self) -> &'static str {
        match self {
            PublishSchema::Csaf => "CSAF 2.0",
            PublishSchema::Provider => "CSAF 2.0 provider metadata",
            PublishSchema::CveRecord => "CVE JSON 5.1.1 record",
            PublishSchema::CveCnaContainer => "CVE JSON 5.1.1 CNA container",
            PublishSchema::Osv => "OSV",
        }
    }
}

/// One violation: where (JSON Pointer, "" = root) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    pub pointer: String,
    pub message: String,
}

static VALIDATORS: Validators<5> = Validators::new();

/// Every violation of `doc` against `schema` (`Ok` when there is none).
pub fn validate(schema: PublishSchema, doc: &Value) -> Result<(), PublishError> {
    let validator = VALIDATORS
        .get(schema as usize, || compile(schema))
        .map_err(|message| PublishError::SchemaSetup {
            schema: schema.name(),
            message,
        })?;
    let violations: Vec<SchemaViolation> = validator
        .iter_errors(doc)
        .map(|e| {
            let (pointer, message) = vendored::describe(&e);
            SchemaViolation { pointer, message }
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(PublishError::Invalid {
            schema: schema.name(),
            violations,
        })
    }
}

fn compile(schema: PublishSchema) -> Result<Validator, String> {
    let mut registry = Registry::new();
    for (url, text) in CVSS {
        registry = registry.add(url, parse(text)?).map_err(|e| e.to_string())?;
    }
    let root = match schema {
        PublishSchema::Csaf => parse(CSAF)?,
        PublishSchema::Provider => {
            registry = registry
                .add(CSAF_ID, parse(CSAF)?)
                .map_err(|e| e.to_string())?;
            parse(include_str!("../../schemas/provider_json_schema.json"))?
        }
        PublishSchema::CveRecord => cve_branch(parse(CVE)?, "Published")?,
        PublishSchema::CveCnaContainer => {
            let bundle = parse(CVE)?;
            json!({
                "$schema": bundle.get("$schema"),
                "$ref": "#/definitions/cnaPublishedContainer",
                "definitions": bundle.get("definitions"),
            })
        }
        PublishSchema::Osv => parse(include_str!("../../schemas/osv-schema.json"))?,
    };
    let registry = registry.prepare().map_err(|e| e.to_string())?;
    jsonschema::options()
        .with_registry(&registry)
        .offline()
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| e.to_string())
}

/// The bundle's `oneOf` branch titled `title`, with the bundle's definitions (so that errors point
/// into the record instead of at a root-level `oneOf`).
fn cve_branch(bundle: Value, title: &str) -> Result<Value, String> {
    let mut branch = bundle
        .get("oneOf")
        .and_then(Value::as_array)
        .and_then(|b| {
            b.iter()
                .find(|b| b.get("title").and_then(Value::as_str) == Some(title))
        })
        .cloned()
        .ok_or_else(|| format!("cve schema: no oneOf branch {title:?}"))?;
    for key in ["$schema", "$id", "definitions"] {
        if let (Some(v), Some(obj)) = (bundle.get(key), branch.as_object_mut()) {
            obj.insert(key.to_string(), v.clone());
        }
    }
    Ok(branch)
}
