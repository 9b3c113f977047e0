//! The index's hash maps. Keys include text from uploaded SBOMs and feeds (package names, versions, purls), so
//! the hash is seeded per process (foldhash): an unseeded hash such as rustc's Fx lets anyone who can upload an SBOM
//! choose thousands of colliding package or version keys and turn the engine's inserts quadratic. foldhash is as
//! fast as Fx on these short keys (measured with the match bench).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// A map with a per-process, per-map random seed.
pub(crate) type SeededMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type SeededSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// One seeded hash for the whole process, for hashes kept beside their values (a package's version table), which
/// must not change between calls.
pub(crate) fn process_hash(bytes: &[u8]) -> u64 {
    static STATE: OnceLock<foldhash::fast::FixedState> = OnceLock::new();
    STATE
        .get_or_init(|| {
            // A random seed from the standard library's randomly keyed SipHash.
            let seed =
                std::collections::hash_map::RandomState::new().hash_one(0x0070_7369_7274_u64);
            foldhash::fast::FixedState::with_seed(seed)
        })
        .hash_one(bytes)
}

#[cfg(test)]
mod tests {
    use super::process_hash;

    #[test]
    fn process_hash_is_stable_within_the_process_and_spreads() {
        assert_eq!(process_hash(b"1.2.3"), process_hash(b"1.2.3"));
        let hashes: std::collections::BTreeSet<u64> = (0..1000)
            .map(|i| process_hash(format!("1.{i}").as_bytes()))
            .collect();
        assert_eq!(hashes.len(), 1000);
    }
}
