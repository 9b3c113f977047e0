//! Package identity: the key under which an OSV `affected[].package` and an SBOM purl meet.
//!
//! A [`PackageKey`] is (ecosystem, distro release, name as OSV spells it). Both sides are normalised the same way,
//! so that matching is one hash lookup. The rules follow what the OSV corpus uses:
//!
//! | purl type | OSV ecosystem | name | version |
//! |---|---|---|---|
//! | `npm` | npm | `@scope/name` (an `@` is added to a bare scope) | purl version |
//! | `maven` | Maven | `group:artifact` | purl version |
//! | `golang` | Go | `namespace/name` (module path), lower-cased on both sides | purl version (`v` prefix accepted) |
//! | `pypi` | PyPI | PEP 503 normalised (lower case, runs of `-_.` → `-`) on both sides | purl version |
//! | `composer` | Packagist | `vendor/name`, lower case (repository suffix of `Packagist:<url>` ignored) | purl version |
//! | `cargo` | crates.io | name | purl version |
//! | `gem` | RubyGems | name | purl version |
//! | `nuget`, `dotnet` (syft) | NuGet | name, lower case on both sides (NuGet ids are case-insensitive) | purl version |
//! | `deb` | Debian, or Ubuntu for namespace `ubuntu` | source package: the `upstream` qualifier's name (syft: `name@version`) else the name | the `upstream` version, else the purl version |
//! | `apk`, `alpine` (old syft) | Alpine (Wolfi, Chainguard, MinimOS, Alpaquita by namespace) | origin: the `upstream` qualifier, else the name | purl version |
//! | `rpm` | by namespace: AlmaLinux, Rocky Linux, SUSE, openSUSE, Photon OS (`photon`), Azure Linux (`azurelinux`, `mariner`), …, else Red Hat | binary package name (AlmaLinux OSV names binary RPMs) | `epoch:` from the `epoch` qualifier + purl version |
//! | others | `Ecosystem::from_purl_type` | `namespace/name` or `name` | purl version |
//!
//! Distro releases: OSV files distro advisories per release (`Debian:11`, `Ubuntu:22.04:LTS`, `Alpine:v3.18`,
//! `AlmaLinux:8`, `Rocky Linux:9`); purls carry it in the `distro` qualifier (`debian-11`, `bullseye`,
//! `ubuntu-22.04`, `alpine-3.10.3`, `almalinux-8.7`). For those five ecosystems the key holds the release
//! normalised to `11`, `22.04` (`pro:18.04` for Ubuntu Pro), `3.10`, `8`; a component without a `distro`
//! qualifier, or an advisory without a release, has none and only meets keys without one. Other ecosystems'
//! suffixes (`Packagist:https://packages.drupal.org/8`, `Maven:<repo>`, SUSE product names) are not releases in a
//! grammar we can match on: they are dropped on both sides.

use std::borrow::Cow;
use std::fmt;

use psirt_versions::{Ecosystem, Purl, PurlParts};

/// Identity of a package across intel and inventory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageKey {
    /// The ecosystem (its version scheme orders the package's versions).
    pub ecosystem: Ecosystem,
    /// The distro release, normalised, for release-aware ecosystems (see the module docs).
    pub release: Option<String>,
    /// The package name as OSV spells it, normalised where the ecosystem is case- or punctuation-insensitive.
    pub name: String,
}

impl fmt::Display for PackageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.release {
            Some(r) => write!(f, "{}:{}/{}", self.ecosystem, r, self.name),
            None => write!(f, "{}/{}", self.ecosystem, self.name),
        }
    }
}

impl PackageKey {
    /// A distro package (Debian, Ubuntu, Alpine, AlmaLinux, Rocky Linux) without a release: OSV files those
    /// advisories per release, so such a key meets almost none (a purl needs its `distro` qualifier).
    pub fn lacks_release(&self) -> bool {
        release_aware(&self.ecosystem) && self.release.is_none()
    }

    /// The key of an OSV `affected[].package`: `ecosystem` is the full OSV name (`Debian:12`), `name` the package.
    pub fn from_osv(ecosystem: &str, name: &str) -> Result<PackageKey, psirt_versions::Error> {
        let eco = Ecosystem::from_osv(ecosystem)?;
        let release = ecosystem
            .split_once(':')
            .and_then(|(_, r)| osv_release(&eco, r.trim()));
        Ok(PackageKey {
            name: normalise_name(&eco, name),
            release,
            ecosystem: eco,
        })
    }

    /// The key and version of a component purl. The version is `None` when the purl has none.
    pub fn from_purl(p: &Purl) -> Result<(PackageKey, Option<String>), psirt_versions::Error> {
        let (key, version) =
            PackageKey::from_fields(p.ty(), p.namespace(), p.name(), p.version(), |k| {
                p.qualifiers().get(k).map(String::as_str)
            })?;
        Ok((key, version.map(Cow::into_owned)))
    }

    /// [`PackageKey::from_purl`] on the parts of a canonical purl's text ([`Purl::canonical_parts`]), without
    /// building the [`Purl`]; the version is borrowed from the text unless the ecosystem rewrites it.
    pub fn from_purl_parts<'a>(
        p: &PurlParts<'a>,
    ) -> Result<(PackageKey, Option<Cow<'a, str>>), psirt_versions::Error> {
        PackageKey::from_fields(p.ty, p.namespace, p.name, p.version, |k| p.qualifier(k))
    }

    fn from_fields<'a>(
        ty: &str,
        ns: Option<&str>,
        p_name: &str,
        p_version: Option<&'a str>,
        qualifier: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<(PackageKey, Option<Cow<'a, str>>), psirt_versions::Error> {
        let eco = match ty {
            // syft names Alpine packages `pkg:alpine/...` and .NET assemblies (NuGet packages) `pkg:dotnet/...`.
            "alpine" => Ecosystem::Alpine,
            "dotnet" => Ecosystem::NuGet,
            _ => Ecosystem::from_purl_type(ty, ns)?,
        };
        let upstream = qualifier("upstream");
        let mut version = p_version.map(Cow::Borrowed);
        let joined;
        let name: &str = match (&eco, ty) {
            (Ecosystem::Npm, _) => match ns {
                Some(s) if s.starts_with('@') => {
                    joined = format!("{s}/{p_name}");
                    &joined
                }
                Some(s) => {
                    joined = format!("@{s}/{p_name}");
                    &joined
                }
                None => p_name,
            },
            (Ecosystem::Maven, _) => match ns {
                Some(g) => {
                    joined = format!("{g}:{p_name}");
                    &joined
                }
                None => p_name,
            },
            (Ecosystem::Debian | Ecosystem::Ubuntu, "deb") => match upstream {
                // syft: `upstream=<source>@<source version>` (or just `<source>`): OSV names source packages.
                Some(u) if !u.is_empty() => match u.split_once('@') {
                    Some((src, v)) => {
                        if !v.is_empty() {
                            version = Some(Cow::Borrowed(v));
                        }
                        src
                    }
                    None => u,
                },
                _ => p_name,
            },
            (
                Ecosystem::Alpine
                | Ecosystem::Wolfi
                | Ecosystem::Chainguard
                | Ecosystem::MinimOs
                | Ecosystem::Alpaquita,
                _,
            ) => match upstream {
                Some(u) if !u.is_empty() => u.split_once('@').map_or(u, |(s, _)| s),
                _ => p_name,
            },
            (_, "rpm") => {
                if let (Some(e), Some(v)) = (qualifier("epoch"), &version) {
                    if !v.contains(':') && !e.is_empty() {
                        version = Some(Cow::Owned(format!("{e}:{v}")));
                    }
                }
                p_name
            }
            _ => match ns {
                Some(n) => {
                    joined = format!("{n}/{p_name}");
                    &joined
                }
                None => p_name,
            },
        };
        let release = qualifier("distro").and_then(|d| purl_release(&eco, d));
        Ok((
            PackageKey {
                name: normalise_name(&eco, name),
                release,
                ecosystem: eco,
            },
            version,
        ))
    }
}

/// Per-ecosystem name normalisation, applied to both sides.
fn normalise_name(eco: &Ecosystem, name: &str) -> String {
    match eco {
        Ecosystem::PyPI => pep503(name),
        // Module paths are case-sensitive in principle, but SBOM tools lower-case them (older purl rules): a
        // case-only collision between two modules is not a real risk, a missed match is.
        Ecosystem::Go
        | Ecosystem::NuGet
        | Ecosystem::Packagist
        | Ecosystem::Hex
        | Ecosystem::Pub => name.to_lowercase(),
        _ => name.to_string(),
    }
}

/// PEP 503: lower case, every run of `-`, `_`, `.` becomes one `-`.
pub fn pep503(name: &str) -> String {
    if name.is_ascii() {
        let mut out = Vec::with_capacity(name.len());
        let mut in_sep = false;
        for &b in name.as_bytes() {
            if matches!(b, b'-' | b'_' | b'.') {
                if !in_sep {
                    out.push(b'-');
                }
                in_sep = true;
            } else {
                out.push(b.to_ascii_lowercase());
                in_sep = false;
            }
        }
        // ASCII in, ASCII out.
        return String::from_utf8(out).unwrap_or_default();
    }
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

/// Ecosystems whose OSV suffix is a distro release we can match on.
fn release_aware(eco: &Ecosystem) -> bool {
    matches!(
        eco,
        Ecosystem::Debian
            | Ecosystem::Ubuntu
            | Ecosystem::Alpine
            | Ecosystem::AlmaLinux
            | Ecosystem::RockyLinux
    )
}

/// The release of an OSV ecosystem suffix (`12`, `22.04:LTS`, `Pro:18.04:LTS`, `v3.18`, `8`).
fn osv_release(eco: &Ecosystem, suffix: &str) -> Option<String> {
    if !release_aware(eco) || suffix.is_empty() {
        return None;
    }
    let r = match eco {
        Ecosystem::Ubuntu => {
            let s = suffix.strip_suffix(":LTS").unwrap_or(suffix);
            match s.strip_prefix("Pro:") {
                Some(v) => format!("pro:{v}"),
                None => s.to_string(),
            }
        }
        Ecosystem::Alpine => suffix.trim_start_matches('v').to_string(),
        _ => major(suffix).to_string(),
    };
    Some(r.to_ascii_lowercase())
}

/// The release of a purl `distro` qualifier (`debian-11`, `bullseye`, `ubuntu-22.04`, `alpine-3.10.3`,
/// `almalinux-8.7`, `el8`).
fn purl_release(eco: &Ecosystem, distro: &str) -> Option<String> {
    if !release_aware(eco) {
        return None;
    }
    let d = distro.trim().to_ascii_lowercase();
    // Drop a leading distro name (`debian-`, `rocky-linux-`): the last part is the release number or codename.
    let tail = d.rsplit('-').next().unwrap_or(&d);
    let tail = tail.strip_prefix("el").unwrap_or(tail);
    let r = match eco {
        Ecosystem::Debian => codename(DEBIAN, tail)
            .unwrap_or_else(|| major(tail))
            .to_string(),
        Ecosystem::Ubuntu => codename(UBUNTU, tail)
            .map(str::to_string)
            .unwrap_or_else(|| major_minor(tail)),
        Ecosystem::Alpine => major_minor(tail.trim_start_matches('v')),
        _ => major(tail).to_string(),
    };
    (!r.is_empty()).then_some(r)
}

const DEBIAN: &[(&str, &str)] = &[
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// LTS and interim releases (OSV files advisories for the interim ones still supported: `Ubuntu:24.10`).
const UBUNTU: &[(&str, &str)] = &[
    ("precise", "12.04"),
    ("trusty", "14.04"),
    ("xenial", "16.04"),
    ("bionic", "18.04"),
    ("focal", "20.04"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
];

fn codename(table: &[(&str, &'static str)], s: &str) -> Option<&'static str> {
    let word = s.split(['-', '/', ' ']).next().unwrap_or(s);
    table.iter().find(|(c, _)| *c == word).map(|(_, v)| *v)
}

/// `8.7` → `8`.
fn major(s: &str) -> &str {
    s.split('.').next().unwrap_or(s)
}

/// `3.10.3` → `3.10`.
fn major_minor(s: &str) -> String {
    let mut it = s.split('.');
    match (it.next(), it.next()) {
        (Some(a), Some(b)) => format!("{a}.{b}"),
        (Some(a), None) => a.to_string(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key and version, through the parsed purl and (canonical purls) through the text's parts: both agree.
    fn purl_key(s: &str) -> (String, Option<String>) {
        let p = Purl::parse_lenient(s).unwrap();
        let (k, v) = PackageKey::from_purl(&p).unwrap();
        if let Some(parts) = Purl::canonical_parts(s) {
            let (k2, v2) = PackageKey::from_purl_parts(&parts).unwrap();
            assert_eq!((&k2, v2.as_deref()), (&k, v.as_deref()), "{s}");
        }
        (k.to_string(), v)
    }

    #[test]
    fn distro_packages_without_a_release_are_told_apart() {
        use crate::purl_lacks_release;
        for (purl, lacks) in [
            ("pkg:deb/debian/curl@7.74.0-1", true),
            ("pkg:deb/debian/curl@7.74.0-1?distro=debian-11", false),
            (
                "pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1?distro=ubuntu-22.04",
                false,
            ),
            ("pkg:apk/alpine/busybox@1.36.1-r2", true),
            ("pkg:rpm/rocky/openssl@3.0.7-24.el9", true),
            ("pkg:pypi/jinja2@2.10", false),
            ("not a purl", false),
        ] {
            assert_eq!(purl_lacks_release(purl), lacks, "{purl}");
        }
    }

    #[test]
    fn canonical_parts_give_the_parsed_key() {
        let mut fast = 0;
        for s in [
            "pkg:pypi/django@4.2.1",
            "pkg:pypi/zope-interface@5.0",
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:npm/lodash@4.17.20",
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar",
            "pkg:golang/github.com/gin-gonic/gin@v1.7.0?type=module",
            "pkg:deb/debian/curl@7.74.0-1?arch=amd64&distro=debian-11",
            "pkg:deb/debian/bsdutils@2.36.1-8?arch=amd64&distro=debian-11&upstream=util-linux",
            "pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1?distro=ubuntu-22.04",
            "pkg:rpm/almalinux/python3-docs@3.6.8-1.el8?distro=almalinux-8.7&epoch=1",
            "pkg:rpm/rocky/bash@5.1-2.el9?distro=rocky-9.2",
            "pkg:apk/alpine/busybox@1.36.1-r0?arch=x86_64&distro=alpine-3.18.4&upstream=busybox",
            "pkg:cargo/serde@1.0.0",
            "pkg:composer/laravel/framework@8.0.0",
            "pkg:nuget/newtonsoft.json@12.0.1",
            "pkg:gem/rails@6.0.0",
            "pkg:generic/node@14.21.2",
            "pkg:npm/x",
        ] {
            purl_key(s);
            fast += usize::from(Purl::canonical_parts(s).is_some());
        }
        assert!(fast >= 15, "{fast}");
    }

    fn osv_key(eco: &str, name: &str) -> String {
        PackageKey::from_osv(eco, name).unwrap().to_string()
    }

    #[test]
    fn language_ecosystems() {
        let cases = [
            (
                "pkg:npm/%40babel/traverse@7.24.7#packages/x",
                "npm/@babel/traverse",
                "7.24.7",
            ),
            ("pkg:npm/babel/core@1.0.0", "npm/@babel/core", "1.0.0"),
            ("pkg:npm/lodash@4.17.20", "npm/lodash", "4.17.20"),
            (
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                "Maven/org.apache.logging.log4j:log4j-core",
                "2.14.1",
            ),
            (
                "pkg:golang/github.com/BurntSushi/toml@v1.2.0?type=module",
                "Go/github.com/burntsushi/toml",
                "v1.2.0",
            ),
            ("pkg:golang/stdlib@1.19.4", "Go/stdlib", "1.19.4"),
            ("pkg:pypi/PyYAML@6.0", "PyPI/pyyaml", "6.0"),
            ("pkg:pypi/jw.util@1.0", "PyPI/jw-util", "1.0"),
            ("pkg:pypi/Zope.Interface__x@5", "PyPI/zope-interface-x", "5"),
            (
                "pkg:composer/Drupal/Views@8.x-3.0",
                "Packagist/drupal/views",
                "8.x-3.0",
            ),
            ("pkg:cargo/tokio@1.0.0", "crates.io/tokio", "1.0.0"),
            ("pkg:gem/rails@6.0.0", "RubyGems/rails", "6.0.0"),
            (
                "pkg:nuget/Newtonsoft.Json@12.0.1",
                "NuGet/newtonsoft.json",
                "12.0.1",
            ),
            (
                "pkg:dotnet/Markdig.Signed@0.21.1",
                "NuGet/markdig.signed",
                "0.21.1",
            ),
            (
                "pkg:bitnami/activemq@5.15.12",
                "Bitnami/activemq",
                "5.15.12",
            ),
            (
                "pkg:julia/HTTP@1.0.0?uuid=cd3eb016-35fb-5094-929b-558a96fad6f3",
                "Julia/HTTP",
                "1.0.0",
            ),
        ];
        for (purl, key, ver) in cases {
            assert_eq!(
                purl_key(purl),
                (key.to_string(), Some(ver.to_string())),
                "{purl}"
            );
        }
    }

    #[test]
    fn osv_side_normalises_like_the_purl_side() {
        assert_eq!(osv_key("PyPI", "PyYAML"), "PyPI/pyyaml");
        assert_eq!(osv_key("PyPI", "jw.util"), "PyPI/jw-util");
        assert_eq!(
            osv_key("Go", "github.com/BurntSushi/toml"),
            "Go/github.com/burntsushi/toml"
        );
        assert_eq!(
            osv_key("Packagist:https://packages.drupal.org/8", "drupal/views"),
            "Packagist/drupal/views"
        );
        assert_eq!(osv_key("npm", "@babel/traverse"), "npm/@babel/traverse");
        assert_eq!(osv_key("Maven", "g:a"), "Maven/g:a");
        assert_eq!(osv_key("NuGet", "Newtonsoft.Json"), "NuGet/newtonsoft.json");
    }

    #[test]
    fn distro_packages_and_releases() {
        assert_eq!(
            purl_key("pkg:deb/debian/bsdutils@1:2.36.1-8+deb11u1?arch=amd64&upstream=util-linux%402.36.1-8%2Bdeb11u1&distro=debian-11"),
            ("Debian:11/util-linux".into(), Some("2.36.1-8+deb11u1".into()))
        );
        assert_eq!(osv_key("Debian:11", "util-linux"), "Debian:11/util-linux");
        assert_eq!(
            purl_key("pkg:deb/debian/openssl@3.0.11-1?distro=bookworm"),
            ("Debian:12/openssl".into(), Some("3.0.11-1".into()))
        );
        assert_eq!(
            purl_key("pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1?distro=ubuntu-22.04"),
            ("Ubuntu:22.04/openssl".into(), Some("3.0.2-0ubuntu1".into()))
        );
        assert_eq!(
            osv_key("Ubuntu:22.04:LTS", "openssl"),
            "Ubuntu:22.04/openssl"
        );
        // An interim release by its codename meets OSV's ecosystem for it.
        assert_eq!(
            purl_key("pkg:deb/ubuntu/openssl@3.3.1-2ubuntu2?distro=oracular"),
            ("Ubuntu:24.10/openssl".into(), Some("3.3.1-2ubuntu2".into()))
        );
        assert_eq!(osv_key("Ubuntu:24.10", "openssl"), "Ubuntu:24.10/openssl");
        assert_eq!(
            purl_key("pkg:deb/debian/openssl@1.0.1t-1?distro=wheezy").0,
            "Debian:7/openssl"
        );
        assert_eq!(
            osv_key("Ubuntu:Pro:18.04:LTS", "openssl"),
            "Ubuntu:pro:18.04/openssl"
        );
        assert_eq!(
            purl_key("pkg:alpine/ca-certificates-cacert@20190108-r0?arch=x86_64&upstream=ca-certificates&distro=alpine-3.10.3"),
            ("Alpine:3.10/ca-certificates".into(), Some("20190108-r0".into()))
        );
        assert_eq!(
            osv_key("Alpine:v3.10", "ca-certificates"),
            "Alpine:3.10/ca-certificates"
        );
        // apk distros OSV files by origin package, as Alpine's: a subpackage meets its origin's advisories.
        for (ns, eco) in [("minimos", "MinimOS"), ("alpaquita", "Alpaquita")] {
            let purl = format!("pkg:apk/{ns}/libcrypto3@3.3.2-r0?arch=x86_64&upstream=openssl");
            assert_eq!(purl_key(&purl).0, osv_key(eco, "openssl"), "{ns}");
        }
        assert_eq!(
            purl_key("pkg:rpm/almalinux/python3-docs@3.6.8-1.el8?epoch=1&distro=almalinux-8.7"),
            (
                "AlmaLinux:8/python3-docs".into(),
                Some("1:3.6.8-1.el8".into())
            )
        );
        assert_eq!(
            osv_key("AlmaLinux:8", "python3-docs"),
            "AlmaLinux:8/python3-docs"
        );
        assert_eq!(
            purl_key("pkg:rpm/rocky/bash@5.1-2.el9?distro=rocky-9.2"),
            ("Rocky Linux:9/bash".into(), Some("5.1-2.el9".into()))
        );
        // No distro qualifier: no release; SUSE releases are not matched on.
        assert_eq!(
            purl_key("pkg:deb/debian/curl@7.74.0-1"),
            ("Debian/curl".into(), Some("7.74.0-1".into()))
        );
        assert_eq!(
            purl_key("pkg:rpm/sles/bash@4.4-150400.25.22?distro=sles-15.4&upstream=bash-4.4-150400.25.22.src.rpm"),
            ("SUSE/bash".into(), Some("4.4-150400.25.22".into()))
        );
        assert_eq!(
            osv_key("SUSE:Linux Enterprise Server 15 SP4", "bash"),
            "SUSE/bash"
        );
    }

    #[test]
    fn pep503_rules() {
        assert_eq!(pep503("Foo__Bar.-baz"), "foo-bar-baz");
        assert_eq!(pep503("a"), "a");
    }

    #[test]
    fn unknown_types_keep_their_name() {
        assert_eq!(purl_key("pkg:generic/node@14.21.2").0, "generic/node");
        assert_eq!(purl_key("pkg:github/a/b@1").0, "github/a/b");
        assert_eq!(purl_key("pkg:npm/x").1, None);
    }
}
