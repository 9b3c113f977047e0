//! Other vendors' CSAF 2.0 documents into one [`IntelRecord`] each (source `csaf`).
//!
//! - A TLP:RED document is refused (intel is shown to every staff role); WHITE, GREEN and AMBER (shareable
//!   inside the organisation) are imported.
//! - Validated against the CSAF 2.0 schema (with FIRST's CVSS schemas); unlike the feeds, every
//!   violation is returned, each with its JSON Pointer ([`IntelError::SchemaViolations`]): a CSAF
//!   document is one upload, and its author wants the whole list.
//! - id = `tracking.id`; aliases = the CVE ids of the vulnerabilities; summary = title; details =
//!   the first `summary` (else `description`, `general`, `details`) note; modified / published =
//!   current / initial release dates; severity = every `cvss_v3` / `cvss_v2` vector; CWE ids of the
//!   vulnerabilities; references of the document and the vulnerabilities (kind = category).
//! - products: every product the vulnerabilities give a status, as an [`AffectedProduct`] with its
//!   vendor / product name / version from the product tree branches and CPE helper; status
//!   `affected` (known/first/last affected), `unaffected` (fixed, first fixed, known not affected)
//!   or `unknown` (under investigation).
//! - affected packages: affected products with a purl helper of an OSV ecosystem, one package per
//!   versionless purl with the affected versions listed exactly (CSAF states versions, not ranges).

use std::collections::BTreeMap;

use psirt_versions::{OsvAffectedRanges, Purl};
use serde_json::Value;

use super::error::IntelError;
use super::{
    dates, push_unique, AffectedPackage, AffectedProduct, IntelRecord, IntelSource, ProductVersion,
    RawRecord, Reference, Severity, SeverityKind,
};
use crate::publish::osv::osv_package;
use crate::publish::{validate, PublishError, PublishSchema};
use crate::ParseOptions;

/// What the product tree says about one product id.
#[derive(Debug, Clone, Default)]
struct ProductInfo {
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
    name: String,
    purl: Option<String>,
    cpe: Option<String>,
}

/// Parses and (by default) validates one CSAF 2.0 document.
pub fn parse_csaf(bytes: &[u8], options: &ParseOptions) -> Result<IntelRecord, IntelError> {
    csaf_from_value(super::error::parse_value(bytes)?, options)
}

pub(crate) fn csaf_from_value(
    value: Value,
    options: &ParseOptions,
) -> Result<IntelRecord, IntelError> {
    if options.validate {
        validate(PublishSchema::Csaf, &value).map_err(|e| match e {
            PublishError::Invalid { violations, .. } => IntelError::SchemaViolations(violations),
            PublishError::SchemaSetup { schema, message } => {
                IntelError::SchemaSetup { schema, message }
            }
            other => IntelError::model("", other.to_string()),
        })?;
    }
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let id = text(&value, "/document/tracking/id")
        .ok_or_else(|| IntelError::model("/document/tracking/id", "missing"))?;
    // Intel (the vulnerability page, purl search) is open to every staff role; TLP:RED is for its named
    // recipients only. AMBER may be shared inside the recipient's organisation, which staff are.
    const TLP: &str = "/document/distribution/tlp/label";
    if text(&value, TLP).is_some_and(|label| label.eq_ignore_ascii_case("RED")) {
        return Err(IntelError::model(
            TLP,
            "a TLP:RED document is not imported: intel is shown to every staff role",
        ));
    }
    let mut r = IntelRecord::new(IntelSource::Csaf, id.clone(), RawRecord::default());
    r.summary = text(&value, "/document/title");
    r.modified = dates::opt_timestamp(
        text(&value, "/document/tracking/current_release_date").as_deref(),
        "/document/tracking/current_release_date",
    )?;
    r.published = dates::opt_timestamp(
        text(&value, "/document/tracking/initial_release_date").as_deref(),
        "/document/tracking/initial_release_date",
    )?;
    let notes = array(&value, "/document/notes");
    r.details = ["summary", "description", "general", "details"]
        .iter()
        .find_map(|cat| {
            notes
                .iter()
                .find(|n| n.get("category").and_then(Value::as_str) == Some(cat))
        })
        .and_then(|n| text(n, "/text"));
    push_references(&mut r, array(&value, "/document/references"));
    let mut products = BTreeMap::new();
    collect_branches(
        array(&value, "/product_tree/branches"),
        &ProductInfo::default(),
        &mut products,
    );
    for p in array(&value, "/product_tree/full_product_names") {
        add_product(p, &ProductInfo::default(), &mut products);
    }
    for rel in array(&value, "/product_tree/relationships") {
        if let Some(p) = rel.get("full_product_name") {
            add_product(p, &ProductInfo::default(), &mut products);
        }
    }
    // product id → (status, purl) over all vulnerabilities; the first status seen wins.
    let mut statuses: BTreeMap<String, &'static str> = BTreeMap::new();
    for v in array(&value, "/vulnerabilities") {
        if let Some(cve) = v.get("cve").and_then(Value::as_str) {
            push_unique(&mut r.aliases, cve, &id);
        }
        if let Some(cwe) = v.pointer("/cwe/id").and_then(Value::as_str) {
            push_unique(&mut r.cwe_ids, cwe, "");
        }
        push_references(&mut r, array(v, "/references"));
        for s in array(v, "/scores") {
            for (key, kind) in [
                ("cvss_v3", SeverityKind::CvssV3),
                ("cvss_v2", SeverityKind::CvssV2),
            ] {
                if let Some(vector) = s.get(key).and_then(|c| text(c, "/vectorString")) {
                    if !r.severity.iter().any(|x| x.score == vector) {
                        r.severity.push(Severity {
                            kind,
                            score: vector,
                            base_score: s
                                .get(key)
                                .and_then(|c| c.get("baseScore"))
                                .and_then(Value::as_f64),
                            provider: None,
                        });
                    }
                }
            }
        }
        for (key, status) in [
            ("known_affected", "affected"),
            ("first_affected", "affected"),
            ("last_affected", "affected"),
            ("fixed", "unaffected"),
            ("first_fixed", "unaffected"),
            ("known_not_affected", "unaffected"),
            ("under_investigation", "unknown"),
        ] {
            for pid in array(v, &format!("/product_status/{key}"))
                .iter()
                .filter_map(Value::as_str)
            {
                statuses.entry(pid.to_owned()).or_insert(status);
            }
        }
    }
    let mut packages: BTreeMap<String, AffectedPackage> = BTreeMap::new();
    for (pid, status) in &statuses {
        let info = products.get(pid).cloned().unwrap_or_else(|| ProductInfo {
            name: pid.clone(),
            ..ProductInfo::default()
        });
        r.products.push(AffectedProduct {
            vendor: info.vendor.clone(),
            product: info.product.clone().or_else(|| Some(info.name.clone())),
            package_name: None,
            collection_url: None,
            cpes: info.cpe.clone().into_iter().collect(),
            default_status: None,
            versions: info
                .version
                .iter()
                .map(|v| ProductVersion {
                    version: v.clone(),
                    status: (*status).to_owned(),
                    version_type: None,
                    less_than: None,
                    less_than_or_equal: None,
                    changes: Vec::new(),
                })
                .collect(),
            ranges: None,
        });
        if *status == "affected" {
            add_package(&mut packages, &info);
        }
    }
    r.affected = packages.into_values().collect();
    r.raw = RawRecord::from_value(&value);
    Ok(r)
}

fn array<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn push_references(r: &mut IntelRecord, refs: &[Value]) {
    for x in refs {
        let Some(url) = x.get("url").and_then(Value::as_str) else {
            continue;
        };
        if !r.references.iter().any(|y| y.url == url) {
            r.references.push(Reference {
                kind: x.get("category").and_then(Value::as_str).map(str::to_owned),
                url: url.to_owned(),
            });
        }
    }
}

/// Walks the branches, remembering the vendor / product name / version on the way down.
fn collect_branches(
    branches: &[Value],
    context: &ProductInfo,
    out: &mut BTreeMap<String, ProductInfo>,
) {
    for b in branches {
        let mut here = context.clone();
        let name = b.get("name").and_then(Value::as_str).map(str::to_owned);
        match b.get("category").and_then(Value::as_str) {
            Some("vendor") => here.vendor = name,
            Some("product_name") => here.product = name,
            Some("product_version" | "product_version_range") => here.version = name,
            _ => {}
        }
        if let Some(p) = b.get("product") {
            add_product(p, &here, out);
        }
        collect_branches(array(b, "/branches"), &here, out);
    }
}

fn add_product(p: &Value, context: &ProductInfo, out: &mut BTreeMap<String, ProductInfo>) {
    let Some(id) = p.get("product_id").and_then(Value::as_str) else {
        return;
    };
    let helper = |key: &str| {
        p.pointer(&format!("/product_identification_helper/{key}"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    out.insert(
        id.to_owned(),
        ProductInfo {
            name: p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_owned(),
            purl: helper("purl"),
            cpe: helper("cpe"),
            ..context.clone()
        },
    );
}

/// Adds an affected product with a purl of an OSV ecosystem to its package's exact versions.
fn add_package(packages: &mut BTreeMap<String, AffectedPackage>, info: &ProductInfo) {
    let Some(purl) = info
        .purl
        .as_deref()
        .and_then(|p| Purl::parse_lenient(p).ok())
    else {
        return;
    };
    let Some((ecosystem, name)) = osv_package(&purl) else {
        return;
    };
    let Some(version) = purl
        .version()
        .map(str::to_owned)
        .or_else(|| info.version.clone())
    else {
        return;
    };
    let base = purl.without_version();
    let entry = packages
        .entry(base.to_string())
        .or_insert_with(|| AffectedPackage {
            ecosystem: ecosystem.osv_name().to_owned(),
            name,
            purl: Some(std::sync::Arc::new(base)),
            ranges: OsvAffectedRanges {
                ecosystem,
                ranges: Vec::new(),
                versions: Vec::new(),
            },
            severity: Vec::new(),
        });
    if !entry.ranges.versions.contains(&version) {
        entry.ranges.versions.push(version);
    }
}
