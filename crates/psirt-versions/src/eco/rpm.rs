//! RPM versions: `[epoch:]version[-release]`, each part compared with `rpmvercmp`: characters other than ASCII
//! alphanumerics, `~` and `^` only separate; alphabetic and numeric runs are segments, numeric > alphabetic,
//! numbers by value, letters by `strcmp`; `~` sorts before anything (even the end), `^` after the end but before
//! any further segment. A missing epoch is 0.
//!
//! Key tokens: `~`=1, end=2, `^`=3, alphabetic run=4+bytes+NUL, numeric run=5+number.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

pub(crate) fn parse(s: &str) -> Result<Version> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::version("rpm", s, "empty version"));
    }
    // Epochs are integers in RPM; non-numeric ones (seen in the wild) compare with rpmvercmp like the rest.
    let (epoch, rest) = t.split_once(':').unwrap_or(("0", t));
    let (version, release) = match rest.rsplit_once('-') {
        Some((v, r)) => (v, Some(r)),
        None => (rest, None),
    };
    let mut k = Key::new();
    encode(
        &mut k,
        if epoch.is_empty() {
            b"0"
        } else {
            epoch.as_bytes()
        },
    );
    encode(&mut k, version.as_bytes());
    // A missing release sorts before any release, even an empty one (`1` < `1-`).
    match release {
        None => {
            k.byte(0);
        }
        Some(r) => {
            k.byte(1);
            encode(&mut k, r.as_bytes());
        }
    }
    Ok(Version::new(Scheme::Rpm, s, k))
}

pub(crate) fn encode(k: &mut Key, b: &[u8]) {
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'~' {
            k.byte(1);
            i += 1;
        } else if c == b'^' {
            k.byte(3);
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            k.byte(5).num(&b[start..i]);
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            k.byte(4).str0(&b[start..i]);
        } else {
            i += 1;
        }
    }
    k.byte(2);
}
