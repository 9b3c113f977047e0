//! RubyGems `Gem::Version`: `-` means `.pre.`; segments are runs of digits (numbers) or letters (strings, case
//! sensitive); the numeric head and the rest each lose trailing zeros; comparison pads with 0, and a string is
//! below any number.
//!
//! Key, with padding by 0 in mind: string = 1+bytes+NUL; positive number = 4+number; zero = 2 followed by what the
//! zero run ends in (1 string, 3 number — canonical segments never end in 0); end = 2,2. So the end compares like
//! an endless run of zeros: above a string, below a positive number, and against a zero run by what follows it.

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

enum Seg<'a> {
    Num(&'a [u8]),
    Str(&'a [u8]),
}

pub(crate) fn parse(s: &str) -> Result<Version> {
    let t = s.trim().replace('-', ".pre.");
    let b = t.as_bytes();
    if b.iter().any(|c| !(c.is_ascii_alphanumeric() || *c == b'.')) {
        return Err(Error::version(
            "gem",
            s,
            "only letters, digits, '.' and '-' allowed",
        ));
    }
    let mut segs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            segs.push(Seg::Num(&b[start..i]));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            segs.push(Seg::Str(&b[start..i]));
        } else {
            i += 1;
        }
    }
    let is_zero = |s: &Seg| matches!(s, Seg::Num(d) if d.iter().all(|&c| c == b'0'));
    let split = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let (head, tail) = segs.split_at(split);
    let trim = |x: &'_ [Seg<'_>]| x.iter().rposition(|s| !is_zero(s)).map_or(0, |p| p + 1);
    let canon: Vec<&Seg> = head[..trim(head)]
        .iter()
        .chain(tail[..trim(tail)].iter())
        .collect();
    let mut k = Key::new();
    for (idx, seg) in canon.iter().enumerate() {
        match seg {
            Seg::Str(x) => {
                k.byte(1).str0(x);
            }
            Seg::Num(_) if is_zero(seg) => {
                let next_is_str = canon[idx..]
                    .iter()
                    .find(|s| !is_zero(s))
                    .is_some_and(|s| matches!(s, Seg::Str(_)));
                k.byte(2).byte(if next_is_str { 1 } else { 3 });
            }
            Seg::Num(d) => {
                k.byte(4).num(d);
            }
        }
    }
    k.byte(2).byte(2);
    Ok(Version::new(Scheme::RubyGems, s, k))
}
