//! CVE JSON 5.1: the CNA container of each CVE of the advisory (what CVE Services'
//! `POST cve/{id}/cna` takes) and a full published record around it.
//!
//! Affect → CVE version status follows STANDARDS §7: affected → `affected`; not_affected →
//! `unaffected`; under_investigation → `unknown`; fixed (product version `v`, fixed in `f`) →
//! `affected` from `v` up to (not including) `f`, `versionType` `custom` (our release streams
//! are not one ecosystem's versions). Products the case does not touch are left out.

use std::collections::{BTreeMap, BTreeSet};

use psirt_domain::{Affect, RemediationKind};
use serde_json::{json, Map, Value};

use super::model::{AdvisoryView, CaseView};
use super::schema::{validate, PublishSchema};
use super::{cvss, date_time, PublishError};

/// One `(CVE id, record)` per CVE of the advisory, in case order; each is schema-checked.
pub fn render_cve5_records(view: &AdvisoryView) -> Result<Vec<(String, Value)>, PublishError> {
    view.check()?;
    let (first, current) = view.revisions()?;
    let mut records = Vec::new();
    for case in &view.cases {
        for cve in &case.cve_ids {
            let record = json!({
                "dataType": "CVE_RECORD",
                "dataVersion": "5.1",
                "cveMetadata": {
                    "cveId": cve,
                    "assignerOrgId": view.cna.org_id,
                    "assignerShortName": view.cna.short_name,
                    "state": "PUBLISHED",
                    "datePublished": date_time(first.date),
                    "dateUpdated": date_time(current.date),
                },
                "containers": { "cna": container(view, case)? },
            });
            validate(PublishSchema::CveRecord, &record)?;
            records.push((cve.clone(), record));
        }
    }
    Ok(records)
}

/// The CNA container for `cve`, schema-checked.
pub fn render_cve5_container(view: &AdvisoryView, cve: &str) -> Result<Value, PublishError> {
    view.check()?;
    let case = view
        .cases
        .iter()
        .find(|c| c.cve_ids.iter().any(|id| id == cve))
        .ok_or_else(|| PublishError::Inconsistent(vec![format!("{cve} is in no case")]))?;
    let container = container(view, case)?;
    validate(PublishSchema::CveCnaContainer, &container)?;
    Ok(container)
}

fn container(view: &AdvisoryView, case: &CaseView) -> Result<Value, PublishError> {
    let (first, current) = view.revisions()?;
    let mut c = Map::new();
    c.insert(
        "providerMetadata".into(),
        json!({
            "orgId": view.cna.org_id,
            "shortName": view.cna.short_name,
            "dateUpdated": date_time(current.date),
        }),
    );
    c.insert("title".into(), json!(case.title));
    c.insert(
        "datePublic".into(),
        json!(date_time(case.release_date.unwrap_or(first.date))),
    );
    c.insert(
        "descriptions".into(),
        json!([{ "lang": "en", "value": case.description }]),
    );
    c.insert("affected".into(), affected(view, case));
    if !case.cwes.is_empty() {
        let descriptions: Vec<Value> = case
            .cwes
            .iter()
            .map(|w| {
                json!({
                    "lang": "en",
                    "type": "CWE",
                    "cweId": w.id,
                    "description": format!("{}: {}", w.id, w.name),
                })
            })
            .collect();
        c.insert(
            "problemTypes".into(),
            json!([{ "descriptions": descriptions }]),
        );
    }
    let mut metrics = Vec::new();
    if let Some(v3) = case.cvss_v3.as_ref().and_then(cvss::v3_1) {
        metrics.push(json!({ "format": "CVSS", "scenarios": [{ "lang": "en", "value": "GENERAL" }], "cvssV3_1": v3 }));
    }
    if let Some(v4) = case.cvss_v4.as_ref().and_then(cvss::v4_0) {
        metrics.push(json!({ "format": "CVSS", "scenarios": [{ "lang": "en", "value": "GENERAL" }], "cvssV4_0": v4 }));
    }
    if !metrics.is_empty() {
        c.insert("metrics".into(), Value::Array(metrics));
    }
    // Remediation texts: fixes are solutions; workarounds and mitigations are workarounds.
    let (mut solutions, mut workarounds) = (BTreeSet::new(), BTreeSet::new());
    for a in &case.affects {
        match (&a.affect, a.affect.remediation()) {
            (_, Some(r))
                if matches!(
                    r.kind,
                    RemediationKind::Workaround | RemediationKind::Mitigation
                ) =>
            {
                workarounds.insert(r.details.clone());
            }
            (_, Some(r)) => {
                solutions.insert(r.details.clone());
            }
            (Affect::Fixed { fixed_in, .. }, None) => {
                solutions.insert(format!("Fixed in version {fixed_in}."));
            }
            _ => {}
        }
    }
    for (key, texts) in [("solutions", solutions), ("workarounds", workarounds)] {
        if !texts.is_empty() {
            let items: Vec<Value> = texts
                .into_iter()
                .map(|t| json!({ "lang": "en", "value": t }))
                .collect();
            c.insert(key.into(), Value::Array(items));
        }
    }
    let credits: Vec<Value> = case
        .acknowledgments
        .iter()
        .flat_map(|a| {
            let names = a.names.iter().map(|n| match &a.organization {
                Some(org) => format!("{n} ({org})"),
                None => n.clone(),
            });
            let org_only = a.names.is_empty().then(|| a.organization.clone()).flatten();
            names.chain(org_only)
        })
        .map(|name| json!({ "lang": "en", "type": "finder", "value": name }))
        .collect();
    if !credits.is_empty() {
        c.insert("credits".into(), Value::Array(credits));
    }
    c.insert("references".into(), references(view, case));
    c.insert(
        "x_generator".into(),
        json!({ "engine": format!("{} {}", view.generator.0, view.generator.1) }),
    );
    Ok(Value::Object(c))
}

/// The advisory first (tagged vendor-advisory), then the case's and the advisory's references,
/// each URL once (the schema wants unique items).
fn references(view: &AdvisoryView, case: &CaseView) -> Value {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    seen.insert(view.advisory_url.as_str());
    out.push(json!({
        "url": view.advisory_url,
        "name": view.advisory.id.to_string(),
        "tags": ["vendor-advisory"],
    }));
    for r in case
        .references
        .iter()
        .chain(&view.advisory.content.references)
    {
        if seen.insert(r.url.as_str()) {
            out.push(json!({ "url": r.url, "name": r.summary }));
        }
    }
    Value::Array(out)
}

/// One entry per (vendor, product) the case has affects on, sorted.
fn affected(view: &AdvisoryView, case: &CaseView) -> Value {
    // (vendor, product) → (versions, CPEs)
    type Entry<'a> = (Vec<Value>, BTreeSet<&'a str>);
    let mut products: BTreeMap<(&str, &str), Entry> = BTreeMap::new();
    let mut affects: Vec<_> = case
        .affects
        .iter()
        .filter_map(|a| view.product(&a.product_id).map(|p| (p, &a.affect)))
        .collect();
    affects.sort_by(|a, b| a.0.version.cmp(&b.0.version));
    for (p, affect) in affects {
        let entry = products
            .entry((p.vendor.as_str(), p.product.as_str()))
            .or_default();
        let version = match affect {
            Affect::Affected { .. } => json!({ "version": p.version, "status": "affected" }),
            Affect::NotAffected { .. } => json!({ "version": p.version, "status": "unaffected" }),
            Affect::UnderInvestigation { .. } => {
                json!({ "version": p.version, "status": "unknown" })
            }
            Affect::Fixed { fixed_in, .. } => json!({
                "version": p.version,
                "status": "affected",
                "lessThan": fixed_in,
                "versionType": "custom",
            }),
        };
        entry.0.push(version);
        if let Some(cpe) = p.cpe.as_deref().filter(|c| c.starts_with("cpe:2.3:")) {
            entry.1.insert(cpe);
        }
    }
    let items: Vec<Value> = products
        .into_iter()
        .map(|((vendor, product), (versions, cpes))| {
            let mut item = json!({
                "vendor": vendor,
                "product": product,
                "versions": versions,
                "defaultStatus": "unknown",
            });
            if let (false, Some(obj)) = (cpes.is_empty(), item.as_object_mut()) {
                obj.insert("cpes".into(), json!(cpes));
            }
            item
        })
        .collect();
    Value::Array(items)
}
