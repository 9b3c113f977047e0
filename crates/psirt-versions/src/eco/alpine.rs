//! Alpine apk versions: `number{.number}[letter]{_suffix[number]}[~hash][-r[number]]`, ordered as apk and
//! Gentoo's vercmp do: the first component and components without a leading zero compare as integers; a component
//! with a leading zero compares as a decimal fraction (`1.02` < `1.1`, `1.060` = `1.06`) and below any
//! integer-looking one; more components win; then the letter (none lowest); then suffixes
//! `_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` < `_svn` < `_git` < `_hg` < `_p`, each with a number; then
//! the `-r` revision (`-r` alone = `-r0`). The commit hash is ignored.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

pub(crate) fn parse(s: &str) -> Result<Version> {
    let bad = |why| Error::version("apk", s, why);
    let t = s.trim();
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
        let d = digits(&mut i);
        if d.is_empty() {
            return Err(bad("expected a number"));
        }
        if d[0] == b'0' {
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
        Some(&c) if c.is_ascii_alphabetic() => {
            k.byte(c);
            i += 1;
        }
        _ => {
            k.byte(0);
        }
    }
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
    while b.get(i) == Some(&b'_') {
        let rest = &b[i + 1..];
        let (name, w) = SUFFIXES
            .iter()
            .find(|(n, _)| rest.starts_with(n))
            .ok_or_else(|| bad("unknown suffix"))?;
        i += 1 + name.len();
        let n = digits(&mut i);
        k.byte(*w).num(n);
    }
    k.byte(5);
    if b.get(i) == Some(&b'~') {
        i += 1;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
        }
    }
    if b[i..].starts_with(b"-r") {
        i += 2;
        let n = digits(&mut i);
        k.num(n);
    } else {
        k.num(b"");
    }
    if i != b.len() {
        return Err(bad("unexpected characters"));
    }
    Ok(Version::new(Scheme::Alpine, s, k))
}
