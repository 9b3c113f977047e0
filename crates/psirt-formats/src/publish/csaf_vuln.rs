//! CSAF `vulnerabilities`: one per CVE id of each case (CSAF 2.0 has one `cve` per vulnerability),
//! or one per case without CVE, identified by the case reference in `ids`.
//!
//! CSAF 2.0 limits: one `cwe` per vulnerability (the case's first; CVE records carry them all) and
//! no CVSS 4.0 in `scores` (CSAF 2.1 adds it; CVE records and OSV carry it).

use std::collections::{BTreeMap, BTreeSet};

use psirt_domain::{Affect, RemediationKind};
use serde_json::{json, Map, Value};

use super::csaf::{acknowledgments, external_references};
use super::cvss;
use super::date_time;
use super::model::{AdvisoryView, CaseView};

pub(crate) fn vulnerabilities(view: &AdvisoryView) -> Value {
    let mut out = Vec::new();
    for case in &view.cases {
        let body = vulnerability(case);
        if case.cve_ids.is_empty() {
            let mut v = body.clone();
            v.insert(
                "ids".into(),
                json!([{ "system_name": format!("{} PSIRT case", view.publisher.name), "text": case.case_ref }]),
            );
            out.push(Value::Object(v));
        }
        for cve in &case.cve_ids {
            let mut v = body.clone();
            v.insert("cve".into(), json!(cve));
            out.push(Value::Object(v));
        }
    }
    Value::Array(out)
}

/// Product ids per CSAF product status, sorted.
#[derive(Default)]
struct Statuses<'a> {
    affected: BTreeSet<&'a str>,
    not_affected: BTreeSet<&'a str>,
    fixed: BTreeSet<&'a str>,
    under_investigation: BTreeSet<&'a str>,
}

fn vulnerability(case: &CaseView) -> Map<String, Value> {
    let mut status = Statuses::default();
    // (category, details) → products; grouping keeps the document small and deterministic.
    let mut remediations: BTreeMap<(&'static str, String), BTreeSet<&str>> = BTreeMap::new();
    let mut flags: BTreeMap<&'static str, BTreeSet<&str>> = BTreeMap::new();
    let mut threats: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for a in &case.affects {
        let id = a.product_id.as_str();
        match &a.affect {
            Affect::UnderInvestigation { target_release, .. } => {
                status.under_investigation.insert(id);
                // Optional test 6.2.2 wants a remediation for every product under investigation.
                let details = match target_release {
                    Some(t) => format!("Under investigation; a fix, if needed, is planned for release {t}. This advisory will be updated."),
                    None => "Under investigation; this advisory will be updated.".to_owned(),
                };
                remediations
                    .entry((RemediationKind::NoneAvailable.label(), details))
                    .or_default()
                    .insert(id);
            }
            Affect::Affected {
                remediation,
                target_release,
                ..
            } => {
                status.affected.insert(id);
                // Every known_affected product needs an action statement (6.1.27.10).
                let key = match remediation {
                    Some(r) => (r.kind.label(), r.details.clone()),
                    None => (
                        RemediationKind::NoneAvailable.label(),
                        match target_release {
                            Some(t) => format!(
                                "No fix is available yet; a fix is planned for release {t}."
                            ),
                            None => "No fix is available yet.".to_owned(),
                        },
                    ),
                };
                remediations.entry(key).or_default().insert(id);
            }
            Affect::NotAffected {
                justification,
                statement,
            } => {
                status.not_affected.insert(id);
                flags.entry(justification.label()).or_default().insert(id);
                // An impact statement for every known_not_affected product (6.1.27.9).
                let details = if statement.is_empty() {
                    justification.statement().to_owned()
                } else {
                    statement.clone()
                };
                threats.entry(details).or_default().insert(id);
            }
            Affect::Fixed {
                fixed_in,
                remediation,
                ..
            } => {
                status.fixed.insert(id);
                let key = match remediation {
                    Some(r) => (r.kind.label(), r.details.clone()),
                    None => (
                        RemediationKind::VendorFix.label(),
                        format!("Fixed in version {fixed_in}."),
                    ),
                };
                remediations.entry(key).or_default().insert(id);
            }
        }
    }
    let mut v = Map::new();
    v.insert("title".into(), json!(case.title));
    v.insert(
        "notes".into(),
        json!([{ "category": "description", "title": "Description", "text": case.description }]),
    );
    if let Some(cwe) = case.cwes.first() {
        v.insert("cwe".into(), json!({ "id": cwe.id, "name": cwe.name }));
    }
    if let Some(d) = case.discovery_date {
        v.insert("discovery_date".into(), json!(date_time(d)));
    }
    if let Some(d) = case.release_date {
        v.insert("release_date".into(), json!(date_time(d)));
    }
    if let Some(acks) = acknowledgments(&case.acknowledgments) {
        v.insert("acknowledgments".into(), acks);
    }
    let refs: Vec<Value> = external_references(&case.references).collect();
    if !refs.is_empty() {
        v.insert("references".into(), Value::Array(refs));
    }
    let mut product_status = Map::new();
    for (key, set) in [
        ("known_affected", &status.affected),
        ("known_not_affected", &status.not_affected),
        ("fixed", &status.fixed),
        ("under_investigation", &status.under_investigation),
    ] {
        if !set.is_empty() {
            product_status.insert(key.into(), json!(set));
        }
    }
    if !product_status.is_empty() {
        v.insert("product_status".into(), Value::Object(product_status));
    }
    // The score rates the flaw in the versions before the fix, so fixed products carry it too:
    // a fully fixed advisory keeps its severity (optional test 6.2.19 would prefer an environmental
    // score of 0 for them; the view has no environmental metrics to give).
    let scored: BTreeSet<&str> = status.affected.union(&status.fixed).copied().collect();
    if let (Some(c), false) = (
        case.cvss_v3.as_ref().and_then(cvss::v3_1),
        scored.is_empty(),
    ) {
        v.insert(
            "scores".into(),
            json!([{ "products": scored, "cvss_v3": c }]),
        );
    }
    let remediations: Vec<Value> = remediations
        .into_iter()
        .map(|((category, details), ids)| {
            json!({ "category": category, "details": details, "product_ids": ids })
        })
        .collect();
    if !remediations.is_empty() {
        v.insert("remediations".into(), Value::Array(remediations));
    }
    if !flags.is_empty() {
        let flags: Vec<Value> = flags
            .into_iter()
            .map(|(label, ids)| json!({ "label": label, "product_ids": ids }))
            .collect();
        v.insert("flags".into(), Value::Array(flags));
    }
    if !threats.is_empty() {
        let threats: Vec<Value> = threats
            .into_iter()
            .map(|(details, ids)| {
                json!({ "category": "impact", "details": details, "product_ids": ids })
            })
            .collect();
        v.insert("threats".into(), Value::Array(threats));
    }
    v
}
