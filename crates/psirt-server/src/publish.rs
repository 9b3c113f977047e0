//! Publishing advisories: gathers an advisory's cases, affects and assessments from the store into
//! psirt-formats' `AdvisoryView`, renders every format (CSAF advisory and VEX, OSV, one CVE record
//! per CVE, standalone HTML) and hands the bytes to the store, which keeps them forever.

use askama::Template;
use psirt_domain::{Advisory, AdvisoryStatus, Change, Publish, Revision, Tlp};
use psirt_formats::publish::{
    render_csaf, render_cve5_records, render_osv, to_bytes, AdvisoryView, AffectView, CaseView,
    Cna, CsafProfile, CvssView, CweView, ProductVersionView, Publisher,
};
use psirt_store::{AdvisoryRecord, NewRendering};
use time::OffsetDateTime;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Who publishes: the server configuration's publisher and CNA identity.
#[derive(Debug, Clone)]
pub struct PublisherConfig {
    /// The advisory id prefix (`<PREFIX>-SA-<YEAR>-<NNNN>`).
    pub prefix: String,
    pub name: String,
    /// The publisher's namespace URL; empty: the server's public URL.
    pub namespace: String,
    pub contact: String,
    pub cna_org_id: String,
    pub cna_short_name: String,
    /// security.txt: how many days ahead `Expires` lies (RFC 9116 recommends under a year).
    pub security_txt_days: i64,
    /// security.txt `Policy` (default: the reporting page).
    pub policy_url: String,
    /// security.txt `Acknowledgments` (default: the public advisory list).
    pub acknowledgments_url: String,
    /// security.txt `Preferred-Languages`.
    pub preferred_languages: String,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        Self {
            prefix: "PSIRT".into(),
            name: "PSIRT".into(),
            namespace: String::new(),
            contact: String::new(),
            // The nil UUID: a deployment that is a CNA configures its own.
            cna_org_id: "00000000-0000-4000-8000-000000000000".into(),
            cna_short_name: "psirt".into(),
            security_txt_days: 180,
            policy_url: String::new(),
            acknowledgments_url: String::new(),
            preferred_languages: "en".into(),
        }
    }
}

/// Everything one revision publishes.
pub struct Rendered {
    pub csaf: Vec<u8>,
    pub vex: Vec<u8>,
    pub osv: Vec<u8>,
    pub cves: Vec<(String, Vec<u8>)>,
    pub html: Vec<u8>,
}

impl Rendered {
    pub fn into_renderings(self) -> Vec<NewRendering> {
        let json = "application/json";
        let mut out = vec![
            rendering("csaf", String::new(), json, self.csaf),
            rendering("vex", String::new(), json, self.vex),
            rendering("osv", String::new(), json, self.osv),
            rendering("html", String::new(), "text/html; charset=utf-8", self.html),
        ];
        for (cve, body) in self.cves {
            out.push(rendering("cve", cve, json, body));
        }
        out
    }
}

fn rendering(
    kind: &'static str,
    name: String,
    media_type: &'static str,
    body: Vec<u8>,
) -> NewRendering {
    NewRendering {
        kind,
        name,
        media_type,
        body,
    }
}

pub fn public_base(st: &AppState) -> String {
    st.config.public_url.trim_end_matches('/').to_owned()
}

/// The public page of an advisory (served for TLP:CLEAR only).
pub fn advisory_url(st: &AppState, id: &str) -> String {
    format!("{}/security/advisories/{id}", public_base(st))
}

pub fn publisher(st: &AppState) -> Publisher {
    let p = &st.config.publisher;
    Publisher {
        name: p.name.clone(),
        namespace: if p.namespace.is_empty() {
            public_base(st)
        } else {
            p.namespace.clone()
        },
        contact_details: Some(p.contact.clone()).filter(|c| !c.is_empty()),
    }
}

/// A CPE 2.3 for one version of a product whose CPE names only part, vendor and product
/// (`cpe:2.3:a:acme:router_os`); none when the product's CPE is absent or more specific, or the
/// version has characters a CPE would need escaped.
fn version_cpe(product_cpe: Option<&str>, version: &str) -> Option<String> {
    let cpe = product_cpe?;
    let simple = version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    (cpe.split(':').count() == 5 && simple && !version.is_empty())
        .then(|| format!("{cpe}:{version}:*:*:*:*:*:*:*"))
}

/// The view of `advisory` (with the revision to render as its last) over the record's cases.
pub async fn build_view(
    st: &AppState,
    record: &AdvisoryRecord,
    advisory: Advisory,
) -> ApiResult<AdvisoryView> {
    let mut products: Vec<ProductVersionView> = Vec::new();
    let mut cases = Vec::new();
    for ac in &record.cases {
        let case = st.store.case(ac.case_id).await?;
        let mut affects = Vec::new();
        for a in st.store.case_affects(case.id).await? {
            let product_id = format!("PV-{}", a.product_version_id);
            if !products.iter().any(|p| p.product_id == product_id) {
                products.push(ProductVersionView {
                    product_id: product_id.clone(),
                    vendor: a.vendor.clone(),
                    product: a.product.clone(),
                    version: a.version.clone(),
                    // The product's purl with this version (percent-encoded as the spec says).
                    purl: a
                        .purl
                        .as_deref()
                        .and_then(|p| psirt_versions::Purl::parse(p).ok())
                        .map(|p| p.with_version(Some(&a.version)).to_string()),
                    cpe: version_cpe(a.cpe.as_deref(), &a.version),
                });
            }
            affects.push(AffectView {
                product_id,
                affect: a.affect,
            });
        }
        let assessments = st.store.cvss_assessments(case.id).await?;
        let current = |version: &str| {
            assessments
                .iter()
                .find(|a| a.authoritative && a.superseded_at.is_none() && a.version == version)
                .map(|a| CvssView {
                    vector: a.vector.clone(),
                    base_score: a.score,
                    severity: a.severity.as_str().to_uppercase(),
                })
        };
        let cvss_v3 = current("3.1").or_else(|| current("3.0"));
        cases.push(CaseView {
            case_ref: format!("CASE-{}", case.id),
            cve_ids: ac.cve_ids.clone(),
            cwes: case
                .cwe_ids
                .iter()
                // CSAF needs the official name; an id the CWE list lacks is left out.
                .filter_map(|&n| {
                    psirt_formats::publish::cwe::cwe_name(n).map(|name| CweView {
                        id: format!("CWE-{n}"),
                        name: name.to_owned(),
                    })
                })
                .collect(),
            cvss_v3,
            cvss_v4: current("4.0"),
            description: if case.description.trim().is_empty() {
                case.title.clone()
            } else {
                case.description.clone()
            },
            title: case.title,
            affects,
            acknowledgments: Vec::new(),
            references: Vec::new(),
            discovery_date: Some(case.created_at),
            release_date: case.public_date,
        });
    }
    let id = advisory.id.to_string();
    Ok(AdvisoryView {
        advisory_url: advisory_url(st, &id),
        csaf_base_url: format!("{}/.well-known/csaf", public_base(st)),
        publisher: publisher(st),
        cna: Cna {
            org_id: st.config.publisher.cna_org_id.clone(),
            short_name: st.config.publisher.cna_short_name.clone(),
        },
        advisory,
        products,
        cases,
        generator: ("psirt".into(), env!("CARGO_PKG_VERSION").into()),
    })
}

/// The human-readable advisory, a standalone page (it is published as-is).
#[derive(Template)]
#[template(path = "advisory_doc.html")]
struct AdvisoryDoc<'a> {
    view: &'a AdvisoryView,
    revision: &'a Revision,
    revisions: &'a [Revision],
    tlp: &'static str,
    rows: Vec<DocAffect>,
}

/// One line of the advisory page's product table.
struct DocAffect {
    vulnerability: String,
    product: String,
    status: &'static str,
    detail: String,
}

fn doc_rows(view: &AdvisoryView) -> Vec<DocAffect> {
    let mut rows = Vec::new();
    for case in &view.cases {
        let vulnerability = if case.cve_ids.is_empty() {
            case.case_ref.clone()
        } else {
            case.cve_ids.join(", ")
        };
        for a in &case.affects {
            let product = view
                .products
                .iter()
                .find(|p| p.product_id == a.product_id)
                .map(|p| format!("{} {} {}", p.vendor, p.product, p.version))
                .unwrap_or_default();
            let mut detail = Vec::new();
            match &a.affect {
                psirt_domain::Affect::Fixed { fixed_in, .. } => {
                    detail.push(format!("Fixed in {fixed_in}."))
                }
                psirt_domain::Affect::NotAffected { justification, .. } => {
                    detail.push(justification.statement().to_owned())
                }
                _ => {}
            }
            if !a.affect.statement().is_empty() {
                detail.push(a.affect.statement().to_owned());
            }
            if let Some(r) = a.affect.remediation() {
                detail.push(format!(
                    "{}: {}",
                    r.kind.label().replace('_', " "),
                    r.details
                ));
            }
            rows.push(DocAffect {
                vulnerability: vulnerability.clone(),
                product,
                status: status_label(&a.affect),
                detail: detail.join(" "),
            });
        }
    }
    rows
}

pub fn status_label(a: &psirt_domain::Affect) -> &'static str {
    match a.status() {
        psirt_domain::AffectStatus::UnderInvestigation => "under investigation",
        psirt_domain::AffectStatus::Affected => "affected",
        psirt_domain::AffectStatus::NotAffected => "not affected",
        psirt_domain::AffectStatus::Fixed => "fixed",
    }
}

/// Renders every format of the view's last revision.
pub fn render_all(view: &AdvisoryView) -> ApiResult<Rendered> {
    let csaf = render_csaf(view, CsafProfile::SecurityAdvisory)?;
    let vex = render_csaf(view, CsafProfile::Vex)?;
    let osv = render_osv(view)?;
    let cves = render_cve5_records(view)?
        .into_iter()
        .map(|(cve, v)| (cve, to_bytes(&v)))
        .collect();
    let revisions = view.advisory.revisions();
    let revision = revisions
        .last()
        .ok_or_else(|| ApiError::Internal("rendering an unpublished advisory".into()))?;
    let doc = AdvisoryDoc {
        view,
        revision,
        revisions,
        tlp: view.advisory.content.tlp.csaf_label(),
        rows: doc_rows(view),
    };
    let html = doc
        .render()
        .map_err(|e| ApiError::Internal(format!("advisory page: {e}")))?;
    Ok(Rendered {
        csaf: to_bytes(&csaf),
        vex: to_bytes(&vex),
        osv: to_bytes(&osv),
        cves,
        html: html.into_bytes(),
    })
}

/// The revision publishing `status`/`change` now would create. Revision dates are whole
/// seconds and must increase: a second publication within the same second is dated one second
/// after the previous revision.
pub fn next_revision(
    advisory: &Advisory,
    status: AdvisoryStatus,
    change: Change,
    summary: &str,
    now: OffsetDateTime,
) -> ApiResult<Revision> {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let at = match advisory.current() {
        Some(last) if now <= last.date => last.date + time::Duration::seconds(1),
        _ => now,
    };
    Ok(advisory.publish(&Publish {
        status,
        change,
        summary: summary.to_owned(),
        at,
    })?)
}

/// Publishes a new revision of `record`: renders it, then stores revision and bytes.
pub async fn publish(
    st: &AppState,
    actor: &psirt_store::Actor,
    record: &AdvisoryRecord,
    status: AdvisoryStatus,
    change: Change,
    summary: &str,
) -> ApiResult<AdvisoryRecord> {
    // Publishing is disclosure (any TLP leaves the PSIRT): not while a covered case is embargoed.
    for ac in &record.cases {
        if st.store.case(ac.case_id).await?.embargoed {
            return Err(ApiError::BadRequest(
                axum::http::StatusCode::CONFLICT,
                format!(
                    "case {} is under embargo: lift it before publishing",
                    ac.case_id
                ),
            ));
        }
    }
    let advisory = record.domain()?;
    let revision = next_revision(&advisory, status, change, summary, st.store.now())?;
    let view = build_view(st, record, advisory.with_revision(revision.clone())).await?;
    let rendered = render_all(&view)?;
    let expected = i64::try_from(record.revisions.len()).unwrap_or(i64::MAX);
    Ok(st
        .store
        .publish_advisory(
            actor,
            &record.id,
            expected,
            &revision,
            rendered.into_renderings(),
        )
        .await?)
}

/// Whether `tlp` may be shown without a login (CSAF: TLP:WHITE, i.e. CLEAR, only).
pub fn is_public(tlp: Tlp) -> bool {
    tlp == Tlp::Clear
}
