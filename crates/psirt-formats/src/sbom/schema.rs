//! Format detection and validation against the vendored official schemas.
//!
//! The schemas are compiled into the binary (`include_str!`) and registered under their `$id` URLs, so the
//! CycloneDX schemas' relative `$ref`s (`spdx.schema.json`, `jsf-0.82.schema.json`) resolve offline. Each
//! validator is compiled once per process, on first use (`crate::vendored`) (compiling bom-1.6 takes milliseconds, validating is the
//! hot path).

use jsonschema::{Registry, Validator};
use serde_json::Value;

use crate::error::SbomError;
use crate::vendored::{self, parse, Validators};

const CDX_BASE: &str = "http://cyclonedx.org/schema/";
const SPDX_LICENSES: &str = include_str!("../../schemas/spdx.schema.json");
const JSF: &str = include_str!("../../schemas/jsf-0.82.schema.json");

/// A format version we can validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaId {
    Cdx14,
    Cdx15,
    Cdx16,
    Spdx23,
}

impl SchemaId {
    const ALL: [SchemaId; 4] = [
        SchemaId::Cdx14,
        SchemaId::Cdx15,
        SchemaId::Cdx16,
        SchemaId::Spdx23,
    ];

    pub(crate) fn spec_version(self) -> &'static str {
        match self {
            SchemaId::Cdx14 => "1.4",
            SchemaId::Cdx15 => "1.5",
            SchemaId::Cdx16 => "1.6",
            SchemaId::Spdx23 => "2.3",
        }
    }

    fn file(self) -> &'static str {
        match self {
            SchemaId::Cdx14 => "bom-1.4.schema.json",
            SchemaId::Cdx15 => "bom-1.5.schema.json",
            SchemaId::Cdx16 => "bom-1.6.schema.json",
            SchemaId::Spdx23 => "spdx-2.3.schema.json",
        }
    }

    fn text(self) -> &'static str {
        match self {
            SchemaId::Cdx14 => include_str!("../../schemas/bom-1.4.schema.json"),
            SchemaId::Cdx15 => include_str!("../../schemas/bom-1.5.schema.json"),
            SchemaId::Cdx16 => include_str!("../../schemas/bom-1.6.schema.json"),
            SchemaId::Spdx23 => include_str!("../../schemas/spdx-2.3.schema.json"),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The version an SPDX 3 (JSON-LD, told by its `@context`) document is refused as.
pub const SPDX3_JSON_LD: &str = "3 (JSON-LD)";

/// Tells CycloneDX from SPDX by the top-level fields and picks the schema version.
pub(crate) fn detect(
    bom_format: Option<&Value>,
    spec_version: Option<&Value>,
    spdx_version: Option<&Value>,
    context: Option<&Value>,
) -> Result<SchemaId, SbomError> {
    if let Some(v) = spdx_version {
        return match v.as_str() {
            Some("SPDX-2.3") => Ok(SchemaId::Spdx23),
            _ => Err(unsupported("SPDX", "/spdxVersion", v, "SPDX-2.3")),
        };
    }
    if bom_format.is_some() || spec_version.is_some() {
        // bomFormat's value itself is left to the schema (its `enum`), which reports it with a pointer.
        let Some(v) = spec_version else {
            return Err(SbomError::UnknownFormat(
                "bomFormat without specVersion (CycloneDX)".into(),
            ));
        };
        return match v.as_str() {
            Some("1.4") => Ok(SchemaId::Cdx14),
            Some("1.5") => Ok(SchemaId::Cdx15),
            Some("1.6") => Ok(SchemaId::Cdx16),
            _ => Err(unsupported("CycloneDX", "/specVersion", v, "1.4, 1.5, 1.6")),
        };
    }
    if context.is_some_and(|c| c.to_string().contains("spdx.org/rdf/3")) {
        return Err(SbomError::UnsupportedVersion {
            format: "SPDX",
            version: SPDX3_JSON_LD.into(),
            supported: "SPDX-2.3",
        });
    }
    Err(SbomError::UnknownFormat(
        "expected bomFormat/specVersion (CycloneDX) or spdxVersion (SPDX) at the top level".into(),
    ))
}

/// A version psirt does not read; a version that is no string at all (`"specVersion": 1.5`) is what the schemas
/// would say of it: a schema violation at its pointer.
fn unsupported(
    format: &'static str,
    pointer: &str,
    v: &Value,
    supported: &'static str,
) -> SbomError {
    match v.as_str() {
        Some(version) => SbomError::UnsupportedVersion {
            format,
            version: version.to_owned(),
            supported,
        },
        None => SbomError::Schema {
            pointer: pointer.to_owned(),
            message: format!("{v} is not of type \"string\" ({format} versions: {supported})"),
        },
    }
}

static VALIDATORS: Validators<4> = Validators::new();

/// Checks `doc` against its schema; the first violation rejects it.
pub(crate) fn validate(id: SchemaId, doc: &Value) -> Result<(), SbomError> {
    let validator = VALIDATORS
        .get(id.index(), || compile(id))
        .map_err(|message| SbomError::SchemaSetup {
            schema: id.file(),
            message,
        })?;
    validator.validate(doc).map_err(|e| {
        let (pointer, message) = vendored::describe(&e);
        SbomError::Schema { pointer, message }
    })
}

fn compile(id: SchemaId) -> Result<Validator, String> {
    let mut schema = parse(id.text())?;
    if id == SchemaId::Spdx23 {
        accept_underscore_categories(&mut schema)?;
    }
    let (licenses, jsf) = (parse(SPDX_LICENSES)?, parse(JSF)?);
    let registry = Registry::new()
        .add(format!("{CDX_BASE}spdx.schema.json"), licenses)
        .and_then(|r| r.add(format!("{CDX_BASE}jsf-0.82.schema.json"), jsf))
        .and_then(|r| r.prepare())
        .map_err(|e| e.to_string())?;
    jsonschema::options()
        .with_registry(&registry)
        .offline()
        // Generators commonly write git scp-style locations (`git@github.com:org/repo.git`) into
        // externalReferences[].url, which are not IRI references; the importer never reads those URLs, so one bad
        // link must not reject the SBOM. The other formats (date-time, idn-email, uri) stay strictly checked.
        .with_format("iri-reference", |_: &str| true)
        .build(&schema)
        .map_err(|e| e.to_string())
}

/// SPDX 2.2's schema spelt the external reference categories `PACKAGE_MANAGER` and `PERSISTENT_ID`, 2.3's
/// `PACKAGE-MANAGER` and `PERSISTENT-ID`; 2.3.1 took both back (spdx-spec #792), and tools of the 2.2 era write the
/// underscores into 2.3 documents. Both spellings are valid here, as in 2.3.1.
fn accept_underscore_categories(schema: &mut Value) -> Result<(), String> {
    const CATEGORY: &str =
        "/properties/packages/items/properties/externalRefs/items/properties/referenceCategory/enum";
    let categories = schema
        .pointer_mut(CATEGORY)
        .and_then(Value::as_array_mut)
        .ok_or_else(|| format!("the SPDX 2.3 schema has no {CATEGORY}"))?;
    for spelling in ["PACKAGE_MANAGER", "PERSISTENT_ID"] {
        if !categories.iter().any(|c| c == spelling) {
            categories.push(Value::from(spelling));
        }
    }
    Ok(())
}

/// Compiles every validator now (e.g. at server start-up) instead of on the first import of each version.
pub fn warm_up() -> Result<(), SbomError> {
    for id in SchemaId::ALL {
        validate(id, &Value::Null).or_else(|e| match e {
            SbomError::Schema { .. } => Ok(()),
            other => Err(other),
        })?;
    }
    Ok(())
}
