//! `vers:` version ranges (package-url/vers-spec): parse (strict canonical form, or lenient with
//! canonicalisation), print canonically, and test containment with the spec's algorithm.

use std::fmt;

use crate::version::Version;
use crate::{Error, Result, Scheme};

/// A constraint's comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Comparator {
    /// `*`: every version.
    Any,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Any => "*",
            Comparator::Eq => "=",
            Comparator::Ne => "!=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// One `<comparator><version>` item.
#[derive(Debug, Clone)]
pub struct VersConstraint {
    pub comparator: Comparator,
    /// Decoded version text (empty for `*`).
    pub version: String,
    parsed: Option<Version>,
}

/// A parsed `vers:` range.
#[derive(Debug, Clone)]
pub struct VersRange {
    scheme_name: String,
    scheme: Scheme,
    constraints: Vec<VersConstraint>,
}

/// The version scheme of a `vers:` versioning-scheme name, when this crate implements it.
pub fn scheme_for_vers(name: &str) -> Option<Scheme> {
    Some(match name {
        "npm" | "cargo" | "golang" | "hex" | "semver" | "swift" | "conan" | "bitnami" | "julia" => {
            Scheme::SemVer
        }
        "pub" => Scheme::Pub,
        "pypi" => Scheme::Pep440,
        "maven" => Scheme::Maven,
        "nuget" => Scheme::NuGet,
        "gem" => Scheme::RubyGems,
        "composer" => Scheme::Composer,
        "deb" => Scheme::Debian,
        "rpm" => Scheme::Rpm,
        "apk" | "alpine" => Scheme::Alpine,
        "cran" => Scheme::Cran,
        "hackage" => Scheme::Hackage,
        "generic" => Scheme::Generic,
        _ => return None,
    })
}

/// The spec's rule for the comparators of sorted constraints ("Version constraints validation"): `!=` may stand
/// anywhere; without them, `=` is followed only by `=`, `>` or `>=`; without `=` too, greater (`>`, `>=`) and lesser
/// (`<`, `<=`) alternate. `>=1.0|>=2.0` says nothing a single constraint would not, and reads as no version at all.
fn comparator_sequence_error(constraints: &[VersConstraint]) -> Option<String> {
    use Comparator as C;
    let kept: Vec<&VersConstraint> = constraints
        .iter()
        .filter(|c| c.comparator != C::Ne)
        .collect();
    for w in kept.windows(2) {
        if w[0].comparator == C::Eq && !matches!(w[1].comparator, C::Eq | C::Gt | C::Ge) {
            return Some(format!(
                "'{}{}' may be followed only by '=', '>' or '>=' constraints",
                w[0].comparator.as_str(),
                w[0].version
            ));
        }
    }
    let bounds: Vec<&&VersConstraint> = kept.iter().filter(|c| c.comparator != C::Eq).collect();
    for w in bounds.windows(2) {
        let greater = |c: C| matches!(c, C::Gt | C::Ge);
        if greater(w[0].comparator) == greater(w[1].comparator) {
            return Some(format!(
                "'{}{}' and '{}{}': lower and upper bounds must alternate",
                w[0].comparator.as_str(),
                w[0].version,
                w[1].comparator.as_str(),
                w[1].version
            ));
        }
    }
    None
}

impl VersRange {
    /// Strict parse: the input must already be canonical (no spaces, no empty constraints, versions sorted and
    /// unique, valid percent-encoding) and valid (comparators in an order the spec allows).
    pub fn parse(s: &str) -> Result<VersRange> {
        let r = Self::parse_impl(s, true)?;
        Ok(r)
    }

    /// Lenient parse: spaces removed, empty constraints dropped, constraints sorted; [`fmt::Display`] then gives
    /// the canonical form.
    pub fn parse_lenient(s: &str) -> Result<VersRange> {
        let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        Self::parse_impl(&cleaned, false)
    }

    fn parse_impl(s: &str, strict: bool) -> Result<VersRange> {
        let bad = |m: &str| Error::InvalidVers(format!("{m}: {s:?}"));
        let rest = s
            .strip_prefix("vers:")
            .ok_or_else(|| bad("must start with 'vers:'"))?;
        let (name, cs) = rest
            .split_once('/')
            .ok_or_else(|| bad("missing '/' after the versioning scheme"))?;
        if strict && (s.contains(char::is_whitespace) || name != name.to_ascii_lowercase()) {
            return Err(bad("not canonical"));
        }
        let name = name.to_ascii_lowercase();
        let scheme = scheme_for_vers(&name).ok_or_else(|| bad("unsupported versioning scheme"))?;
        let mut constraints = Vec::new();
        for item in cs.split('|') {
            if item.is_empty() {
                if strict {
                    return Err(bad("empty constraint"));
                }
                continue;
            }
            if item == "*" {
                constraints.push(VersConstraint {
                    comparator: Comparator::Any,
                    version: String::new(),
                    parsed: None,
                });
                continue;
            }
            let (comparator, v) = [
                (">=", Comparator::Ge),
                ("<=", Comparator::Le),
                ("!=", Comparator::Ne),
                ("<", Comparator::Lt),
                (">", Comparator::Gt),
                ("=", Comparator::Eq),
            ]
            .iter()
            .find_map(|(p, c)| item.strip_prefix(p).map(|v| (*c, v)))
            .unwrap_or((Comparator::Eq, item));
            // A second comparator (`>>1.0`, `=>1.0`, Debian's `<<2.0`) is no version: the spec writes a version's
            // comparator characters percent-encoded.
            if v.starts_with(['<', '>', '=', '!']) {
                return Err(bad(
                    "a version must not start with a comparator character (percent-encode it)",
                ));
            }
            let version = decode(v).ok_or_else(|| bad("invalid percent-encoding"))?;
            if version.is_empty() {
                return Err(bad("empty version"));
            }
            let parsed = scheme.parse(&version)?;
            constraints.push(VersConstraint {
                comparator,
                version,
                parsed: Some(parsed),
            });
        }
        if constraints.is_empty() {
            return Err(bad("no constraints"));
        }
        if constraints.iter().any(|c| c.comparator == Comparator::Any) && constraints.len() > 1 {
            return Err(bad("'*' must stand alone"));
        }
        let sorted = constraints
            .windows(2)
            .all(|w| match (&w[0].parsed, &w[1].parsed) {
                (Some(a), Some(b)) => a < b,
                _ => true,
            });
        if !sorted {
            if strict {
                return Err(bad("versions must be sorted and unique"));
            }
            constraints.sort_by(|a, b| a.parsed.cmp(&b.parsed));
        }
        if strict {
            if let Some(why) = comparator_sequence_error(&constraints) {
                return Err(bad(&why));
            }
        }
        Ok(VersRange {
            scheme_name: name,
            scheme,
            constraints,
        })
    }

    /// The versioning-scheme name as written (`npm`, `pypi`, ...).
    pub fn scheme_name(&self) -> &str {
        &self.scheme_name
    }
    /// The version scheme used to compare.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    pub fn constraints(&self) -> &[VersConstraint] {
        &self.constraints
    }

    /// Whether a version (text in the range's scheme) is in the range.
    pub fn contains(&self, version: &str) -> Result<bool> {
        Ok(self.contains_version(&self.scheme.parse(version)?))
    }

    /// Containment per the vers spec's algorithm, for a version parsed with [`VersRange::scheme`].
    pub fn contains_version(&self, v: &Version) -> bool {
        let cs = &self.constraints;
        if cs.len() == 1 && cs[0].comparator == Comparator::Any {
            return true;
        }
        for c in cs {
            if let Some(p) = &c.parsed {
                match c.comparator {
                    Comparator::Eq if v == p => return true,
                    Comparator::Ne if v == p => return false,
                    _ => {}
                }
            }
        }
        let rest: Vec<(&Version, Comparator)> = cs
            .iter()
            .filter(|c| {
                !matches!(
                    c.comparator,
                    Comparator::Eq | Comparator::Ne | Comparator::Any
                )
            })
            .filter_map(|c| c.parsed.as_ref().map(|p| (p, c.comparator)))
            .collect();
        let sat = |(p, c): (&Version, Comparator)| match c {
            Comparator::Lt => v < p,
            Comparator::Le => v <= p,
            Comparator::Gt => v > p,
            Comparator::Ge => v >= p,
            _ => false,
        };
        let is_upper = |c: Comparator| matches!(c, Comparator::Lt | Comparator::Le);
        let is_lower = |c: Comparator| matches!(c, Comparator::Gt | Comparator::Ge);
        match rest.as_slice() {
            // A lone `!=` holds every other version (`vers:npm/!=1.0.0` holds 2.0.0), as univers answers; the spec's
            // algorithm, read to the letter, would hold nothing. Several `!=` hold nothing, as both say.
            [] if cs.len() == 1 && cs[0].comparator == Comparator::Ne => true,
            [] => false,
            [one] => sat(*one),
            _ => {
                for (i, w) in rest.windows(2).enumerate() {
                    let (cur, next) = (w[0], w[1]);
                    if i == 0 && is_upper(cur.1) && sat(cur) {
                        return true;
                    }
                    if i + 2 == rest.len() && is_lower(next.1) && sat(next) {
                        return true;
                    }
                    if is_lower(cur.1) && is_upper(next.1) && sat(cur) && sat(next) {
                        return true;
                    }
                }
                false
            }
        }
    }
}

impl fmt::Display for VersRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vers:{}/", self.scheme_name)?;
        for (i, c) in self.constraints.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            match c.comparator {
                Comparator::Any => f.write_str("*")?,
                Comparator::Eq => f.write_str(&encode(&c.version))?,
                other => write!(f, "{}{}", other.as_str(), encode(&c.version))?,
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for VersRange {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        VersRange::parse(s)
    }
}

fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '%' | '|' | '<' | '>' | '=' | '!' | '*' | ' ' => {
                out.push_str(&format!("%{:02X}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = char::from(*b.get(i + 1)?).to_digit(16)?;
            let l = char::from(*b.get(i + 2)?).to_digit(16)?;
            out.push(u8::try_from(h * 16 + l).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
