//! SemVer 2.0 precedence (npm, crates.io, Go, Hex, Bitnami, ...), parsed leniently as OSV tools do: optional `v`,
//! any number of numeric components (missing ones are 0, a 4th and later are build metadata), and the first
//! character that is neither digit nor `.` starts the pre-release/build part. Numbers have no size limit.
//! Go pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`) are plain pre-releases here, as in Go itself.
//!
//! With `ordered_build` (Dart pub) build metadata orders too: none < any, identifiers as in pre-releases.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

pub(crate) fn parse(s: &str, ordered_build: bool) -> Result<Version> {
    let scheme = if ordered_build {
        Scheme::Pub
    } else {
        Scheme::SemVer
    };
    parse_like(s, scheme, 3, ordered_build)
}

/// Shared with NuGet: `ncomp` numeric components (up to 4); NuGet's scheme lowercases the pre-release.
pub(crate) fn parse_like(
    s: &str,
    scheme: Scheme,
    ncomp: usize,
    ordered_build: bool,
) -> Result<Version> {
    let body = s.strip_prefix('v').unwrap_or(s);
    let b = body.as_bytes();
    let mut comps: [&[u8]; 4] = [b"0", b"0", b"0", b"0"];
    let mut n = 0usize;
    let mut i = 0usize;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if let Some(slot) = comps.get_mut(n).filter(|_| n < ncomp) {
                *slot = &b[start..i];
            }
            n += 1;
        } else if b[i] == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    if body.is_empty() {
        return Err(Error::version(scheme.name(), s, "empty version"));
    }
    // No leading number (`nightly.2026-03-10.0` in Bitnami's feed): 0.0.0 with the text as pre-release, as the
    // OSV tools read it.
    let rest = &body[i..];
    let (pre, build) = match rest.split_once('+') {
        Some((p, b)) => (p, Some(b)),
        None => (rest, None),
    };
    let pre = if n == 0 {
        pre
    } else {
        pre.strip_prefix('-').unwrap_or(pre)
    };
    let mut k = Key::new();
    for c in &comps[..ncomp.min(4)] {
        k.num(c);
    }
    if pre.is_empty() {
        k.byte(0xFF);
    } else if scheme == Scheme::NuGet {
        idents(&mut k, &pre.to_ascii_lowercase());
    } else {
        idents(&mut k, pre);
    }
    if ordered_build {
        if let Some(b) = build {
            idents(&mut k, b);
        }
    }
    Ok(Version::new(scheme, s, k))
}

/// Dot-separated identifiers: numeric ones (by value) before alphanumeric ones (ASCII); a longer list wins a tie.
fn idents(k: &mut Key, s: &str) {
    for id in s.split('.') {
        if !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()) {
            k.byte(1).num(id.as_bytes());
        } else {
            k.byte(2).str0(id.as_bytes());
        }
    }
    k.byte(0);
}
