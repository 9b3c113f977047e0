//! A small multiply-rotate hasher (the Fx hash of rustc) for the index's maps: keys are ids and short names,
//! SipHash's DoS resistance buys nothing for an in-process index and costs a third of a lookup.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        // The last 1-7 bytes as the little-endian word they would make padded with zeros, read four, two and one
        // at a time: a copy of a length known only now would call memcpy, for every short key hashed.
        let mut rest = chunks.remainder();
        if !rest.is_empty() {
            let (mut w, mut shift) = (0u64, 0);
            if let Some((b, r)) = rest.split_first_chunk::<4>() {
                w = u64::from(u32::from_le_bytes(*b));
                shift = 32;
                rest = r;
            }
            if let Some((b, r)) = rest.split_first_chunk::<2>() {
                w |= u64::from(u16::from_le_bytes(*b)) << shift;
                shift += 16;
                rest = r;
            }
            if let Some(&b) = rest.first() {
                w |= u64::from(b) << shift;
            }
            self.add(w);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub(crate) type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::FxHasher;
    use std::hash::Hasher;

    /// The tail of a key hashes as its bytes padded with zeros to a word (the hash of the plain copy).
    #[test]
    fn tail_is_the_zero_padded_word() {
        let text: Vec<u8> = (1..=40).collect();
        for len in 0..text.len() {
            let bytes = &text[..len];
            let mut h = FxHasher::default();
            h.write(bytes);
            let mut r = FxHasher::default();
            for c in bytes.chunks(8) {
                let mut w = [0u8; 8];
                w[..c.len()].copy_from_slice(c);
                r.add(u64::from_le_bytes(w));
            }
            assert_eq!(h.finish(), r.finish(), "{len}");
        }
    }
}
