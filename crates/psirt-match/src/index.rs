//! The index: intel and inventory, with the matches between them kept materialised at the level of distinct
//! package versions (see the crate docs for the layout).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use hashbrown::HashTable;

use psirt_versions::{Ecosystem, Purl};

use crate::compiled::{Candidate, CompiledEntry};
use crate::hash::{process_hash, SeededMap, SeededSet};
use crate::model::{
    AdvisoryInput, AdvisoryMatches, AffectedInput, Changes, ComponentInput, ComponentRef,
    IndexStats, Match,
};
use crate::names::PackageKey;
use crate::Error;

type PkgId = u32;
type SlotId = u32;
type AdvIdx = u32;

/// An interned package: its inventory versions and the advisory entries naming it.
#[derive(Debug)]
struct Package {
    key: PackageKey,
    /// Its slots, by their version text: each with its text's [`version_hash`] (growing the table rehashes
    /// without reading the slots; a lookup reads only slots of the same hash), compared with the slot's own text
    /// (the text is kept once, in the slot).
    slots: HashTable<(SlotId, u32)>,
    /// The compiled `affected[]` entries naming this package, with their advisory: stored here, contiguous, because
    /// evaluating a version walks exactly this list.
    entries: Vec<(AdvIdx, CompiledEntry)>,
}

/// One distinct (package, version) of the inventory, shared by all its component instances.
#[derive(Debug)]
struct Slot {
    pkg: PkgId,
    /// The version, parsed once with the package's scheme (or its text, when it does not parse), when an advisory
    /// names the package; else its text, unread (parsed when an advisory first names the package).
    version: Candidate,
    /// (product version, component), unordered.
    instances: Vec<(i64, i64)>,
    /// Advisories affecting this version, sorted.
    advisories: Vec<AdvIdx>,
}

#[derive(Debug)]
struct Advisory {
    id: Arc<str>,
    aliases: Vec<String>,
    modified: String,
    /// Packages its entries name, sorted, unique.
    packages: Vec<PkgId>,
    /// Slots this advisory affects, sorted.
    slots: Vec<SlotId>,
}

/// The in-memory impact-analysis index. Not internally synchronised: wrap it in a lock to share it (queries take
/// `&self`, updates `&mut self`).
#[derive(Debug, Default)]
pub struct Index {
    pkg_ids: SeededMap<PackageKey, PkgId>,
    packages: Vec<Package>,
    slots: Vec<Option<Slot>>,
    free_slots: Vec<SlotId>,
    adv_ids: SeededMap<Arc<str>, AdvIdx>,
    advisories: Vec<Option<Advisory>>,
    free_advs: Vec<AdvIdx>,
    /// Product version → its (component, slot) members.
    product_versions: SeededMap<i64, Vec<(i64, SlotId)>>,
    instances: usize,
    /// Package of a canonical purl without qualifiers or subpath, by its text before the version (`pkg:pypi/jinja2`):
    /// that text alone decides the key (see [`Index::purl_package`]). One entry per distinct spelling seen
    /// (`zope.interface` and `zope-interface` are two entries for one package), never stale (packages are not
    /// removed); it grows with spellings, not with instances.
    purl_paths: SeededMap<Box<str>, PkgId>,
}

/// A component's package, as read from its purl: interned already, or a key to intern (with the purl text before
/// the version, to remember it by, when that text alone decides the key).
enum PurlPackage<'a> {
    Known(PkgId),
    New(PackageKey, Option<&'a str>),
}

/// The hash of a version text in [`Package::slots`], 32 bits (kept beside each slot id there).
fn version_hash(version: &str) -> u32 {
    let h = process_hash(version.as_bytes());
    (h ^ (h >> 32)) as u32
}

/// A [`version_hash`] as the table's hash: both halves (the table takes its buckets from the low bits and its tags
/// from the high ones).
fn table_hash(h: u32) -> u64 {
    (u64::from(h) << 32) | u64::from(h)
}

fn idx(i: u32) -> usize {
    i as usize
}

fn insert_sorted(v: &mut Vec<u32>, x: u32) {
    // New ids are mostly the highest yet (slots are numbered in creation order): an append, no search.
    if v.last().is_none_or(|&l| l < x) {
        v.push(x);
    } else if let Err(p) = v.binary_search(&x) {
        v.insert(p, x);
    }
}

fn remove_sorted(v: &mut Vec<u32>, x: u32) {
    if let Ok(p) = v.binary_search(&x) {
        v.remove(p);
    }
}

/// Convert a length to a u32 id; the index holds fewer than 2^32 packages, versions and advisories.
fn new_id(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Sizes.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            advisories: self.adv_ids.len(),
            entries: self.packages.iter().map(|p| p.entries.len()).sum(),
            packages: self.packages.len(),
            package_versions: self.slots.len() - self.free_slots.len(),
            product_versions: self.product_versions.len(),
            component_instances: self.instances,
        }
    }

    /// The ecosystems (with their release, for release-aware ones) some advisory names a package of: a package of
    /// any other cannot match, whatever its version (what `psirt scan` does not count as scanned).
    pub fn ecosystems_with_advisories(&self) -> HashSet<(Ecosystem, Option<String>)> {
        self.packages
            .iter()
            .filter(|p| !p.entries.is_empty())
            .map(|p| (p.key.ecosystem.clone(), p.key.release.clone()))
            .collect()
    }

    fn slot(&self, s: SlotId) -> Option<&Slot> {
        self.slots.get(idx(s)).and_then(Option::as_ref)
    }

    fn slot_mut(&mut self, s: SlotId) -> Option<&mut Slot> {
        self.slots.get_mut(idx(s)).and_then(Option::as_mut)
    }

    fn adv(&self, a: AdvIdx) -> Option<&Advisory> {
        self.advisories.get(idx(a)).and_then(Option::as_ref)
    }

    fn intern(&mut self, key: PackageKey) -> PkgId {
        if let Some(&p) = self.pkg_ids.get(&key) {
            return p;
        }
        let id = new_id(self.packages.len());
        self.packages.push(Package {
            key: key.clone(),
            slots: HashTable::new(),
            entries: Vec::new(),
        });
        self.pkg_ids.insert(key, id);
        id
    }

    /// The advisories affecting a version of package `p`, sorted, unique (into `out`, cleared first).
    fn evaluate(&self, p: PkgId, version: &Candidate, out: &mut Vec<AdvIdx>) {
        out.clear();
        for (a, e) in &self.packages[idx(p)].entries {
            // Entries of one advisory are adjacent: skip the rest once it matched.
            if out.last() != Some(a) && e.contains(version) {
                out.push(*a);
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    // ----- intel -------------------------------------------------------------------------------------------

    /// Insert or replace an advisory. Returns the matches it adds and removes, and the `affected` entries left out
    /// ([`Changes::skipped`]: without package name, or with range events its ecosystem's scheme cannot read) — the
    /// advisory's other entries are matched, as osv.dev and the `osv` library evaluate each entry on its own. Error
    /// (nothing changed): an empty id.
    pub fn upsert_advisory(&mut self, input: AdvisoryInput) -> Result<Changes, Error> {
        let AdvisoryInput {
            id,
            aliases,
            modified,
            affected,
        } = input;
        if id.is_empty() {
            return Err(Error::EmptyAdvisoryId);
        }
        // Validate and compile everything before touching the index (the entries are moved, not copied: their
        // `versions` lists run to hundreds of strings).
        let mut compiled = Vec::with_capacity(affected.len());
        let mut skipped = Vec::new();
        for (i, a) in affected.into_iter().enumerate() {
            let entry = entry_key(&id, i, &a).and_then(|key| {
                let mut ranges = a.ranges;
                ranges.ecosystem = key.ecosystem.clone();
                Ok(compile_entry(&id, &a.name, &ranges)?.map(|e| (key, e)))
            });
            match entry {
                Ok(Some(entry)) => compiled.push(entry),
                Ok(None) => {}
                Err(e) => skipped.push(e),
            }
        }

        let (a, old_slots) = match self.adv_ids.get(id.as_str()) {
            Some(&a) => {
                let old = self.detach_entries(a);
                (a, old)
            }
            None => {
                let id: Arc<str> = id.as_str().into();
                let a = match self.free_advs.pop() {
                    Some(a) => a,
                    None => {
                        self.advisories.push(None);
                        new_id(self.advisories.len() - 1)
                    }
                };
                self.advisories[idx(a)] = Some(Advisory {
                    id: id.clone(),
                    aliases: Vec::new(),
                    modified: String::new(),
                    packages: Vec::new(),
                    slots: Vec::new(),
                });
                self.adv_ids.insert(id, a);
                (a, Vec::new())
            }
        };

        let mut pkgs = Vec::with_capacity(compiled.len());
        for (key, e) in compiled {
            let p = self.intern(key);
            if self.packages[idx(p)].entries.is_empty() {
                self.read_versions(p);
            }
            self.packages[idx(p)].entries.push((a, e));
            pkgs.push(p);
        }
        pkgs.sort_unstable();
        pkgs.dedup();
        // The slots affected now: every inventory version of the packages the entries name.
        let mut new_slots = Vec::new();
        for &p in &pkgs {
            let pkg = &self.packages[idx(p)];
            for &(s, _) in &pkg.slots {
                if let Some(slot) = self.slot(s) {
                    let hit = pkg
                        .entries
                        .iter()
                        .any(|(x, e)| *x == a && e.contains(&slot.version));
                    if hit {
                        new_slots.push(s);
                    }
                }
            }
        }
        new_slots.sort_unstable();
        if let Some(adv) = self.advisories[idx(a)].as_mut() {
            adv.aliases = aliases;
            adv.modified = modified;
            adv.packages = pkgs;
        }
        let mut changes = self.set_advisory_slots(a, &old_slots, new_slots);
        changes.skipped = skipped;
        Ok(changes)
    }

    /// Parse the versions of package `p`'s slots left unread (see [`Slot::version`]).
    fn read_versions(&mut self, p: PkgId) {
        let pkg = &self.packages[idx(p)];
        let scheme = pkg.key.ecosystem.scheme();
        for &(s, _) in &pkg.slots {
            if let Some(slot) = self.slots.get_mut(idx(s)).and_then(Option::as_mut) {
                slot.version.read(scheme);
            }
        }
    }

    /// Detach an advisory's entries from their packages; returns the slots it affected (its list is emptied).
    fn detach_entries(&mut self, a: AdvIdx) -> Vec<SlotId> {
        let Some(adv) = self.advisories.get_mut(idx(a)).and_then(Option::as_mut) else {
            return Vec::new();
        };
        let pkgs = std::mem::take(&mut adv.packages);
        let old = std::mem::take(&mut adv.slots);
        for p in pkgs {
            self.packages[idx(p)].entries.retain(|(x, _)| *x != a);
        }
        old
    }

    /// Move advisory `a` from `old` to `new` affected slots (both sorted), returning the match changes.
    fn set_advisory_slots(&mut self, a: AdvIdx, old: &[SlotId], new: Vec<SlotId>) -> Changes {
        let mut ch = Changes::default();
        let Some(id) = self.adv(a).map(|x| x.id.clone()) else {
            return ch;
        };
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            let (s, added) = match (old.get(i), new.get(j)) {
                (Some(&o), Some(&n)) if o == n => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(&o), Some(&n)) if o < n => {
                    i += 1;
                    (o, false)
                }
                (Some(&o), None) => {
                    i += 1;
                    (o, false)
                }
                (_, Some(&n)) => {
                    j += 1;
                    (n, true)
                }
                (None, None) => break,
            };
            let Some(slot) = self.slot_mut(s) else {
                continue;
            };
            if added {
                insert_sorted(&mut slot.advisories, a);
            } else {
                remove_sorted(&mut slot.advisories, a);
            }
            let out = if added {
                &mut ch.added
            } else {
                &mut ch.removed
            };
            out.extend(slot.instances.iter().map(|&(pv, c)| Match {
                advisory_id: id.clone(),
                component_id: c,
                product_version_id: pv,
            }));
        }
        if let Some(adv) = self.advisories[idx(a)].as_mut() {
            adv.slots = new;
        }
        ch
    }

    /// Remove an advisory; returns the matches it had (an unknown id changes nothing).
    pub fn remove_advisory(&mut self, id: &str) -> Changes {
        let Some(a) = self.adv_ids.get(id).copied() else {
            return Changes::default();
        };
        let old = self.detach_entries(a);
        let ch = self.set_advisory_slots(a, &old, Vec::new());
        self.adv_ids.remove(id);
        self.advisories[idx(a)] = None;
        self.free_advs.push(a);
        ch
    }

    /// An advisory's aliases and `modified`, if it is indexed.
    pub fn advisory_info(&self, id: &str) -> Option<(&[String], &str)> {
        let adv = self.adv(*self.adv_ids.get(id)?)?;
        Some((&adv.aliases, &adv.modified))
    }

    // ----- inventory ---------------------------------------------------------------------------------------

    /// Replace the component set of a product version (an SBOM import or re-import; an empty set removes it).
    /// Returns the matches added and removed. Errors (nothing changed): an invalid purl, a component of another
    /// product version, a component id twice. A purl without version is kept but matches nothing.
    pub fn set_product_version_components(
        &mut self,
        product_version_id: i64,
        components: &[ComponentInput],
    ) -> Result<Changes, Error> {
        self.replace_components(product_version_id, components, true)
    }

    /// [`Index::set_product_version_components`] without listing the match changes: the index ends in the same
    /// state, the caller learns nothing but errors. For loading an inventory whose matches are brought in line
    /// afterwards as a whole (engine start-up: [`Index::rematch_all`], then a reconcile with the stored ones).
    pub fn load_product_version_components(
        &mut self,
        product_version_id: i64,
        components: &[ComponentInput],
    ) -> Result<(), Error> {
        self.replace_components(product_version_id, components, false)
            .map(|_| ())
    }

    /// Replace a product version's components; the match changes only when `changes` is set (else empty).
    fn replace_components(
        &mut self,
        product_version_id: i64,
        components: &[ComponentInput],
        changes: bool,
    ) -> Result<Changes, Error> {
        // (component, package, version); a package to intern is a place in `new` (most are known: the list stays
        // small, a key is a hundred bytes).
        let mut parsed: Vec<(i64, Result<PkgId, u32>, Cow<'_, str>)> =
            Vec::with_capacity(components.len());
        let mut new = Vec::new();
        let mut seen = SeededSet::with_capacity_and_hasher(components.len(), Default::default());
        for c in components {
            if c.product_version_id != product_version_id {
                return Err(Error::ProductVersionMismatch {
                    component_id: c.component_id,
                    expected: product_version_id,
                    got: c.product_version_id,
                });
            }
            if !seen.insert(c.component_id) {
                return Err(Error::DuplicateComponent(c.component_id));
            }
            let (pkg, version) = self.purl_package(&c.purl)?;
            let pkg = match pkg {
                PurlPackage::Known(p) => Ok(p),
                PurlPackage::New(key, path) => {
                    new.push((key, path));
                    Err(new_id(new.len() - 1))
                }
            };
            parsed.push((c.component_id, pkg, version.unwrap_or_default()));
        }

        // The update is accepted: intern its new packages (in component order; a package may come twice).
        let new: Vec<PkgId> = new
            .into_iter()
            .map(|(key, path)| {
                let p = self.intern(key);
                if let Some(path) = path {
                    self.purl_paths.insert(path.into(), p);
                }
                p
            })
            .collect();

        let old = self.detach_product_version(product_version_id);
        let old_matches = if changes {
            self.matches_of_members(product_version_id, &old)
        } else {
            Vec::new()
        };

        let mut members = Vec::with_capacity(parsed.len());
        for (component, pkg, version) in parsed {
            let p = match pkg {
                Ok(p) => p,
                Err(i) => new[idx(i)],
            };
            let s = self.slot_for(p, &version);
            if let Some(slot) = self.slot_mut(s) {
                slot.instances.push((product_version_id, component));
            }
            members.push((component, s));
        }
        self.instances += members.len();
        let new_matches = if changes {
            self.matches_of_members(product_version_id, &members)
        } else {
            Vec::new()
        };
        if !members.is_empty() {
            self.product_versions.insert(product_version_id, members);
        }
        // Slots left without instances go, after the new set took the ones it shares with the old.
        for &(_, s) in &old {
            self.free_slot_if_unused(s);
        }
        Ok(diff(old_matches, new_matches))
    }

    /// Remove a product version and its components; returns the matches they had.
    pub fn remove_product_version(&mut self, product_version_id: i64) -> Changes {
        let old = self.detach_product_version(product_version_id);
        let removed = self.matches_of_members(product_version_id, &old);
        for &(_, s) in &old {
            self.free_slot_if_unused(s);
        }
        Changes {
            removed,
            ..Changes::default()
        }
    }

    /// Take a product version's members out of their slots (the slots stay, possibly empty).
    fn detach_product_version(&mut self, pv: i64) -> Vec<(i64, SlotId)> {
        let Some(old) = self.product_versions.remove(&pv) else {
            return Vec::new();
        };
        self.instances -= old.len();
        let mut touched: Vec<SlotId> = old.iter().map(|&(_, s)| s).collect();
        touched.sort_unstable();
        touched.dedup();
        for s in touched {
            if let Some(slot) = self.slot_mut(s) {
                slot.instances.retain(|&(p, _)| p != pv);
            }
        }
        old
    }

    fn matches_of_members(&self, pv: i64, members: &[(i64, SlotId)]) -> Vec<Match> {
        let mut out = Vec::new();
        for &(c, s) in members {
            if let Some(slot) = self.slot(s) {
                for &a in &slot.advisories {
                    if let Some(adv) = self.adv(a) {
                        out.push(Match {
                            advisory_id: adv.id.clone(),
                            component_id: c,
                            product_version_id: pv,
                        });
                    }
                }
            }
        }
        out
    }

    /// The package (known, or its key) and the version of a component purl; changes nothing. A canonical purl
    /// without qualifiers or subpath is `pkg:<type>/<path>@<version>` with nothing decoded: its key is a function
    /// of the text before the version, and its version is the purl's (the rewrites of [`PackageKey::from_purl`]
    /// need qualifiers), so a package seen before is found by that text, without building its key again.
    fn purl_package<'a>(
        &self,
        purl: &'a str,
    ) -> Result<(PurlPackage<'a>, Option<Cow<'a, str>>), Error> {
        let err = |source| Error::Purl {
            purl: purl.to_string(),
            source,
        };
        // The text before the version alone decides the package, and a version of unencoded characters only
        // leaves the purl canonical: a package seen before is found without reading the rest.
        if let Some((path, version)) = purl.rsplit_once('@') {
            if Purl::canonical_version_text(version) {
                if let Some(&p) = self.purl_paths.get(path) {
                    return Ok((PurlPackage::Known(p), Some(Cow::Borrowed(version))));
                }
            }
        }
        let Some(parts) = Purl::canonical_parts(purl) else {
            let (key, version) = purl_key(purl)?;
            return Ok((PurlPackage::New(key, None), version));
        };
        let path =
            (parts.qualifiers.is_none() && parts.subpath.is_none()).then(|| match parts.version {
                Some(v) => &purl[..purl.len() - v.len() - 1],
                None => purl,
            });
        if let Some(&p) = path.and_then(|t| self.purl_paths.get(t)) {
            return Ok((PurlPackage::Known(p), parts.version.map(Cow::Borrowed)));
        }
        let (key, version) = PackageKey::from_purl_parts(&parts).map_err(err)?;
        Ok((PurlPackage::New(key, path), version))
    }

    /// The slot of (package, version), created and matched against the package's advisories when new.
    fn slot_for(&mut self, p: PkgId, version: &str) -> SlotId {
        let hash = version_hash(version);
        if let Some(s) = self.find_slot(p, hash, version) {
            return s;
        }
        let pkg = &self.packages[idx(p)];
        let mut advisories = Vec::new();
        // A version of a package that no advisory names stays unread (nothing to evaluate it against yet).
        let version = if pkg.entries.is_empty() {
            Candidate::Unread(version.into())
        } else {
            let version = Candidate::new(pkg.key.ecosystem.scheme(), version);
            self.evaluate(p, &version, &mut advisories);
            advisories.shrink_to_fit();
            version
        };
        let slot = Slot {
            pkg: p,
            version,
            instances: Vec::new(),
            advisories,
        };
        let s = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                new_id(self.slots.len() - 1)
            }
        };
        for &a in &slot.advisories {
            if let Some(adv) = self.advisories[idx(a)].as_mut() {
                insert_sorted(&mut adv.slots, s);
            }
        }
        self.slots[idx(s)] = Some(slot);
        self.packages[idx(p)]
            .slots
            .insert_unique(table_hash(hash), (s, hash), |&(_, h)| table_hash(h));
        s
    }

    /// The slot of package `p` whose version text is `version` (`hash`: its [`version_hash`]).
    fn find_slot(&self, p: PkgId, hash: u32, version: &str) -> Option<SlotId> {
        self.packages[idx(p)]
            .slots
            .find(table_hash(hash), |&(s, h)| {
                h == hash && self.slot(s).is_some_and(|x| x.version.is(version))
            })
            .map(|&(s, _)| s)
    }

    fn free_slot_if_unused(&mut self, s: SlotId) {
        if !self.slot(s).is_some_and(|x| x.instances.is_empty()) {
            return;
        }
        let Some(slot) = self.slots[idx(s)].take() else {
            return;
        };
        for &a in &slot.advisories {
            if let Some(adv) = self.advisories[idx(a)].as_mut() {
                remove_sorted(&mut adv.slots, s);
            }
        }
        let hash = version_hash(slot.version.as_str());
        if let Ok(e) = self.packages[idx(slot.pkg)]
            .slots
            .find_entry(table_hash(hash), |&(x, _)| x == s)
        {
            e.remove();
        }
        self.free_slots.push(s);
    }

    // ----- queries -----------------------------------------------------------------------------------------

    /// The component instances and product versions an advisory affects (`None`: unknown id).
    pub fn advisory_matches(&self, id: &str) -> Option<AdvisoryMatches> {
        let adv = self.adv(*self.adv_ids.get(id)?)?;
        let mut components = Vec::new();
        for &s in &adv.slots {
            if let Some(slot) = self.slot(s) {
                components.extend(slot.instances.iter().map(|&(pv, c)| ComponentRef {
                    product_version_id: pv,
                    component_id: c,
                }));
            }
        }
        components.sort_unstable();
        let mut product_versions: Vec<i64> =
            components.iter().map(|c| c.product_version_id).collect();
        product_versions.dedup();
        Some(AdvisoryMatches {
            components,
            product_versions,
        })
    }

    /// Only the product versions an advisory affects, sorted and unique (`None`: unknown id).
    pub fn affected_product_versions(&self, id: &str) -> Option<Vec<i64>> {
        let adv = self.adv(*self.adv_ids.get(id)?)?;
        let mut pvs = Vec::new();
        for &s in &adv.slots {
            if let Some(slot) = self.slot(s) {
                pvs.extend(slot.instances.iter().map(|&(pv, _)| pv));
            }
        }
        pvs.sort_unstable();
        pvs.dedup();
        Some(pvs)
    }

    /// The advisories affecting `purl@version`, sorted by id. The version need not be in the inventory.
    pub fn advisories_for(&self, purl: &str) -> Result<Vec<Arc<str>>, Error> {
        let (key, version) = purl_key(purl)?;
        let version = version.ok_or_else(|| Error::NoVersion(purl.to_string()))?;
        let Some(&p) = self.pkg_ids.get(&key) else {
            return Ok(Vec::new());
        };
        let evaluated;
        let found = self
            .find_slot(p, version_hash(&version), &version)
            .and_then(|s| self.slot(s));
        let advs: &[AdvIdx] = match found {
            Some(slot) => &slot.advisories,
            None => {
                let version = Candidate::new(key.ecosystem.scheme(), &version);
                let mut advs = Vec::new();
                self.evaluate(p, &version, &mut advs);
                evaluated = advs;
                &evaluated
            }
        };
        // References first, sorted, then the clones: an `Arc` clone is a locked increment, which on x86 keeps the
        // next advisory's cache misses from overlapping with this one's; taken last, on lines the sort already
        // loaded, the increments are cheap. (Answers with dozens of advisories make the p99.)
        let mut refs: Vec<&Arc<str>> = advs
            .iter()
            .filter_map(|&a| self.adv(a).map(|x| &x.id))
            .collect();
        refs.sort_unstable();
        refs.dedup();
        Ok(refs.into_iter().cloned().collect())
    }

    /// The matches of one product version's components, sorted.
    pub fn advisories_for_product_version(&self, product_version_id: i64) -> Vec<Match> {
        let Some(members) = self.product_versions.get(&product_version_id) else {
            return Vec::new();
        };
        let mut out = self.matches_of_members(product_version_id, members);
        out.sort_unstable();
        out
    }

    /// Every match, recomputed from scratch (every distinct package version against its package's entries, not
    /// from the materialised lists), on `threads` threads (0 counts as 1). Unordered.
    pub fn rematch_all(&self, threads: usize) -> Vec<Match> {
        // Work goes package by package: a package's compiled entries are loaded into cache once and evaluated for
        // all its versions (walking slots in creation order would fetch them again for every version).
        let live: Vec<(&Package, usize)> = self
            .packages
            .iter()
            .filter(|p| !p.slots.is_empty() && !p.entries.is_empty())
            .map(|p| {
                // Weight: evaluations plus output size.
                let w = p
                    .slots
                    .iter()
                    .filter_map(|&(s, _)| self.slot(s))
                    .map(|s| s.instances.len() + p.entries.len())
                    .sum();
                (p, w)
            })
            .collect();
        let threads = threads.clamp(1, live.len().max(1));
        let total: usize = live.iter().map(|&(_, w)| w).sum();
        let per = total.div_ceil(threads).max(1);
        let mut chunks: Vec<&[(&Package, usize)]> = Vec::with_capacity(threads);
        let (mut start, mut acc) = (0, 0);
        for (i, &(_, w)) in live.iter().enumerate() {
            acc += w;
            if acc >= per && chunks.len() + 1 < threads {
                chunks.push(&live[start..=i]);
                start = i + 1;
                acc = 0;
            }
        }
        if start < live.len() {
            chunks.push(&live[start..]);
        }
        // Phase 1, threaded: evaluate (the hits and their match counts). Phase 2, threaded: each thread writes its
        // hits' matches into its own disjoint region of one output allocated at its exact size (no per-thread
        // outputs to concatenate: that would copy every match again; one writer would leave the other cores idle
        // while it takes a reference on every match's advisory id).
        let parts: Vec<(Vec<(&Slot, AdvIdx)>, usize)> = run_threads(
            chunks
                .iter()
                .map(|c| move || self.evaluate_chunk(c))
                .collect(),
        );
        let total: usize = parts.iter().map(|(_, n)| n).sum();
        let mut out: Vec<Match> = Vec::with_capacity(total);
        {
            let mut regions = Vec::with_capacity(parts.len());
            let mut rest = &mut out.spare_capacity_mut()[..total];
            for (_, n) in &parts {
                let (head, tail) = rest.split_at_mut(*n);
                regions.push(head);
                rest = tail;
            }
            let written: usize = run_threads(
                parts
                    .iter()
                    .zip(regions)
                    .map(|((hits, _), region)| move || self.write_matches(hits, region))
                    .collect(),
            )
            .into_iter()
            .sum();
            // Every region must be filled completely before the length covers it.
            assert_eq!(written, total, "re-match output regions not filled");
        }
        // SAFETY: the first `total` elements of the spare capacity were split into disjoint regions whose lengths
        // sum to `total`; each region was filled completely by `write_matches` (it returns the number of elements
        // it initialised, which must equal the region's length, and the sum was checked above).
        unsafe { out.set_len(total) };
        out
    }

    /// Write the matches of `hits` into `region` (exactly its length); returns the number of elements written.
    fn write_matches(
        &self,
        hits: &[(&Slot, AdvIdx)],
        region: &mut [std::mem::MaybeUninit<Match>],
    ) -> usize {
        let mut cells = region.iter_mut();
        let mut n = 0;
        for &(slot, a) in hits {
            let Some(adv) = self.adv(a) else { continue };
            for &(pv, c) in &slot.instances {
                // The count of phase 1 came from the same slots and advisories: the region fits exactly.
                let Some(cell) = cells.next() else {
                    return n;
                };
                cell.write(Match {
                    advisory_id: adv.id.clone(),
                    component_id: c,
                    product_version_id: pv,
                });
                n += 1;
            }
        }
        // Fewer (or more) matches than counted shows in `n`: the caller checks it before exposing the cells.
        n
    }

    /// The (slot, advisory) hits of some packages, and the number of matches they make.
    fn evaluate_chunk<'a>(
        &'a self,
        packages: &[(&'a Package, usize)],
    ) -> (Vec<(&'a Slot, AdvIdx)>, usize) {
        let mut hits = Vec::new();
        let mut advs = Vec::new();
        let mut total = 0;
        for (pkg, _) in packages {
            for slot in pkg.slots.iter().filter_map(|&(s, _)| self.slot(s)) {
                if slot.instances.is_empty() {
                    continue;
                }
                advs.clear();
                for (a, e) in &pkg.entries {
                    if advs.last() != Some(a) && e.contains(&slot.version) {
                        advs.push(*a);
                    }
                }
                advs.sort_unstable();
                advs.dedup();
                total += advs.len() * slot.instances.len();
                hits.extend(advs.iter().map(|&a| (slot, a)));
            }
        }
        (hits, total)
    }
}

/// Run the jobs, one on the calling thread when there is a single job, else each on a scoped thread; results in
/// job order. A panicking job is re-raised (a bug in this crate: no partial result).
fn run_threads<T: Send, F: FnOnce() -> T + Send>(jobs: Vec<F>) -> Vec<T> {
    if jobs.len() <= 1 {
        return jobs.into_iter().map(|f| f()).collect();
    }
    std::thread::scope(|sc| {
        let handles: Vec<_> = jobs.into_iter().map(|f| sc.spawn(f)).collect();
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            match h.join() {
                Ok(x) => out.push(x),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

fn entry_key(id: &str, index: usize, a: &AffectedInput) -> Result<PackageKey, Error> {
    let fail = |reason: String| Error::Affected {
        advisory: id.to_owned(),
        index,
        reason,
    };
    if a.name.is_empty() {
        return Err(fail("empty package name".into()));
    }
    PackageKey::from_osv(&a.ecosystem, &a.name).map_err(|e| fail(e.to_string()))
}

fn compile_entry(
    id: &str,
    name: &str,
    ranges: &psirt_versions::OsvAffectedRanges,
) -> Result<Option<CompiledEntry>, Error> {
    CompiledEntry::compile(ranges).map_err(|source| Error::Range {
        advisory: id.to_owned(),
        package: name.to_owned(),
        source,
    })
}

/// Whether `purl` is a distro package without the `distro` qualifier its advisories are filed under
/// ([`PackageKey::lacks_release`]); `false` for a purl that does not parse.
pub fn purl_lacks_release(purl: &str) -> bool {
    purl_key(purl).is_ok_and(|(key, _)| key.lacks_release())
}

/// The ecosystem and release `purl` is matched in (as [`Index::ecosystems_with_advisories`] lists them); `None` for
/// a purl that does not parse.
pub fn purl_ecosystem(purl: &str) -> Option<(Ecosystem, Option<String>)> {
    purl_key(purl)
        .ok()
        .map(|(key, _)| (key.ecosystem, key.release))
}

/// Whether `purl`'s type names no ecosystem psirt knows advisories for (`pkg:generic`, `pkg:docker`, `pkg:oci`, …):
/// nothing can match it. `false` for a purl that does not parse.
pub fn purl_without_ecosystem(purl: &str) -> bool {
    purl_key(purl)
        .is_ok_and(|(key, _)| matches!(key.ecosystem, psirt_versions::Ecosystem::Other(_)))
}

/// The package key and version of a purl string. A canonical purl without escapes (what SBOM generators print) is
/// read from its text ([`Purl::canonical_parts`]): the same key and version, without building a [`Purl`].
pub(crate) fn purl_key(purl: &str) -> Result<(PackageKey, Option<Cow<'_, str>>), Error> {
    let err = |source| Error::Purl {
        purl: purl.to_string(),
        source,
    };
    if let Some(parts) = Purl::canonical_parts(purl) {
        return PackageKey::from_purl_parts(&parts).map_err(err);
    }
    let p = Purl::parse_lenient(purl).map_err(err)?;
    let (key, version) = PackageKey::from_purl(&p).map_err(err)?;
    Ok((key, version.map(Cow::Owned)))
}

/// Matches in `new` and not in `old` (added), in `old` and not in `new` (removed).
fn diff(old: Vec<Match>, new: Vec<Match>) -> Changes {
    if old.is_empty() || new.is_empty() {
        return Changes {
            added: new,
            removed: old,
            ..Changes::default()
        };
    }
    let key = |m: &Match| (m.advisory_id.clone(), m.component_id);
    let old_set: SeededSet<(Arc<str>, i64)> = old.iter().map(key).collect();
    let new_set: SeededSet<(Arc<str>, i64)> = new.iter().map(key).collect();
    Changes {
        added: new
            .into_iter()
            .filter(|m| !old_set.contains(&key(m)))
            .collect(),
        removed: old
            .into_iter()
            .filter(|m| !new_set.contains(&key(m)))
            .collect(),
        ..Changes::default()
    }
}
