//! CVE Record Format 5.x records (cvelistV5, Vulnrichment) into [`IntelRecord`]s. The mapping decisions are in the
//! module doc of [`crate::intel`].

use psirt_versions::{CompiledAffected, Ecosystem, Event, OsvAffectedRanges, OsvRange, RangeKind};
use serde::Deserialize;
use serde_json::Value;

use super::error::IntelError;
use super::schema::{validate, IntelSchema};
use super::{
    dates, package, push_unique, AffectedPackage, AffectedProduct, Exploited, IntelRecord,
    IntelSource, ProductVersion, RawRecord, Reference, Severity, SeverityKind, Ssvc,
};
use crate::ParseOptions;

/// Parses and (by default) validates one CVE 5 record (a whole record, `dataType: CVE_RECORD`, not a bare
/// container).
pub fn parse_cve5(bytes: &[u8], options: &ParseOptions) -> Result<IntelRecord, IntelError> {
    let value = super::error::parse_value(bytes)?;
    cve5_from_value(value, options)
}

pub(crate) fn cve5_from_value(
    value: Value,
    options: &ParseOptions,
) -> Result<IntelRecord, IntelError> {
    if options.validate {
        let rejected =
            value.pointer("/cveMetadata/state").and_then(Value::as_str) == Some("REJECTED");
        let branch = if rejected {
            IntelSchema::Cve5Rejected
        } else {
            IntelSchema::Cve5Published
        };
        validate(branch, &value)?;
    }
    let doc = CveDoc::deserialize(&value).map_err(|e| IntelError::from_json(&e, ""))?;
    let meta = doc.cve_metadata;
    let id = meta.cve_id;
    let mut r = IntelRecord::new(IntelSource::Cve5, id.clone(), RawRecord::default());
    r.published =
        dates::opt_timestamp(meta.date_published.as_deref(), "/cveMetadata/datePublished")?;
    r.modified = dates::opt_timestamp(meta.date_updated.as_deref(), "/cveMetadata/dateUpdated")?;
    let cna = doc.containers.cna.unwrap_or_default();
    if meta.state == "REJECTED" {
        let rejected =
            dates::opt_timestamp(meta.date_rejected.as_deref(), "/cveMetadata/dateRejected")?;
        // Every rejected record gets a withdrawn time, so `is_withdrawn` never depends on optional dates.
        r.withdrawn = rejected
            .or(r.modified)
            .or(r.published)
            .or(Some(time::OffsetDateTime::UNIX_EPOCH));
        r.details = english(&cna.rejected_reasons);
        r.raw = RawRecord::from_value(&value);
        return Ok(r);
    }
    r.summary = cna.title.clone();
    r.details = english(&cna.descriptions);
    for x in &cna.references {
        r.references.push(Reference {
            kind: (!x.tags.is_empty()).then(|| x.tags.join(",")),
            url: x.url.clone(),
        });
        if let Some(ghsa) = ghsa_in(&x.url) {
            push_unique(&mut r.aliases, ghsa, &id);
        }
    }
    for c in std::iter::once(&cna).chain(doc.containers.adp.iter()) {
        let provider = c
            .provider_metadata
            .as_ref()
            .and_then(|p| p.short_name.clone());
        for m in &c.metrics {
            add_metric(&mut r, m, provider.as_deref())?;
        }
        for pt in &c.problem_types {
            for d in &pt.descriptions {
                // Some CNAs write the CWE only in the text ("CWE-352 Cross-Site Request Forgery (CSRF)").
                let cwe = d
                    .cwe_id
                    .clone()
                    .or_else(|| cwe_in_text(d.description.as_deref()?));
                if let Some(cwe) = cwe {
                    push_unique(&mut r.cwe_ids, &cwe, "");
                }
            }
        }
    }
    for a in &cna.affected {
        let known = match (&a.package_name, &a.collection_url) {
            (Some(_), Some(url)) => package::ecosystem_of_collection(url),
            _ => None,
        };
        let ranges = convert_versions(a, known);
        if let (Some(eco), Some(name), Some(ranges)) = (known, &a.package_name, &ranges) {
            r.affected.push(AffectedPackage {
                ecosystem: eco.to_string(),
                name: name.clone(),
                purl: package::purl_for(eco, name).map(std::sync::Arc::new),
                ranges: ranges.clone(),
                severity: Vec::new(),
            });
        }
        r.products.push(AffectedProduct {
            vendor: a.vendor.clone(),
            product: a.product.clone(),
            package_name: a.package_name.clone(),
            collection_url: a.collection_url.clone(),
            cpes: a.cpes.clone(),
            default_status: a.default_status.clone(),
            versions: a
                .versions
                .iter()
                .map(|v| ProductVersion {
                    version: v.version.clone(),
                    status: v.status.clone(),
                    version_type: v.version_type.clone(),
                    less_than: v.less_than.clone(),
                    less_than_or_equal: v.less_than_or_equal.clone(),
                    changes: v
                        .changes
                        .iter()
                        .map(|c| (c.at.clone(), c.status.clone()))
                        .collect(),
                })
                .collect(),
            ranges,
        });
    }
    r.raw = RawRecord::from_value(&value);
    Ok(r)
}

fn add_metric(
    r: &mut IntelRecord,
    m: &MetricDoc,
    provider: Option<&str>,
) -> Result<(), IntelError> {
    let cvss = [
        (SeverityKind::CvssV4, &m.cvss_v4_0),
        (SeverityKind::CvssV3, &m.cvss_v3_1),
        (SeverityKind::CvssV3, &m.cvss_v3_0),
        (SeverityKind::CvssV2, &m.cvss_v2_0),
    ];
    for (kind, c) in cvss {
        if let Some(c) = c {
            let dup = r
                .severity
                .iter()
                .any(|s| s.score == c.vector_string && s.provider.as_deref() == provider);
            if !dup {
                r.severity.push(Severity {
                    kind,
                    score: c.vector_string.clone(),
                    base_score: c.base_score,
                    provider: provider.map(str::to_string),
                });
            }
        }
    }
    let Some(other) = &m.other else { return Ok(()) };
    match other.kind.as_str() {
        "kev" if r.exploited.is_none() => {
            let date_added = other
                .content
                .get("dateAdded")
                .and_then(Value::as_str)
                .map(|d| dates::date(d, "/containers/adp/metrics/other/content/dateAdded"))
                .transpose()?;
            r.exploited = Some(Exploited {
                date_added,
                due_date: None,
                known_ransomware_use: None,
                required_action: None,
                notes: None,
                reference: other
                    .content
                    .get("reference")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                catalog_released: None,
                catalog_count: None,
            });
        }
        "ssvc" if r.ssvc.is_none() => {
            // options: [{"Exploitation": "active"}, {"Automatable": "no"}, {"Technical Impact": "total"}]
            let option = |key: &str| {
                other
                    .content
                    .get("options")?
                    .as_array()?
                    .iter()
                    .find_map(|o| o.get(key)?.as_str().map(str::to_string))
            };
            let timestamp = other.content.get("timestamp").and_then(Value::as_str);
            r.ssvc = Some(Ssvc {
                exploitation: option("Exploitation"),
                automatable: option("Automatable"),
                technical_impact: option("Technical Impact"),
                version: other
                    .content
                    .get("version")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                timestamp: dates::opt_timestamp(
                    timestamp,
                    "/containers/adp/metrics/other/content/timestamp",
                )?,
            });
        }
        _ => {}
    }
    Ok(())
}

/// The first English description (`en`, `en-US`, …), else the first one.
fn english(d: &[DescriptionDoc]) -> Option<String> {
    d.iter()
        .find(|d| d.lang.starts_with("en"))
        .or_else(|| d.first())
        .map(|d| d.value.clone())
}

/// A GHSA id in a GitHub advisory URL (`/advisories/GHSA-…` or `/security/advisories/GHSA-…`).
fn ghsa_in(url: &str) -> Option<&str> {
    if !url.contains("github.com/") || !url.contains("/advisories/GHSA-") {
        return None;
    }
    let start = url.find("GHSA-")?;
    let id = url.get(start..start + 19)?;
    let ok = id[5..].split('-').count() == 3
        && id[5..]
            .split('-')
            .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    ok.then_some(id)
}

/// The ecosystem (and range kind) whose scheme a `versionType` names. `semver` takes the package's ecosystem when
/// known, else the placeholder ecosystem `semver` (SEMVER ranges compare the same whatever the ecosystem).
fn scheme_of(version_type: &str, known: Option<&str>) -> Option<(RangeKind, Ecosystem)> {
    let known_eco = known.and_then(|k| Ecosystem::from_osv(k).ok());
    if version_type.eq_ignore_ascii_case("semver") {
        let eco = known_eco.unwrap_or_else(|| Ecosystem::Other("semver".into()));
        return Some((RangeKind::Semver, eco));
    }
    let eco = match version_type.to_ascii_lowercase().as_str() {
        "maven" => Ecosystem::Maven,
        "python" | "pypi" | "pep440" => Ecosystem::PyPI,
        "npm" => Ecosystem::Npm,
        "rpm" => Ecosystem::RedHat,
        "deb" | "debian" | "dpkg" => Ecosystem::Debian,
        "apk" | "alpine" => Ecosystem::Alpine,
        "nuget" => Ecosystem::NuGet,
        "gem" | "rubygems" => Ecosystem::RubyGems,
        "composer" | "packagist" => Ecosystem::Packagist,
        "cargo" | "crates.io" => Ecosystem::CratesIo,
        "go" | "golang" => Ecosystem::Go,
        "pub" => Ecosystem::Pub,
        "cran" => Ecosystem::Cran,
        "hackage" => Ecosystem::Hackage,
        _ => return None,
    };
    // A registry package with another ecosystem's version type is contradictory: not converted.
    match known_eco {
        Some(k) if k != eco => None,
        _ => Some((RangeKind::Ecosystem, eco)),
    }
}

/// "From the start" spellings of a CVE start version.
fn is_start(v: &str) -> bool {
    matches!(v.trim(), "" | "0" | "*" | "n/a" | "unspecified")
}

/// The `versions[]` of one CVE `affected[]` entry as OSV ranges, when they convert (module doc of `intel`).
fn convert_versions(a: &AffectedDoc, known: Option<&str>) -> Option<OsvAffectedRanges> {
    let default_affected = a.default_status.as_deref() == Some("affected");
    if default_affected && a.versions.iter().any(|v| v.status == "unaffected") {
        return None; // "all but these" has no OSV form
    }
    // Entries that can make a version affected: affected ones, and ranges whose `changes` switch to affected.
    let contributing: Vec<&VersionDoc> = a
        .versions
        .iter()
        .filter(|v| v.status == "affected" || v.changes.iter().any(|c| c.status == "affected"))
        .collect();
    if contributing.is_empty() && !default_affected {
        return None;
    }
    // One scheme for the whole entry: from the typed entries, else from the registry.
    let mut scheme: Option<(RangeKind, Ecosystem)> = None;
    for v in &contributing {
        if let Some(t) = &v.version_type {
            let s = scheme_of(t, known)?;
            match &scheme {
                Some(prev) if *prev != s => return None,
                _ => scheme = Some(s),
            }
        }
    }
    let (kind, ecosystem) = match scheme {
        Some(s) => s,
        None => (RangeKind::Ecosystem, Ecosystem::from_osv(known?).ok()?),
    };
    let mut out = OsvAffectedRanges {
        ecosystem,
        ranges: Vec::new(),
        versions: Vec::new(),
    };
    if default_affected {
        out.ranges.push(OsvRange {
            kind,
            events: vec![Event::Introduced("0".into())],
            repo: None,
        });
    }
    for v in contributing {
        let is_range =
            v.less_than.is_some() || v.less_than_or_equal.is_some() || !v.changes.is_empty();
        if !is_range {
            if is_start(&v.version) {
                return None; // "n/a" alone says nothing about which versions
            }
            out.versions.push(v.version.clone());
            continue;
        }
        // Walk the range as CVE 5 defines it: status from `version`, switched by each change, up to the bound.
        let mut affected = v.status == "affected";
        let mut events = Vec::new();
        if affected {
            let start = if is_start(&v.version) {
                "0"
            } else {
                v.version.as_str()
            };
            events.push(Event::Introduced(start.to_string()));
        }
        for c in &v.changes {
            match (c.status.as_str(), affected) {
                ("affected", false) => events.push(Event::Introduced(c.at.clone())),
                ("unaffected", true) => events.push(Event::Fixed(c.at.clone())),
                ("affected" | "unaffected", _) => {}
                _ => return None, // "unknown" inside a range: not expressible
            }
            affected = c.status == "affected";
        }
        if affected {
            match (&v.less_than, &v.less_than_or_equal) {
                (Some(lt), _) if lt.trim() != "*" => events.push(Event::Fixed(lt.clone())),
                (None, Some(le)) if le.trim() != "*" => {
                    events.push(Event::LastAffected(le.clone()))
                }
                _ => {}
            }
        }
        out.ranges.push(OsvRange {
            kind,
            events,
            repo: None,
        });
    }
    // Ranges the matcher could not evaluate (unparsable versions) are worse than none.
    CompiledAffected::compile(&out).ok()?;
    Some(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CveDoc {
    cve_metadata: MetaDoc,
    containers: ContainersDoc,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaDoc {
    cve_id: String,
    state: String,
    date_published: Option<String>,
    date_updated: Option<String>,
    date_rejected: Option<String>,
}

#[derive(Deserialize)]
struct ContainersDoc {
    cna: Option<ContainerDoc>,
    #[serde(default)]
    adp: Vec<ContainerDoc>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ContainerDoc {
    provider_metadata: Option<ProviderDoc>,
    title: Option<String>,
    descriptions: Vec<DescriptionDoc>,
    rejected_reasons: Vec<DescriptionDoc>,
    affected: Vec<AffectedDoc>,
    metrics: Vec<MetricDoc>,
    problem_types: Vec<ProblemTypeDoc>,
    references: Vec<ReferenceDoc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProviderDoc {
    short_name: Option<String>,
}

#[derive(Deserialize)]
struct DescriptionDoc {
    lang: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AffectedDoc {
    vendor: Option<String>,
    product: Option<String>,
    package_name: Option<String>,
    #[serde(rename = "collectionURL")]
    collection_url: Option<String>,
    #[serde(default)]
    cpes: Vec<String>,
    default_status: Option<String>,
    #[serde(default)]
    versions: Vec<VersionDoc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionDoc {
    version: String,
    status: String,
    version_type: Option<String>,
    less_than: Option<String>,
    less_than_or_equal: Option<String>,
    #[serde(default)]
    changes: Vec<ChangeDoc>,
}

#[derive(Deserialize)]
struct ChangeDoc {
    at: String,
    status: String,
}

#[derive(Deserialize)]
struct MetricDoc {
    #[serde(rename = "cvssV4_0")]
    cvss_v4_0: Option<CvssDoc>,
    #[serde(rename = "cvssV3_1")]
    cvss_v3_1: Option<CvssDoc>,
    #[serde(rename = "cvssV3_0")]
    cvss_v3_0: Option<CvssDoc>,
    #[serde(rename = "cvssV2_0")]
    cvss_v2_0: Option<CvssDoc>,
    other: Option<OtherDoc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CvssDoc {
    vector_string: String,
    base_score: Option<f64>,
}

#[derive(Deserialize)]
struct OtherDoc {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    content: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemTypeDoc {
    #[serde(default)]
    descriptions: Vec<ProblemDescriptionDoc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemDescriptionDoc {
    cwe_id: Option<String>,
    description: Option<String>,
}

/// The CWE id a problem type's text starts with (`CWE-352 Cross-Site …`), if any.
fn cwe_in_text(text: &str) -> Option<String> {
    let digits = text.strip_prefix("CWE-")?;
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    let after = digits[n..].chars().next();
    (n > 0 && after.is_none_or(|c| !c.is_alphanumeric())).then(|| format!("CWE-{}", &digits[..n]))
}

#[derive(Deserialize)]
struct ReferenceDoc {
    url: String,
    #[serde(default)]
    tags: Vec<String>,
}
