//! `psirt versions`: version ordering and `vers:` ranges from the command line, to see why an advisory matched a
//! component (or did not). Nothing here touches the database.

use std::cmp::Ordering;

use anyhow::bail;
use clap::Subcommand;
use psirt_versions::{vers::scheme_for_vers, Ecosystem, Scheme, VersRange};

#[derive(Subcommand)]
pub enum VersionsCommand {
    /// Compare A with B in an ecosystem's version order: prints `<`, `=` or `>`.
    Compare {
        /// An OSV ecosystem name (`PyPI`, `crates.io`, `Debian:12`, `Red Hat`, ...), a purl/vers type (`npm`,
        /// `cargo`, `pypi`, `maven`, `deb`, `rpm`, `apk`, ...) or a scheme (`semver`, `pep440`, `generic`).
        ecosystem: String,
        a: String,
        b: String,
    },
    /// Whether VERSION is in a `vers:` RANGE (e.g. `vers:npm/>=1.0.0|<2.0.0`): prints `true` or `false`.
    Contains {
        /// A `vers:` range; spaces and unsorted constraints are accepted (the canonical form is noted on stderr).
        range: String,
        /// A version in the range's scheme.
        version: String,
    },
}

/// Every scheme, for scheme names given as the ecosystem.
const SCHEMES: [Scheme; 13] = [
    Scheme::SemVer,
    Scheme::Pub,
    Scheme::Pep440,
    Scheme::Maven,
    Scheme::NuGet,
    Scheme::RubyGems,
    Scheme::Composer,
    Scheme::Debian,
    Scheme::Rpm,
    Scheme::Alpine,
    Scheme::Cran,
    Scheme::Hackage,
    Scheme::Generic,
];

/// The version scheme of ECOSYSTEM: an OSV name (exact, as in advisories; a `:release` suffix is ignored), else a
/// purl/vers type or scheme name (any case), else an OSV name in another case (`go`, `Crates.io`, `debian:12`).
/// Unknown names are an error here rather than the generic scheme the library falls back to: a typo must not
/// silently change the order.
pub fn scheme(ecosystem: &str) -> anyhow::Result<Scheme> {
    if let Ok(e) = Ecosystem::from_osv(ecosystem) {
        if !matches!(e, Ecosystem::Other(_)) {
            return Ok(e.scheme());
        }
    }
    let lower = ecosystem.trim().to_ascii_lowercase();
    if let Some(s) = scheme_for_vers(&lower) {
        return Ok(s);
    }
    if let Some(s) = SCHEMES.iter().find(|s| s.name() == lower) {
        return Ok(*s);
    }
    // Last, so that a vers type spelled like an OSV name keeps its own scheme (`julia`).
    if let Some(e) = Ecosystem::from_osv_any_case(ecosystem) {
        return Ok(e.scheme());
    }
    bail!(
        "unknown ecosystem {ecosystem:?}: give an OSV ecosystem name (PyPI, crates.io, Debian, Red Hat, ...), \
         a purl/vers type (npm, cargo, pypi, maven, deb, rpm, apk, ...) or a scheme (semver, pep440, generic, ...)"
    )
}

/// `<`, `=` or `>`.
pub fn compare(ecosystem: &str, a: &str, b: &str) -> anyhow::Result<&'static str> {
    let scheme = scheme(ecosystem)?;
    // White space around an argument is the shell's, not the version's (a trailing space read as a pre-release).
    let (x, y) = (scheme.parse(a.trim())?, scheme.parse(b.trim())?);
    Ok(match x.try_cmp(&y)? {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    })
}

/// Whether `version` is in `range`, and a note when `range` was not written canonically: its canonical form, or
/// why it has none (two constraints on versions that compare equal, `<2.0|<2.0.0`, which the spec does not allow).
pub fn contains(range: &str, version: &str) -> anyhow::Result<(bool, Option<String>)> {
    let r = VersRange::parse_lenient(range)?;
    let inside = r.contains(version.trim())?;
    let sorted = r.to_string();
    // Validity first: a range written as it sorts may still be invalid (`>1.0.0|>=1.0.0`, `>=1.0|>=2.0`).
    let note = match VersRange::parse(&sorted) {
        Err(e) => Some(format!(
            "not a valid range, even sorted ({e}); the answer reads the constraints as written"
        )),
        Ok(_) if sorted == range => None,
        Ok(_) => Some(format!("canonical form {sorted}")),
    };
    Ok((inside, note))
}

/// Runs the command: its one line of output.
pub fn run(command: VersionsCommand) -> anyhow::Result<String> {
    match command {
        VersionsCommand::Compare { ecosystem, a, b } => {
            Ok(compare(&ecosystem, &a, &b)?.to_string())
        }
        VersionsCommand::Contains { range, version } => {
            let (inside, note) = contains(&range, &version)?;
            if let Some(note) = note {
                eprintln!("note: {note}");
            }
            Ok(inside.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystem_names() {
        for (name, want) in [
            ("PyPI", Scheme::Pep440),
            ("pypi", Scheme::Pep440),
            ("pep440", Scheme::Pep440),
            ("crates.io", Scheme::SemVer),
            ("cargo", Scheme::SemVer),
            ("npm", Scheme::SemVer),
            ("semver", Scheme::SemVer),
            ("Debian:12", Scheme::Debian),
            ("deb", Scheme::Debian),
            ("Red Hat", Scheme::Rpm),
            ("RPM", Scheme::Rpm),
            ("Maven", Scheme::Maven),
            ("Alpine:v3.18", Scheme::Alpine),
            ("apk", Scheme::Alpine),
            // OSV's Julia orders build metadata; the vers type `julia` is plain SemVer (as the library maps them).
            ("Julia", Scheme::Pub),
            ("julia", Scheme::SemVer),
            ("generic", Scheme::Generic),
            // OSV names in another case.
            ("go", Scheme::SemVer),
            ("GO", Scheme::SemVer),
            ("Crates.io", Scheme::SemVer),
            ("debian:12", Scheme::Debian),
            ("almalinux", Scheme::Rpm),
            ("packagist", Scheme::Composer),
            ("rubygems", Scheme::RubyGems),
            ("red hat", Scheme::Rpm),
        ] {
            assert_eq!(scheme(name).unwrap(), want, "{name}");
        }
        for name in ["", "nosuch", "Debian 12", ":12"] {
            let e = scheme(name).unwrap_err().to_string();
            assert!(e.starts_with("unknown ecosystem"), "{name}: {e}");
        }
    }

    #[test]
    fn every_scheme_name_resolves_to_itself() {
        for s in SCHEMES {
            assert_eq!(scheme(s.name()).unwrap(), s);
        }
    }

    #[test]
    fn arguments_are_read_without_surrounding_white_space() {
        assert_eq!(compare("npm", "1.0.0 ", "1.0.0").unwrap(), "=");
        assert!(contains("vers:npm/>=1.0.0|<2.0.0", " 1.5.0").unwrap().0);
    }

    #[test]
    fn compare_prints_the_order() {
        assert_eq!(compare("PyPI", "1.0", "1.0.0").unwrap(), "=");
        assert_eq!(compare("npm", "1.0.0-rc.1", "1.0.0").unwrap(), "<");
        assert_eq!(compare("deb", "1:0.9", "2.0").unwrap(), ">");
        // Parsing is psirt-versions' own, lenient as osv.dev (PyPI falls back to LegacyVersion, SemVer takes any
        // non-empty text), so errors come from the stricter schemes or from empty versions.
        let e = compare("deb", "x:1.0", "1.0").unwrap_err();
        assert!(e.to_string().contains("epoch must be a number"), "{e}");
        assert!(compare("pypi", "1.0", "").is_err());
    }

    #[test]
    fn contains_and_canonical_form() {
        assert_eq!(
            contains("vers:npm/>=1.0.0|<2.0.0", "1.5.0").unwrap(),
            (true, None)
        );
        assert_eq!(
            contains("vers:npm/<2.0.0 | >=1.0.0", "2.0.0").unwrap(),
            (
                false,
                Some("canonical form vers:npm/>=1.0.0|<2.0.0".to_string())
            )
        );
        // Two constraints on equal versions: no canonical form to offer (the sorted text would not parse strictly).
        let (inside, note) = contains("vers:pypi/<2.0|>=1.0|<2.0.0", "1.5").unwrap();
        assert!(inside);
        let note = note.unwrap_or_default();
        assert!(
            note.starts_with("not a valid range, even sorted (") && note.contains("unique"),
            "{note}"
        );
        // Written as they sort but invalid: still noted, whatever the order of two equal versions.
        for range in ["vers:npm/>1.0.0|>=1.0.0", "vers:npm/>=1.0.0|>1.0.0"] {
            let (_, note) = contains(range, "1.0.0").unwrap();
            assert!(note.is_some_and(|n| n.contains("unique")), "{range}");
        }
        for range in [
            "vers:npm/>=1.0.0|>=2.0.0",
            "vers:npm/<=1.0.0|<=2.0.0",
            "vers:npm/1.0.0|<2.0.0",
        ] {
            let (_, note) = contains(range, "1.5.0").unwrap();
            let note = note.unwrap_or_default();
            assert!(note.starts_with("not a valid range"), "{range}: {note}");
        }
        // `!=` may stand anywhere.
        let excluded = "vers:npm/>=1.0.0|!=1.5.0|<2.0.0";
        assert_eq!(contains(excluded, "1.2.0").unwrap(), (true, None));
        assert_eq!(contains(excluded, "1.5.0").unwrap(), (false, None));
        assert!(contains("npm/>=1.0.0", "1.0.0").is_err());
        assert!(contains("vers:gem/>=1.0", "1_0").is_err());
        assert!(contains("vers:npm/>=1.0.0", "").is_err());
    }
}
