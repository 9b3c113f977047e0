//! Which versions fix a matched `purl@version`: what a finding's "fixed in" shows.

use std::cmp::Ordering;

use psirt_versions::{CompiledRange, Event};

use crate::index::purl_key;
use crate::{AdvisoryInput, Error, PackageKey};

/// The versions that fix `purl@version` according to `advisory`: the `fixed` events above the version in the
/// SEMVER and ECOSYSTEM ranges that contain it, of the entries that name the purl's package (as the index keys it,
/// release included). GIT ranges hold commits, not versions; fixes of other packages, of other
/// distribution releases and of branches below the version are not upgrades of this component. In the order the
/// advisory gives them, without repeats; empty when no entry affects the version.
pub fn fixed_versions(advisory: &AdvisoryInput, purl: &str) -> Result<Vec<String>, Error> {
    let (key, version) = purl_key(purl)?;
    let version = version.ok_or_else(|| Error::NoVersion(purl.to_string()))?;
    let mut out: Vec<String> = Vec::new();
    for a in &advisory.affected {
        if PackageKey::from_osv(&a.ecosystem, &a.name).ok().as_ref() != Some(&key) {
            continue;
        }
        // Range by range, as the index evaluates them: one that cannot be read (a GIT range, a version its scheme
        // does not parse) says nothing, and does not silence the others.
        for r in &a.ranges.ranges {
            let Ok(range) = CompiledRange::compile(r, &key.ecosystem) else {
                continue;
            };
            let Ok(current) = range.scheme().parse(&version) else {
                continue;
            };
            if !range.contains(&current) {
                continue;
            }
            for e in &r.events {
                let Event::Fixed(fixed) = e else { continue };
                let above = range
                    .scheme()
                    .parse(fixed)
                    .is_ok_and(|f| f.try_cmp(&current) == Ok(Ordering::Greater));
                if above && !out.contains(fixed) {
                    out.push(fixed.clone());
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use psirt_versions::{Ecosystem, OsvAffectedRanges, OsvRange, RangeKind};

    use super::*;
    use crate::AffectedInput;

    fn entry(eco: &str, name: &str, kind: RangeKind, events: &[(&str, &str)]) -> AffectedInput {
        AffectedInput {
            ecosystem: eco.into(),
            name: name.into(),
            ranges: OsvAffectedRanges {
                ecosystem: Ecosystem::from_osv(eco).unwrap(),
                ranges: vec![OsvRange {
                    kind,
                    events: events
                        .iter()
                        .map(|&(k, v)| match k {
                            "introduced" => Event::Introduced(v.into()),
                            _ => Event::Fixed(v.into()),
                        })
                        .collect(),
                    repo: None,
                }],
                versions: Vec::new(),
            },
        }
    }

    fn fixes(affected: Vec<AffectedInput>, purl: &str) -> Vec<String> {
        let adv = AdvisoryInput {
            id: "X-1".into(),
            aliases: Vec::new(),
            modified: String::new(),
            affected,
        };
        fixed_versions(&adv, purl).unwrap()
    }

    #[test]
    fn only_the_fixes_of_the_entries_that_affect_this_package_version() {
        let sha = "94a50a9731f35405f0357fa5f3b177d46a726ab3";
        let pypi = vec![
            entry(
                "PyPI",
                "cryptography",
                RangeKind::Git,
                &[("introduced", "0"), ("fixed", sha)],
            ),
            entry(
                "PyPI",
                "cryptography",
                RangeKind::Ecosystem,
                &[
                    ("introduced", "0"),
                    ("fixed", "1.2"),
                    ("introduced", "2.0"),
                    ("fixed", "39.0.1"),
                ],
            ),
            entry(
                "PyPI",
                "other",
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", "9")],
            ),
        ];
        // No commit hash, no fix below the version, nothing of another package.
        assert_eq!(
            fixes(pypi.clone(), "pkg:pypi/cryptography@36.0.0"),
            ["39.0.1"]
        );
        assert_eq!(
            fixes(pypi.clone(), "pkg:pypi/cryptography@1.0"),
            ["1.2", "39.0.1"]
        );
        // The package as the index keys it (PEP 503 names), and nothing when the version is not affected.
        assert_eq!(
            fixes(pypi.clone(), "pkg:pypi/Cryptography@36.0.0"),
            ["39.0.1"]
        );
        assert!(fixes(pypi, "pkg:pypi/cryptography@40.0").is_empty());
        // One record over two Ubuntu releases: a 22.04 component is shown the 22.04 fix only.
        let ubuntu = vec![
            entry(
                "Ubuntu:20.04:LTS",
                "openssl",
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", "1.1.1f-1ubuntu2.20")],
            ),
            entry(
                "Ubuntu:22.04:LTS",
                "openssl",
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", "3.0.2-0ubuntu1.12")],
            ),
        ];
        assert_eq!(
            fixes(
                ubuntu,
                "pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?distro=ubuntu-22.04"
            ),
            ["3.0.2-0ubuntu1.12"]
        );
    }
}
