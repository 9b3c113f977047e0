//! A parsed version: the original text plus a precomputed sort key.
//!
//! Every scheme encodes a version into a byte string whose plain lexicographic order (memcmp) is that scheme's
//! version order, and whose equality is the scheme's equality. Comparing two parsed versions is then one slice
//! comparison: no re-parsing, no allocation, and the keys can be stored and sorted by an index as they are.

use std::cmp::Ordering;
use std::fmt;

use crate::ecosystem::Scheme;

/// A version parsed under one [`Scheme`].
#[derive(Clone)]
pub struct Version {
    scheme: Scheme,
    /// Bytes of the key, then of the text: one allocation per version (indexes parse them by the hundred thousand).
    buf: Box<[u8]>,
    key_len: u32,
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Version")
            .field("scheme", &self.scheme)
            .field("raw", &self.as_str())
            .field("key", &self.sort_key())
            .finish()
    }
}

impl Version {
    pub(crate) fn new(scheme: Scheme, raw: &str, key: Key) -> Version {
        Version::from_key(scheme, raw, &key.0)
    }
    /// A version from a finished key.
    pub(crate) fn from_key(scheme: Scheme, raw: &str, key: &[u8]) -> Version {
        // Scheme::parse bounds the text (MAX_VERSION_LEN) and keys are a small multiple of it.
        let key_len = u32::try_from(key.len()).unwrap_or(u32::MAX);
        let key = &key[..key_len as usize];
        let mut buf = Vec::with_capacity(key.len() + raw.len());
        buf.extend_from_slice(key);
        buf.extend_from_slice(raw.as_bytes());
        Version {
            scheme,
            buf: buf.into_boxed_slice(),
            key_len,
        }
    }
    /// The text as given.
    pub fn as_str(&self) -> &str {
        // The bytes after the key are a copy of a `&str`.
        std::str::from_utf8(&self.buf[self.key_len as usize..]).unwrap_or_default()
    }
    /// The bytes of [`Version::as_str`], without its UTF-8 check (comparing a text with the version's:
    /// `v.as_bytes() == text.as_bytes()`).
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(self.key_len as usize..).unwrap_or_default()
    }
    /// The scheme the version was parsed with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    /// The sort key: for every scheme but Maven, byte order of keys of one scheme is version order.
    pub fn sort_key(&self) -> &[u8] {
        &self.buf[..self.key_len as usize]
    }
    /// Order of two versions; an error when their schemes differ.
    pub fn try_cmp(&self, other: &Version) -> Result<Ordering, crate::Error> {
        if self.scheme != other.scheme {
            return Err(crate::Error::SchemeMismatch(
                self.scheme.name(),
                other.scheme.name(),
            ));
        }
        Ok(cmp_keys(self.scheme, self.sort_key(), other.sort_key()))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Order of two keys of one scheme: byte order, except Maven (see [`crate::eco::maven`]).
pub(crate) fn cmp_keys(scheme: Scheme, a: &[u8], b: &[u8]) -> Ordering {
    match scheme {
        Scheme::Maven => crate::eco::maven::compare(a, b),
        _ => cmp_bytes(a, b),
    }
}

/// `a.cmp(b)` for short keys, inline: eight bytes at a time as big-endian words (what comes first in a word is
/// its most significant byte), then byte by byte. Keys are a few dozen bytes at most; the call into `memcmp`
/// that the slice comparison makes costs more than the comparison on them (range evaluation compares keys by the
/// million).
#[inline]
fn cmp_bytes(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    let (mut x, mut y) = (&a[..n], &b[..n]);
    while let (Some((wa, ra)), Some((wb, rb))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        let (wa, wb) = (u64::from_be_bytes(*wa), u64::from_be_bytes(*wb));
        if wa != wb {
            return wa.cmp(&wb);
        }
        x = ra;
        y = rb;
    }
    for (ca, cb) in x.iter().zip(y) {
        if ca != cb {
            return ca.cmp(cb);
        }
    }
    a.len().cmp(&b.len())
}

/// Equality is the scheme's equality (`1.0` = `1.0.0` in PEP 440), not textual equality.
impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.scheme.hash(state);
        // Maven keys of equal versions may differ (the tree keeps items that compare equal to nothing).
        if self.scheme != Scheme::Maven {
            self.sort_key().hash(state);
        }
    }
}
/// Versions of different schemes order by scheme first, so that `Ord` stays total; use
/// [`Version::try_cmp`] to treat that as an error.
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.scheme
            .cmp(&other.scheme)
            .then_with(|| cmp_keys(self.scheme, self.sort_key(), other.sort_key()))
    }
}

/// Builder of sort keys.
#[derive(Debug, Default)]
pub(crate) struct Key(pub(crate) Vec<u8>);

impl Key {
    pub(crate) fn new() -> Key {
        Key(Vec::with_capacity(24))
    }
    pub(crate) fn byte(&mut self, b: u8) -> &mut Self {
        self.0.push(b);
        self
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    /// A non-negative decimal integer of any size (ASCII digits): leading zeros dropped, then length-prefixed so
    /// that byte order is numeric order.
    pub(crate) fn num(&mut self, digits: &[u8]) -> &mut Self {
        let start = digits
            .iter()
            .position(|&d| d != b'0')
            .unwrap_or(digits.len());
        let d = &digits[start..];
        match u8::try_from(d.len()) {
            Ok(n) if n < 0xF0 => self.0.push(n),
            _ => {
                self.0.push(0xF0);
                let n = u32::try_from(d.len()).unwrap_or(u32::MAX);
                self.0.extend_from_slice(&n.to_be_bytes());
            }
        }
        self.0.extend_from_slice(d);
        self
    }
    /// A string that ends where the next token starts: terminated by 0 (strings must not contain NUL; callers
    /// map bytes so they don't).
    pub(crate) fn str0(&mut self, s: &[u8]) -> &mut Self {
        for &b in s {
            // NUL cannot appear in a version in practice; mapping it to 1 keeps the key decodable.
            self.0.push(if b == 0 { 1 } else { b });
        }
        self.0.push(0);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::cmp_bytes;

    /// The inline comparison is the slice comparison: every pair of short byte strings over a few values, of
    /// lengths on both sides of a word.
    #[test]
    fn cmp_bytes_is_slice_order() {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 24] {
            for fill in [0u8, 1, 0x7f, 0x80, 0xff] {
                for at in 0..len.max(1) {
                    let mut k = vec![1u8; len];
                    if let Some(c) = k.get_mut(at) {
                        *c = fill;
                    }
                    keys.push(k);
                }
            }
        }
        for a in &keys {
            for b in &keys {
                assert_eq!(cmp_bytes(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }
}
