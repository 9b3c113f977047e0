//! OSV `affected[]` evaluation, exactly as the OSV schema's pseudo-code: events sorted by version (`introduced:
//! "0"` first), `introduced` opens, `fixed` (v >= fixed) and `last_affected` (v > last_affected) close; a version
//! must also be below some `limit` when limits exist; the explicit `versions` list matches by equality.
//! GIT ranges name commits, not versions: they are reported as not evaluable.

use std::cmp::Ordering;

use crate::version::{cmp_keys, Version};
use crate::{Ecosystem, Error, Result, Scheme};

/// `ranges[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
}

impl RangeKind {
    /// The version scheme a range of this kind orders by in `ecosystem`; `None` for GIT (commits).
    pub fn scheme(self, ecosystem: &Ecosystem) -> Option<Scheme> {
        match self {
            // SEMVER ranges are SemVer 2.0, except that ecosystems whose versions order build metadata keep
            // doing so (Julia's JLL advisories: introduced 4.3.1+0, fixed 4.3.1+2).
            RangeKind::Semver if ecosystem.scheme() == Scheme::Pub => Some(Scheme::Pub),
            RangeKind::Semver => Some(Scheme::SemVer),
            RangeKind::Ecosystem => Some(ecosystem.scheme()),
            RangeKind::Git => None,
        }
    }
}

/// One event of a range (exactly one key in OSV JSON).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
    /// Tie order at equal versions: opening before closing, so `introduced: X, fixed: X` is empty.
    fn rank(&self) -> u8 {
        match self {
            Event::Introduced(_) => 0,
            Event::LastAffected(_) => 1,
            Event::Fixed(_) => 2,
            Event::Limit(_) => 3,
        }
    }
}

/// `ranges[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct OsvRange {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
}

/// The version-matching part of one `affected[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct OsvAffectedRanges {
    pub ecosystem: Ecosystem,
    #[serde(default)]
    pub ranges: Vec<OsvRange>,
    #[serde(default)]
    pub versions: Vec<String>,
}

/// Whether `version` is affected. Errors: the version or an event version does not parse under the range's
/// scheme, or the entry has only GIT ranges (and no `versions` list that matched).
pub fn affected(a: &OsvAffectedRanges, version: &str) -> Result<bool> {
    CompiledAffected::compile(a)?.contains_str(version)
}

/// A range with parsed, sorted events: evaluation without parsing anything but the candidate version.
#[derive(Debug, Clone)]
pub struct CompiledRange {
    scheme: Scheme,
    /// The events sorted, one after the other in one buffer (evaluating a version reads it from its start, and
    /// only it): a tag byte, the [`EventKind`] (`| NO_VERSION` for introduced "0", which has nothing more), then
    /// the length of its version's sort key (two bytes, little-endian) and the key.
    events: Box<[u8]>,
    has_limit: bool,
    limit_star: bool,
}

/// Tag bit of an event without version in [`CompiledRange`]'s buffer.
const NO_VERSION: u8 = 0x80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKind {
    Introduced = 0,
    LastAffected = 1,
    Fixed = 2,
    Limit = 3,
}

impl CompiledRange {
    /// Parse and sort the events of a SEMVER or ECOSYSTEM range.
    pub fn compile(r: &OsvRange, ecosystem: &Ecosystem) -> Result<CompiledRange> {
        let scheme = r
            .kind
            .scheme(ecosystem)
            .ok_or_else(|| Error::NotEvaluable("GIT ranges hold commits, not versions".into()))?;
        let mut events = Vec::with_capacity(r.events.len());
        for e in &r.events {
            let v = match e {
                Event::Introduced(v) if v == "0" => None,
                Event::Limit(v) if v == "*" => continue,
                e => Some(scheme.parse(e.version())?),
            };
            // The kind and tie rank only (not a copy of the event and its version text).
            let kind = match e {
                Event::Introduced(_) => EventKind::Introduced,
                Event::LastAffected(_) => EventKind::LastAffected,
                Event::Fixed(_) => EventKind::Fixed,
                Event::Limit(_) => EventKind::Limit,
            };
            events.push((v, kind, e.rank()));
        }
        events.sort_by(|(a, _, ra), (b, _, rb)| {
            let o = match (a, b) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(b),
            };
            o.then(ra.cmp(rb))
        });
        let mut buf = Vec::new();
        for (v, kind, _) in events {
            let tag = kind as u8;
            match v {
                None => buf.push(tag | NO_VERSION),
                Some(v) => {
                    let key = v.sort_key();
                    // Versions are at most MAX_VERSION_LEN bytes: their keys are far below 64 KiB.
                    let len = u16::try_from(key.len()).map_err(|_| {
                        Error::version(scheme.name(), v.as_str(), "sort key too long")
                    })?;
                    buf.push(tag);
                    buf.extend_from_slice(&len.to_le_bytes());
                    buf.extend_from_slice(key);
                }
            }
        }
        let has_limit = r.events.iter().any(|e| matches!(e, Event::Limit(_)));
        let limit_star = r
            .events
            .iter()
            .any(|e| matches!(e, Event::Limit(v) if v == "*"));
        Ok(CompiledRange {
            scheme,
            events: buf.into_boxed_slice(),
            has_limit,
            limit_star,
        })
    }

    /// The scheme versions must be parsed with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Evaluate for a version parsed with [`CompiledRange::scheme`].
    pub fn contains(&self, v: &Version) -> bool {
        if v.scheme() != self.scheme {
            // Versions of different schemes order by scheme (`Version`'s `Ord`): the same answer for every event.
            let o = v.scheme().cmp(&self.scheme);
            return self.eval(|_| o);
        }
        self.eval(|x| cmp_keys(self.scheme, v.sort_key(), x))
    }

    /// [`CompiledRange::contains`] for a version given by its sort key under [`CompiledRange::scheme`]
    /// ([`Scheme::parse_key`]).
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.eval(|x| cmp_keys(self.scheme, key, x))
    }

    /// The evaluation, given the order of the version against an event's key.
    fn eval(&self, cmp: impl Fn(&[u8]) -> Ordering) -> bool {
        let mut vulnerable = false;
        for (kind, key) in self.events() {
            let ord = key.map_or(Ordering::Greater, &cmp);
            // An event above v does not apply (each needs v >= x); events are sorted by version, so none after it
            // does either (Maven's order, not a plain key order, is left to the full walk).
            if ord == Ordering::Less {
                if self.scheme == Scheme::Maven {
                    continue;
                }
                break;
            }
            match kind {
                EventKind::Introduced => vulnerable = true,
                EventKind::Fixed => vulnerable = false,
                EventKind::LastAffected if ord == Ordering::Greater => vulnerable = false,
                _ => {}
            }
        }
        if vulnerable && self.has_limit && !self.limit_star {
            // Without limits an implicit `limit: "*"` applies; with limits, v must be below one of them.
            return self.events().any(|(kind, key)| {
                kind == EventKind::Limit && key.is_some_and(|x| cmp(x) == Ordering::Less)
            });
        }
        vulnerable
    }

    /// The events, in order: kind and sort key (`None`: introduced "0").
    fn events(&self) -> impl Iterator<Item = (EventKind, Option<&[u8]>)> + '_ {
        let mut rest: &[u8] = &self.events;
        std::iter::from_fn(move || {
            let (&tag, r) = rest.split_first()?;
            let kind = match tag & !NO_VERSION {
                0 => EventKind::Introduced,
                1 => EventKind::LastAffected,
                2 => EventKind::Fixed,
                _ => EventKind::Limit,
            };
            if tag & NO_VERSION != 0 {
                rest = r;
                return Some((kind, None));
            }
            let (len, r) = r.split_first_chunk::<2>()?;
            let (key, r) = r.split_at_checked(usize::from(u16::from_le_bytes(*len)))?;
            rest = r;
            Some((kind, Some(key)))
        })
    }
}

/// A whole `affected[]` entry, compiled.
#[derive(Debug, Clone)]
pub struct CompiledAffected {
    ecosystem: Ecosystem,
    ranges: Vec<CompiledRange>,
    versions: Vec<String>,
    has_git: bool,
}

impl CompiledAffected {
    /// Compile every SEMVER/ECOSYSTEM range (GIT ranges are noted, not compiled).
    pub fn compile(a: &OsvAffectedRanges) -> Result<CompiledAffected> {
        let mut ranges = Vec::new();
        let mut has_git = false;
        for r in &a.ranges {
            if r.kind == RangeKind::Git {
                has_git = true;
            } else {
                ranges.push(CompiledRange::compile(r, &a.ecosystem)?);
            }
        }
        Ok(CompiledAffected {
            ecosystem: a.ecosystem.clone(),
            ranges,
            versions: a.versions.clone(),
            has_git,
        })
    }

    /// Whether the version (a string of the entry's ecosystem) is affected. No version (`""`) is never affected, also
    /// where the scheme reads "" as one (RubyGems takes it for "0") or the entry lists "".
    pub fn contains_str(&self, version: &str) -> Result<bool> {
        if version.is_empty() {
            return Ok(false);
        }
        if self.versions.iter().any(|v| v == version) {
            return Ok(true);
        }
        let eco_scheme = self.ecosystem.scheme();
        let mut parsed: [Option<Version>; 2] = [None, None];
        for r in &self.ranges {
            let slot = usize::from(r.scheme() != eco_scheme);
            let v = match &parsed[slot] {
                Some(v) => v,
                None => parsed[slot].insert(r.scheme().parse(version)?),
            };
            if r.contains(v) {
                return Ok(true);
            }
        }
        // The versions list in the ecosystem's own equality (e.g. PEP 440 `1.0` = `1.0.0`).
        if !self.versions.is_empty() {
            if let Ok(v) = eco_scheme.parse(version) {
                if self
                    .versions
                    .iter()
                    .any(|x| eco_scheme.parse(x).is_ok_and(|x| x == v))
                {
                    return Ok(true);
                }
            }
        }
        if self.has_git && self.ranges.is_empty() && self.versions.is_empty() {
            return Err(Error::NotEvaluable("only GIT ranges".into()));
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_key` gives `parse`'s key, and `contains_key` answers as `contains`, on PEP 440, SemVer and Maven.
    #[test]
    fn key_paths_agree() {
        let cases: [(Ecosystem, &[&str], &[&str]); 3] = [
            (
                Ecosystem::PyPI,
                &[
                    "introduced:1.0",
                    "fixed:1.5rc1",
                    "introduced:2.0",
                    "last_affected:2.3.post1",
                    "limit:9",
                ],
                &[
                    "0.9",
                    "1.0",
                    "1.0.0",
                    "1.2",
                    "1.5a1",
                    "1.5rc1",
                    "1.5",
                    "2.0.dev1",
                    "2.0",
                    "2.3.post1",
                    "2.3.post2",
                    "2.4",
                    "v2.1",
                    "2.1+local",
                    "a1b2c3",
                    "2021-01-01",
                    "9",
                    "10",
                    "",
                ],
            ),
            (
                Ecosystem::Npm,
                &[
                    "introduced:0",
                    "fixed:1.2.3",
                    "introduced:2.0.0-rc.1",
                    "fixed:2.0.1",
                ],
                &[
                    "0.0.1",
                    "1.2.2",
                    "1.2.3",
                    "2.0.0-rc.0",
                    "2.0.0-rc.1",
                    "2.0.0",
                    "2.0.1",
                    "x",
                ],
            ),
            (
                Ecosystem::Maven,
                &[
                    "introduced:1.0",
                    "fixed:1.0.1",
                    "introduced:2.0-SNAPSHOT",
                    "last_affected:2.0",
                ],
                &[
                    "0.9",
                    "1.0",
                    "1.0.0",
                    "1.0.1",
                    "1.0-beta",
                    "2.0-SNAPSHOT",
                    "2.0",
                    "2.0.1",
                    "2-final",
                ],
            ),
        ];
        for (eco, events, versions) in cases {
            let r = OsvRange {
                kind: RangeKind::Ecosystem,
                events: events
                    .iter()
                    .map(|e| match e.split_once(':').unwrap() {
                        ("introduced", v) => Event::Introduced(v.into()),
                        ("fixed", v) => Event::Fixed(v.into()),
                        ("last_affected", v) => Event::LastAffected(v.into()),
                        (_, v) => Event::Limit(v.into()),
                    })
                    .collect(),
                repo: None,
            };
            let c = CompiledRange::compile(&r, &eco).unwrap();
            let mut key = Vec::new();
            for v in versions {
                let parsed = c.scheme().parse(v);
                let keyed = c.scheme().parse_key(v, &mut key);
                assert_eq!(parsed.is_ok(), keyed.is_ok(), "{eco} {v}");
                if let Ok(p) = parsed {
                    assert_eq!(p.sort_key(), &key[..], "{eco} {v}");
                    assert_eq!(c.contains(&p), c.contains_key(&key), "{eco} {v}");
                }
            }
        }
    }
}
