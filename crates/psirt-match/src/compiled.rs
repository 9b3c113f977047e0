//! One `affected[]` entry compiled for evaluation against versions parsed once, ahead of time.
//!
//! [`psirt_versions::CompiledAffected`] parses the candidate version on every call; the index instead parses each
//! distinct component version once (under the package's scheme) and evaluates the entry's
//! [`CompiledRange`]s on that parsed value. The combination below is the one of `CompiledAffected::contains_str`:
//! the `versions` list by text, then the ranges, then the `versions` list by the ecosystem's equality.

use psirt_versions::{CompiledRange, OsvAffectedRanges, RangeKind, Scheme, Version};

/// A compiled `affected[]` entry.
#[derive(Debug, Clone)]
pub(crate) struct CompiledEntry {
    /// The package's scheme: the one component versions are parsed with.
    scheme: Scheme,
    ranges: Vec<CompiledRange>,
    versions: Vec<Box<str>>,
    parsed_versions: Vec<Version>,
}

impl CompiledEntry {
    /// Compile; `Ok(None)` when nothing in the entry is evaluable on versions (only GIT ranges, no `versions`).
    pub(crate) fn compile(
        a: &OsvAffectedRanges,
    ) -> Result<Option<CompiledEntry>, psirt_versions::Error> {
        let scheme = a.ecosystem.scheme();
        let ranges = a
            .ranges
            .iter()
            .filter(|r| r.kind != RangeKind::Git)
            .map(|r| CompiledRange::compile(r, &a.ecosystem))
            .collect::<Result<Vec<_>, _>>()?;
        if ranges.is_empty() && a.versions.is_empty() {
            return Ok(None);
        }
        // A listed version the scheme cannot parse still matches by text.
        let parsed_versions = a
            .versions
            .iter()
            .filter_map(|v| scheme.parse(v).ok())
            .collect();
        Ok(Some(CompiledEntry {
            scheme,
            ranges,
            versions: a.versions.iter().map(|v| v.as_str().into()).collect(),
            parsed_versions,
        }))
    }

    /// Whether the version is affected. `parsed` is `raw` parsed with the package's scheme (`None`: it does not
    /// parse, and only the `versions` list can match it by text).
    pub(crate) fn contains(&self, raw: &str, parsed: Option<&Version>) -> bool {
        if self.versions.iter().any(|v| &**v == raw) {
            return true;
        }
        let Some(parsed) = parsed else {
            return false;
        };
        for r in &self.ranges {
            if r.scheme() == self.scheme {
                if r.contains(parsed) {
                    return true;
                }
            } else if r.scheme().parse(raw).is_ok_and(|v| r.contains(&v)) {
                // A SEMVER range in an ecosystem with its own scheme: rare (none in the OSV corpus), parsed here.
                return true;
            }
        }
        self.parsed_versions.iter().any(|v| v == parsed)
    }
}
