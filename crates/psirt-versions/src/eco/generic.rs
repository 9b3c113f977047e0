//! Fallback for ecosystems without a known scheme: digit runs compare numerically, letter runs by ASCII, other
//! characters only separate (rpmvercmp without epoch and release, which is how most schemes agree).

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

pub(crate) fn parse(s: &str) -> Result<Version> {
    if s.trim().is_empty() {
        return Err(Error::version("generic", s, "empty version"));
    }
    let mut k = Key::new();
    super::rpm::encode(&mut k, s.trim().as_bytes());
    Ok(Version::new(Scheme::Generic, s, k))
}
