//! The format-independent half of an import: purl normalisation, keying, merging duplicates, resolving document
//! references into edges, warnings and progress.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use psirt_versions::Purl;

use super::{
    Component, ComponentHash, DependencyEdge, EdgeKind, Header, ImportStats, Progress, Sbom,
    SbomWarning, Stage, Unstorable, MAX_WARNINGS,
};

/// foldhash, seeded per process and per map. Not a defence against a determined HashDoS attacker (foldhash does not
/// claim that); acceptable here: uploads are authenticated and size-capped, hashes and map order are never shown,
/// and `by_key` confirms every hit against the key itself.
type Seeded = foldhash::quality::RandomState;

/// A hasher for keys that already are hashes (seeded foldhash outputs): passes the u64 through.
#[derive(Default)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed here; fold anything else rather than panic.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// How often conversion reports progress.
const PROGRESS_EVERY: usize = 4096;

/// What psirt stores of a component (psirt-store's `sbom::check` holds the same limits, for other callers): a
/// component beyond them refuses the whole SBOM, at the component's JSON Pointer. The key is indexed, alone and in
/// dependency edges (two keys in one entry), and PostgreSQL's b-tree entries end near 2,700 bytes.
const MAX_KEY_BYTES: usize = 1_000;
/// In characters; the name counts as `group/name`, as stored.
const MAX_NAME_CHARS: usize = 1_000;
const MAX_VERSION_CHARS: usize = 500;
/// CPE and each license.
const MAX_TEXT_CHARS: usize = 4_000;

/// The suffix an `at` closure of [`Builder::add`] maps to the pointer of the component's purl; `""` gives the
/// component's own pointer.
pub(crate) const PURL: &str = "/purl";
/// `at(REFERENCE)`: the pointer of the element's own reference (`bom-ref`, `SPDXID`).
pub(crate) const REFERENCE: &str = "/bom-ref";

/// A resolved document reference: the subject or a component (index into `components`).
pub(crate) use super::SbomNode as Node;

/// A document string: borrowed from the input where serde_json can (no escapes), owned otherwise (escaped strings,
/// or a consumed `Value` on the validating path). Used for what the importer only looks up and drops — refs, raw
/// purls, reference types — so those cost no allocation.
#[derive(serde::Deserialize, PartialEq, Eq, Hash)]
#[serde(transparent)]
pub(crate) struct Str<'d>(#[serde(borrow)] pub Cow<'d, str>);

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

pub(crate) struct Builder<'d, 'p> {
    subject: Option<Component>,
    /// The component the subject is a copy of, when it stays a component too (see [`Builder::promote_to_subject`]).
    subject_twin: Option<usize>,
    components: Vec<Component>,
    /// Component key → index, without a second copy of each key: keyed by the key's (randomly seeded) hash,
    /// the index confirmed by comparing `components[i].key`; the rare keys whose hash is taken go to `collisions`.
    by_key: HashMap<u64, usize, BuildHasherDefault<PreHashed>>,
    collisions: HashMap<String, usize>,
    hasher: Seeded,
    /// Tests force every key onto one hash to exercise `collisions`.
    #[cfg(test)]
    collide_all: bool,
    /// Document references (bom-ref, SPDXID) → node; keys borrowed from the document.
    by_ref: HashMap<Cow<'d, str>, Node, Seeded>,
    /// Deduplicated in `finish` (sort + dedup: cheaper than hashing every edge).
    edges: Vec<(Node, Node, EdgeKind)>,
    /// Per component: whether a later entry was merged into it.
    merged: Vec<bool>,
    warnings: Vec<SbomWarning>,
    /// Components beyond what is stored: (index, pointer, why), in document order, for at most two components
    /// (one may still become the subject, which is not stored); the first left is [`Sbom::unstorable`].
    refused: Vec<(usize, String, String)>,
    stats: ImportStats,
    bytes: u64,
    progress: &'p mut dyn FnMut(Progress),
}

impl<'d, 'p> Builder<'d, 'p> {
    pub(crate) fn new(bytes: u64, progress: &'p mut dyn FnMut(Progress)) -> Self {
        progress(Progress {
            stage: Stage::Converting,
            bytes_read: bytes,
            components: 0,
        });
        // A guess from the size (real SBOMs spend 300 B – 3 KB per component) saves most regrowth.
        let guess = usize::try_from(bytes / 1024).unwrap_or(0).min(1 << 20);
        Builder {
            subject: None,
            subject_twin: None,
            components: Vec::with_capacity(guess),
            by_key: HashMap::with_capacity_and_hasher(guess, BuildHasherDefault::default()),
            collisions: HashMap::new(),
            hasher: Seeded::default(),
            #[cfg(test)]
            collide_all: false,
            by_ref: HashMap::with_capacity_and_hasher(guess, Seeded::default()),
            edges: Vec::new(),
            merged: Vec::with_capacity(guess),
            warnings: Vec::new(),
            refused: Vec::new(),
            stats: ImportStats::default(),
            bytes,
            progress,
        }
    }

    pub(crate) fn warn(&mut self, pointer: impl FnOnce() -> String, message: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(SbomWarning {
                pointer: pointer(),
                message,
            });
        } else {
            self.stats.warnings_omitted += 1;
        }
    }

    /// Sets the key of `c`: the canonical purl (from `raw`) with the component's version when the purl gives none,
    /// else a synthetic key; `pointer` locates the raw purl.
    fn identify(&mut self, c: &mut Component, raw: Option<&str>, pointer: impl FnOnce() -> String) {
        if let Some(raw) = raw.filter(|r| Purl::is_canonical(r)) {
            // Already canonical (checked without parsing): what parse + print would give.
            c.key = raw.to_string();
            versioned(c);
            return;
        }
        if let Some(raw) = raw {
            match Purl::parse_lenient(raw) {
                Ok(p) => {
                    c.key = p.to_string();
                    versioned(c);
                    return;
                }
                Err(e) => {
                    self.stats.invalid_purls += 1;
                    self.warn(
                        pointer,
                        format!("{e} ({raw:?}); component kept without purl"),
                    );
                }
            }
        }
        c.key = synthetic_key(c);
    }

    /// Notes component `i` (as merged so far) when it cannot be stored as it is; `at("")` is the pointer of the
    /// element that made it so.
    fn check(&mut self, i: usize, at: impl Fn(&str) -> String) {
        if self.refused.len() >= 2 || self.refused.iter().any(|(j, ..)| *j == i) {
            return;
        }
        if let Some(why) = self.components.get(i).and_then(refusal) {
            self.refused.push((i, at(""), why));
        }
    }

    /// Adds the SBOM's subject; `at` as for [`Builder::add`].
    pub(crate) fn set_subject(
        &mut self,
        mut c: Component,
        purl: Option<&str>,
        reference: Option<Cow<'d, str>>,
        at: impl Fn(&str) -> String,
    ) -> Node {
        // Not checked against the store's limits: the subject is not stored.
        self.identify(&mut c, purl, || at(PURL));
        if let Some(r) = reference {
            c.bom_ref = Some(r.to_string());
            self.claim_ref(r, Node::Subject, || at(REFERENCE));
        }
        self.subject = Some(c);
        Node::Subject
    }

    /// Adds a component with its raw purl and document reference, merging it into an earlier one with the same
    /// key. `at(suffix)` is the JSON Pointer of the component with `suffix` appended; `at(PURL)` that of its purl
    /// (built only for a warning or a refusal).
    pub(crate) fn add(
        &mut self,
        mut c: Component,
        purl: Option<&str>,
        reference: Option<Cow<'d, str>>,
        at: impl Fn(&str) -> String,
    ) -> Node {
        self.stats.components_in_document += 1;
        let n = self.stats.components_in_document;
        if n % PROGRESS_EVERY == 0 {
            (self.progress)(Progress {
                stage: Stage::Converting,
                bytes_read: self.bytes,
                components: n,
            });
        }
        self.identify(&mut c, purl, || at(PURL));
        c.bom_ref = reference.as_deref().map(str::to_string);
        let hash = self.key_hash(&c.key);
        let found = match self.by_key.get(&hash) {
            Some(&i) if self.components[i].key == c.key => Some(i),
            Some(_) => self.collisions.get(&c.key).copied(),
            None => None,
        };
        let idx = match found {
            Some(i) => {
                self.stats.duplicates_merged += 1;
                self.merged[i] = true;
                merge(&mut self.components[i], c);
                i
            }
            None => {
                let i = self.components.len();
                match self.by_key.entry(hash) {
                    Entry::Vacant(v) => {
                        v.insert(i);
                    }
                    Entry::Occupied(_) => {
                        self.collisions.insert(c.key.clone(), i);
                    }
                }
                self.components.push(c);
                self.merged.push(false);
                i
            }
        };
        if let Some(r) = reference {
            self.claim_ref(r, Node::Component(idx), || at(REFERENCE));
        }
        // The merged component, as it will be stored (a duplicate can fill in a group that makes the name too long).
        self.check(idx, at);
        Node::Component(idx)
    }

    /// The first element to claim a reference keeps it, wherever it is in the document (the subject too). A second
    /// is invalid input (bom-refs and SPDXIDs are unique in their document): which element an edge to it meant
    /// cannot be known, so it is a warning at the second, unless both are one component (merged duplicates).
    fn claim_ref(&mut self, r: Cow<'d, str>, node: Node, at: impl FnOnce() -> String) {
        let taken = match self.by_ref.entry(r) {
            Entry::Vacant(v) => {
                v.insert(node);
                return;
            }
            Entry::Occupied(o) if *o.get() != node => o.key().to_string(),
            Entry::Occupied(_) => return,
        };
        let message = format!(
            "the reference {taken:?} is already another element's: references to it name the first"
        );
        self.warn(at, message);
    }

    fn key_hash(&self, key: &str) -> u64 {
        #[cfg(test)]
        if self.collide_all {
            return 0;
        }
        self.hasher.hash_one(key)
    }

    pub(crate) fn resolve(&self, reference: &str) -> Option<Node> {
        self.by_ref.get(reference).copied()
    }

    pub(crate) fn edge(&mut self, from: Node, to: Node, kind: EdgeKind) {
        if from != to {
            self.edges.push((from, to, kind));
        }
    }

    /// Makes an already added component the subject (SPDX: the DESCRIBES relationship may come after the
    /// packages). A component other entries were merged into stays a component too.
    pub(crate) fn promote_to_subject(&mut self, reference: &str) {
        let Some(Node::Component(i)) = self.resolve(reference) else {
            return;
        };
        if self.merged.get(i).copied().unwrap_or(true) {
            // Its edges are the subject's too (at `finish`): the product's direct dependencies.
            self.subject = self.components.get(i).cloned();
            self.subject_twin = Some(i);
            return;
        }
        self.subject_twin = None;
        self.subject = Some(self.components.remove(i));
        self.merged.remove(i);
        // The subject is not stored: what it could not be stored as no longer counts.
        self.refused.retain(|(j, ..)| *j != i);
        for (j, ..) in &mut self.refused {
            if *j > i {
                *j -= 1;
            }
        }
        self.stats.components_in_document -= 1;
        let shift = |n: &mut Node| {
            if let Node::Component(j) = *n {
                if j == i {
                    *n = Node::Subject;
                } else if j > i {
                    *n = Node::Component(j - 1);
                }
            }
        };
        for (f, t, _) in &mut self.edges {
            shift(f);
            shift(t);
        }
        for n in self.by_ref.values_mut() {
            shift(n);
        }
    }

    pub(crate) fn drop_edge(&mut self) {
        self.stats.edges_dropped += 1;
    }

    pub(crate) fn ignore_relationship(&mut self) {
        self.stats.relationships_ignored += 1;
    }

    pub(crate) fn finish(mut self, header: Header) -> Sbom {
        if let Some(twin) = self.subject_twin.map(Node::Component) {
            let of_subject: Vec<_> = self
                .edges
                .iter()
                .filter(|&&(from, to, _)| from == twin && to != twin)
                .map(|&(_, to, kind)| (Node::Subject, to, kind))
                .collect();
            self.edges.extend(of_subject);
        }
        let unstorable = self
            .refused
            .drain(..)
            .next()
            .map(|(_, pointer, message)| Unstorable { pointer, message });
        self.edges.sort_unstable();
        self.edges.dedup();
        self.stats.without_purl = self
            .components
            .iter()
            .filter(|c| c.purl().is_none())
            .count();
        let exists = |n: Node| match n {
            Node::Subject => self.subject.is_some(),
            Node::Component(i) => i < self.components.len(),
        };
        let dependencies = self
            .edges
            .iter()
            .filter(|&&(f, t, _)| exists(f) && exists(t))
            .map(|&(from, to, kind)| DependencyEdge { from, to, kind })
            .collect();
        (self.progress)(Progress {
            stage: Stage::Done,
            bytes_read: self.bytes,
            components: self.stats.components_in_document,
        });
        Sbom {
            format: header.format,
            spec_version: header.spec_version.to_string(),
            name: header.name,
            document_id: header.document_id,
            timestamp: header.timestamp,
            subject: self.subject,
            components: self.components,
            dependencies,
            warnings: self.warnings,
            stats: self.stats,
            unstorable,
        }
    }
}

/// Why `c` cannot be stored as given, if it cannot.
fn refusal(c: &Component) -> Option<String> {
    if c.key.len() > MAX_KEY_BYTES {
        return Some(format!(
            "its key (the package URL, else `nopurl:` with group, name and version) is {} bytes long; psirt keeps \
             at most {MAX_KEY_BYTES}",
            c.key.len()
        ));
    }
    let group = c.group.as_deref().filter(|g| !g.is_empty());
    let name = [
        group,
        Some("/").filter(|_| group.is_some()),
        Some(c.name.as_str()),
    ];
    if let Some(n) = chars_over(&name, MAX_NAME_CHARS) {
        return Some(format!(
            "its name (with the group) is {n} characters long; the limit is {MAX_NAME_CHARS}"
        ));
    }
    if let Some(n) = chars_over(&[c.version.as_deref()], MAX_VERSION_CHARS) {
        return Some(format!(
            "its version is {n} characters long; the limit is {MAX_VERSION_CHARS}"
        ));
    }
    let texts = || c.cpe.iter().chain(&c.licenses).map(String::as_str);
    if let Some(n) = texts().find_map(|t| chars_over(&[Some(t)], MAX_TEXT_CHARS)) {
        return Some(format!(
            "its CPE or a license is {n} characters long; the limit is {MAX_TEXT_CHARS}"
        ));
    }
    let fields = [
        Some(c.key.as_str()),
        group,
        Some(c.name.as_str()),
        c.version.as_deref(),
    ];
    if fields.into_iter().flatten().chain(texts()).any(has_control) {
        return Some("its key, name, version, CPE or a license contains control characters".into());
    }
    None
}

/// The characters of `parts` together, when more than `max`. Counted only when their bytes are more: this runs for
/// every component of an import.
fn chars_over(parts: &[Option<&str>], max: usize) -> Option<usize> {
    let parts = || parts.iter().flatten();
    if parts().map(|p| p.len()).sum::<usize>() <= max {
        return None;
    }
    let n = parts().map(|p| p.chars().count()).sum();
    (n > max).then_some(n)
}

/// A control character other than line end and tab (what the store refuses). Printable ASCII, nearly every
/// component's text, is decided byte by byte without decoding.
fn has_control(s: &str) -> bool {
    !s.bytes().all(|b| (0x20..0x7f).contains(&b))
        && s.chars()
            .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
}

/// Gives the canonical purl key of `c` the component's version when the purl has none: matching reads the version
/// from the purl, and two versions of one package written `pkg:npm/foo` were one component (the first's version
/// kept) that no advisory matched.
fn versioned(c: &mut Component) {
    let Some(version) = c
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    else {
        return;
    };
    // A canonical purl writes `@` only before its version (elsewhere it is `%40`).
    if c.key.contains('@') {
        return;
    }
    if let Ok(p) = Purl::parse_lenient(&c.key) {
        if p.version().is_none() {
            c.key = p.with_version(Some(version)).to_string();
        }
    }
}

/// `nopurl:[group/]name[@version]`: stable across regenerations of the SBOM, unlike bom-refs.
fn synthetic_key(c: &Component) -> String {
    // An empty group or version (as some generators write an absent one) is absent: the key must not change when
    // a regenerated SBOM leaves the field out.
    let mut k = String::from("nopurl:");
    if let Some(g) = c.group.as_deref().filter(|g| !g.is_empty()) {
        k.push_str(g);
        k.push('/');
    }
    k.push_str(&c.name);
    if let Some(v) = c.version.as_deref().filter(|v| !v.is_empty()) {
        k.push('@');
        k.push_str(v);
    }
    k
}

/// Folds a later duplicate into the first occurrence: scalars fill gaps only, lists are unioned.
fn merge(into: &mut Component, from: Component) {
    fn fill(a: &mut Option<String>, b: Option<String>) {
        if a.is_none() {
            *a = b;
        }
    }
    fill(&mut into.group, from.group);
    fill(&mut into.version, from.version);
    fill(&mut into.cpe, from.cpe);
    fill(&mut into.bom_ref, from.bom_ref);
    fill(&mut into.kind, from.kind);
    for h in from.hashes {
        push_unique(&mut into.hashes, h);
    }
    for l in from.licenses {
        push_unique(&mut into.licenses, l);
    }
}

/// Lists are short (a handful of hashes or licenses): a linear scan beats hashing.
pub(crate) fn push_unique<T: PartialEq>(v: &mut Vec<T>, item: T) {
    if !v.contains(&item) {
        v.push(item);
    }
}

/// A component with only the fields every format has; the format module fills in the rest.
pub(crate) fn component(name: String) -> Component {
    Component {
        key: String::new(),
        group: None,
        name,
        version: None,
        cpe: None,
        hashes: Vec::new(),
        licenses: Vec::new(),
        bom_ref: None,
        kind: None,
    }
}

pub(crate) fn hash(alg: String, mut hex: String) -> ComponentHash {
    hex.make_ascii_lowercase();
    ComponentHash { alg, hex }
}

/// Deserializes a JSON array element by element, handing each to `f` with its index: no intermediate `Vec`, so a
/// 100k-element array is converted (and reported through progress) while it is parsed.
pub(crate) fn each<T, F>(f: F) -> Each<T, F> {
    Each {
        f,
        _t: std::marker::PhantomData,
    }
}

pub(crate) struct Each<T, F> {
    f: F,
    _t: std::marker::PhantomData<fn(T)>,
}

impl<'de, T: serde::Deserialize<'de>, F: FnMut(usize, T)> serde::de::DeserializeSeed<'de>
    for Each<T, F>
{
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: serde::Deserialize<'de>, F: FnMut(usize, T)> serde::de::Visitor<'de> for Each<T, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(item) = seq.next_element::<T>()? {
            (self.f)(i, item);
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::SbomFormat;

    fn finish(b: Builder<'_, '_>) -> Sbom {
        b.finish(Header {
            format: SbomFormat::CycloneDx,
            spec_version: "1.6",
            name: None,
            document_id: None,
            timestamp: None,
        })
    }

    fn add_named(b: &mut Builder<'_, '_>, name: &str, purl: Option<&str>) -> Node {
        b.add(component(name.into()), purl, None, str::to_owned)
    }

    #[test]
    fn keys_that_share_a_hash_are_still_told_apart_and_merged() {
        let mut progress = |_| {};
        let mut b = Builder::new(0, &mut progress);
        b.collide_all = true;
        let a = add_named(&mut b, "a", Some("pkg:npm/a@1"));
        let c = add_named(&mut b, "b", Some("pkg:npm/b@1"));
        let d = add_named(&mut b, "c", None);
        assert_eq!(add_named(&mut b, "a again", Some("pkg:npm/a@1")), a);
        assert_eq!(add_named(&mut b, "b again", Some("pkg:npm/b@1")), c);
        assert_eq!(add_named(&mut b, "c", None), d);
        let sbom = finish(b);
        let keys: Vec<&str> = sbom.components.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["pkg:npm/a@1", "pkg:npm/b@1", "nopurl:c"]);
        assert_eq!(sbom.stats.duplicates_merged, 3);
    }

    #[test]
    fn a_purl_without_version_takes_the_component_s() {
        let mut progress = |_| {};
        let mut b = Builder::new(0, &mut progress);
        let mut add = |name: &str, version: Option<&str>, purl: &str| {
            let mut c = component(name.into());
            c.version = version.map(str::to_owned);
            b.add(c, Some(purl), None, str::to_owned)
        };
        let one = add("foo", Some("1.0"), "pkg:npm/foo");
        let two = add("foo", Some("2.0"), "pkg:npm/foo");
        // Written with the version, the same component: merged.
        assert_eq!(add("foo", Some("2.0"), "pkg:npm/foo@2.0"), two);
        // Not canonical as written (parsed): still versioned, the version encoded as a purl prints it.
        add("scoped", Some(" 3.0 beta "), "pkg:npm/@scope/Bar?b=1&a=2");
        // The purl's own version wins over the field's; no version at all stays versionless.
        add("baz", Some("9"), "pkg:npm/baz@1");
        add("qux", Some(" "), "pkg:npm/qux");
        add("quux", None, "pkg:npm/quux");
        assert_ne!(one, two);
        let sbom = finish(b);
        let keys: Vec<&str> = sbom.components.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "pkg:npm/foo@1.0",
                "pkg:npm/foo@2.0",
                "pkg:npm/%40scope/Bar@3.0%20beta?a=2&b=1",
                "pkg:npm/baz@1",
                "pkg:npm/qux",
                "pkg:npm/quux",
            ]
        );
        let versions: Vec<Option<&str>> = sbom
            .components
            .iter()
            .map(|c| c.version.as_deref())
            .collect();
        assert_eq!(versions[..2], [Some("1.0"), Some("2.0")]);
    }
}
