//! Packagist / Composer: PHP `version_compare` after dropping a leading `v`. The string is canonicalised (`-_+`
//! become `.`, a `.` goes between digit and non-digit runs) and split on `.`; numbers compare numerically;
//! strings by special form, matched by prefix: unknown < `dev` < `alpha`=`a` < `beta`=`b` < `RC`=`rc` < number
//! (`#`) < `pl`=`p`. When one version runs out, a following number makes the other greater, a following string is
//! compared with `#` — so the end sits between `rc` and numbers.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

fn special(s: &[u8]) -> u8 {
    const FORMS: &[(&[u8], u8)] = &[
        (b"dev", 2),
        (b"alpha", 3),
        (b"a", 3),
        (b"beta", 4),
        (b"b", 4),
        (b"RC", 5),
        (b"rc", 5),
        (b"#", 7),
        (b"pl", 8),
        (b"p", 8),
    ];
    FORMS
        .iter()
        .find(|(f, _)| s.starts_with(f))
        .map_or(1, |(_, w)| *w)
}

pub(crate) fn parse(s: &str) -> Result<Version> {
    let t = s.trim();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    if t.is_empty() {
        return Err(Error::version("composer", s, "empty version"));
    }
    let b = t.as_bytes();
    let mut k = Key::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b'.' | b'-' | b'_' | b'+') {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            k.byte(7).num(&b[start..i]);
        } else {
            while i < b.len()
                && !b[i].is_ascii_digit()
                && !matches!(b[i], b'.' | b'-' | b'_' | b'+')
            {
                i += 1;
            }
            k.byte(special(&b[start..i]));
        }
    }
    k.byte(6);
    Ok(Version::new(Scheme::Composer, s, k))
}
