//! Debian dpkg versions: `[epoch:]upstream[-revision]`, compared as dpkg's `verrevcmp` does: alternating
//! non-digit and digit runs; in non-digit runs `~` sorts before everything (even the end of the run), letters
//! before non-letters; digit runs compare numerically. A missing revision equals an empty one (= `0`).
//!
//! Key: each character becomes a 16-bit weight (`~`=1, end of run=2, letter=c+3, other=c+259), each digit run a
//! length-prefixed number; the end of the string is the weight 2, which is how dpkg treats running out.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

pub(crate) fn parse(s: &str) -> Result<Version> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::version("deb", s, "empty version"));
    }
    let (epoch, rest) = match t.split_once(':') {
        Some((e, r)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => (e, r),
        Some(_) => return Err(Error::version("deb", s, "epoch must be a number")),
        None => ("0", t),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err(Error::version("deb", s, "empty upstream version"));
    }
    let mut k = Key::new();
    k.num(epoch.as_bytes());
    encode(&mut k, upstream.as_bytes());
    encode(&mut k, revision.as_bytes());
    Ok(Version::new(Scheme::Debian, s, k))
}

fn weight(c: u8) -> u16 {
    match c {
        b'~' => 1,
        c if c.is_ascii_alphabetic() => u16::from(c) + 3,
        c => u16::from(c) + 259,
    }
}

/// dpkg's `verrevcmp` as a key. Shared with the Debian-like parts of other schemes.
pub(crate) fn encode(k: &mut Key, b: &[u8]) {
    let mut i = 0;
    loop {
        while i < b.len() && !b[i].is_ascii_digit() {
            k.bytes(&weight(b[i]).to_be_bytes());
            i += 1;
        }
        k.bytes(&2u16.to_be_bytes());
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        k.num(&b[start..i]);
        if i >= b.len() {
            break;
        }
    }
    // End of string: an empty non-digit run, i.e. the weight 2 once more.
    k.bytes(&2u16.to_be_bytes());
}
