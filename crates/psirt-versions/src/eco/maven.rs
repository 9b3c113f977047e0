//! Maven `ComparableVersion` as osv.dev, osv-scalibr's fixtures, univers and the vers-spec vectors all implement it
//! (maven-artifact before 3.8.5's "treat `.X` as `-X`"; with MNG-6964's whole-list comparison): lower-cased; `.` separates items, `-` and digit/letter
//! transitions open a nested list; `a1`/`b1`/`m1` mean alpha/beta/milestone; `ga`, `final`, `release` are the
//! empty qualifier and `cr` is `rc`; each list drops trailing "null" items (0, "", empty lists) before its last
//! non-list item. Items compare int > list > string; qualifiers in the order alpha < beta < milestone < rc <
//! snapshot < "" < sp < others (alphabetical); a missing item compares as "null".
//!
//! A missing item against a nested list compares the list's items with "null" one by one, so this order is not a
//! plain byte order: the key stores the normalised item tree (1 int, 2 qualifier, 3 list start, 4 list end) and
//! [`compare`] walks two trees without allocating.
//!
//! ComparableVersion is not a total order on arbitrary strings, in any Maven release (e.g. `0.cr` < `0` < `0-1` <
//! `0.cr` here; maven-artifact 3.8.7 has `0` > `0.alpha.0` > `0_0` > `0`); on versions of the usual shape
//! (numbers, then qualifiers) it is.

use std::cmp::Ordering;

use crate::version::{Key, Version};
use crate::{Error, Result, Scheme};

const INT: u8 = 1;
const STR: u8 = 2;
const OPEN: u8 = 3;
const CLOSE: u8 = 4;
/// Nesting bound: every `-` or digit/letter switch nests one level; deeper input is rejected (no unbounded recursion).
const MAX_DEPTH: usize = 128;

enum Item {
    Int(Vec<u8>),
    Str(Vec<u8>),
    List(Vec<Item>),
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(q) => q.as_slice() == b"5",
            Item::List(l) => l.is_empty(),
        }
    }
}

fn int_item(digits: &str) -> Item {
    let d = digits.trim_start_matches('0');
    Item::Int(d.as_bytes().to_vec())
}

fn str_item(s: &str, followed_by_digit: bool) -> Item {
    let s = match (followed_by_digit, s) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        _ => s,
    };
    let s = match s {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        s => s,
    };
    const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
    // ComparableVersion compares these strings: the index of a known qualifier, or "7-<qualifier>".
    let comparable = match QUALIFIERS.iter().position(|q| *q == s) {
        Some(i) => i.to_string(),
        None => format!("7-{s}"),
    };
    Item::Str(comparable.into_bytes())
}

fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

pub(crate) fn parse(s: &str) -> Result<Version> {
    let v = s.trim().to_lowercase();
    if v.is_empty() {
        return Err(Error::version("maven", s, "empty version"));
    }
    // The spine of nested lists: each new list is the last item of the one before it.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    let chars: Vec<(usize, char)> = v.char_indices().collect();
    let push_list = |stack: &mut Vec<Vec<Item>>| -> Result<()> {
        if stack.len() >= MAX_DEPTH {
            return Err(Error::version("maven", s, "too deeply nested"));
        }
        stack.push(Vec::new());
        Ok(())
    };
    let item = |digit: bool, text: &str| {
        if digit {
            int_item(text)
        } else {
            str_item(text, false)
        }
    };
    for &(i, c) in &chars {
        let cur = stack.len() - 1;
        if c == '.' || c == '-' {
            let it = if i == start {
                Item::Int(Vec::new())
            } else {
                item(is_digit, &v[start..i])
            };
            stack[cur].push(it);
            start = i + 1;
            if c == '-' {
                push_list(&mut stack)?;
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                stack[cur].push(str_item(&v[start..i], true));
                start = i;
                push_list(&mut stack)?;
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                stack[cur].push(int_item(&v[start..i]));
                start = i;
                push_list(&mut stack)?;
            }
            is_digit = false;
        }
    }
    if v.len() > start {
        let cur = stack.len() - 1;
        stack[cur].push(item(is_digit, &v[start..]));
    }
    let mut inner: Option<Vec<Item>> = None;
    while let Some(mut list) = stack.pop() {
        if let Some(child) = inner.take() {
            list.push(Item::List(child));
        }
        normalize(&mut list);
        inner = Some(list);
    }
    let mut k = Key::new();
    for it in inner.unwrap_or_default() {
        write(&mut k, &it);
    }
    Ok(Version::new(Scheme::Maven, s, k))
}

fn write(k: &mut Key, it: &Item) {
    match it {
        Item::Int(d) => {
            k.byte(INT).num(d);
        }
        Item::Str(q) => {
            k.byte(STR).str0(q);
        }
        Item::List(l) => {
            k.byte(OPEN);
            for x in l {
                write(k, x);
            }
            k.byte(CLOSE);
        }
    }
}

/// One item of a serialised tree: its tag and its bytes (payload, or the whole nested list with brackets).
#[derive(Clone, Copy)]
struct It<'a> {
    tag: u8,
    body: &'a [u8],
}

/// Reads items of one list level from `buf[*pos..]`; `None` at the list's end (CLOSE or end of buffer).
fn next<'a>(buf: &'a [u8], pos: &mut usize) -> Option<It<'a>> {
    let tag = *buf.get(*pos)?;
    let start = *pos;
    match tag {
        INT => {
            let len = num_len(buf, start + 1);
            *pos = start + 1 + len;
            Some(It {
                tag,
                body: buf.get(start + 1..*pos).unwrap_or(&[]),
            })
        }
        STR => {
            let end = buf[start + 1..]
                .iter()
                .position(|&b| b == 0)
                .map_or(buf.len(), |p| start + 1 + p);
            *pos = (end + 1).min(buf.len());
            Some(It {
                tag,
                body: &buf[start + 1..end],
            })
        }
        OPEN => {
            let mut depth = 0usize;
            let mut p = start;
            // Skip the nested list, tracking depth; payload bytes never equal OPEN/CLOSE ambiguously because we
            // step over whole items.
            loop {
                match buf.get(p) {
                    None => break,
                    Some(&OPEN) => {
                        depth += 1;
                        p += 1;
                    }
                    Some(&CLOSE) => {
                        depth = depth.saturating_sub(1);
                        p += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Some(&INT) => p += 1 + num_len(buf, p + 1),
                    Some(_) => {
                        p = buf[p + 1..]
                            .iter()
                            .position(|&b| b == 0)
                            .map_or(buf.len(), |q| p + 2 + q);
                    }
                }
            }
            *pos = p;
            // body: the items inside the brackets
            Some(It {
                tag,
                body: buf.get(start + 1..p.saturating_sub(1)).unwrap_or(&[]),
            })
        }
        _ => None,
    }
}

/// Length in bytes of a number written by `Key::num` at `buf[p..]`.
fn num_len(buf: &[u8], p: usize) -> usize {
    match buf.get(p) {
        Some(&0xF0) => {
            let n = buf
                .get(p + 1..p + 5)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, u32::from_be_bytes);
            5 + n as usize
        }
        Some(&n) => 1 + usize::from(n),
        None => 0,
    }
}

fn cmp_with_null(a: It<'_>) -> Ordering {
    match a.tag {
        INT => {
            if a.body.first() == Some(&0) {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        STR => a.body.cmp(b"5".as_slice()),
        _ => {
            // The whole list against "null", not just its first item (MNG-6964, maven-artifact >= 3.8.4):
            // comparing only the first item made `0-0.a` = `0` < `0-a` < `0-0.a`.
            let mut p = 0;
            while let Some(item) = next(a.body, &mut p) {
                let r = cmp_with_null(item);
                if r != Ordering::Equal {
                    return r;
                }
            }
            Ordering::Equal
        }
    }
}

fn cmp_item(a: It<'_>, b: It<'_>) -> Ordering {
    match (a.tag, b.tag) {
        (INT, INT) | (STR, STR) => a.body.cmp(b.body),
        (OPEN, OPEN) => cmp_lists(a.body, b.body),
        (INT, _) => Ordering::Greater,
        (_, INT) => Ordering::Less,
        (OPEN, _) => Ordering::Greater,
        (_, _) => Ordering::Less,
    }
}

fn cmp_lists(a: &[u8], b: &[u8]) -> Ordering {
    let (mut pa, mut pb) = (0, 0);
    loop {
        let r = match (next(a, &mut pa), next(b, &mut pb)) {
            (None, None) => return Ordering::Equal,
            (Some(x), None) => cmp_with_null(x),
            (None, Some(y)) => cmp_with_null(y).reverse(),
            (Some(x), Some(y)) => cmp_item(x, y),
        };
        if r != Ordering::Equal {
            return r;
        }
    }
}

/// Compare two Maven keys.
pub(crate) fn compare(a: &[u8], b: &[u8]) -> Ordering {
    cmp_lists(a, b)
}
