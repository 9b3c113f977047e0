//! psirt-versions: Package URL identity, per-ecosystem version ordering, and range matching (OSV `affected`
//! ranges and `vers:` ranges). Pure: no I/O, no async, no panics on any input.

// Kept from the standalone crate: the workspace lints cannot include it (other crates panic on purpose).
#![warn(clippy::panic)]

pub mod eco;
pub mod ecosystem;
pub mod error;
pub mod osv;
pub mod purl;
pub mod vers;
pub mod version;

pub use ecosystem::{osv_release, Ecosystem, Scheme};
pub use error::{Error, PurlError, VersionError};
pub use osv::{
    affected, CompiledAffected, CompiledRange, Event, OsvAffectedRanges, OsvRange, RangeKind,
};
pub use purl::{Purl, PurlParts};
pub use vers::{Comparator, VersConstraint, VersRange};
pub use version::Version;

/// Result with the crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
