//! CSAF 2.0: `csaf_security_advisory` and `csaf_vex` documents of the advisory's current revision.
//!
//! Both profiles carry the same content (a VEX document is the machine-facing view of the same
//! statements); they differ in `document.category` and, as the mandatory tests 6.1.27.x require,
//! both give an impact statement for every known_not_affected product and an action statement
//! (remediation) for every known_affected one.

use std::collections::BTreeMap;

use psirt_domain::{Acknowledgment, Reference, Tlp};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::model::{AdvisoryView, ProductVersionView};
use super::schema::{validate, PublishSchema};
use super::{csaf_vuln, date_time, PublishError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsafProfile {
    SecurityAdvisory,
    Vex,
}

impl CsafProfile {
    fn category(self) -> &'static str {
        match self {
            CsafProfile::SecurityAdvisory => "csaf_security_advisory",
            CsafProfile::Vex => "csaf_vex",
        }
    }
}

/// The CSAF document of the current revision, checked against the CSAF 2.0 schema.
pub fn render_csaf(view: &AdvisoryView, profile: CsafProfile) -> Result<Value, PublishError> {
    view.check()?;
    let doc = json!({
        "document": document(view, profile)?,
        "product_tree": { "branches": branches(&view.products) },
        "vulnerabilities": csaf_vuln::vulnerabilities(view),
    });
    validate(PublishSchema::Csaf, &doc)?;
    Ok(doc)
}

/// CSAF §5.1: the lower-cased `tracking.id`, each run of characters other than `a-z`, `0-9`, `+`
/// and `-` replaced by one `_`, then `.json`.
pub fn csaf_file_name(tracking_id: &str) -> String {
    let mut name = String::with_capacity(tracking_id.len() + 5);
    let mut in_run = false;
    for c in tracking_id.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' {
            name.push(c);
            in_run = false;
        } else if !in_run {
            name.push('_');
            in_run = true;
        }
    }
    name.push_str(".json");
    name
}

/// The document's path in the provider directory (CSAF §7.1.11): TLP:WHITE documents at
/// `<YYYY>/<file>` (year of the initial release); other labels under `<tlp>/<YYYY>/<file>`, a
/// separate path the web server protects (§7.1.5).
pub fn csaf_path(tracking_id: &str, tlp: Tlp, initial_release: OffsetDateTime) -> String {
    let file = csaf_file_name(tracking_id);
    let year = initial_release.year();
    match tlp {
        Tlp::Clear => format!("{year}/{file}"),
        tlp => format!("{}/{year}/{file}", tlp.csaf_label().to_ascii_lowercase()),
    }
}

fn document(view: &AdvisoryView, profile: CsafProfile) -> Result<Value, PublishError> {
    let (first, current) = view.revisions()?;
    let content = &view.advisory.content;
    let mut notes = vec![json!({
        "category": "summary",
        "title": "Summary",
        "text": content.summary,
    })];
    if !content.notes.is_empty() {
        notes.push(json!({ "category": "general", "title": "Notes", "text": content.notes }));
    }
    let id = view.advisory.id.to_string();
    let canonical = format!(
        "{}/{}",
        view.csaf_base_url,
        csaf_path(&id, content.tlp, first.date)
    );
    let mut references = vec![
        json!({
            "category": "self",
            "summary": format!("Canonical URL of {id} (CSAF)"),
            "url": canonical,
        }),
        json!({
            "category": "external",
            "summary": format!("{} advisory {id}", view.publisher.name),
            "url": view.advisory_url,
        }),
    ];
    references.extend(external_references(&content.references));
    let mut publisher = json!({
        "category": "vendor",
        "name": view.publisher.name,
        "namespace": view.publisher.namespace,
    });
    if let (Some(contact), Some(obj)) = (&view.publisher.contact_details, publisher.as_object_mut())
    {
        obj.insert("contact_details".into(), json!(contact));
    }
    let history: Vec<Value> = view
        .advisory
        .revisions()
        .iter()
        .map(|r| {
            json!({
                "date": date_time(r.date),
                "number": r.number.to_string(),
                "summary": r.summary,
            })
        })
        .collect();
    let mut document = json!({
        "category": profile.category(),
        "csaf_version": "2.0",
        "distribution": {
            "tlp": { "label": content.tlp.csaf_label(), "url": "https://www.first.org/tlp/" },
        },
        "lang": "en",
        "notes": notes,
        "publisher": publisher,
        "references": references,
        "title": content.title,
        "tracking": {
            "current_release_date": date_time(current.date),
            "generator": {
                "engine": { "name": view.generator.0, "version": view.generator.1 },
            },
            "id": view.advisory.id.to_string(),
            "initial_release_date": date_time(first.date),
            "revision_history": history,
            "status": current.status.as_str(),
            "version": current.number.to_string(),
        },
    });
    let acks = acknowledgments(&content.acknowledgments);
    if let (Some(acks), Some(obj)) = (acks, document.as_object_mut()) {
        obj.insert("acknowledgments".into(), acks);
    }
    Ok(document)
}

/// `references` entries of category `external`.
pub(crate) fn external_references(refs: &[Reference]) -> impl Iterator<Item = Value> + '_ {
    refs.iter()
        .map(|r| json!({ "category": "external", "summary": r.summary, "url": r.url }))
}

/// CSAF acknowledgments, or `None` when there are none (the schema wants a non-empty array).
pub(crate) fn acknowledgments(acks: &[Acknowledgment]) -> Option<Value> {
    let items: Vec<Value> = acks
        .iter()
        .map(|a| {
            let mut obj = Map::new();
            if !a.names.is_empty() {
                obj.insert("names".into(), json!(a.names));
            }
            if let Some(org) = &a.organization {
                obj.insert("organization".into(), json!(org));
            }
            if let Some(summary) = &a.summary {
                obj.insert("summary".into(), json!(summary));
            }
            Value::Object(obj)
        })
        .collect();
    (!items.is_empty()).then_some(Value::Array(items))
}

/// vendor → product_name → product_version branches, sorted by name at each level so that the
/// tree does not depend on the order the caller listed the versions in.
fn branches(products: &[ProductVersionView]) -> Value {
    let mut tree: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, &ProductVersionView>>> =
        BTreeMap::new();
    for p in products {
        tree.entry(p.vendor.as_str())
            .or_default()
            .entry(p.product.as_str())
            .or_default()
            .insert(p.version.as_str(), p);
    }
    let branch = |category: &str, name: &str, inner: Value| json!({ "category": category, "name": name, "branches": inner });
    let vendors = tree.into_iter().map(|(vendor, names)| {
        let names = names.into_iter().map(|(product, versions)| {
            let versions = versions.into_iter().map(|(version, p)| {
                json!({
                    "category": "product_version",
                    "name": version,
                    "product": full_product_name(p),
                })
            });
            branch("product_name", product, Value::Array(versions.collect()))
        });
        branch("vendor", vendor, Value::Array(names.collect()))
    });
    Value::Array(vendors.collect())
}

fn full_product_name(p: &ProductVersionView) -> Value {
    let mut product = json!({
        "name": format!("{} {} {}", p.vendor, p.product, p.version),
        "product_id": p.product_id,
    });
    let mut helper = Map::new();
    if let Some(purl) = &p.purl {
        helper.insert("purl".into(), json!(purl));
    }
    if let Some(cpe) = &p.cpe {
        helper.insert("cpe".into(), json!(cpe));
    }
    if let (false, Some(obj)) = (helper.is_empty(), product.as_object_mut()) {
        obj.insert(
            "product_identification_helper".into(),
            Value::Object(helper),
        );
    }
    product
}
