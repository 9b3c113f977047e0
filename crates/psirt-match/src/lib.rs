//! psirt-match: the impact-analysis engine. An in-memory index over inventory (SBOM component instances of product
//! versions) and intel (OSV `affected[]` entries), kept current incrementally, answering:
//! advisory → affected components and product versions; `purl@version` or product version → advisories; and a
//! full re-match of everything. Pure: no I/O; version logic is `psirt-versions`'.
//!
//! # Layout
//!
//! ```text
//! PackageKey (ecosystem, distro release, OSV name) ──interned──▶ Package #p
//!   Package { slots: version text → Slot #s,  entries: [(advisory #a, entry i)] }
//!   Slot    { package #p, version text, Version parsed once (package scheme),
//!             instances: [(product version, component)],  advisories: sorted [#a] }   ← materialised matches
//!   Advisory{ id, aliases, modified, entries: [(package #p, CompiledEntry)], slots: sorted [#s] }
//!   product version → [(component, slot #s)]
//! ```
//!
//! * Names are interned once: an OSV entry and a purl meet in one hash lookup of their [`PackageKey`]
//!   (normalisation rules in [`names`]).
//! * A *slot* is one distinct (package, version) of the inventory. Millions of component instances share a few
//!   tens of thousands of slots; each slot's version is parsed once, and matching is done per slot, never per
//!   instance. Instances only multiply the output.
//! * Each `affected[]` entry is compiled once (events parsed and sorted: [`psirt_versions::CompiledRange`]);
//!   evaluating a slot is a handful of byte-slice comparisons of precomputed sort keys.
//! * Matches are kept at slot level in both directions (slot → advisories, advisory → slots), so the queries are
//!   lookups: advisory → product versions walks the advisory's slots and their instances; `purl@version` →
//!   advisories is a key lookup plus a slot lookup (a version absent from the inventory is evaluated on the fly
//!   against the package's entries only).
//! * Updates touch only what they name: an advisory upsert evaluates the versions of its packages; an SBOM
//!   re-import moves instances between slots and evaluates only versions new to the index. Both return the
//!   [`Match`]es added and removed so the caller can persist them. Slots without instances are freed.
//! * [`Index::rematch_all`] ignores the materialised lists and re-evaluates every slot against its package's
//!   entries, split over scoped std threads by instance count (no thread-pool dependency).

#![warn(clippy::panic)]

mod compiled;
mod error;
mod fixes;
mod hash;
mod index;
mod model;
pub mod names;

pub use error::Error;
pub use fixes::fixed_versions;
pub use index::{purl_ecosystem, purl_lacks_release, purl_without_ecosystem, Index};
pub use model::{
    AdvisoryInput, AdvisoryMatches, AffectedInput, Changes, ComponentInput, ComponentRef,
    IndexStats, Match,
};
pub use names::PackageKey;

#[cfg(test)]
mod tests;
