//! The CISA Known Exploited Vulnerabilities catalog into one [`IntelRecord`] per entry.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::error::{IntelError, Locator, RecordError};
use super::schema::{validate, IntelSchema};
use super::{dates, push_unique, AffectedProduct, Exploited, IntelRecord, IntelSource, RawRecord};
use crate::ParseOptions;

/// A parsed catalog. The envelope (catalogVersion, dateReleased, count, vulnerabilities) must be valid or the whole
/// catalog is rejected; entries are checked one by one, so a bad entry is one `Err` in `records` (its locator's
/// `index` says which) and the others are kept.
#[derive(Debug)]
pub struct KevCatalog {
    pub catalog_version: String,
    pub date_released: OffsetDateTime,
    /// The catalog's own `count` (compare with `records.len()`).
    pub count: u64,
    pub records: Vec<Result<IntelRecord, RecordError>>,
}

/// Parses a KEV catalog (`known_exploited_vulnerabilities.json`). `file` names it in the entries' locators.
pub fn parse_kev(
    bytes: &[u8],
    file: &str,
    options: &ParseOptions,
) -> Result<KevCatalog, IntelError> {
    let value = super::error::parse_value(bytes)?;
    kev_from_value(value, file, options)
}

pub(crate) fn kev_from_value(
    mut value: Value,
    file: &str,
    options: &ParseOptions,
) -> Result<KevCatalog, IntelError> {
    if options.validate {
        validate(IntelSchema::KevEnvelope, &value)?;
    }
    let envelope = EnvelopeDoc::deserialize(&value).map_err(|e| IntelError::from_json(&e, ""))?;
    let date_released = dates::timestamp(&envelope.date_released, "/dateReleased")?;
    let entries = match value.get_mut("vulnerabilities").map(Value::take) {
        Some(Value::Array(v)) => v,
        _ => return Err(IntelError::model("/vulnerabilities", "not an array")),
    };
    let at = Locator::file(file);
    let records = entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let mut record = entry_from_value(entry, options);
            if let Ok(Some(e)) = record.as_mut().map(|r| r.exploited.as_mut()) {
                e.catalog_released = Some(date_released);
                e.catalog_count = Some(envelope.count);
            }
            record.map_err(|error| RecordError {
                locator: Locator {
                    index: Some(i),
                    ..at.clone()
                },
                error: in_catalog(error, i),
            })
        })
        .collect();
    Ok(KevCatalog {
        catalog_version: envelope.catalog_version,
        date_released,
        count: envelope.count,
        records,
    })
}

/// Makes an entry's error pointer absolute in the catalog (`/dueDate` → `/vulnerabilities/7/dueDate`).
fn in_catalog(error: IntelError, i: usize) -> IntelError {
    match error {
        IntelError::Schema { pointer, message } => IntelError::Schema {
            pointer: format!("/vulnerabilities/{i}{pointer}"),
            message,
        },
        IntelError::Model { pointer, message } => IntelError::Model {
            pointer: format!("/vulnerabilities/{i}{pointer}"),
            message,
        },
        other => other,
    }
}

/// One `vulnerabilities[]` entry; pointers in its errors are relative to the entry (made absolute by the caller).
fn entry_from_value(value: Value, options: &ParseOptions) -> Result<IntelRecord, IntelError> {
    if options.validate {
        validate(IntelSchema::KevEntry, &value)?;
    }
    let e = EntryDoc::deserialize(&value).map_err(|e| IntelError::from_json(&e, ""))?;
    let mut r = IntelRecord::new(IntelSource::Kev, e.cve_id, RawRecord::default());
    r.summary = Some(e.vulnerability_name);
    r.details = Some(e.short_description);
    for c in &e.cwes {
        push_unique(&mut r.cwe_ids, c, "");
    }
    r.exploited = Some(Exploited {
        date_added: Some(dates::date(&e.date_added, "/dateAdded")?),
        due_date: Some(dates::date(&e.due_date, "/dueDate")?),
        known_ransomware_use: e
            .known_ransomware_campaign_use
            .as_deref()
            .map(|k| k == "Known"),
        required_action: Some(e.required_action),
        notes: e.notes.filter(|n| !n.is_empty()),
        reference: None,
        catalog_released: None,
        catalog_count: None,
    });
    r.products.push(AffectedProduct {
        vendor: Some(e.vendor_project),
        product: Some(e.product),
        package_name: None,
        collection_url: None,
        cpes: Vec::new(),
        default_status: None,
        versions: Vec::new(),
        ranges: None,
    });
    r.raw = RawRecord::from_value(&value);
    Ok(r)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeDoc {
    catalog_version: String,
    date_released: String,
    count: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryDoc {
    #[serde(rename = "cveID")]
    cve_id: String,
    vendor_project: String,
    product: String,
    vulnerability_name: String,
    date_added: String,
    short_description: String,
    required_action: String,
    due_date: String,
    known_ransomware_campaign_use: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    cwes: Vec<String>,
}
