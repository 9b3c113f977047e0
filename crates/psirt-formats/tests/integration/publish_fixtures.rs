//! Realistic advisories for the publishing tests: several products and versions, all four VEX
//! statuses, cases with one, two and no CVE, CWE, CVSS 3.1 (and 4.0).

use psirt_domain::{
    Acknowledgment, Advisory, AdvisoryContent, AdvisoryId, AdvisoryStatus, AffectDraft,
    AffectStatus, Change, Justification, Publish, Reference, Remediation, RemediationKind, Tlp,
};
use psirt_formats::publish::{
    AdvisoryView, AffectView, CaseView, Cna, CvssView, CweView, ProductVersionView, Publisher,
};
use time::macros::datetime;
use time::OffsetDateTime;

fn pv(id: &str, vendor: &str, product: &str, version: &str) -> ProductVersionView {
    ProductVersionView {
        product_id: id.into(),
        vendor: vendor.into(),
        product: product.into(),
        version: version.into(),
        purl: None,
        cpe: None,
    }
}

fn router(id: &str, version: &str) -> ProductVersionView {
    ProductVersionView {
        cpe: Some(format!("cpe:2.3:o:acme:router_os:{version}:*:*:*:*:*:*:*")),
        ..pv(id, "ACME", "Router OS", version)
    }
}

fn package(id: &str, vendor: &str, product: &str, purl: &str, version: &str) -> ProductVersionView {
    ProductVersionView {
        purl: Some(format!("{purl}@{version}")),
        ..pv(id, vendor, product, version)
    }
}

pub fn affect(
    product_id: &str,
    status: AffectStatus,
    f: impl FnOnce(&mut AffectDraft),
) -> AffectView {
    let mut d = AffectDraft {
        status,
        justification: None,
        fixed_in: None,
        statement: String::new(),
        remediation: None,
        target_release: None,
    };
    f(&mut d);
    AffectView {
        product_id: product_id.into(),
        affect: d.validated().unwrap(),
    }
}

fn cvss(vector: &str, score: f64, severity: &str) -> Option<CvssView> {
    Some(CvssView {
        vector: vector.into(),
        base_score: score,
        severity: severity.into(),
    })
}

fn cwe(id: &str, name: &str) -> Vec<CweView> {
    vec![CweView {
        id: id.into(),
        name: name.into(),
    }]
}

fn reference(url: &str, summary: &str) -> Reference {
    Reference {
        url: url.into(),
        summary: summary.into(),
    }
}

fn case(case_ref: &str, title: &str, cves: &[&str]) -> CaseView {
    CaseView {
        case_ref: case_ref.into(),
        title: title.into(),
        cve_ids: cves.iter().map(|s| s.to_string()).collect(),
        cwes: Vec::new(),
        cvss_v3: None,
        cvss_v4: None,
        description: format!("{title}: details of the flaw and its impact."),
        affects: Vec::new(),
        acknowledgments: Vec::new(),
        references: Vec::new(),
        discovery_date: None,
        release_date: None,
    }
}

pub fn publish(
    a: Advisory,
    status: AdvisoryStatus,
    change: Change,
    at: OffsetDateTime,
) -> Advisory {
    let r = a
        .publish(&Publish {
            status,
            change,
            summary: format!("{} release", status.as_str()),
            at,
        })
        .unwrap();
    a.with_revision(r)
}

fn view(
    advisory: Advisory,
    products: Vec<ProductVersionView>,
    cases: Vec<CaseView>,
) -> AdvisoryView {
    AdvisoryView {
        advisory_url: format!("https://acme.example/security/{}", advisory.id),
        csaf_base_url: "https://acme.example/.well-known/csaf".into(),
        advisory,
        publisher: Publisher {
            name: "ACME PSIRT".into(),
            namespace: "https://acme.example".into(),
            contact_details: Some("psirt@acme.example".into()),
        },
        cna: Cna {
            org_id: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6".into(),
            short_name: "acme".into(),
        },
        products,
        cases,
        generator: ("psirt".into(), "0.1.0".into()),
    }
}

/// Two cases (three CVEs), a web package on npm and a router firmware; TLP:CLEAR, final.
pub fn router_and_web() -> AdvisoryView {
    let content = AdvisoryContent {
        title: "ACME Router OS and acme-web: several vulnerabilities".into(),
        summary: "ACME Router OS and the acme-web package have vulnerabilities that allow remote code execution and cross-site scripting.".into(),
        notes: "Customers should update as described below.".into(),
        references: vec![reference("https://acme.example/kb/1234", "Knowledge base article")],
        acknowledgments: vec![Acknowledgment {
            names: vec!["Ada Lovelace".into()],
            organization: Some("Analytical Engines Ltd".into()),
            summary: Some("reported CVE-2026-10002".into()),
        }],
        tlp: Tlp::Clear,
    }
    .normalised()
    .unwrap();
    let a = Advisory::draft(AdvisoryId::new("ACME", 2026, 1).unwrap(), content);
    let a = publish(
        a,
        AdvisoryStatus::Final,
        Change::Major,
        datetime!(2026-03-10 09:00 UTC),
    );
    let products = vec![
        router("PV-1", "4.1"),
        router("PV-2", "4.2"),
        router("PV-3", "5.0"),
        package("PV-4", "ACME", "acme-web", "pkg:npm/%40acme/web", "1.2.3"),
        package("PV-5", "ACME", "acme-web", "pkg:npm/%40acme/web", "1.3.0"),
        package("PV-6", "ACME", "acme-web", "pkg:npm/%40acme/web", "2.0.0"),
    ];
    let xss = CaseView {
        cwes: cwe(
            "CWE-79",
            "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
        ),
        cvss_v3: cvss(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
            6.1,
            "MEDIUM",
        ),
        affects: vec![
            affect("PV-4", AffectStatus::Fixed, |d| {
                d.fixed_in = Some("1.2.4".into())
            }),
            affect("PV-5", AffectStatus::Affected, |d| {
                d.remediation = Some(Remediation {
                    kind: RemediationKind::Workaround,
                    details: "Set `sanitize: true` in the renderer options.".into(),
                })
            }),
            affect("PV-6", AffectStatus::NotAffected, |d| {
                d.justification = Some(Justification::VulnerableCodeNotPresent)
            }),
            affect("PV-1", AffectStatus::UnderInvestigation, |_| {}),
        ],
        discovery_date: Some(datetime!(2026-02-01 12:00 UTC)),
        release_date: Some(datetime!(2026-03-10 09:00 UTC)),
        references: vec![reference("https://github.com/acme/web/pull/77", "Fix")],
        ..case(
            "PSIRT-2026-0011",
            "Stored XSS in acme-web",
            &["CVE-2026-10001"],
        )
    };
    let rce = CaseView {
        cwes: cwe("CWE-787", "Out-of-bounds Write"),
        cvss_v3: cvss(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            9.8,
            "CRITICAL",
        ),
        cvss_v4: cvss(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            9.3,
            "CRITICAL",
        ),
        affects: vec![
            affect("PV-1", AffectStatus::Affected, |d| {
                d.target_release = Some("4.1.9".into())
            }),
            affect("PV-2", AffectStatus::Fixed, |d| {
                d.fixed_in = Some("4.2.7".into());
                d.remediation = Some(Remediation {
                    kind: RemediationKind::VendorFix,
                    details: "Update to Router OS 4.2.7 or later.".into(),
                })
            }),
            affect("PV-3", AffectStatus::NotAffected, |d| {
                d.justification = Some(Justification::ComponentNotPresent);
                d.statement = "Router OS 5.0 replaced the affected HTTP daemon.".into();
            }),
        ],
        acknowledgments: vec![Acknowledgment {
            names: vec!["Ada Lovelace".into()],
            ..Default::default()
        }],
        ..case(
            "PSIRT-2026-0012",
            "Heap overflow in the Router OS web UI",
            &["CVE-2026-10002", "CVE-2026-10003"],
        )
    };
    view(a, products, vec![xss, rce])
}

/// TLP:AMBER, interim: a Java and a Python library, a case without CVE, every status.
pub fn libraries() -> AdvisoryView {
    let content = AdvisoryContent {
        title: "Example libraries: denial of service and path traversal".into(),
        summary: "Crafted archives exhaust memory or escape the extraction directory.".into(),
        notes: String::new(),
        references: Vec::new(),
        acknowledgments: Vec::new(),
        tlp: Tlp::Amber,
    }
    .normalised()
    .unwrap();
    let a = Advisory::draft(AdvisoryId::new("X1", 2026, 42).unwrap(), content);
    let a = publish(
        a,
        AdvisoryStatus::Interim,
        Change::Major,
        datetime!(2026-05-01 08:30 UTC),
    );
    let products = vec![
        package(
            "J-30",
            "Example Corp",
            "example-lib",
            "pkg:maven/com.example/example-lib",
            "3.0",
        ),
        package(
            "J-31",
            "Example Corp",
            "example-lib",
            "pkg:maven/com.example/example-lib",
            "3.1",
        ),
        package(
            "P-10",
            "Example Corp",
            "examplelib",
            "pkg:pypi/examplelib",
            "1.0.0",
        ),
        pv("H-1", "Example Corp", "Appliance", "2026.1"),
    ];
    let dos = CaseView {
        cwes: cwe("CWE-400", "Uncontrolled Resource Consumption"),
        cvss_v3: cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "HIGH"),
        affects: vec![
            affect("J-30", AffectStatus::Fixed, |d| {
                d.fixed_in = Some("3.0.5".into())
            }),
            affect("J-31", AffectStatus::Affected, |d| {
                d.remediation = Some(Remediation {
                    kind: RemediationKind::Mitigation,
                    details: "Limit archive sizes at the proxy.".into(),
                })
            }),
            affect("P-10", AffectStatus::UnderInvestigation, |_| {}),
            affect("H-1", AffectStatus::NotAffected, |d| {
                d.justification = Some(Justification::VulnerableCodeNotInExecutePath)
            }),
        ],
        ..case(
            "PSIRT-2026-0100",
            "Zip bomb in example-lib",
            &["CVE-2026-20001"],
        )
    };
    let traversal = CaseView {
        cwes: cwe(
            "CWE-22",
            "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
        ),
        cvss_v3: cvss(
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H",
            5.5,
            "MEDIUM",
        ),
        affects: vec![
            affect("P-10", AffectStatus::Affected, |d| {
                d.remediation = Some(Remediation {
                    kind: RemediationKind::NoFixPlanned,
                    details: "examplelib 1.x is end of life; migrate to 2.x.".into(),
                })
            }),
            affect("H-1", AffectStatus::NotAffected, |d| {
                d.justification = Some(Justification::InlineMitigationsAlreadyExist)
            }),
            affect("J-31", AffectStatus::NotAffected, |d| {
                d.justification = Some(Justification::VulnerableCodeCannotBeControlledByAdversary)
            }),
        ],
        ..case("PSIRT-2026-0101", "Path traversal in examplelib", &[])
    };
    view(a, products, vec![dos, traversal])
}

/// `router_and_web` after two more revisions (1.1.0 minor, 2.0.0 major): the later history.
pub fn router_and_web_updated() -> Vec<AdvisoryView> {
    let first = router_and_web();
    let second = AdvisoryView {
        advisory: publish(
            first.advisory.clone(),
            AdvisoryStatus::Final,
            Change::Minor,
            datetime!(2026-03-12 10:00 UTC),
        ),
        ..first.clone()
    };
    let mut third = AdvisoryView {
        advisory: publish(
            second.advisory.clone(),
            AdvisoryStatus::Final,
            Change::Major,
            datetime!(2026-04-02 16:45:10 UTC),
        ),
        ..second.clone()
    };
    // The third revision marks 4.1 fixed as well.
    third.cases[1].affects[0] = affect("PV-1", AffectStatus::Fixed, |d| {
        d.fixed_in = Some("4.1.9".into())
    });
    vec![first, second, third]
}
