//! A JSON reader written for OSV's shape, by hand: string ends found 16 bytes at a time with SSE2 (three compares and
//! a `pmovmskb`; the rest is plain Rust), the grammar of RFC 8259, values skipped without being built. Two rows use
//! it: its skip-only scan (against serde_json's `IgnoredAny`) and a reader into the same borrowed fields as
//! `borrowed.rs` (against serde_json reading them): how far a parser made for these records gets, before any model
//! is built. It gives up (`None`) on an escaped key, a lone surrogate or nesting deeper than [`MAX_DEPTH`]; the
//! corpus has none, and `check` counts any record where it and serde_json disagree.

use std::borrow::Cow;

use crate::borrowed::{Affected, Doc, Event, Package, Range, Reference, Severity, Text};

/// Nesting deeper than this gives up (serde_json's own limit is 128).
pub const MAX_DEPTH: u32 = 100;

pub struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Scanner<'a> {
        Scanner {
            text,
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    /// Only white space is left.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.at == self.bytes.len()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after white space, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// `null` is next: consumed, `true`. Anything else is left for the caller.
    pub fn null(&mut self) -> Option<bool> {
        if self.peek()? != b'n' {
            return Some(false);
        }
        self.literal(b"null").map(|()| true)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// An object: `field` is called with each key (keys with escapes give up) and must read the value.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = match self.string()? {
                Cow::Borrowed(k) => k,
                Cow::Owned(_) => return None,
            };
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array: `item` is called for each element and must read it.
    pub fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string, borrowed from the text when it has no escapes.
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        let end = special(self.bytes, start)?;
        if self.bytes[end] == b'"' {
            self.at = end + 1;
            return self.text.get(start..end).map(Cow::Borrowed);
        }
        let mut out = String::with_capacity(end - start + 16);
        let mut from = start;
        let mut end = end;
        loop {
            // `from` and `end` sit next to ASCII bytes: both are char boundaries.
            out.push_str(self.text.get(from..end)?);
            if self.bytes[end] == b'"' {
                self.at = end + 1;
                return Some(Cow::Owned(out));
            }
            let (c, next) = self.escape(end + 1)?;
            out.push(c);
            from = next;
            end = special(self.bytes, from)?;
        }
    }

    /// The escape whose letter is at `at` (after the backslash): the character and where the string goes on.
    fn escape(&self, at: usize) -> Option<(char, usize)> {
        let c = match *self.bytes.get(at)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4(at + 1)?;
                if !(0xD800..0xDC00).contains(&unit) {
                    // A lone low surrogate gives up here (`from_u32` refuses it).
                    return Some((char::from_u32(unit)?, at + 5));
                }
                if self.bytes.get(at + 5..at + 7)? != b"\\u" {
                    return None;
                }
                let low = self.hex4(at + 7)?;
                if !(0xDC00..0xE000).contains(&low) {
                    return None;
                }
                let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?;
                return Some((c, at + 11));
            }
            _ => return None,
        };
        Some((c, at + 1))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
    }

    /// Any value, checked and not built. `depth`: how deep it is.
    pub fn skip(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' if depth < MAX_DEPTH => self.skip_members(depth + 1),
            b'[' if depth < MAX_DEPTH => self.array(|s| s.skip(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// An object's members, skipped; unlike [`Scanner::object`] keys may have escapes.
    fn skip_members(&mut self, depth: u32) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            self.skip_string()?;
            self.eat(b':')?;
            self.skip(depth)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// As serde_json ignores a string: escapes must be well formed, a `\u` escape need not be a valid scalar.
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        let mut from = self.at;
        loop {
            let end = special(self.bytes, from)?;
            if self.bytes[end] == b'"' {
                self.at = end + 1;
                return Some(());
            }
            from = match *self.bytes.get(end + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => end + 2,
                b'u' => self.hex4(end + 2).map(|_| end + 6)?,
                _ => return None,
            };
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn skip_number(&mut self) -> Option<()> {
        let b = self.bytes;
        let digits = |mut i: usize| {
            let from = i;
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            (i > from).then_some(i)
        };
        let mut i = self.at;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        i = match b.get(i)? {
            b'0' => i + 1,
            b'1'..=b'9' => digits(i)?,
            _ => return None,
        };
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1)?;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            i = digits(i)?;
        }
        self.at = i;
        Some(())
    }
}

/// Where the string part from `from` on ends: the index of the first `"` or `\\`; `None` at a control character
/// (not allowed unescaped in a JSON string) or the end of the text. Most bytes of an OSV record are in strings, so
/// this is the hot loop: 16 bytes at a time ([`specials`]), then byte by byte in the last few.
fn special(bytes: &[u8], mut from: usize) -> Option<usize> {
    while let Some(chunk) = bytes.get(from..from + 16) {
        let mask = specials(chunk.try_into().ok()?);
        if mask != 0 {
            let at = from + mask.trailing_zeros() as usize;
            return (bytes[at] >= 0x20).then_some(at);
        }
        from += 16;
    }
    loop {
        match *bytes.get(from)? {
            b'"' | b'\\' => return Some(from),
            0..=0x1f => return None,
            _ => from += 1,
        }
    }
}

/// Bit `i` set when byte `i` is `"`, `\\` or a control character: SSE2 (in every x86-64 CPU), three compares and a
/// `pmovmskb`. The compiler does not find this by itself (its auto-vectorised mask took longer than serde_json's scan).
#[cfg(target_arch = "x86_64")]
fn specials(chunk: &[u8; 16]) -> u32 {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this code is built for has it.
    unsafe { specials_sse2(chunk) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn specials_sse2(chunk: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };
    let (low, high) = chunk.split_at(8);
    let word = |b: &[u8]| b.try_into().map_or(0, i64::from_le_bytes);
    let v = _mm_set_epi64x(word(high), word(low));
    let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
    let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
    // Unsigned b <= 0x1f exactly when max(b, 0x1f) == 0x1f.
    let limit = _mm_set1_epi8(0x1f);
    let control = _mm_cmpeq_epi8(_mm_max_epu8(v, limit), limit);
    let hits = _mm_or_si128(_mm_or_si128(quote, backslash), control);
    // The mask has 16 bits: the cast keeps them.
    _mm_movemask_epi8(hits) as u32
}

/// Elsewhere a byte at a time (same answer).
#[cfg(not(target_arch = "x86_64"))]
fn specials(chunk: &[u8; 16]) -> u32 {
    chunk.iter().enumerate().fold(0, |m, (i, &b)| {
        m | (u32::from(b == b'"' || b == b'\\' || b < 0x20) << i)
    })
}

/// The record into the borrowed fields, and nothing after it.
pub fn parse(text: &str) -> Option<Doc<'_>> {
    let mut s = Scanner::new(text);
    let doc = doc(&mut s)?;
    s.at_end().then_some(doc)
}

/// Whether the record is JSON (nothing built).
pub fn skip(text: &str) -> bool {
    let mut s = Scanner::new(text);
    s.skip(0).is_some() && s.at_end()
}

/// Sets a field seen for the first time (serde: a duplicate field is an error, so a give-up here).
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// A field that may be `null` (serde: `None`), set at most once.
fn set_opt<'a, T>(
    s: &mut Scanner<'a>,
    slot: &mut Option<Option<T>>,
    read: impl FnOnce(&mut Scanner<'a>) -> Option<T>,
) -> Option<()> {
    let value = if s.null()? { None } else { Some(read(s)?) };
    set(slot, value)
}

fn text<'a>(s: &mut Scanner<'a>) -> Option<Text<'a>> {
    s.string().map(Text)
}

fn list<'a, T>(
    s: &mut Scanner<'a>,
    mut read: impl FnMut(&mut Scanner<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    let mut out = Vec::new();
    s.array(|s| read(s).map(|v| out.push(v)))?;
    Some(out)
}

fn texts<'a>(s: &mut Scanner<'a>) -> Option<Vec<Text<'a>>> {
    list(s, text)
}

fn doc<'a>(s: &mut Scanner<'a>) -> Option<Doc<'a>> {
    let (mut id, mut modified, mut published, mut withdrawn) = (None, None, None, None);
    let (mut aliases, mut related, mut upstream) = (None, None, None);
    let (mut summary, mut details, mut severity, mut affected, mut references) =
        (None, None, None, None, None);
    s.object(|s, key| match key {
        "id" => {
            let v = text(s)?;
            set(&mut id, v)
        }
        "modified" => set_opt(s, &mut modified, text),
        "published" => set_opt(s, &mut published, text),
        "withdrawn" => set_opt(s, &mut withdrawn, text),
        "aliases" => set_opt(s, &mut aliases, texts),
        "related" => set_opt(s, &mut related, texts),
        "upstream" => set_opt(s, &mut upstream, texts),
        "summary" => set_opt(s, &mut summary, text),
        "details" => set_opt(s, &mut details, text),
        "severity" => set_opt(s, &mut severity, |s| list(s, severity_entry)),
        "affected" => set_opt(s, &mut affected, |s| list(s, affected_entry)),
        "references" => set_opt(s, &mut references, |s| list(s, reference)),
        _ => s.skip(1),
    })?;
    Some(Doc {
        id: id?,
        modified: modified.flatten(),
        published: published.flatten(),
        withdrawn: withdrawn.flatten(),
        aliases: aliases.flatten(),
        related: related.flatten(),
        upstream: upstream.flatten(),
        summary: summary.flatten(),
        details: details.flatten(),
        severity: severity.flatten(),
        affected: affected.flatten(),
        references: references.flatten(),
    })
}

fn severity_entry<'a>(s: &mut Scanner<'a>) -> Option<Severity<'a>> {
    let (mut kind, mut score) = (None, None);
    s.object(|s, key| match key {
        "type" => {
            let v = text(s)?;
            set(&mut kind, v)
        }
        "score" => {
            let v = text(s)?;
            set(&mut score, v)
        }
        _ => s.skip(3),
    })?;
    Some(Severity {
        kind: kind?,
        score: score?,
    })
}

fn affected_entry<'a>(s: &mut Scanner<'a>) -> Option<Affected<'a>> {
    let (mut package, mut severity, mut ranges, mut versions) = (None, None, None, None);
    s.object(|s, key| match key {
        "package" => set_opt(s, &mut package, package_entry),
        "severity" => set_opt(s, &mut severity, |s| list(s, severity_entry)),
        "ranges" => set_opt(s, &mut ranges, |s| list(s, range)),
        "versions" => set_opt(s, &mut versions, texts),
        _ => s.skip(3),
    })?;
    Some(Affected {
        package: package.flatten(),
        severity: severity.flatten(),
        ranges: ranges.flatten(),
        versions: versions.flatten(),
    })
}

fn package_entry<'a>(s: &mut Scanner<'a>) -> Option<Package<'a>> {
    let (mut ecosystem, mut name, mut purl) = (None, None, None);
    s.object(|s, key| match key {
        "ecosystem" => {
            let v = text(s)?;
            set(&mut ecosystem, v)
        }
        "name" => {
            let v = text(s)?;
            set(&mut name, v)
        }
        "purl" => set_opt(s, &mut purl, text),
        _ => s.skip(4),
    })?;
    Some(Package {
        ecosystem: ecosystem?,
        name: name?,
        purl: purl.flatten(),
    })
}

fn range<'a>(s: &mut Scanner<'a>) -> Option<Range<'a>> {
    let (mut kind, mut events, mut repo) = (None, None, None);
    s.object(|s, key| match key {
        "type" => {
            let v = text(s)?;
            set(&mut kind, v)
        }
        "events" => {
            let v = list(s, event)?;
            set(&mut events, v)
        }
        "repo" => set_opt(s, &mut repo, text),
        _ => s.skip(4),
    })?;
    Some(Range {
        kind: kind?,
        events: events?,
        repo: repo.flatten(),
    })
}

fn event<'a>(s: &mut Scanner<'a>) -> Option<Event<'a>> {
    let (mut introduced, mut fixed, mut last_affected, mut limit) = (None, None, None, None);
    s.object(|s, key| match key {
        "introduced" => set_opt(s, &mut introduced, text),
        "fixed" => set_opt(s, &mut fixed, text),
        "last_affected" => set_opt(s, &mut last_affected, text),
        "limit" => set_opt(s, &mut limit, text),
        _ => s.skip(5),
    })?;
    Some(Event {
        introduced: introduced.flatten(),
        fixed: fixed.flatten(),
        last_affected: last_affected.flatten(),
        limit: limit.flatten(),
    })
}

fn reference<'a>(s: &mut Scanner<'a>) -> Option<Reference<'a>> {
    let (mut kind, mut url) = (None, None);
    s.object(|s, key| match key {
        "type" => set_opt(s, &mut kind, text),
        "url" => {
            let v = text(s)?;
            set(&mut url, v)
        }
        _ => s.skip(3),
    })?;
    Some(Reference {
        kind: kind.flatten(),
        url: url?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(json: &str) -> Option<String> {
        let mut s = Scanner::new(json);
        let v = s.string()?.into_owned();
        s.at_end().then_some(v)
    }

    fn skips(json: &str) -> bool {
        let mut s = Scanner::new(json);
        s.skip(0).is_some() && s.at_end()
    }

    #[test]
    fn strings_read_as_serde_json_reads_them() {
        for json in [
            r#""plain""#,
            r#""a\"b\\c\/d\b\f\n\r\t""#,
            r#""\u00e9\u20AC\ud83d\ude00 é €""#,
            r#""""#,
            r#""\\""#,
        ] {
            let expected: String = serde_json::from_str(json).unwrap();
            assert_eq!(string(json).as_deref(), Some(&*expected), "{json}");
        }
    }

    #[test]
    fn strings_serde_json_refuses_are_refused() {
        for json in [
            "\"tab\there\"",
            "\"new\nline\"",
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\x41""#,
            r#""\u12""#,
            r#""open"#,
            r#""ends in escape\"#,
        ] {
            assert!(serde_json::from_str::<String>(json).is_err(), "{json}");
            assert_eq!(string(json), None, "{json}");
        }
    }

    #[test]
    fn skipping_accepts_only_json() {
        for json in [
            "0",
            "-0",
            "12.5e+3",
            "1E9",
            "-0.0",
            "true",
            "null",
            r#"{"a":[1,{"b":null}],"\u00e9":"x"}"#,
            "[]",
            "{}",
            r#""\ud83d""#,
        ] {
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(json).is_ok(),
                "{json}"
            );
            assert!(skips(json), "{json}");
        }
        for json in [
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "tru",
            "nul",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\"}",
            "[1 2]",
            "{1:2}",
            "'x'",
            "NaN",
        ] {
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(json).is_err(),
                "{json}"
            );
            assert!(!skips(json), "{json}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(!skips(&deep));
        let fine = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert!(skips(&fine));
    }
}
