//! OSV records (ossf/osv-schema) into [`IntelRecord`]s.

use psirt_versions::{Ecosystem, OsvAffectedRanges, OsvRange};
use serde::Deserialize;
use serde_json::Value;

use super::error::IntelError;
use super::schema::{validate, IntelSchema};
use super::{
    dates, package, push_unique, AffectedPackage, IntelRecord, IntelSource, Reference, Severity,
    SeverityKind,
};
use crate::ParseOptions;

/// Parses and (by default) validates one OSV record.
pub fn parse_osv(bytes: &[u8], options: &ParseOptions) -> Result<IntelRecord, IntelError> {
    let value = super::error::parse_value(bytes)?;
    osv_from_value(value, options)
}

pub(crate) fn osv_from_value(
    value: Value,
    options: &ParseOptions,
) -> Result<IntelRecord, IntelError> {
    if options.validate {
        validate(IntelSchema::Osv, &value)?;
    }
    let doc = OsvDoc::deserialize(&value).map_err(|e| IntelError::from_json(&e, ""))?;
    let mut r = IntelRecord::new(IntelSource::Osv, doc.id.clone(), Value::Null);
    for a in doc.aliases.iter().flatten() {
        push_unique(&mut r.aliases, a, &doc.id);
    }
    for a in doc.related.iter().flatten() {
        push_unique(&mut r.related, a, &doc.id);
    }
    for a in doc.upstream.iter().flatten() {
        push_unique(&mut r.upstream, a, &doc.id);
    }
    r.modified = dates::opt_timestamp(doc.modified.as_deref(), "/modified")?;
    r.published = dates::opt_timestamp(doc.published.as_deref(), "/published")?;
    r.withdrawn = dates::opt_timestamp(doc.withdrawn.as_deref(), "/withdrawn")?;
    r.summary = doc.summary;
    r.details = doc.details;
    r.severity = severities(doc.severity.unwrap_or_default());
    // GHSA (and some others) list CWEs in database_specific.cwe_ids; OSV itself has no CWE field.
    // Read in place: deserialising database_specific would deep-copy it (it can be large).
    if let Some(Value::Array(ids)) = value.pointer("/database_specific/cwe_ids") {
        for id in ids.iter().filter_map(Value::as_str) {
            push_unique(&mut r.cwe_ids, id, "");
        }
    }
    r.references = doc
        .references
        .unwrap_or_default()
        .into_iter()
        .map(|x| Reference {
            kind: x.kind,
            url: x.url,
        })
        .collect();
    for (i, a) in doc.affected.unwrap_or_default().into_iter().enumerate() {
        // An entry without a package (allowed by the schema) cannot be matched by package; it stays in `raw`.
        let Some(pkg) = a.package else { continue };
        let eco = Ecosystem::from_osv(&pkg.ecosystem).map_err(|e| {
            IntelError::model(format!("/affected/{i}/package/ecosystem"), e.to_string())
        })?;
        // Distro records repeat one package in many entries (one per module stream): reuse the previous purl.
        let same = r
            .affected
            .last()
            .filter(|p| p.ecosystem == pkg.ecosystem && p.name == pkg.name && pkg.purl.is_none());
        let purl = match same {
            Some(prev) => prev.purl.clone(),
            None => package::given_purl(pkg.purl.as_deref())
                .or_else(|| package::purl_for(&pkg.ecosystem, &pkg.name)),
        };
        r.affected.push(AffectedPackage {
            ecosystem: pkg.ecosystem,
            name: pkg.name,
            purl,
            ranges: OsvAffectedRanges {
                ecosystem: eco,
                ranges: a.ranges.unwrap_or_default(),
                versions: a.versions.unwrap_or_default(),
            },
            severity: severities(a.severity.unwrap_or_default()),
        });
    }
    r.raw = value;
    Ok(r)
}

fn severities(v: Vec<SeverityDoc>) -> Vec<Severity> {
    v.into_iter()
        .filter_map(|s| {
            let kind = match s.kind.as_str() {
                "CVSS_V2" => SeverityKind::CvssV2,
                "CVSS_V3" => SeverityKind::CvssV3,
                "CVSS_V4" => SeverityKind::CvssV4,
                "Ubuntu" => SeverityKind::Ubuntu,
                // Only reachable with validation off: the schema's enum has exactly these four.
                _ => return None,
            };
            Some(Severity {
                kind,
                score: s.score,
                base_score: None,
                provider: None,
            })
        })
        .collect()
}

/// The parts of an OSV record the model reads; unknown fields are ignored here (the schema judges them).
#[derive(Deserialize)]
struct OsvDoc {
    id: String,
    modified: Option<String>,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    related: Option<Vec<String>>,
    upstream: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<SeverityDoc>>,
    affected: Option<Vec<AffectedDoc>>,
    references: Option<Vec<ReferenceDoc>>,
}

#[derive(Deserialize)]
struct SeverityDoc {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct AffectedDoc {
    package: Option<PackageDoc>,
    severity: Option<Vec<SeverityDoc>>,
    ranges: Option<Vec<OsvRange>>,
    versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct PackageDoc {
    ecosystem: String,
    name: String,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct ReferenceDoc {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: String,
}
