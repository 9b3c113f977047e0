//! The OSV fields psirt's model reads, every string borrowed from the record's text (copied only when it has
//! escapes): no owned model, no dates or purls derived, so the least any serde_json-based typed parse of these
//! fields can cost. If this row is slower than gunzip, no owned model on serde_json can be faster.

// The fields are only parsed (what this row measures), never read afterwards.
#![allow(dead_code)]

use std::borrow::Cow;

use serde::Deserialize;

/// A newtype because `#[serde(borrow)]` on `Option<Cow<str>>` copies (serde-rs/serde#2016).
#[derive(Deserialize, PartialEq, Debug)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

#[derive(Deserialize, PartialEq, Debug)]
pub struct Doc<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(borrow)]
    pub modified: Option<Text<'a>>,
    #[serde(borrow)]
    pub published: Option<Text<'a>>,
    #[serde(borrow)]
    pub withdrawn: Option<Text<'a>>,
    #[serde(borrow)]
    pub aliases: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    pub related: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    pub upstream: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    pub summary: Option<Text<'a>>,
    #[serde(borrow)]
    pub details: Option<Text<'a>>,
    #[serde(borrow)]
    pub severity: Option<Vec<Severity<'a>>>,
    #[serde(borrow)]
    pub affected: Option<Vec<Affected<'a>>>,
    #[serde(borrow)]
    pub references: Option<Vec<Reference<'a>>>,
}

#[derive(Deserialize, PartialEq, Debug)]
pub struct Severity<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Text<'a>,
    #[serde(borrow)]
    pub score: Text<'a>,
}

#[derive(Deserialize, PartialEq, Debug)]
pub struct Reference<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Option<Text<'a>>,
    #[serde(borrow)]
    pub url: Text<'a>,
}

#[derive(Deserialize, PartialEq, Debug)]
pub struct Affected<'a> {
    #[serde(borrow)]
    pub package: Option<Package<'a>>,
    #[serde(borrow)]
    pub severity: Option<Vec<Severity<'a>>>,
    #[serde(borrow)]
    pub ranges: Option<Vec<Range<'a>>>,
    #[serde(borrow)]
    pub versions: Option<Vec<Text<'a>>>,
}

#[derive(Deserialize, PartialEq, Debug)]
pub struct Package<'a> {
    #[serde(borrow)]
    pub ecosystem: Text<'a>,
    #[serde(borrow)]
    pub name: Text<'a>,
    #[serde(borrow)]
    pub purl: Option<Text<'a>>,
}

#[derive(Deserialize, PartialEq, Debug)]
pub struct Range<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Text<'a>,
    #[serde(borrow)]
    pub events: Vec<Event<'a>>,
    #[serde(borrow)]
    pub repo: Option<Text<'a>>,
}

#[derive(Deserialize, PartialEq, Debug)]
pub struct Event<'a> {
    #[serde(borrow)]
    pub introduced: Option<Text<'a>>,
    #[serde(borrow)]
    pub fixed: Option<Text<'a>>,
    #[serde(borrow)]
    pub last_affected: Option<Text<'a>>,
    #[serde(borrow)]
    pub limit: Option<Text<'a>>,
}

/// Whether the record reads into the borrowed fields (and nothing follows it).
pub fn parse(text: &str) -> bool {
    std::hint::black_box(serde_json::from_str::<Doc<'_>>(text)).is_ok()
}

/// The fields, for comparing with the hand-written reader.
pub fn fields(text: &str) -> Option<Doc<'_>> {
    serde_json::from_str(text).ok()
}
