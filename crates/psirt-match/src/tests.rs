//! Incremental-update tests: every update's returned changes must equal the difference of full re-matches.

use std::collections::BTreeSet;

use psirt_versions::{Ecosystem, Event, OsvAffectedRanges, OsvRange, RangeKind};

use crate::*;

fn range(kind: RangeKind, events: &[(&str, &str)]) -> OsvRange {
    OsvRange {
        kind,
        events: events
            .iter()
            .map(|(k, v)| match *k {
                "introduced" => Event::Introduced(v.to_string()),
                "fixed" => Event::Fixed(v.to_string()),
                "last_affected" => Event::LastAffected(v.to_string()),
                _ => Event::Limit(v.to_string()),
            })
            .collect(),
        repo: None,
    }
}

fn affected(eco: &str, name: &str, ranges: Vec<OsvRange>, versions: &[&str]) -> AffectedInput {
    AffectedInput {
        ecosystem: eco.into(),
        name: name.into(),
        ranges: OsvAffectedRanges {
            ecosystem: Ecosystem::from_osv(eco).unwrap(),
            ranges,
            versions: versions.iter().map(|v| v.to_string()).collect(),
        },
    }
}

fn adv(id: &str, affected: Vec<AffectedInput>) -> AdvisoryInput {
    AdvisoryInput {
        id: id.into(),
        aliases: vec![format!("CVE-{id}")],
        modified: "2026-01-01T00:00:00Z".into(),
        affected,
    }
}

fn comps(pv: i64, purls: &[(i64, &str)]) -> Vec<ComponentInput> {
    purls
        .iter()
        .map(|(c, p)| ComponentInput {
            component_id: *c,
            product_version_id: pv,
            purl: p.to_string(),
        })
        .collect()
}

type Set = BTreeSet<(String, i64, i64)>;

fn set(ms: &[Match]) -> Set {
    ms.iter()
        .map(|m| {
            (
                m.advisory_id.to_string(),
                m.component_id,
                m.product_version_id,
            )
        })
        .collect()
}

/// Every match visible through the materialised per-product-version lists equals a full re-match.
fn all(ix: &Index) -> Set {
    let full = set(&ix.rematch_all(2));
    assert_eq!(full, set(&ix.rematch_all(1)));
    let mut by_pv = Set::new();
    for pv in 1..=10 {
        by_pv.extend(set(&ix.advisories_for_product_version(pv)));
    }
    assert_eq!(full, by_pv, "materialised lists differ from a re-match");
    full
}

/// Apply an update and check its changes are exactly the difference of the states before and after.
fn check(ix: &mut Index, f: impl FnOnce(&mut Index) -> Changes) -> Changes {
    let before = all(ix);
    let ch = f(ix);
    let after = all(ix);
    let added: Set = after.difference(&before).cloned().collect();
    let removed: Set = before.difference(&after).cloned().collect();
    assert_eq!(set(&ch.added), added, "added");
    assert_eq!(set(&ch.removed), removed, "removed");
    assert_eq!(ch.added.len(), added.len(), "duplicate added matches");
    assert_eq!(ch.removed.len(), removed.len(), "duplicate removed matches");
    ch
}

fn pypi_adv() -> AdvisoryInput {
    adv(
        "PYSEC-1",
        vec![affected(
            "PyPI",
            "Jinja2",
            vec![range(
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", "2.11.3")],
            )],
            &[],
        )],
    )
}

#[test]
fn upsert_then_remove_leaves_no_matches() {
    let mut ix = Index::new();
    let c = comps(
        1,
        &[
            (10, "pkg:pypi/jinja2@2.10"),
            (11, "pkg:pypi/requests@2.0"),
            (12, "pkg:pypi/Jinja_2@1"),
        ],
    );
    check(&mut ix, |ix| {
        ix.set_product_version_components(1, &c).unwrap()
    });
    let ch = check(&mut ix, |ix| ix.upsert_advisory(pypi_adv()).unwrap());
    assert_eq!(set(&ch.added).len(), 1);
    assert_eq!(
        ix.advisories_for("pkg:pypi/Jinja2@2.10").unwrap(),
        vec!["PYSEC-1".into()] as Vec<std::sync::Arc<str>>
    );
    let ch = check(&mut ix, |ix| ix.remove_advisory("PYSEC-1"));
    assert_eq!(ch.removed.len(), 1);
    assert!(ix.rematch_all(1).is_empty());
    assert!(ix.advisory_matches("PYSEC-1").is_none());
    assert!(ix
        .advisories_for("pkg:pypi/jinja2@2.10")
        .unwrap()
        .is_empty());
    assert_eq!(ix.stats().advisories, 0);
    assert_eq!(ix.stats().entries, 0);
    // Removing again changes nothing.
    assert!(ix.remove_advisory("PYSEC-1").is_empty());
}

#[test]
fn advisory_upsert_replaces_ranges() {
    let mut ix = Index::new();
    let c = comps(
        1,
        &[(1, "pkg:cargo/tokio@1.0.0"), (2, "pkg:cargo/tokio@1.5.0")],
    );
    check(&mut ix, |ix| {
        ix.set_product_version_components(1, &c).unwrap()
    });
    let c2 = comps(2, &[(3, "pkg:cargo/tokio@1.5.0")]);
    check(&mut ix, |ix| {
        ix.set_product_version_components(2, &c2).unwrap()
    });
    let a = |fixed: &str| {
        adv(
            "RUSTSEC-1",
            vec![affected(
                "crates.io",
                "tokio",
                vec![range(
                    RangeKind::Semver,
                    &[("introduced", "0.0.0-0"), ("fixed", fixed)],
                )],
                &[],
            )],
        )
    };
    let ch = check(&mut ix, |ix| ix.upsert_advisory(a("1.1.0")).unwrap());
    assert_eq!(ch.added.len(), 1);
    let ch = check(&mut ix, |ix| ix.upsert_advisory(a("1.6.0")).unwrap());
    assert_eq!((ch.added.len(), ch.removed.len()), (2, 0));
    assert_eq!(
        ix.affected_product_versions("RUSTSEC-1").unwrap(),
        vec![1, 2]
    );
    let m = ix.advisory_matches("RUSTSEC-1").unwrap();
    assert_eq!(m.product_versions, vec![1, 2]);
    assert_eq!(m.components.len(), 3);
    let ch = check(&mut ix, |ix| ix.upsert_advisory(a("1.0.0")).unwrap());
    assert_eq!((ch.added.len(), ch.removed.len()), (0, 3));
    assert_eq!(ix.advisory_info("RUSTSEC-1").unwrap().0, ["CVE-RUSTSEC-1"]);
}

#[test]
fn sbom_reimport_yields_added_and_removed() {
    let mut ix = Index::new();
    check(&mut ix, |ix| ix.upsert_advisory(pypi_adv()).unwrap());
    let go = adv(
        "GO-1",
        vec![affected(
            "Go",
            "golang.org/x/net",
            vec![range(
                RangeKind::Semver,
                &[("introduced", "0"), ("fixed", "0.7.0")],
            )],
            &[],
        )],
    );
    check(&mut ix, |ix| ix.upsert_advisory(go).unwrap());
    let v1 = comps(
        5,
        &[
            (1, "pkg:pypi/jinja2@2.10"),
            (2, "pkg:golang/golang.org/x/net@v0.5.0"),
            (3, "pkg:npm/lodash@4.17.20"),
        ],
    );
    let ch = check(&mut ix, |ix| {
        ix.set_product_version_components(5, &v1).unwrap()
    });
    assert_eq!(ch.added.len(), 2);
    // Re-import: jinja2 upgraded (match gone), x/net unchanged (no change reported), a new vulnerable component.
    let v2 = comps(
        5,
        &[
            (1, "pkg:pypi/jinja2@3.1.2"),
            (2, "pkg:golang/golang.org/x/net@v0.5.0"),
            (4, "pkg:golang/golang.org/x/net@v0.6.0"),
        ],
    );
    let ch = check(&mut ix, |ix| {
        ix.set_product_version_components(5, &v2).unwrap()
    });
    assert_eq!(set(&ch.added), Set::from([("GO-1".into(), 4, 5)]),);
    assert_eq!(set(&ch.removed), Set::from([("PYSEC-1".into(), 1, 5)]),);
    // The same set again changes nothing.
    let ch = check(&mut ix, |ix| {
        ix.set_product_version_components(5, &v2).unwrap()
    });
    assert!(ch.is_empty());
    // Another product version sharing a slot, then removing the first keeps the second's matches.
    let other = comps(6, &[(9, "pkg:golang/golang.org/x/net@v0.5.0")]);
    check(&mut ix, |ix| {
        ix.set_product_version_components(6, &other).unwrap()
    });
    let ch = check(&mut ix, |ix| ix.remove_product_version(5));
    assert_eq!(ch.removed.len(), 2);
    assert_eq!(ix.affected_product_versions("GO-1").unwrap(), vec![6]);
    // Freed slots: only x/net@v0.5.0 is left.
    assert_eq!(ix.stats().package_versions, 1);
    assert_eq!(ix.stats().component_instances, 1);
    check(&mut ix, |ix| {
        ix.set_product_version_components(6, &[]).unwrap()
    });
    assert_eq!(ix.stats().package_versions, 0);
    assert_eq!(ix.stats().product_versions, 0);
    assert!(ix.rematch_all(2).is_empty());
}

#[test]
fn bad_input_is_rejected_whole() {
    let mut ix = Index::new();
    let good = comps(1, &[(1, "pkg:pypi/jinja2@2.10")]);
    ix.set_product_version_components(1, &good).unwrap();
    let mut bad = comps(1, &[(2, "pkg:pypi/jinja2@2.9"), (3, "not a purl")]);
    assert!(matches!(
        ix.set_product_version_components(1, &bad),
        Err(Error::Purl { .. })
    ));
    bad[1] = ComponentInput {
        component_id: 2,
        product_version_id: 1,
        purl: "pkg:pypi/x@1".into(),
    };
    assert_eq!(
        ix.set_product_version_components(1, &bad),
        Err(Error::DuplicateComponent(2))
    );
    assert!(matches!(
        ix.set_product_version_components(2, &good),
        Err(Error::ProductVersionMismatch { .. })
    ));
    assert_eq!(ix.stats().component_instances, 1);

    assert!(matches!(
        ix.upsert_advisory(adv("", vec![])),
        Err(Error::EmptyAdvisoryId)
    ));
    assert_eq!(ix.stats().advisories, 0);
    // An advisory's entry that does not compile (a range event its scheme cannot read, no package name) is left
    // out and reported; its other entries are matched.
    let broken = adv(
        "X-1",
        vec![
            affected(
                "crates.io",
                "tokio",
                vec![range(
                    RangeKind::Semver,
                    &[("introduced", "0"), ("fixed", "")],
                )],
                &[],
            ),
            affected("PyPI", "", vec![], &["1"]),
            affected(
                "PyPI",
                "jinja2",
                vec![range(
                    RangeKind::Ecosystem,
                    &[("introduced", "0"), ("fixed", "2.10.1")],
                )],
                &[],
            ),
        ],
    );
    let changes = ix.upsert_advisory(broken).unwrap();
    assert!(
        matches!(
            &changes.skipped[..],
            [Error::Range { .. }, Error::Affected { index: 1, .. }]
        ),
        "{:?}",
        changes.skipped
    );
    assert_eq!(changes.added.len(), 1);
    assert_eq!(
        ix.advisories_for("pkg:pypi/jinja2@2.10").unwrap(),
        ["X-1".into()]
    );
    assert!(matches!(
        ix.advisories_for("pkg:pypi/jinja2"),
        Err(Error::NoVersion(_))
    ));
}

#[test]
fn versions_list_git_ranges_and_unknown_versions() {
    let mut ix = Index::new();
    let git = OsvRange {
        kind: RangeKind::Git,
        events: vec![Event::Introduced("abc".into())],
        repo: Some("https://example.org/r".into()),
    };
    // GIT-only entry without versions: not kept; with a versions list: the list matches.
    check(&mut ix, |ix| {
        ix.upsert_advisory(adv(
            "OSV-1",
            vec![
                affected("PyPI", "a", vec![git.clone()], &[]),
                affected("PyPI", "b", vec![git], &["1.0", "2.0"]),
            ],
        ))
        .unwrap()
    });
    assert_eq!(ix.stats().entries, 1);
    let c = comps(
        1,
        &[
            (1, "pkg:pypi/a@1.0"),
            (2, "pkg:pypi/b@1.0"),
            (3, "pkg:pypi/b@1.0.0"),
            (4, "pkg:pypi/b@3"),
            (5, "pkg:pypi/b@not-a-version"),
        ],
    );
    let ch = check(&mut ix, |ix| {
        ix.set_product_version_components(1, &c).unwrap()
    });
    // PEP 440 equality: 1.0.0 == 1.0.
    assert_eq!(
        set(&ch.added).into_iter().map(|m| m.1).collect::<Vec<_>>(),
        vec![2, 3]
    );
    // A version absent from the inventory is evaluated on the fly.
    assert_eq!(ix.advisories_for("pkg:pypi/b@2.0").unwrap().len(), 1);
    assert!(ix.advisories_for("pkg:pypi/b@2.1").unwrap().is_empty());
    assert!(ix.advisories_for("pkg:pypi/unknown@1").unwrap().is_empty());
}

#[test]
fn distro_release_must_agree() {
    let mut ix = Index::new();
    let deb = |id: &str, eco: &str| {
        adv(
            id,
            vec![affected(
                eco,
                "util-linux",
                vec![range(
                    RangeKind::Ecosystem,
                    &[("introduced", "0"), ("fixed", "2.36.1-8+deb11u2")],
                )],
                &[],
            )],
        )
    };
    check(&mut ix, |ix| {
        ix.upsert_advisory(deb("DSA-11", "Debian:11")).unwrap()
    });
    check(&mut ix, |ix| {
        ix.upsert_advisory(deb("DSA-12", "Debian:12")).unwrap()
    });
    let c = comps(
        1,
        &[(
            1,
            "pkg:deb/debian/bsdutils@1:2.36.1-8+deb11u1?arch=amd64&upstream=util-linux%402.36.1-8%2Bdeb11u1&distro=debian-11",
        )],
    );
    let ch = check(&mut ix, |ix| {
        ix.set_product_version_components(1, &c).unwrap()
    });
    assert_eq!(set(&ch.added), Set::from([("DSA-11".into(), 1, 1)]));
}

#[test]
fn multiple_entries_and_advisories_per_package() {
    let mut ix = Index::new();
    let c = comps(
        3,
        &[
            (1, "pkg:bitnami/activemq@5.15.12"),
            (2, "pkg:bitnami/activemq@5.16.0"),
        ],
    );
    check(&mut ix, |ix| {
        ix.set_product_version_components(3, &c).unwrap()
    });
    // Two entries for one package in one advisory: one match per component, not two.
    check(&mut ix, |ix| {
        ix.upsert_advisory(adv(
            "BIT-1",
            vec![
                affected(
                    "Bitnami",
                    "activemq",
                    vec![range(
                        RangeKind::Semver,
                        &[("introduced", "5.15.12"), ("last_affected", "5.15.12")],
                    )],
                    &[],
                ),
                affected(
                    "Bitnami",
                    "activemq",
                    vec![range(
                        RangeKind::Semver,
                        &[
                            ("introduced", "0"),
                            ("fixed", "5.15.14"),
                            ("introduced", "5.16.0"),
                            ("fixed", "5.16.1"),
                        ],
                    )],
                    &[],
                ),
            ],
        ))
        .unwrap()
    });
    check(&mut ix, |ix| {
        ix.upsert_advisory(adv(
            "BIT-2",
            vec![affected(
                "Bitnami",
                "activemq",
                vec![range(
                    RangeKind::Semver,
                    &[("introduced", "5.16.0"), ("limit", "5.16.0")],
                )],
                &[],
            )],
        ))
        .unwrap()
    });
    assert_eq!(ix.rematch_all(2).len(), 2);
    assert_eq!(
        ix.advisories_for("pkg:bitnami/activemq@5.15.13").unwrap(),
        vec!["BIT-1".into()] as Vec<std::sync::Arc<str>>
    );
}

/// Listed versions inside the entry's ranges are dropped when compiling: the answers stay those of the whole list
/// (PEP 440 equality included), for versions in the ranges, only in the list, and in neither.
#[test]
fn versions_list_with_ranges() {
    let mut ix = Index::new();
    let c = comps(
        1,
        &[
            (1, "pkg:pypi/foo@1.0.0"),
            (2, "pkg:pypi/foo@1.5"),
            (3, "pkg:pypi/foo@2.5"),
            (4, "pkg:pypi/foo@3.0"),
            (5, "pkg:pypi/foo@2.0"),
            (6, "pkg:pypi/foo@0.9"),
            (7, "pkg:pypi/foo@3.0.post1"),
        ],
    );
    check(&mut ix, |ix| {
        ix.set_product_version_components(1, &c).unwrap()
    });
    let ch = check(&mut ix, |ix| {
        ix.upsert_advisory(adv(
            "PYSEC-9",
            vec![affected(
                "PyPI",
                "foo",
                vec![range(
                    RangeKind::Ecosystem,
                    &[("introduced", "1.0"), ("fixed", "2.0")],
                )],
                &["1.0", "1.2", "1.5", "2.5", "3.0.0"],
            )],
        ))
        .unwrap()
    });
    let hit: BTreeSet<i64> = ch.added.iter().map(|m| m.component_id).collect();
    assert_eq!(hit, BTreeSet::from([1, 2, 3, 4]));
    for (purl, yes) in [
        ("pkg:pypi/foo@1.2", true),
        ("pkg:pypi/foo@1.2.0", true),
        ("pkg:pypi/foo@2.5.0", true),
        ("pkg:pypi/foo@2.4", false),
        ("pkg:pypi/foo@3", true),
        ("pkg:pypi/foo@3.0.1", false),
    ] {
        assert_eq!(!ix.advisories_for(purl).unwrap().is_empty(), yes, "{purl}");
    }
}

/// Listed versions that the ranges cover are dropped at compile time except where that is not exact: Maven (its
/// equality is not key equality) and ranges of another scheme (SEMVER on PyPI). The index answers as evaluating the
/// entry directly does, for versions inside, outside and on the bounds, in other spellings too.
#[test]
fn listed_versions_kept_where_ranges_cannot_stand_in() {
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        RangeKind,
        &'a [(&'a str, &'a str)],
        &'a [&'a str],
        &'a [&'a str],
    );
    let cases: [Case; 3] = [
        (
            "Maven",
            "org.acme:lib",
            "pkg:maven/org.acme/lib",
            RangeKind::Ecosystem,
            &[("introduced", "1.0"), ("fixed", "2.0")],
            &["1.5", "1.5.0", "3.0", "3.0-ga"],
            &[
                "0.9", "1.0", "1.5", "1.5.0", "1.5-ga", "2.0", "3", "3.0", "3.0.0", "3.0-ga", "3.1",
            ],
        ),
        (
            "PyPI",
            "foo",
            "pkg:pypi/foo",
            RangeKind::Semver,
            &[("introduced", "1.0.0"), ("fixed", "2.0.0")],
            &["1.5", "1.5.0", "2.5"],
            &[
                "0.9", "1.0", "1.0.0", "1.5", "1.5.0", "2.0", "2.5", "2.5.0", "3.0",
            ],
        ),
        (
            "PyPI",
            "bar",
            "pkg:pypi/bar",
            RangeKind::Ecosystem,
            &[
                ("introduced", "1.0"),
                ("last_affected", "1.8"),
                ("introduced", "3.0"),
                ("limit", "3.5"),
            ],
            &["1.5", "1.8.0", "2.0", "3.2", "4.0"],
            &[
                "0.9", "1.5", "1.8", "1.9", "2.0", "2.0.0", "3.0", "3.2", "3.5", "4.0",
            ],
        ),
    ];
    for (eco, name, base, kind, events, listed, probes) in cases {
        let entry = affected(eco, name, vec![range(kind, events)], listed);
        let direct = psirt_versions::CompiledAffected::compile(&entry.ranges).unwrap();
        let mut ix = Index::new();
        ix.upsert_advisory(adv("ADV-1", vec![entry])).unwrap();
        for v in probes {
            let purl = format!("{base}@{v}");
            let expected = direct.contains_str(v).unwrap();
            assert_eq!(
                !ix.advisories_for(&purl).unwrap().is_empty(),
                expected,
                "{purl} ({eco}, {kind:?})"
            );
        }
    }
}

/// Loading components without changes leaves the index as setting them does; later updates list their changes.
#[test]
fn load_without_changes_gives_the_same_index() {
    let inv = [
        comps(
            1,
            &[
                (1, "pkg:pypi/jinja2@2.10"),
                (2, "pkg:pypi/Jinja2@3.0"),
                (3, "pkg:bitnami/activemq@5.15.12"),
            ],
        ),
        comps(2, &[(4, "pkg:pypi/jinja2@2.11.2"), (5, "pkg:npm/x@1")]),
    ];
    let mut set_ix = Index::new();
    let mut load_ix = Index::new();
    for ix in [&mut set_ix, &mut load_ix] {
        ix.upsert_advisory(pypi_adv()).unwrap();
    }
    for (pv, c) in inv.iter().enumerate() {
        let pv = pv as i64 + 1;
        set_ix.set_product_version_components(pv, c).unwrap();
        load_ix.load_product_version_components(pv, c).unwrap();
    }
    assert_eq!(all(&set_ix), all(&load_ix));
    assert_eq!(set_ix.stats(), load_ix.stats());
    assert_eq!(all(&load_ix).len(), 2);
    // Errors are those of set_product_version_components, and change nothing.
    assert!(load_ix
        .load_product_version_components(1, &comps(2, &[(9, "pkg:pypi/a@1")]))
        .is_err());
    assert_eq!(all(&set_ix), all(&load_ix));
    check(&mut load_ix, |ix| {
        ix.set_product_version_components(2, &comps(2, &[(4, "pkg:pypi/jinja2@2.11.3")]))
            .unwrap()
    });
    check(&mut load_ix, |ix| ix.remove_advisory("PYSEC-1"));
}

/// Purls of one package spelled in several ways (canonical, with qualifiers, not canonical) meet on one package,
/// before and after its canonical text is remembered; a refused update interns nothing.
#[test]
fn purl_spellings_meet_on_one_package() {
    let mut ix = Index::new();
    ix.upsert_advisory(pypi_adv()).unwrap();
    let packages = ix.stats().packages;
    check(&mut ix, |ix| {
        ix.set_product_version_components(
            1,
            &comps(
                1,
                &[
                    (1, "pkg:pypi/Jinja2@2.10"),
                    (2, "pkg:pypi/jinja2@2.10?file_name=x.whl"),
                    (3, "pkg:pypi/jinja2@2.10"),
                ],
            ),
        )
        .unwrap()
    });
    check(&mut ix, |ix| {
        ix.set_product_version_components(
            2,
            &comps(
                2,
                &[
                    (4, "pkg:pypi/jinja2@2.11.2"),
                    (5, "pkg:PYPI/jinja2@2.11.2"),
                    (6, "pkg:pypi/jinja2@3.0"),
                    (7, "pkg:pypi/jinja2"),
                ],
            ),
        )
        .unwrap()
    });
    assert_eq!(ix.stats().packages, packages);
    assert_eq!(all(&ix).len(), 5);
    // The canonical text is known now: versions that are not plain text after it go the long way, same answers.
    check(&mut ix, |ix| {
        ix.set_product_version_components(
            4,
            &comps(
                4,
                &[
                    (10, "pkg:pypi/jinja2@2.1%30"),
                    (11, "pkg:pypi/jinja2@2.10#sub/path"),
                    (12, "pkg:pypi/jinja2@2.10?a=b"),
                    (13, "pkg:pypi/jinja2@2.11.2"),
                ],
            ),
        )
        .unwrap()
    });
    assert_eq!(ix.stats().packages, packages);
    let one = ix.advisories_for("pkg:pypi/jinja2@2.10").unwrap().len();
    assert!(one > 0);
    let other = ix.advisories_for("pkg:pypi/jinja2@2.11.2").unwrap().len();
    assert_eq!(ix.advisories_for_product_version(4).len(), 3 * one + other);
    assert_eq!(
        ix.advisories_for("pkg:pypi/jinja2@2.1%30").unwrap().len(),
        one
    );
    assert!(ix
        .set_product_version_components(3, &comps(3, &[(8, "pkg:pypi/new@1"), (9, "pkg:")]))
        .is_err());
    assert_eq!(ix.stats().packages, packages);
}

/// A component without a version matches nothing, whatever the scheme would make of "" (RubyGems reads it as "0",
/// inside every range that opens at 0), nor an empty listed version.
#[test]
fn a_component_without_a_version_matches_nothing() {
    let mut ix = Index::new();
    ix.upsert_advisory(adv(
        "G1",
        vec![affected(
            "RubyGems",
            "rails",
            vec![range(
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", "7.0.4")],
            )],
            &[""],
        )],
    ))
    .unwrap();
    let changes = ix
        .set_product_version_components(
            1,
            &comps(1, &[(1, "pkg:gem/rails"), (2, "pkg:gem/rails@0")]),
        )
        .unwrap();
    let expected: Set = [("G1".to_string(), 2, 1)].into_iter().collect();
    assert_eq!(set(&changes.added), expected);
    assert_eq!(all(&ix), expected);
    // Where the scheme does not parse "" (npm's SemVer), a listed "" is not compared as text with it either.
    ix.upsert_advisory(adv(
        "N1",
        vec![affected("npm", "left-pad", vec![], &["", "1.0.0"])],
    ))
    .unwrap();
    let before = ix.stats().package_versions;
    let changes = ix
        .set_product_version_components(
            2,
            &comps(
                2,
                &[
                    (3, "pkg:npm/left-pad"),
                    (4, "pkg:npm/left-pad@1.0.0"),
                    (5, "pkg:npm/left-pad"),
                ],
            ),
        )
        .unwrap();
    let expected: Set = [("N1".to_string(), 4, 2)].into_iter().collect();
    assert_eq!(set(&changes.added), expected);
    // The two components without a version share one (package, version) pair.
    assert_eq!(ix.stats().package_versions, before + 2);
}
