//! Alpine apk versions: `number{.number}[letter[number]]{_suffix[number]}[~hash][-r[number]]`, ordered as apk and
//! Gentoo's vercmp do: the first component and components without a leading zero compare as integers; a component
//! with a leading zero compares as a decimal fraction (`1.02` < `1.1`, `1.060` = `1.06`) and below any
//! integer-looking one; more components win; then the letter (none lowest; real packages carry `5.1p1`, the
//! number after the letter orders too); then suffixes `_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` <
//! `_svn` < `_git` < `_hg` < `_p`, each with a number; then the `-r` revision (`-r` alone = `-r0`). The commit hash
//! is ignored. The first component is always an integer. Text outside this grammar is kept as a remainder: a
//! version with one sorts just below the same version without.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

const SUFFIXES: [(&[u8], u8); 9] = [
    (b"alpha", 1),
    (b"beta", 2),
    (b"pre", 3),
    (b"rc", 4),
    (b"cvs", 6),
    (b"svn", 7),
    (b"git", 8),
    (b"hg", 9),
    (b"p", 10),
];

pub(crate) fn parse(s: &str) -> Result<Version> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::version("apk", s, "empty version"));
    }
    let b = t.as_bytes();
    let mut i = 0;
    let mut k = Key::new();
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        &b[st..*i]
    };
    loop {
        let first = i == 0;
        let d = digits(&mut i);
        if d.is_empty() {
            break;
        }
        // apk reads the first component as a plain integer (`014` > `1.3.1`)
        if d[0] == b'0' && !first {
            // leading zero: a decimal fraction, trailing zeros insignificant
            let end = d.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1);
            k.byte(1).str0(&d[..end]);
        } else {
            k.byte(2).num(d);
        }
        if i < b.len() && b[i] == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
        } else {
            break;
        }
    }
    k.byte(0);
    match b.get(i) {
        Some(&c) if c.is_ascii_alphabetic() && i > 0 => {
            i += 1;
            let n = digits(&mut i);
            k.byte(c).num(n);
        }
        _ => {
            k.byte(0);
        }
    }
    while b.get(i) == Some(&b'_') {
        let rest = &b[i + 1..];
        let Some((name, w)) = SUFFIXES.iter().find(|(n, _)| rest.starts_with(n)) else {
            break;
        };
        i += 1 + name.len();
        let n = digits(&mut i);
        k.byte(*w).num(n);
    }
    k.byte(5);
    if b.get(i) == Some(&b'~') && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) {
        i += 1;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
        }
    }
    let has_revision = b[i..].starts_with(b"-r");
    if has_revision {
        i += 2;
        let n = digits(&mut i);
        k.num(n);
    } else {
        k.num(b"");
    }
    // Leftover text: after a revision only its presence counts (`1-r0-1` = `1-r-2`, as in apk's test data);
    // otherwise it is compared as a string (`0..1..0` < `0..1..1`).
    if i == b.len() {
        k.byte(1);
    } else if has_revision {
        k.byte(0);
    } else {
        k.byte(0).str0(&b[i..]);
    }
    Ok(Version::new(Scheme::Alpine, s, k))
}
