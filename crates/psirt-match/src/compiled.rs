//! One `affected[]` entry compiled for evaluation against versions parsed once, ahead of time.
//!
//! [`psirt_versions::CompiledAffected`] parses the candidate version on every call; the index instead parses each
//! distinct component version once (under the package's scheme) and evaluates the entry's
//! [`CompiledRange`]s on that parsed value. The result is the one of `CompiledAffected::contains_str`: listed
//! by text or by the ecosystem's equality, or inside a range.

use psirt_versions::{CompiledRange, OsvAffectedRanges, RangeKind, Scheme, Version};

/// A compiled `affected[]` entry.
#[derive(Debug, Clone)]
pub(crate) struct CompiledEntry {
    /// The package's scheme: the one component versions are parsed with.
    scheme: Scheme,
    /// The first of the ranges, inline (most entries have one: evaluating it reads no separate list), then the
    /// others.
    first_range: Option<CompiledRange>,
    more_ranges: Vec<CompiledRange>,
    /// The `versions` list parsed, sorted (binary search), less the versions `ranges` already cover. A text equal
    /// to a listed version parses to an equal version, so the text comparison needs only the unparsable ones.
    parsed_versions: Vec<Version>,
    /// Listed versions the scheme cannot parse, sorted: they match by text.
    unparsed_versions: Vec<Box<str>>,
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
        let mut parsed_versions = Vec::new();
        let mut unparsed_versions: Vec<Box<str>> = Vec::new();
        // A listed version inside one of the entry's ranges of the package's scheme is not kept: any version equal
        // to it is inside that range too (a range tests only order), so `contains` answers yes before it would
        // look at the list. (OSV `versions` lists mostly enumerate the ranges: what is left is small.) Not for
        // Maven, whose equality is not key equality.
        // Tested on the sort key alone (for PEP 440's canonical spellings no `Version` is built for the many that
        // are dropped; other schemes build one inside `parse_key`, and a kept version is parsed again).
        let covers = |key: &[u8]| {
            scheme != Scheme::Maven
                && ranges
                    .iter()
                    .any(|r| r.scheme() == scheme && r.contains_key(key))
        };
        let mut key = Vec::new();
        // An empty listed version names no version: it would otherwise match every component without one.
        for v in a.versions.iter().filter(|v| !v.is_empty()) {
            match scheme.parse_key(v, &mut key) {
                Ok(()) if covers(&key) => {}
                Ok(()) => match scheme.parse(v) {
                    Ok(p) => parsed_versions.push(p),
                    Err(_) => unparsed_versions.push(v.as_str().into()),
                },
                Err(_) => unparsed_versions.push(v.as_str().into()),
            }
        }
        parsed_versions.sort_unstable();
        parsed_versions.dedup();
        unparsed_versions.sort_unstable();
        unparsed_versions.dedup();
        let mut ranges = ranges.into_iter();
        let first_range = ranges.next();
        let ranges: Vec<CompiledRange> = ranges.collect();
        parsed_versions.shrink_to_fit();
        Ok(Some(CompiledEntry {
            scheme,
            first_range,
            more_ranges: ranges,
            parsed_versions,
            unparsed_versions,
        }))
    }

    /// Whether the version is affected.
    pub(crate) fn contains(&self, version: &Candidate) -> bool {
        let parsed = match version {
            Candidate::Parsed(p) => p,
            // Not read yet (its package had no entries): read it now, with the package's scheme.
            Candidate::Unread(raw) => return self.contains(&Candidate::new(self.scheme, raw)),
            // A version that does not parse: only the `versions` list can match it, by text.
            // (No version, "", is never listed: `compile` leaves it out.)
            Candidate::Unparsed(raw) => {
                return self
                    .unparsed_versions
                    .binary_search_by(|v| (**v).cmp(raw))
                    .is_ok();
            }
        };
        for r in self.first_range.iter().chain(&self.more_ranges) {
            if r.scheme() == self.scheme {
                if r.contains(parsed) {
                    return true;
                }
            } else if r
                .scheme()
                .parse(parsed.as_str())
                .is_ok_and(|v| r.contains(&v))
            {
                // A SEMVER range in an ecosystem with its own scheme: rare (none in the OSV corpus), parsed here.
                return true;
            }
        }
        self.parsed_versions.binary_search(parsed).is_ok()
    }
}

/// A version to evaluate: parsed once with its package's scheme (the text is kept inside: [`Version::as_str`]), or
/// its text when the scheme cannot parse it, or its text not read yet.
#[derive(Debug)]
pub(crate) enum Candidate {
    Parsed(Version),
    Unparsed(Box<str>),
    /// Not parsed yet: the index leaves the versions of packages that no advisory names as text until one does
    /// (most of an inventory; [`Candidate::read`]). Evaluating it parses it on the spot.
    Unread(Box<str>),
}

impl Candidate {
    /// Parse `text` with `scheme`.
    pub(crate) fn new(scheme: Scheme, text: &str) -> Candidate {
        // No version (a component without one) matches nothing, also where the scheme reads "" as a version
        // (RubyGems takes it for "0", which every `introduced: "0"` range holds).
        if text.is_empty() {
            return Candidate::Unparsed("".into());
        }
        match scheme.parse(text) {
            Ok(v) => Candidate::Parsed(v),
            Err(_) => Candidate::Unparsed(text.into()),
        }
    }

    /// Whether the text as given is `text` (an empty one too: the components without a version share one slot).
    pub(crate) fn is(&self, text: &str) -> bool {
        match self {
            Candidate::Parsed(v) => v.as_bytes() == text.as_bytes(),
            Candidate::Unparsed(t) | Candidate::Unread(t) => **t == *text,
        }
    }

    /// The text as given.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Candidate::Parsed(v) => v.as_str(),
            Candidate::Unparsed(t) | Candidate::Unread(t) => t,
        }
    }

    /// Parse an unread version with `scheme` (its package's); others stay as they are.
    pub(crate) fn read(&mut self, scheme: Scheme) {
        if let Candidate::Unread(t) = self {
            *self = Candidate::new(scheme, t);
        }
    }
}
