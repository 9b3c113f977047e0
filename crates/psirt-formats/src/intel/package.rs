//! Package identity of intel records: the package purl (no version) of an OSV ecosystem + name, and the OSV
//! ecosystem of a CVE 5 `collectionURL`.
//!
//! psirt-versions maps purl types to ecosystems ([`psirt_versions::Ecosystem::from_purl_type`]) but not back;
//! the reverse table lives here because only intel import needs it. It follows the OSV schema's purl mapping
//! (e.g. `Maven` `group:artifact` → `pkg:maven/group/artifact`, `Go` → `pkg:golang/<module path>`, distro
//! ecosystems → `pkg:rpm/<distro>`, `pkg:deb/<distro>`, `pkg:apk/<distro>`). Ecosystems without a purl type
//! (OSS-Fuzz, Linux, Android, GIT, GHC, …) give no purl.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use psirt_versions::{Ecosystem, Purl};

/// Entries of the per-thread purl cache before it is emptied: a feed names far fewer packages per batch.
const CACHED_PURLS: usize = 8192;
/// Longer keys are not cached: a record with huge names must not leave megabytes held by a thread after its import.
const CACHED_KEY_BYTES: usize = 512;

/// (given purl, ecosystem, name), length-prefixed → the purl [`osv_purl`] gives.
type PurlCache = HashMap<Box<str>, Option<Arc<Purl>>, foldhash::quality::RandomState>;

thread_local! {
    /// The cache and its key buffer (reused).
    static PURLS: RefCell<(PurlCache, String)> = RefCell::new((HashMap::default(), String::new()));
}

/// The purl of an OSV `affected[].package`: its own `purl` ([`given_purl`]), else derived from ecosystem and name
/// ([`purl_for`]). Cached per thread: a feed repeats packages across records, and building the same purl again
/// (validation, normalisation, several allocations) showed as ~5 % of OSV parse samples.
pub(crate) fn osv_purl(given: Option<&str>, ecosystem: &str, name: &str) -> Option<Arc<Purl>> {
    let derive = || {
        given_purl(given)
            .or_else(|| purl_for(ecosystem, name))
            .map(Arc::new)
    };
    if given.map_or(0, str::len) + ecosystem.len() + name.len() > CACHED_KEY_BYTES {
        return derive();
    }
    PURLS
        .try_with(|cell| {
            let Ok(mut cache) = cell.try_borrow_mut() else {
                return derive();
            };
            let (map, key) = &mut *cache;
            // Length-prefixed, so no two (given, ecosystem, name) share a key, whatever bytes the record's strings hold.
            let given_text = given.unwrap_or("");
            key.clear();
            push_len(key, given_text.len());
            key.push_str(given_text);
            push_len(key, ecosystem.len());
            key.push_str(ecosystem);
            key.push_str(name);
            if let Some(hit) = map.get(key.as_str()) {
                return hit.clone();
            }
            let purl = derive();
            if map.len() >= CACHED_PURLS {
                map.clear();
            }
            map.insert(key.as_str().into(), purl.clone());
            purl
        })
        .unwrap_or_else(|_| derive())
}

/// `n` in decimal and `:` (without `fmt`, which cost more than the purl it saved).
fn push_len(key: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    key.extend(digits[at..].iter().map(|&d| char::from(d)));
    key.push(':');
}

/// The package purl (canonical, without version) for an OSV `package.ecosystem` (suffix allowed) and `name`.
pub(crate) fn purl_for(ecosystem: &str, name: &str) -> Option<Purl> {
    let eco = Ecosystem::from_osv(ecosystem).ok()?;
    let (ty, distro) = match eco {
        Ecosystem::Npm => ("npm", None),
        Ecosystem::PyPI => ("pypi", None),
        Ecosystem::Maven => ("maven", None),
        Ecosystem::Go => ("golang", None),
        Ecosystem::CratesIo => ("cargo", None),
        Ecosystem::RubyGems => ("gem", None),
        Ecosystem::Packagist => ("composer", None),
        Ecosystem::NuGet => ("nuget", None),
        Ecosystem::Hex => ("hex", None),
        Ecosystem::Pub => ("pub", None),
        Ecosystem::Hackage => ("hackage", None),
        Ecosystem::Cran => ("cran", None),
        Ecosystem::SwiftUrl => ("swift", None),
        Ecosystem::Julia => ("julia", None),
        Ecosystem::Bitnami => ("bitnami", None),
        Ecosystem::ConanCenter => ("conan", None),
        Ecosystem::Debian => ("deb", Some("debian")),
        Ecosystem::Ubuntu => ("deb", Some("ubuntu")),
        Ecosystem::Alpine => ("apk", Some("alpine")),
        Ecosystem::Wolfi => ("apk", Some("wolfi")),
        Ecosystem::Chainguard => ("apk", Some("chainguard")),
        Ecosystem::MinimOs => ("apk", Some("minimos")),
        Ecosystem::Alpaquita => ("apk", Some("alpaquita")),
        Ecosystem::AlmaLinux => ("rpm", Some("almalinux")),
        Ecosystem::RockyLinux => ("rpm", Some("rocky-linux")),
        Ecosystem::RedHat => ("rpm", Some("redhat")),
        Ecosystem::Suse => ("rpm", Some("suse")),
        Ecosystem::OpenSuse => ("rpm", Some("opensuse")),
        Ecosystem::OpenEuler => ("rpm", Some("openeuler")),
        Ecosystem::Mageia => ("rpm", Some("mageia")),
        Ecosystem::PhotonOs => ("rpm", Some("photon")),
        Ecosystem::AzureLinux => ("rpm", Some("azurelinux")),
        _ => return None,
    };
    let (namespace, name) = match (ty, distro) {
        (_, Some(d)) => (Some(d), name),
        ("npm", _) => match name.split_once('/') {
            Some((scope, n)) if scope.starts_with('@') => (Some(scope), n),
            _ => (None, name),
        },
        ("maven", _) => match name.split_once(':') {
            Some((g, a)) => (Some(g), a),
            None => (None, name),
        },
        // Module paths and Swift URLs: the last segment is the name, the rest the namespace.
        ("golang" | "swift" | "composer", _) => match name.rsplit_once('/') {
            Some((ns, n)) => (Some(ns), n),
            None => (None, name),
        },
        _ => (None, name),
    };
    Purl::new(ty, namespace, name, None, [], None).ok()
}

/// The purl given by the record (`package.purl`), without version, qualifiers and subpath; `None` when absent or
/// unparsable (the caller then derives one).
pub(crate) fn given_purl(purl: Option<&str>) -> Option<Purl> {
    Purl::parse_lenient(purl?).ok().map(|p| p.without_version())
}

/// The OSV ecosystem a CVE 5 `collectionURL` names, for the language registries OSV covers. Other collections
/// (vendor download pages, wordpress.org plugins, distribution package browsers) give `None`.
pub(crate) fn ecosystem_of_collection(url: &str) -> Option<&'static str> {
    let rest = url
        .trim()
        .strip_prefix("https://")
        .or_else(|| url.trim().strip_prefix("http://"))?;
    let host = rest.split('/').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    Some(match host {
        "pypi.org" | "pypi.python.org" | "files.pythonhosted.org" => "PyPI",
        "repo.maven.apache.org"
        | "repo1.maven.org"
        | "central.sonatype.com"
        | "search.maven.org"
        | "mvnrepository.com" => "Maven",
        "npmjs.com" | "registry.npmjs.org" => "npm",
        "crates.io" => "crates.io",
        "pkg.go.dev" | "proxy.golang.org" => "Go",
        "rubygems.org" => "RubyGems",
        "packagist.org" => "Packagist",
        "nuget.org" | "api.nuget.org" => "NuGet",
        "hex.pm" => "Hex",
        "pub.dev" => "Pub",
        "cran.r-project.org" => "CRAN",
        "hackage.haskell.org" => "Hackage",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_purls_equal_derived_ones_and_keys_do_not_collide() {
        let long = "x".repeat(CACHED_KEY_BYTES + 1);
        let cases: [(Option<&str>, &str, &str); 7] = [
            (None, "PyPI", "Requests"),
            (Some("pkg:npm/%40scope/pkg@1.0.0"), "npm", "@scope/pkg"),
            (Some("not a purl"), "Maven", "org.example:lib"),
            (None, "AlmaLinux:8", "kernel"),
            // Same concatenation as the next one: must not share a cache entry.
            (None, "Go", "x:y"),
            (Some("Go"), "", "x:y"),
            // Too long to be cached: derived every time, same answer.
            (None, "npm", long.as_str()),
        ];
        for _ in 0..2 {
            for (given, eco, name) in cases {
                let expected = given_purl(given).or_else(|| purl_for(eco, name));
                assert_eq!(
                    osv_purl(given, eco, name).as_deref(),
                    expected.as_ref(),
                    "{given:?} {eco} {name}"
                );
            }
        }
        assert_eq!(
            osv_purl(None, "PyPI", "Requests").map(|p| p.to_string()),
            Some("pkg:pypi/requests".to_string())
        );
        assert_eq!(osv_purl(Some("Go"), "", "x:y"), None);
        let mut key = String::new();
        for n in [0, 7, 10, 512, usize::MAX] {
            key.clear();
            push_len(&mut key, n);
            assert_eq!(key, format!("{n}:"));
        }
    }
}
