//! OSV `affected` evaluation (schema.md pseudo-code), ecosystem names and purl types.

use psirt_versions::{
    affected, Ecosystem, Error, Event, OsvAffectedRanges, OsvRange, RangeKind, Scheme,
};

fn entry(eco: &str, kind: RangeKind, events: Vec<Event>, versions: &[&str]) -> OsvAffectedRanges {
    OsvAffectedRanges {
        ecosystem: Ecosystem::from_osv(eco).unwrap(),
        ranges: vec![OsvRange {
            kind,
            events,
            repo: None,
        }],
        versions: versions.iter().map(|v| v.to_string()).collect(),
    }
}

use Event::{Fixed, Introduced, LastAffected, Limit};

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn introduced_fixed() {
    let a = entry(
        "PyPI",
        RangeKind::Ecosystem,
        vec![Introduced(s("1.0")), Fixed(s("1.2.post1"))],
        &[],
    );
    for (v, want) in [
        ("0.9", false),
        ("1.0", true),
        ("1.0.0", true),
        ("1.2", true),
        ("1.2.post1", false),
        ("2", false),
    ] {
        assert_eq!(affected(&a, v).unwrap(), want, "{v}");
    }
}

#[test]
fn introduced_zero_and_unsorted_events() {
    // Events in any order; "0" is before everything.
    let a = entry(
        "npm",
        RangeKind::Semver,
        vec![
            Fixed(s("2.0.0")),
            Introduced(s("1.5.0")),
            Fixed(s("1.2.0")),
            Introduced(s("0")),
        ],
        &[],
    );
    for (v, want) in [
        ("0.0.1", true),
        ("1.1.9", true),
        ("1.2.0", false),
        ("1.4.0", false),
        ("1.5.0", true),
        ("2.0.0", false),
    ] {
        assert_eq!(affected(&a, v).unwrap(), want, "{v}");
    }
}

#[test]
fn last_affected_and_limit() {
    let a = entry(
        "Debian:12",
        RangeKind::Ecosystem,
        vec![Introduced(s("0")), LastAffected(s("1.2-3"))],
        &[],
    );
    assert!(affected(&a, "1.2-3").unwrap());
    assert!(affected(&a, "1.2-3~deb12u1").unwrap());
    assert!(!affected(&a, "1.2-3+deb12u1").unwrap());
    let l = entry(
        "crates.io",
        RangeKind::Semver,
        vec![Introduced(s("1.0.0")), Limit(s("1.5.0"))],
        &[],
    );
    assert!(affected(&l, "1.4.9").unwrap());
    assert!(!affected(&l, "1.5.0").unwrap());
    assert!(!affected(&l, "0.9.0").unwrap());
    let star = entry(
        "crates.io",
        RangeKind::Semver,
        vec![Introduced(s("1.0.0")), Limit(s("*"))],
        &[],
    );
    assert!(affected(&star, "9.0.0").unwrap());
}

#[test]
fn introduced_equal_fixed_is_empty() {
    let a = entry(
        "Go",
        RangeKind::Semver,
        vec![Introduced(s("1.0.0")), Fixed(s("1.0.0"))],
        &[],
    );
    assert!(!affected(&a, "1.0.0").unwrap());
}

#[test]
fn versions_list_and_git() {
    let mut a = entry(
        "PyPI",
        RangeKind::Git,
        vec![Introduced(s("abc")), Fixed(s("def"))],
        &["1.0", "2.0.1"],
    );
    assert!(affected(&a, "1.0").unwrap());
    assert!(affected(&a, "1.0.0").unwrap(), "PEP 440 equality");
    assert!(!affected(&a, "1.1").unwrap());
    a.versions.clear();
    assert!(matches!(affected(&a, "1.0"), Err(Error::NotEvaluable(_))));
}

#[test]
fn go_and_rpm_ecosystems() {
    let go = entry(
        "Go",
        RangeKind::Semver,
        vec![
            Introduced(s("0")),
            Fixed(s("0.0.0-20220314234659-1baeb1ce4c0b")),
        ],
        &[],
    );
    assert!(affected(&go, "v0.0.0-20210817164053-32db794688a5").unwrap());
    assert!(!affected(&go, "v0.1.0").unwrap());
    let rpm = entry(
        "AlmaLinux:9",
        RangeKind::Ecosystem,
        vec![Introduced(s("0")), Fixed(s("2:4.3.2-1.el9_1"))],
        &[],
    );
    assert!(affected(&rpm, "4.9.0-1.el9").unwrap(), "epoch 0 < 2");
    assert!(affected(&rpm, "2:4.3.2-1.el9").unwrap());
    assert!(!affected(&rpm, "2:4.3.2-1.el9_1").unwrap());
}

#[test]
fn bad_versions_are_errors_not_panics() {
    let a = entry(
        "Debian",
        RangeKind::Ecosystem,
        vec![Introduced(s("0")), Fixed(s("x:1"))],
        &[],
    );
    assert!(affected(&a, "1.0").is_err());
}

#[test]
fn ecosystem_names() {
    for (osv, scheme) in [
        ("PyPI", Scheme::Pep440),
        ("crates.io", Scheme::SemVer),
        ("Go", Scheme::SemVer),
        ("npm", Scheme::SemVer),
        ("Maven", Scheme::Maven),
        ("Maven:https://repo.example.org/", Scheme::Maven),
        ("Debian:12", Scheme::Debian),
        ("Ubuntu:22.04:LTS", Scheme::Debian),
        ("AlmaLinux:9", Scheme::Rpm),
        ("Rocky Linux:8", Scheme::Rpm),
        ("Red Hat", Scheme::Rpm),
        ("Alpine:v3.18", Scheme::Alpine),
        ("Wolfi", Scheme::Alpine),
        ("Packagist", Scheme::Composer),
        ("RubyGems", Scheme::RubyGems),
        ("NuGet", Scheme::NuGet),
        ("Hex", Scheme::SemVer),
        ("Pub", Scheme::Pub),
        ("CRAN", Scheme::Cran),
        ("Bitnami", Scheme::SemVer),
        ("Julia", Scheme::Pub),
        ("Hackage", Scheme::Hackage),
        ("GHC", Scheme::Hackage),
        ("OSS-Fuzz", Scheme::Generic),
    ] {
        assert_eq!(Ecosystem::from_osv(osv).unwrap().scheme(), scheme, "{osv}");
    }
    assert_eq!(
        Ecosystem::from_osv("Debian:12").unwrap().osv_name(),
        "Debian"
    );
    assert_eq!(psirt_versions::osv_release("Alpine:v3.18"), Some("v3.18"));
    assert!(Ecosystem::from_osv("").is_err());
    for (ty, ns, eco) in [
        ("pypi", None, Ecosystem::PyPI),
        ("cargo", None, Ecosystem::CratesIo),
        ("golang", Some("github.com/x"), Ecosystem::Go),
        ("npm", None, Ecosystem::Npm),
        ("maven", Some("org.x"), Ecosystem::Maven),
        ("deb", Some("debian"), Ecosystem::Debian),
        ("deb", Some("ubuntu"), Ecosystem::Ubuntu),
        ("rpm", Some("almalinux"), Ecosystem::AlmaLinux),
        ("rpm", Some("fedora"), Ecosystem::RedHat),
        ("rpm", Some("photon"), Ecosystem::PhotonOs),
        ("rpm", Some("azurelinux"), Ecosystem::AzureLinux),
        ("rpm", Some("mariner"), Ecosystem::AzureLinux),
        ("apk", Some("alpine"), Ecosystem::Alpine),
        ("apk", Some("minimos"), Ecosystem::MinimOs),
        ("apk", Some("alpaquita"), Ecosystem::Alpaquita),
        ("composer", Some("laravel"), Ecosystem::Packagist),
        ("gem", None, Ecosystem::RubyGems),
        ("nuget", None, Ecosystem::NuGet),
        ("hex", None, Ecosystem::Hex),
        ("pub", None, Ecosystem::Pub),
        ("cran", None, Ecosystem::Cran),
    ] {
        assert_eq!(Ecosystem::from_purl_type(ty, ns).unwrap(), eco, "{ty}");
    }
}

#[test]
fn compare_api() {
    use std::cmp::Ordering::*;
    let e = Ecosystem::from_osv("PyPI").unwrap();
    assert_eq!(e.compare("1.0", "1.0.0").unwrap(), Equal);
    assert_eq!(e.compare("1.0.dev1", "1.0a1").unwrap(), Less);
    assert_eq!(Ecosystem::Debian.compare("1:0.1", "2.0").unwrap(), Greater);
    assert_eq!(Ecosystem::RedHat.compare("1.0~rc1", "1.0").unwrap(), Less);
    assert_eq!(
        Ecosystem::RedHat.compare("1.0^git1", "1.0").unwrap(),
        Greater
    );
    let a = Scheme::SemVer.parse("1.0.0").unwrap();
    let b = Scheme::Pep440.parse("1.0.0").unwrap();
    assert!(a.try_cmp(&b).is_err());
}

#[test]
fn serde_forms() {
    let a: OsvAffectedRanges = serde_json::from_value(serde_json::json!({
        "ecosystem": "Debian:12",
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2-1"}]}],
        "versions": ["1.0-1"]
    }))
    .unwrap();
    assert_eq!(a.ecosystem, Ecosystem::Debian);
    assert_eq!(a.ranges[0].events[1], Fixed(s("1.2-1")));
    assert!(affected(&a, "1.1-1").unwrap());
    let back = serde_json::to_value(&a).unwrap();
    assert_eq!(back["ecosystem"], "Debian");
    assert_eq!(back["ranges"][0]["type"], "ECOSYSTEM");
    let p: psirt_versions::Purl =
        serde_json::from_value(serde_json::json!("pkg:PyPI/Django_X@1.0")).unwrap();
    assert_eq!(serde_json::to_value(&p).unwrap(), "pkg:pypi/django-x@1.0");
    assert!(Scheme::SemVer.parse(&"1".repeat(2000)).is_err());
}

/// The schema's pseudo-code, written plainly over parsed versions: events sorted by version (`introduced: "0"`
/// first, opening before closing at equal versions), no early exit; then the limits.
fn reference(scheme: Scheme, events: &[Event], v: &str) -> bool {
    let parse = |s: &str| scheme.parse(s).unwrap();
    let v = parse(v);
    let key = |e: &Event| -> (Option<psirt_versions::version::Version>, u8) {
        let (x, rank) = match e {
            Introduced(x) => (x, 0),
            LastAffected(x) => (x, 1),
            Fixed(x) => (x, 2),
            Limit(x) => (x, 3),
        };
        ((x != "0" && x != "*").then(|| parse(x)), rank)
    };
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by(|a, b| {
        let (ka, ra) = key(a);
        let (kb, rb) = key(b);
        ka.cmp(&kb).then(ra.cmp(&rb))
    });
    let mut vulnerable = false;
    for e in sorted {
        match e {
            Introduced(x) if x == "0" || v >= parse(x) => vulnerable = true,
            Fixed(x) if v >= parse(x) => vulnerable = false,
            LastAffected(x) if v > parse(x) => vulnerable = false,
            _ => {}
        }
    }
    let limits: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Limit(x) => Some(x),
            _ => None,
        })
        .collect();
    if vulnerable && !limits.is_empty() && !limits.iter().any(|l| *l == "*") {
        return limits.iter().any(|l| v < parse(l));
    }
    vulnerable
}

/// Random event lists (unsorted, duplicates, `introduced` equal to `fixed`, `last_affected`, `limit`) over small
/// version pools per scheme: the compiled evaluation (which stops at the first event above the version) agrees with
/// the plain walk for every version of the pool.
#[test]
fn compiled_evaluation_agrees_with_the_plain_walk() {
    let pools: [(&str, &[&str]); 5] = [
        (
            "PyPI",
            &[
                "0.9",
                "1.0",
                "1.0.post1",
                "1.1a1",
                "1.1",
                "2.0.dev1",
                "2.0",
                "10.0",
            ],
        ),
        (
            "npm",
            &["0.1.0", "1.0.0-rc.1", "1.0.0", "1.2.3", "2.0.0", "2.0.1"],
        ),
        (
            "Maven",
            &[
                "1.0-alpha",
                "1.0",
                "1.0.1",
                "1.1-SNAPSHOT",
                "1.1",
                "2.0.Final",
            ],
        ),
        (
            "Debian",
            &["1:0.9", "1.0~rc1", "1.0", "1.0-1", "1.0+b1", "2.0"],
        ),
        (
            "crates.io",
            &["0.1.0", "0.2.0", "1.0.0", "1.0.1", "2.0.0-alpha.1"],
        ),
    ];
    let mut state = 0x5eed_u64;
    let mut next = move |n: usize| {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    };
    let mut checked = 0;
    for (eco, pool) in pools {
        let scheme = Ecosystem::from_osv(eco).unwrap().scheme();
        for _ in 0..400 {
            let mut events = Vec::new();
            for _ in 0..1 + next(5) {
                let x = |i: usize| pool[i].to_string();
                events.push(match next(9) {
                    0 => Introduced(s("0")),
                    1 | 2 => Introduced(x(next(pool.len()))),
                    3 | 4 => Fixed(x(next(pool.len()))),
                    5 => LastAffected(x(next(pool.len()))),
                    6 => Limit(x(next(pool.len()))),
                    7 => Limit(s("*")),
                    _ => Fixed(x(next(pool.len()))),
                });
            }
            let kind = if eco == "npm" || eco == "crates.io" {
                RangeKind::Semver
            } else {
                RangeKind::Ecosystem
            };
            let e = entry(eco, kind, events.clone(), &[]);
            for v in pool {
                assert_eq!(
                    affected(&e, v).unwrap(),
                    reference(scheme, &events, v),
                    "{eco} {v} {events:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

/// No version is affected by nothing: not where the scheme reads "" as "0" (RubyGems), nor by a listed "" (as the
/// matcher answers for a component without a version).
#[test]
fn no_version_is_never_affected() {
    let gem = entry(
        "RubyGems",
        RangeKind::Ecosystem,
        vec![Introduced(s("0")), Fixed(s("7.0.4"))],
        &[""],
    );
    assert!(!affected(&gem, "").unwrap());
    assert!(affected(&gem, "0").unwrap());
    let npm = entry("npm", RangeKind::Semver, vec![Introduced(s("0"))], &[""]);
    assert!(!affected(&npm, "").unwrap());
}
