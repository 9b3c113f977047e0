//! What a rendering needs, gathered by the caller (store + domain) into one value. The renderers are
//! pure functions of an [`AdvisoryView`]: same view, same bytes.

use std::collections::{BTreeMap, BTreeSet};

use psirt_domain::{Acknowledgment, Advisory, Affect, Reference, Revision};
use time::OffsetDateTime;

use super::PublishError;

/// The organisation publishing the advisory (CSAF `document.publisher`, category `vendor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub name: String,
    /// The publisher's namespace URL, e.g. `https://acme.example`.
    pub namespace: String,
    pub contact_details: Option<String>,
}

/// The CVE Numbering Authority identity written into CVE records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cna {
    /// The CNA's organisation UUID at CVE Services.
    pub org_id: String,
    pub short_name: String,
}

/// One product version of the product tree (vendor → product name → product version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductVersionView {
    /// Stable, unique within the advisory (CSAF `product_id`), e.g. `PV-17`.
    pub product_id: String,
    pub vendor: String,
    pub product: String,
    pub version: String,
    /// Package URL of this version (with or without `@version`).
    pub purl: Option<String>,
    /// CPE 2.3 of this version.
    pub cpe: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CweView {
    /// `CWE-79`
    pub id: String,
    pub name: String,
}

/// A CVSS rating as the case's assessment holds it (the score is not recomputed here; the CSAF
/// oracle checks it against the vector).
#[derive(Debug, Clone, PartialEq)]
pub struct CvssView {
    pub vector: String,
    pub base_score: f64,
    /// `NONE`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`
    pub severity: String,
}

/// A case's affect on one product version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectView {
    pub product_id: String,
    pub affect: Affect,
}

/// A case covered by the advisory: one CSAF vulnerability per CVE id (or one without CVE).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseView {
    /// The internal case reference (`PSIRT-2026-0017`), used as the vulnerability id without CVE.
    pub case_ref: String,
    pub title: String,
    pub cve_ids: Vec<String>,
    pub cwes: Vec<CweView>,
    pub cvss_v3: Option<CvssView>,
    pub cvss_v4: Option<CvssView>,
    pub description: String,
    pub affects: Vec<AffectView>,
    pub acknowledgments: Vec<Acknowledgment>,
    pub references: Vec<Reference>,
    pub discovery_date: Option<OffsetDateTime>,
    pub release_date: Option<OffsetDateTime>,
}

/// Everything the renderers read. `advisory` carries the content, status and revisions; the
/// rendered revision is its last one (an advisory without revision is not rendered).
#[derive(Debug, Clone, PartialEq)]
pub struct AdvisoryView {
    pub advisory: Advisory,
    pub publisher: Publisher,
    pub cna: Cna,
    /// Where the human-readable advisory lives (a reference in every rendering).
    pub advisory_url: String,
    /// The CSAF provider's directory, without trailing `/` (e.g.
    /// `https://acme.example/.well-known/csaf`): the CSAF document's canonical URL is
    /// `<csaf_base_url>/<csaf_path>` (CSAF optional test 6.2.11).
    pub csaf_base_url: String,
    pub products: Vec<ProductVersionView>,
    pub cases: Vec<CaseView>,
    /// `name` and `version` of the generating engine (CSAF `tracking.generator`).
    pub generator: (String, String),
}

impl AdvisoryView {
    /// The rendered revision and the first one, or why the view cannot be rendered.
    pub(crate) fn revisions(&self) -> Result<(&Revision, &Revision), PublishError> {
        let revisions = self.advisory.revisions();
        match (revisions.first(), revisions.last()) {
            (Some(first), Some(last)) => Ok((first, last)),
            _ => Err(PublishError::Unpublished(self.advisory.id.to_string())),
        }
    }

    pub(crate) fn product(&self, id: &str) -> Option<&ProductVersionView> {
        self.products.iter().find(|p| p.product_id == id)
    }

    /// Checks what the schemas cannot: unique product ids, affects pointing at known products (once
    /// per case), each CVE in one case only (CSAF 6.1.23), at least one case.
    pub fn check(&self) -> Result<(), PublishError> {
        let mut problems = Vec::new();
        self.revisions()?;
        let mut ids = BTreeSet::new();
        for p in &self.products {
            if !ids.insert(p.product_id.as_str()) {
                problems.push(format!("product id {} is used twice", p.product_id));
            }
        }
        if self.cases.is_empty() {
            problems.push("the advisory covers no case".into());
        }
        let mut cves: BTreeMap<&str, &str> = BTreeMap::new();
        for case in &self.cases {
            let mut seen = BTreeSet::new();
            for a in &case.affects {
                if !ids.contains(a.product_id.as_str()) {
                    problems.push(format!(
                        "case {}: unknown product id {}",
                        case.case_ref, a.product_id
                    ));
                }
                if !seen.insert(a.product_id.as_str()) {
                    problems.push(format!(
                        "case {}: two affects for {}",
                        case.case_ref, a.product_id
                    ));
                }
            }
            for cve in &case.cve_ids {
                if let Some(other) = cves.insert(cve, &case.case_ref) {
                    problems.push(format!("{cve} is in cases {other} and {}", case.case_ref));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(PublishError::Inconsistent(problems))
        }
    }
}
