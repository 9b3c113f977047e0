//! CRAN (R `package_version`): non-negative integers separated by `.` or `-`; compared component-wise, and a
//! version that extends another is greater (`1.0` < `1.0.0`), as R does.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

pub(crate) fn parse(s: &str) -> Result<Version> {
    Ok(Version::new(
        Scheme::Cran,
        s,
        int_list(s, "cran", &['.', '-'])?,
    ))
}

/// Integer components separated by `seps`; key = each component (marker 1) then 0.
pub(crate) fn int_list(s: &str, scheme: &'static str, seps: &[char]) -> Result<Key> {
    let t = s.trim();
    let mut k = Key::new();
    for part in t.split(seps) {
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Error::version(scheme, s, "components must be integers"));
        }
        k.byte(1).num(part.as_bytes());
    }
    k.byte(0);
    Ok(k)
}
