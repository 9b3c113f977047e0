//! OSV: one record per advisory, one `affected` entry per package (product versions with a purl of
//! an OSV ecosystem; others cannot be expressed in OSV and are left out).
//!
//! Decisions:
//! - id: the OSV schema only accepts registered home-database prefixes or `x_`; until the
//!   publisher registers its prefix the id is `x_<ADVISORY-ID>`. CVE ids are aliases.
//! - ranges: one per affected product version, so that streams do not bleed into each other:
//!   affected `v` → `introduced v, last_affected v`; fixed `v` in `f` → `introduced v, fixed f`.
//!   `SEMVER` when the ecosystem orders by SemVer and every version is `x.y.z[-pre]`, else
//!   `ECOSYSTEM`. not_affected and under_investigation versions are not listed (OSV has no status
//!   for them).
//! - severity: the highest-scoring CVSS 3.1 and 4.0 vectors of the cases.

use std::collections::{BTreeMap, BTreeSet};

use psirt_domain::Affect;
use psirt_versions::{Ecosystem, Purl, Scheme};
use serde_json::{json, Value};

use super::model::{AdvisoryView, CvssView, ProductVersionView};
use super::schema::{validate, PublishSchema};
use super::{date_time, PublishError};

const SCHEMA_VERSION: &str = "1.7.5";

/// The OSV record of the current revision, schema-checked.
pub fn render_osv(view: &AdvisoryView) -> Result<Value, PublishError> {
    view.check()?;
    let (first, current) = view.revisions()?;
    let content = &view.advisory.content;
    let aliases: Vec<&str> = view
        .cases
        .iter()
        .flat_map(|c| c.cve_ids.iter().map(String::as_str))
        .collect();
    let mut details = content.summary.clone();
    if !content.notes.is_empty() {
        details.push_str("\n\n");
        details.push_str(&content.notes);
    }
    let mut record = json!({
        "schema_version": SCHEMA_VERSION,
        "id": format!("x_{}", view.advisory.id),
        "modified": date_time(current.date),
        "published": date_time(first.date),
        "summary": content.title,
        "details": details,
        "affected": affected(view),
        "references": references(view),
    });
    let obj = record
        .as_object_mut()
        .ok_or_else(|| PublishError::Inconsistent(vec!["internal: record not an object".into()]))?;
    if !aliases.is_empty() {
        obj.insert("aliases".into(), json!(aliases));
    }
    let severity = severity(view);
    if !severity.is_empty() {
        obj.insert("severity".into(), Value::Array(severity));
    }
    let credits: BTreeSet<String> = content
        .acknowledgments
        .iter()
        .chain(view.cases.iter().flat_map(|c| &c.acknowledgments))
        .flat_map(|a| a.names.iter().cloned().chain(a.organization.clone()))
        .collect();
    if !credits.is_empty() {
        let credits: Vec<Value> = credits
            .into_iter()
            .map(|name| json!({ "name": name, "type": "FINDER" }))
            .collect();
        obj.insert("credits".into(), Value::Array(credits));
    }
    validate(PublishSchema::Osv, &record)?;
    Ok(record)
}

fn references(view: &AdvisoryView) -> Value {
    let mut seen = BTreeSet::new();
    let mut out = vec![json!({ "type": "ADVISORY", "url": view.advisory_url })];
    seen.insert(view.advisory_url.as_str());
    let refs = view
        .advisory
        .content
        .references
        .iter()
        .chain(view.cases.iter().flat_map(|c| &c.references));
    for r in refs {
        if seen.insert(r.url.as_str()) {
            out.push(json!({ "type": "WEB", "url": r.url }));
        }
    }
    Value::Array(out)
}

fn severity(view: &AdvisoryView) -> Vec<Value> {
    let best = |pick: fn(&super::model::CaseView) -> Option<&CvssView>| {
        view.cases
            .iter()
            .filter_map(pick)
            .max_by(|a, b| a.base_score.total_cmp(&b.base_score))
            .map(|c| c.vector.trim().to_owned())
    };
    let mut out = Vec::new();
    if let Some(v) = best(|c| c.cvss_v3.as_ref()).filter(|v| v.starts_with("CVSS:3.")) {
        out.push(json!({ "type": "CVSS_V3", "score": v }));
    }
    if let Some(v) = best(|c| c.cvss_v4.as_ref()).filter(|v| v.starts_with("CVSS:4.0/")) {
        out.push(json!({ "type": "CVSS_V4", "score": v }));
    }
    out
}

/// An OSV package: ecosystem, name and versionless purl, from a product version's purl.
fn package(p: &ProductVersionView) -> Option<(Ecosystem, String, String)> {
    let purl = Purl::parse_lenient(p.purl.as_deref()?).ok()?;
    let (ecosystem, name) = osv_package(&purl)?;
    Some((ecosystem, name, purl.without_version().to_string()))
}

/// The OSV ecosystem and package name a purl denotes; `None` for purl types OSV has no ecosystem
/// for (`generic`, …).
pub(crate) fn osv_package(purl: &Purl) -> Option<(Ecosystem, String)> {
    let ecosystem = Ecosystem::from_purl_type(purl.ty(), purl.namespace()).ok()?;
    if matches!(ecosystem, Ecosystem::Other(_)) {
        return None;
    }
    let name = match (purl.ty(), purl.namespace()) {
        ("maven", Some(ns)) => format!("{ns}:{}", purl.name()),
        // Distro namespaces name the distribution, not part of the package name.
        ("deb" | "rpm" | "apk", _) | (_, None) => purl.name().to_owned(),
        (_, Some(ns)) => format!("{ns}/{}", purl.name()),
    };
    Some((ecosystem, name))
}

fn affected(view: &AdvisoryView) -> Value {
    // versionless purl → (ecosystem, name, [(introduced, end event)], enumerated versions)
    type Events = BTreeSet<(String, &'static str, String)>;
    let mut packages: BTreeMap<String, (Ecosystem, String, Events, BTreeSet<String>)> =
        BTreeMap::new();
    for case in &view.cases {
        for a in &case.affects {
            let Some(p) = view.product(&a.product_id) else {
                continue;
            };
            let (end, at) = match &a.affect {
                Affect::Affected { .. } => ("last_affected", p.version.clone()),
                Affect::Fixed { fixed_in, .. } => ("fixed", fixed_in.clone()),
                _ => continue,
            };
            let Some((ecosystem, name, purl)) = package(p) else {
                continue;
            };
            let entry = packages
                .entry(purl)
                .or_insert_with(|| (ecosystem, name, BTreeSet::new(), BTreeSet::new()));
            entry.2.insert((p.version.clone(), end, at));
            entry.3.insert(p.version.clone());
        }
    }
    let items: Vec<Value> = packages
        .into_iter()
        .map(|(purl, (ecosystem, name, events, versions))| {
            let semver = ecosystem.scheme() == Scheme::SemVer
                && events
                    .iter()
                    .all(|(from, _, to)| is_semver(from) && is_semver(to));
            let kind = if semver { "SEMVER" } else { "ECOSYSTEM" };
            let ranges: Vec<Value> = events
                .into_iter()
                .map(|(from, end, to)| {
                    json!({ "type": kind, "events": [{ "introduced": from }, { end: to }] })
                })
                .collect();
            json!({
                "package": { "ecosystem": ecosystem.osv_name(), "name": name, "purl": purl },
                "ranges": ranges,
                "versions": versions,
            })
        })
        .collect();
    Value::Array(items)
}

/// `x.y.z` with an optional `-pre-release` (what OSV's SEMVER type requires, without `v`).
fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}
