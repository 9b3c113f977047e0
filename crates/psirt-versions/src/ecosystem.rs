//! Ecosystems (OSV names, purl types) and the version scheme each one uses.

use std::cmp::Ordering;

use crate::error::Error;
use crate::version::Version;
use crate::{eco, Result};

/// Longest version string accepted, in bytes.
pub const MAX_VERSION_LEN: usize = 1024;

/// A version ordering scheme. Several ecosystems share one (npm, crates.io, Hex all use SemVer).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Scheme {
    /// SemVer 2.0 precedence, build metadata ignored, lenient (`v` prefix, missing/extra components).
    SemVer,
    /// SemVer where build metadata orders too (a build sorts after the bare version): Dart pub, Julia.
    Pub,
    /// PEP 440 (PyPI).
    Pep440,
    /// Maven `ComparableVersion`.
    Maven,
    /// NuGet (SemVer 2 with 4 numeric parts, case-insensitive pre-release).
    NuGet,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// Composer / PHP `version_compare` after Composer normalisation.
    Composer,
    /// Debian dpkg (`epoch:upstream-revision`, `~`).
    Debian,
    /// RPM rpmvercmp (`epoch:version-release`, `~`, `^`).
    Rpm,
    /// Alpine apk.
    Alpine,
    /// CRAN (R `package_version`: integers separated by `.` or `-`).
    Cran,
    /// Hackage (Haskell PVP: integer components).
    Hackage,
    /// Fallback: digit runs compare numerically, other runs lexically.
    Generic,
}

impl Scheme {
    /// Short name used in messages and `vers:` types.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::SemVer => "semver",
            Scheme::Pub => "pub",
            Scheme::Pep440 => "pep440",
            Scheme::Maven => "maven",
            Scheme::NuGet => "nuget",
            Scheme::RubyGems => "gem",
            Scheme::Composer => "composer",
            Scheme::Debian => "deb",
            Scheme::Rpm => "rpm",
            Scheme::Alpine => "apk",
            Scheme::Cran => "cran",
            Scheme::Hackage => "hackage",
            Scheme::Generic => "generic",
        }
    }

    /// The sort key [`Scheme::parse`] gives `s` ([`Version::sort_key`]), written into `buf` (cleared first): for
    /// testing many strings against parsed versions (see [`crate::CompiledRange::contains_key`]). Without building
    /// a [`Version`] only on PEP 440's fast path (canonical spellings); other schemes build one and copy its key.
    /// Errors as `parse`.
    pub fn parse_key(self, s: &str, buf: &mut Vec<u8>) -> Result<()> {
        buf.clear();
        if self == Scheme::Pep440 {
            let mut k = [0u8; eco::pep440::CANONICAL_KEY_CAP];
            if let Some(n) = eco::pep440::canonical_key(s, &mut k) {
                // Most keys fit in 32 bytes: copy a fixed 32 (moves the compiler inlines, where a length known
                // only now calls memcpy) and cut to the key. Intel loading takes the keys of OSV `versions` lists
                // this way, by the hundred thousand.
                const SHORT: usize = 32;
                if n <= SHORT {
                    buf.extend_from_slice(&k[..SHORT]);
                    buf.truncate(n);
                } else {
                    buf.extend_from_slice(&k[..n]);
                }
                return Ok(());
            }
        }
        buf.extend_from_slice(self.parse(s)?.sort_key());
        Ok(())
    }

    /// Parse a version under this scheme. Strings over [`MAX_VERSION_LEN`] bytes are rejected (no real version is
    /// that long, and it bounds the work any input can cause).
    pub fn parse(self, s: &str) -> Result<Version> {
        if s.len() > MAX_VERSION_LEN {
            let cut = s
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .take_while(|&e| e <= 64)
                .last()
                .unwrap_or(0);
            return Err(Error::version(self.name(), &s[..cut], "too long"));
        }
        match self {
            Scheme::SemVer => eco::semver::parse(s, false),
            Scheme::Pub => eco::semver::parse(s, true),
            Scheme::Pep440 => eco::pep440::parse(s),
            Scheme::Maven => eco::maven::parse(s),
            Scheme::NuGet => eco::nuget::parse(s),
            Scheme::RubyGems => eco::rubygems::parse(s),
            Scheme::Composer => eco::composer::parse(s),
            Scheme::Debian => eco::debian::parse(s),
            Scheme::Rpm => eco::rpm::parse(s),
            Scheme::Alpine => eco::alpine::parse(s),
            Scheme::Cran => eco::cran::parse(s),
            Scheme::Hackage => eco::hackage::parse(s),
            Scheme::Generic => eco::generic::parse(s),
        }
    }
}

/// A package ecosystem. Release suffixes of OSV names (`Debian:12`, `Alpine:v3.18`) are not part of the value: they
/// select a distribution release, not a version scheme (see [`osv_release`]).
/// Serialises as its OSV name (release suffixes are dropped when deserialising).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum Ecosystem {
    Npm,
    CratesIo,
    Go,
    Hex,
    Pub,
    Bitnami,
    Julia,
    SwiftUrl,
    ConanCenter,
    Bioconductor,
    Kubernetes,
    GitHubActions,
    VsCode,
    PyPI,
    Maven,
    NuGet,
    RubyGems,
    Packagist,
    Debian,
    Ubuntu,
    AlmaLinux,
    RockyLinux,
    RedHat,
    Suse,
    OpenSuse,
    Mageia,
    OpenEuler,
    AzureLinux,
    PhotonOs,
    Alpine,
    Alpaquita,
    BellSoftHardenedContainers,
    Wolfi,
    Chainguard,
    MinimOs,
    Cran,
    Hackage,
    Ghc,
    /// Any other ecosystem: compared with the generic scheme.
    Other(String),
}

const OSV_NAMES: &[(&str, Ecosystem)] = &[
    ("npm", Ecosystem::Npm),
    ("crates.io", Ecosystem::CratesIo),
    ("Go", Ecosystem::Go),
    ("Hex", Ecosystem::Hex),
    ("Pub", Ecosystem::Pub),
    ("Bitnami", Ecosystem::Bitnami),
    ("Julia", Ecosystem::Julia),
    ("SwiftURL", Ecosystem::SwiftUrl),
    ("ConanCenter", Ecosystem::ConanCenter),
    ("Bioconductor", Ecosystem::Bioconductor),
    ("Kubernetes", Ecosystem::Kubernetes),
    ("GitHub Actions", Ecosystem::GitHubActions),
    ("VSCode", Ecosystem::VsCode),
    ("PyPI", Ecosystem::PyPI),
    ("Maven", Ecosystem::Maven),
    ("NuGet", Ecosystem::NuGet),
    ("RubyGems", Ecosystem::RubyGems),
    ("Packagist", Ecosystem::Packagist),
    ("Debian", Ecosystem::Debian),
    ("Ubuntu", Ecosystem::Ubuntu),
    ("AlmaLinux", Ecosystem::AlmaLinux),
    ("Rocky Linux", Ecosystem::RockyLinux),
    ("Red Hat", Ecosystem::RedHat),
    ("SUSE", Ecosystem::Suse),
    ("openSUSE", Ecosystem::OpenSuse),
    ("Mageia", Ecosystem::Mageia),
    ("openEuler", Ecosystem::OpenEuler),
    ("Azure Linux", Ecosystem::AzureLinux),
    ("Photon OS", Ecosystem::PhotonOs),
    ("Alpaquita", Ecosystem::Alpaquita),
    (
        "BellSoft Hardened Containers",
        Ecosystem::BellSoftHardenedContainers,
    ),
    ("Alpine", Ecosystem::Alpine),
    ("Wolfi", Ecosystem::Wolfi),
    ("Chainguard", Ecosystem::Chainguard),
    ("MinimOS", Ecosystem::MinimOs),
    ("CRAN", Ecosystem::Cran),
    ("Hackage", Ecosystem::Hackage),
    ("GHC", Ecosystem::Ghc),
];

/// The release part of an OSV ecosystem name (`"Debian:12"` → `Some("12")`), if any.
pub fn osv_release(name: &str) -> Option<&str> {
    name.split_once(':').map(|(_, r)| r)
}

impl Ecosystem {
    /// From an OSV ecosystem name, with or without a `:release` suffix. Unknown names give [`Ecosystem::Other`];
    /// only an empty name is an error.
    pub fn from_osv(name: &str) -> Result<Ecosystem> {
        let base = name.split_once(':').map_or(name, |(b, _)| b).trim();
        if base.is_empty() {
            return Err(Error::UnknownEcosystem(name.to_string()));
        }
        Ok(OSV_NAMES
            .iter()
            .find(|(n, _)| *n == base)
            .map_or_else(|| Ecosystem::Other(base.to_string()), |(_, e)| e.clone()))
    }

    /// A known OSV ecosystem whose name is `name` in any case (`pypi`, `Crates.io`, `go`; a `:release` suffix is
    /// ignored), for people typing a name; advisories are read with the exact [`Ecosystem::from_osv`].
    pub fn from_osv_any_case(name: &str) -> Option<Ecosystem> {
        let base = name.split_once(':').map_or(name, |(b, _)| b).trim();
        OSV_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(base))
            .map(|(_, e)| e.clone())
    }

    /// The OSV name (without release suffix).
    pub fn osv_name(&self) -> &str {
        match self {
            Ecosystem::Other(s) => s,
            e => OSV_NAMES
                .iter()
                .find(|(_, x)| x == e)
                .map_or("", |(n, _)| n),
        }
    }

    /// From a purl type (`pkg:<type>/...`); `namespace` refines distro types (`pkg:rpm/almalinux/...`,
    /// `pkg:deb/ubuntu/...`, `pkg:apk/wolfi/...`).
    pub fn from_purl_type(ty: &str, namespace: Option<&str>) -> Result<Ecosystem> {
        // Lower-cased copies only when something is upper case (purl types and namespaces rarely are).
        fn lower(s: &str) -> std::borrow::Cow<'_, str> {
            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                s.to_ascii_lowercase().into()
            } else {
                s.into()
            }
        }
        let ns = lower(namespace.unwrap_or(""));
        Ok(match &*lower(ty) {
            "npm" => Ecosystem::Npm,
            "cargo" => Ecosystem::CratesIo,
            "golang" => Ecosystem::Go,
            "hex" => Ecosystem::Hex,
            "pub" => Ecosystem::Pub,
            "bitnami" => Ecosystem::Bitnami,
            "julia" => Ecosystem::Julia,
            "swift" => Ecosystem::SwiftUrl,
            "conan" => Ecosystem::ConanCenter,
            "pypi" => Ecosystem::PyPI,
            "maven" => Ecosystem::Maven,
            "nuget" => Ecosystem::NuGet,
            "gem" => Ecosystem::RubyGems,
            "composer" => Ecosystem::Packagist,
            "deb" if ns == "ubuntu" => Ecosystem::Ubuntu,
            "deb" => Ecosystem::Debian,
            "rpm" => match &*ns {
                "almalinux" => Ecosystem::AlmaLinux,
                "rocky" | "rocky-linux" | "rockylinux" => Ecosystem::RockyLinux,
                "suse" | "sles" => Ecosystem::Suse,
                "opensuse" => Ecosystem::OpenSuse,
                "mageia" => Ecosystem::Mageia,
                "openeuler" => Ecosystem::OpenEuler,
                "photon" => Ecosystem::PhotonOs,
                // CBL-Mariner became Azure Linux (3.0); syft names both.
                "azurelinux" | "mariner" | "cbl-mariner" => Ecosystem::AzureLinux,
                // Red Hat and its rebuilds (CentOS), and distributions OSV has no ecosystem for.
                _ => Ecosystem::RedHat,
            },
            "apk" => match &*ns {
                "wolfi" => Ecosystem::Wolfi,
                "chainguard" => Ecosystem::Chainguard,
                // As osv.dev's purl table names them.
                "minimos" => Ecosystem::MinimOs,
                "alpaquita" => Ecosystem::Alpaquita,
                _ => Ecosystem::Alpine,
            },
            "cran" => Ecosystem::Cran,
            "hackage" => Ecosystem::Hackage,
            "" => return Err(Error::UnknownEcosystem(ty.to_string())),
            other => Ecosystem::Other(other.to_string()),
        })
    }

    /// The version scheme of this ecosystem (as osv-scalibr / osv.dev map them).
    pub fn scheme(&self) -> Scheme {
        use Ecosystem as E;
        match self {
            E::Npm
            | E::CratesIo
            | E::Go
            | E::Hex
            | E::Bitnami
            | E::SwiftUrl
            | E::ConanCenter
            | E::Bioconductor
            | E::Kubernetes
            | E::GitHubActions
            | E::VsCode => Scheme::SemVer,
            // Julia's VersionNumber orders build metadata (`4.3.1+0` < `4.3.1+2`, used by JLL packages).
            E::Pub | E::Julia => Scheme::Pub,
            E::PyPI => Scheme::Pep440,
            E::Maven => Scheme::Maven,
            E::NuGet => Scheme::NuGet,
            E::RubyGems => Scheme::RubyGems,
            E::Packagist => Scheme::Composer,
            E::Debian | E::Ubuntu => Scheme::Debian,
            E::AlmaLinux
            | E::RockyLinux
            | E::RedHat
            | E::Suse
            | E::OpenSuse
            | E::Mageia
            | E::OpenEuler
            | E::AzureLinux
            | E::PhotonOs => Scheme::Rpm,
            E::Alpine
            | E::Wolfi
            | E::Chainguard
            | E::MinimOs
            | E::Alpaquita
            | E::BellSoftHardenedContainers => Scheme::Alpine,
            E::Cran => Scheme::Cran,
            E::Hackage | E::Ghc => Scheme::Hackage,
            E::Other(_) => Scheme::Generic,
        }
    }

    /// Parse a version of this ecosystem.
    pub fn parse_version(&self, s: &str) -> Result<Version> {
        self.scheme().parse(s)
    }

    /// Compare two version strings of this ecosystem.
    pub fn compare(&self, a: &str, b: &str) -> Result<Ordering> {
        let s = self.scheme();
        s.parse(a)?.try_cmp(&s.parse(b)?)
    }
}

impl TryFrom<String> for Ecosystem {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Ecosystem::from_osv(&s)
    }
}

impl From<Ecosystem> for String {
    fn from(e: Ecosystem) -> String {
        e.osv_name().to_string()
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.osv_name())
    }
}

impl std::str::FromStr for Ecosystem {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ecosystem::from_osv(s)
    }
}
