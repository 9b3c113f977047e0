//! PEP 440 (PyPI), as `packaging.version.Version` parses and orders it: case-insensitive, optional `v`, epochs,
//! alternative spellings normalised (`alpha`→`a`, `c`/`pre`/`preview`→`rc`, `rev`/`r`→`post`, `-N` = `.postN`),
//! trailing release zeros insignificant, `X.devN` before `X.aN`, local versions after the public one with numeric
//! segments above alphanumeric ones. Strings outside the grammar fall back to `LegacyVersion` (packaging < 22,
//! still what osv.dev uses through `packaging_legacy`): they sort before every PEP 440 version.
//!
//! Key: 1 + PEP 440 key, or 0 + legacy parts (each NUL-terminated; tuple order is then byte order).

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn digits(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let b: &'a [u8] = self.b;
        (self.i > start).then(|| &b[start..self.i])
    }
    fn is_sep(c: Option<u8>) -> bool {
        matches!(c, Some(b'-' | b'_' | b'.'))
    }
    /// `[-_.]?` followed by one of `words` (first match wins, as in the regex alternation).
    fn word(&mut self, words: &[&'static str]) -> Option<&'static str> {
        let save = self.i;
        if Self::is_sep(self.peek()) {
            self.i += 1;
        }
        for w in words {
            if self.b[self.i..].starts_with(w.as_bytes()) {
                self.i += w.len();
                return Some(w);
            }
        }
        self.i = save;
        None
    }
    /// `[-_.]?[0-9]+`, consuming the separator only when digits follow.
    fn opt_num(&mut self) -> Option<&'a [u8]> {
        let save = self.i;
        if Self::is_sep(self.peek()) {
            self.i += 1;
        }
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return self.digits();
        }
        self.i = save;
        None
    }
}

pub(crate) fn parse(s: &str) -> Result<Version> {
    if let Some(v) = parse_canonical(s) {
        return Ok(v);
    }
    match parse_pep440(s) {
        Ok(v) => Ok(v),
        Err(e) if s.trim().is_empty() => Err(e),
        Err(_) => Ok(legacy(s)),
    }
}

/// Only versions valid under PEP 440 (what `packaging.version.Version` accepts).
pub fn parse_strict(s: &str) -> Result<Version> {
    parse_pep440(s)
}

/// The normalised PEP 440 spelling (`str(packaging.version.Version(s))`): `V1.0-ALPHA.2` → `1.0a2`,
/// `1.0-1` → `1.0.post1`, `1!01.2.0.dev` → `1!1.2.0.dev0`.
pub fn normalize(s: &str) -> Result<String> {
    parse_inner(s, true).map(|(_, n)| n)
}

fn parse_pep440(s: &str) -> Result<Version> {
    if let Some(v) = parse_canonical(s) {
        return Ok(v);
    }
    parse_inner(s, false).map(|(k, _)| Version::new(Scheme::Pep440, s, k))
}

/// The fast path for the normalised spellings almost every real version has: `N(.N)*`, then optionally
/// `(a|b|rc)N`, `.postN`, `.devN`, nothing else (lower case, no epoch, no local part, no `v`, no spaces). Builds
/// the same key as [`parse_inner`] without its allocations; `None` for anything else (the general parser decides).
fn parse_canonical(s: &str) -> Option<Version> {
    let mut k = [0u8; CANONICAL_KEY_CAP];
    let n = canonical_key(s, &mut k)?;
    Some(Version::from_key(Scheme::Pep440, s, &k[..n]))
}

/// Room for the key of a string [`canonical_key`] takes.
pub(crate) const CANONICAL_KEY_CAP: usize = 96;

/// [`parse_canonical`]'s key, written into `k`; its length.
pub(crate) fn canonical_key(s: &str, k: &mut [u8; CANONICAL_KEY_CAP]) -> Option<usize> {
    const CAP: usize = CANONICAL_KEY_CAP;
    let b = s.as_bytes();
    // Key length is at most 2 + 2 per digit run + digits + 7 (pre/post/dev/local bytes): bounded by 3 × len + 9.
    if b.is_empty() || b.len() > 28 {
        return None;
    }
    let mut i = 0;
    // A digit run at `i` (at least one digit), as `Key::num` writes it: leading zeros dropped, length-prefixed.
    let num = |k: &mut [u8; CAP], n: &mut usize, i: &mut usize| -> bool {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return false;
        }
        let d = &b[start..*i];
        let d = &d[d.iter().position(|&c| c != b'0').unwrap_or(d.len())..];
        k[*n] = d.len() as u8; // below 0xF0: the string is at most 28 bytes
        k[*n + 1..*n + 1 + d.len()].copy_from_slice(d);
        *n += 1 + d.len();
        true
    };
    // 1 (PEP 440, not legacy), then epoch 0 (an empty number).
    k[0] = 1;
    k[1] = 0;
    let mut n = 2;
    // Release: every segment written, then cut after the last non-zero one.
    let mut keep = n;
    loop {
        k[n] = 1;
        let seg = n;
        n += 1;
        if !num(k, &mut n, &mut i) {
            return None;
        }
        if k[seg + 1] != 0 {
            keep = n;
        }
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    n = keep;
    k[n] = 0;
    n += 1;
    let rest = &b[i..];
    let (rank, skip) = match rest {
        [b'a', ..] => (1, 1),
        [b'b', ..] => (2, 1),
        [b'r', b'c', ..] => (3, 2),
        _ => (0, 0),
    };
    let pre = rank != 0;
    if pre {
        i += skip;
        k[n] = rank;
        n += 1;
        if !num(k, &mut n, &mut i) {
            return None;
        }
    }
    let post = b[i..].starts_with(b".post");
    let pre_at = n;
    if !pre {
        n += 1; // the pre byte, known once post and dev are
    }
    if post {
        i += 5;
        k[n] = 1;
        n += 1;
        if !num(k, &mut n, &mut i) {
            return None;
        }
    } else {
        k[n] = 0;
        n += 1;
    }
    let dev = b[i..].starts_with(b".dev");
    if dev {
        i += 4;
        k[n] = 1;
        n += 1;
        if !num(k, &mut n, &mut i) {
            return None;
        }
    } else {
        k[n] = 2;
        n += 1;
    }
    if !pre {
        k[pre_at] = if !post && dev { 0 } else { 4 };
    }
    k[n] = 0; // no local part
    n += 1;
    if i != b.len() {
        return None;
    }
    Some(n)
}

fn int(d: &[u8]) -> &str {
    let t = d
        .iter()
        .position(|&c| c != b'0')
        .map_or(&d[d.len().saturating_sub(1)..], |p| &d[p..]);
    std::str::from_utf8(t).unwrap_or("0")
}

/// The key and, when `want_norm`, the normalised spelling (else an empty string).
fn parse_inner(s: &str, want_norm: bool) -> Result<(Key, String)> {
    let bad = |why| Error::version("pep440", s, why);
    let lower = s.trim().to_ascii_lowercase();
    let body = lower.strip_prefix('v').unwrap_or(&lower);
    let mut c = Cursor {
        b: body.as_bytes(),
        i: 0,
    };
    let mut k = Key::new();
    k.byte(1);

    // epoch and release
    let first = c.digits().ok_or_else(|| bad("must start with a number"))?;
    let (epoch, first): (&[u8], &[u8]) = if c.peek() == Some(b'!') {
        c.i += 1;
        (
            first,
            c.digits().ok_or_else(|| bad("no release after epoch"))?,
        )
    } else {
        (b"0", first)
    };
    k.num(epoch);
    let mut norm = String::new();
    if want_norm && int(epoch) != "0" {
        norm.push_str(int(epoch));
        norm.push('!');
    }
    let mut release: Vec<&[u8]> = vec![first];
    while c.peek() == Some(b'.') && c.b.get(c.i + 1).is_some_and(|d| d.is_ascii_digit()) {
        c.i += 1;
        release.extend(c.digits());
    }
    let zero = |d: &[u8]| d.iter().all(|&x| x == b'0');
    let len = release.iter().rposition(|d| !zero(d)).map_or(0, |p| p + 1);
    for d in &release[..len] {
        k.byte(1).num(d);
    }
    k.byte(0);
    if want_norm {
        norm.push_str(&release.iter().map(|d| int(d)).collect::<Vec<_>>().join("."));
    }

    // pre, post, dev
    let pre = c
        .word(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
        .map(|w| (w, c.opt_num().unwrap_or(b"0")));
    let post = if c.peek() == Some(b'-') && c.b.get(c.i + 1).is_some_and(|d| d.is_ascii_digit()) {
        c.i += 1;
        c.digits()
    } else if c.word(&["post", "rev", "r"]).is_some() {
        Some(c.opt_num().unwrap_or(b"0"))
    } else {
        None
    };
    let dev = c.word(&["dev"]).map(|_| c.opt_num().unwrap_or(b"0"));
    match pre {
        None if post.is_none() && dev.is_some() => k.byte(0),
        None => k.byte(4),
        Some((w, n)) => {
            let (rank, label) = match w {
                "alpha" | "a" => (1, "a"),
                "beta" | "b" => (2, "b"),
                _ => (3, "rc"),
            };
            if want_norm {
                norm.push_str(label);
                norm.push_str(int(n));
            }
            k.byte(rank).num(n)
        }
    };
    match post {
        None => k.byte(0),
        Some(n) => {
            if want_norm {
                norm.push_str(".post");
                norm.push_str(int(n));
            }
            k.byte(1).num(n)
        }
    };
    match dev {
        Some(n) => {
            if want_norm {
                norm.push_str(".dev");
                norm.push_str(int(n));
            }
            k.byte(1).num(n)
        }
        None => k.byte(2),
    };

    // local
    if c.peek() == Some(b'+') {
        c.i += 1;
        let local = &body[c.i..];
        k.byte(1);
        if want_norm {
            norm.push('+');
        }
        if want_norm {
            let segs: Vec<&str> = local
                .split(['-', '_', '.'])
                .map(|g| {
                    if g.bytes().all(|x| x.is_ascii_digit()) {
                        int(g.as_bytes())
                    } else {
                        g
                    }
                })
                .collect();
            norm.push_str(&segs.join("."));
        }
        for seg in local.split(['-', '_', '.']) {
            if seg.is_empty() || !seg.bytes().all(|x| x.is_ascii_alphanumeric()) {
                return Err(bad("invalid local version"));
            }
            if seg.bytes().all(|x| x.is_ascii_digit()) {
                k.byte(2).num(seg.as_bytes());
            } else {
                k.byte(1).str0(seg.as_bytes());
            }
        }
        k.byte(0);
        c.i = c.b.len();
    } else {
        k.byte(0);
    }
    if c.i != c.b.len() {
        return Err(bad("unexpected characters"));
    }
    Ok((k, norm))
}

/// packaging's `LegacyVersion` key: lower-cased, split into digit runs, letter runs, `.` and `-` (other text kept
/// as its own part); digits zero-padded to 8, words prefixed `*`, `pre`/`preview`/`rc` → `c`, `dev` → `@`,
/// `-` → `final-`; trailing zeros and `final-` markers dropped before words; `*final` appended.
fn legacy(s: &str) -> Version {
    /// Append one raw part: mapped, dropped when empty or `.`, trailing zeros and `final-` markers popped before a
    /// word. Parts are (number, text): numbers stand for their text zero-padded to 8, words for `*` + text.
    fn push<'a>(parts: &mut Vec<(bool, &'a str)>, p: &'a str) {
        let p = match p {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            p => p,
        };
        if p.is_empty() || p == "." {
            return;
        }
        let num = p.as_bytes()[0].is_ascii_digit();
        if !num {
            // `*p` < `*final`.
            if p < "final" {
                while parts.last() == Some(&(false, "final-")) {
                    parts.pop();
                }
            }
            // Padded to `00000000`.
            while parts
                .last()
                .is_some_and(|&(n, x)| n && x.len() <= 8 && x.bytes().all(|c| c == b'0'))
            {
                parts.pop();
            }
        }
        parts.push((num, p));
    }
    let lower = s.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut parts: Vec<(bool, &str)> = Vec::with_capacity(16);
    let (mut i, mut gap) = (0, 0);
    while i < b.len() {
        let c = b[i];
        let st = i;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else if c.is_ascii_lowercase() {
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
            }
        } else if c == b'.' || c == b'-' {
            i += 1;
        } else {
            i += 1;
            continue;
        }
        if gap < st {
            push(&mut parts, &lower[gap..st]);
        }
        push(&mut parts, &lower[st..i]);
        gap = i;
    }
    if gap < b.len() {
        push(&mut parts, &lower[gap..]);
    }
    push(&mut parts, "final");
    let mut k = Key(Vec::with_capacity(2 * b.len() + 16));
    k.byte(0);
    for &(num, p) in &parts {
        if num {
            for _ in p.len()..8 {
                k.byte(b'0');
            }
        } else {
            k.byte(b'*');
        }
        k.str0(p.as_bytes());
    }
    Version::new(Scheme::Pep440, s, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The previous `legacy` (a part per `String`), kept as the reference of the allocation-light one.
    fn legacy_reference(s: &str) -> Vec<u8> {
        let lower = s.to_ascii_lowercase();
        let b = lower.as_bytes();
        let mut raw: Vec<&str> = Vec::new();
        let (mut i, mut gap) = (0, 0);
        while i < b.len() {
            let c = b[i];
            let st = i;
            if c.is_ascii_digit() {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            } else if c.is_ascii_lowercase() {
                while i < b.len() && b[i].is_ascii_lowercase() {
                    i += 1;
                }
            } else if c == b'.' || c == b'-' {
                i += 1;
            } else {
                i += 1;
                continue;
            }
            if gap < st {
                raw.push(&lower[gap..st]);
            }
            raw.push(&lower[st..i]);
            gap = i;
        }
        if gap < b.len() {
            raw.push(&lower[gap..]);
        }
        let mut parts: Vec<String> = Vec::new();
        let mapped = raw
            .into_iter()
            .map(|p| match p {
                "pre" | "preview" | "rc" => "c",
                "-" => "final-",
                "dev" => "@",
                p => p,
            })
            .filter(|p| !p.is_empty() && *p != ".")
            .map(|p| {
                if p.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("{p:0>8}")
                } else {
                    format!("*{p}")
                }
            })
            .chain(std::iter::once("*final".to_string()));
        for part in mapped {
            if part.starts_with('*') {
                if part.as_str() < "*final" {
                    while parts.last().is_some_and(|x| x == "*final-") {
                        parts.pop();
                    }
                }
                while parts.last().is_some_and(|x| x == "00000000") {
                    parts.pop();
                }
            }
            parts.push(part);
        }
        let mut k = Key::new();
        k.byte(0);
        for p in &parts {
            k.str0(p.as_bytes());
        }
        k.0
    }

    #[test]
    fn legacy_key_is_the_reference_one() {
        let atoms = [
            "0",
            "00",
            "000000000",
            "1",
            "01",
            "123456789",
            "a",
            "abc",
            "pre",
            "preview",
            "rc",
            "dev",
            "final",
            "c",
            "post",
            "z",
            ".",
            "-",
            "_",
            "+",
            "~",
            "é",
            "\0",
            " ",
            "!",
            "Final",
            "DEV",
            "RC",
        ];
        let mut n = 0;
        for a in atoms {
            for b in atoms {
                for c in atoms {
                    for s in [
                        format!("{a}{b}{c}"),
                        format!("{a}.{b}-{c}"),
                        format!("{a}{b}.{c}.0-0"),
                    ] {
                        assert_eq!(legacy(&s).sort_key(), &legacy_reference(&s)[..], "{s:?}");
                        assert_eq!(legacy(&s).as_str(), s);
                        n += 1;
                    }
                }
            }
        }
        for s in [
            "",
            "2021-03-01",
            "a1b2c3d4e5f6",
            "1.0.0-SNAPSHOT",
            "1.0-final-1",
            "release-1.2",
            "v1.0.0-rc.1+build",
            "1.0..0",
            "1.0-",
            "--",
            "0.0.0-dev-0",
            "2.0.0~beta1",
            "1,2",
            "1 0",
            "pre-1-final",
        ] {
            assert_eq!(legacy(s).sort_key(), &legacy_reference(s)[..], "{s:?}");
        }
        assert!(n > 60_000);
    }

    /// The fast path builds exactly the general parser's key, and takes the canonical spellings.
    #[test]
    fn canonical_fast_path_agrees_with_the_parser() {
        let releases = [
            "0",
            "1",
            "00",
            "01",
            "10",
            "1.0",
            "1.0.0",
            "0.0",
            "1.00.0",
            "2.10.3",
            "0.0.1",
            "1.2.3.4.5.0",
            "007.0100",
            "1.0.0.0.0.0.0.0.0.0.0.1",
            "12345678901234567890",
        ];
        let pres = [
            "", "a0", "a1", "b2", "rc3", "rc00", "a", "rc", "alpha1", "c1", "pre1", "-rc1", ".rc1",
        ];
        let posts = [
            "", ".post0", ".post1", ".post01", "-1", ".post", "post1", ".rev1", "_post2",
        ];
        let devs = ["", ".dev0", ".dev5", ".dev", "dev1", "-dev1", ".dev1a"];
        let mut fast = 0;
        for r in releases {
            for p in pres {
                for q in posts {
                    for d in devs {
                        let s = format!("{r}{p}{q}{d}");
                        let other = !p.is_empty()
                            && !["a0", "a1", "b2", "rc3", "rc00"].contains(&p)
                            || !q.is_empty() && ![".post0", ".post1", ".post01"].contains(&q)
                            || !d.is_empty() && ![".dev0", ".dev5"].contains(&d);
                        let got = parse_canonical(&s);
                        assert_eq!(got.is_some(), !other && s.len() <= 28, "{s}");
                        if let Some(v) = got {
                            fast += 1;
                            let (k, _) = parse_inner(&s, false).unwrap();
                            assert_eq!(v.sort_key(), &k.0[..], "{s}");
                            assert_eq!(v.as_str(), s);
                        }
                    }
                }
            }
        }
        assert!(fast > 500, "{fast}");
        for s in [
            "",
            ".",
            "1.",
            ".1",
            "1..2",
            "v1.0",
            "V1",
            "1.0 ",
            " 1.0",
            "1.0+local",
            "1!1.0",
            "1.0A1",
            "1.0.POST1",
            "1.0a1.",
            "1.0.post1.",
            "1.0.dev1.post1",
            "1.0a1a1",
            "1.0-1",
            "1.0_a1",
            "abc",
            "1.0.x",
        ] {
            assert!(parse_canonical(s).is_none(), "{s:?}");
        }
    }
}
